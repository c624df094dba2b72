"""Electronic supervision over HTTP (电子监察): dashboard, cards, candidate violations, trail check.

Readers: supervisors (电子监察/纪委) and centre managers. Writes: acknowledging a card (also its
recipients) and deciding a candidate violation (supervisors only). Importing this module
registers the supervision after-step hook (``services.supervision``).
"""

from __future__ import annotations

from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from backend.services import supervision  # noqa: F401  (registers the after-step hook)
from backend.services import supervision_dashboard, supervision_sweep, trail_check, violations

READERS = ("supervisor", "centre_manager")
ERR = {"description": "错误（JSON 错误结构）"}
TAGS = ["电子监察"]


def _query(name: str, description: str, enum: list | None = None) -> dict:
    schema = {"type": "string", **({"enum": enum} if enum else {})}
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _reason_body(required: list[str], extra: dict | None = None) -> dict:
    properties = {"reason": {"type": "string", "description": "理由（必填）"}, **(extra or {})}
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}


class _SupervisionHandler(APIHandler):
    def page_args(self) -> tuple[int, int]:
        try:
            page = max(int(self.get_query_argument("page", "1")), 1)
            size = min(max(int(self.get_query_argument("page_size", "20")), 1), 100)
        except ValueError:
            raise ValidationFailed("页码格式不正确", code="bad_page") from None
        return page, size


class DashboardHandler(_SupervisionHandler):
    """Live counts and on-time figures per department, window and staff member."""

    spec = {"get": {"summary": "监察大屏：在办、预警、超期、暂停及按期办结率", "tags": TAGS,
                    "parameters": [_query("days", "统计办结情况的天数（默认 30）")],
                    "responses": {"200": {"description": "实时统计"}, "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        days = supervision_dashboard.period_days(self.get_query_argument("days", "30"))
        self.send_json(await supervision_dashboard.dashboard(self.svc, me["tenant"], self.svc.now(), days))


class CardsHandler(_SupervisionHandler):
    """Warning cards, newest first."""

    spec = {"get": {"summary": "预警卡列表（黄牌、红牌）", "tags": TAGS,
                    "parameters": [_query("level", "预警级别", ["yellow", "red"]), _query("department", "部门代码"),
                                   _query("status", "状态", ["open", "acknowledged", "closed"]), _query("page", "页码"),
                                   _query("page_size", "每页条数（最多 100）")],
                    "responses": {"200": {"description": "预警卡"}, "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        page, size = self.page_args()
        self.send_json(await supervision_sweep.list_cards(
            self.svc, me["tenant"], level=self.get_query_argument("level", ""),
            department=self.get_query_argument("department", ""), status=self.get_query_argument("status", ""),
            page=page, page_size=size))


class MyCardsHandler(_SupervisionHandler):
    """The open cards addressed to the signed-in staff member."""

    spec = {"get": {"summary": "我的预警卡（发给本人岗位、部门负责人或监察人员的未签收预警卡）", "tags": TAGS,
                    "responses": {"200": {"description": "预警卡"}, "401": ERR}}}

    async def get(self) -> None:
        me = self.require_login()
        if me.get("kind") != "staff":
            self.send_json({"items": []})
            return
        self.send_json({"items": await supervision_sweep.cards_for(self.svc, me["tenant"], me["id"])})


class AcknowledgeCardHandler(_SupervisionHandler):
    """Mark a card seen (签收)."""

    spec = {"post": {"summary": "签收预警卡", "tags": TAGS,
                     "responses": {"200": {"description": "已签收的预警卡"}, "401": ERR, "403": ERR, "404": ERR}}}

    async def post(self, card_id: str) -> None:
        me = self.require_roles(*READERS, "dept_approver", "window_clerk")
        self.send_json(await supervision_sweep.acknowledge(self.svc, me["tenant"], card_id, me))


class ViolationsHandler(_SupervisionHandler):
    """Candidate and decided violations, with the type list and the responsible levels."""

    spec = {"get": {"summary": "违规候选及认定结果", "tags": TAGS,
                    "parameters": [_query("status", "状态", ["candidate", "confirmed", "dismissed"]),
                                   _query("department", "部门代码"), _query("page", "页码"), _query("page_size", "每页条数")],
                    "responses": {"200": {"description": "违规候选"}, "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        page, size = self.page_args()
        self.send_json(await violations.list_violations(
            self.svc, me["tenant"], self.get_query_argument("status", ""), self.get_query_argument("department", ""),
            page, size))


class ConfirmViolationHandler(_SupervisionHandler):
    """A supervisor confirms the violation against one responsible level."""

    spec = {"post": {"summary": "认定违规（选择责任层级并说明理由）", "tags": TAGS,
                     "requestBody": _reason_body(["responsible_level", "reason"], {
                         "responsible_level": {"type": "string", "enum": list(violations.LEVELS)},
                         "type": {"type": "string", "description": "违规类型代码（可改认定类型）"}}),
                     "responses": {"200": {"description": "已认定"}, "401": ERR, "403": ERR, "404": ERR,
                                   "409": ERR, "422": ERR}}}

    async def post(self, violation_id: str) -> None:
        me = self.require_roles("supervisor")
        self.send_json(await violations.decide(self.svc, me["tenant"], violation_id, me, self.json_body(), True))


class DismissViolationHandler(_SupervisionHandler):
    """A supervisor dismisses the candidate with a reason."""

    spec = {"post": {"summary": "排除违规候选（须说明理由）", "tags": TAGS, "requestBody": _reason_body(["reason"]),
                     "responses": {"200": {"description": "已排除"}, "401": ERR, "403": ERR, "404": ERR,
                                   "409": ERR, "422": ERR}}}

    async def post(self, violation_id: str) -> None:
        me = self.require_roles("supervisor")
        self.send_json(await violations.decide(self.svc, me["tenant"], violation_id, me, self.json_body(), False))


class TrailVerifyHandler(_SupervisionHandler):
    """Recompute every case's trail and the checkpoint chain; name every change."""

    spec = {"get": {"summary": "校验全部办件记录链与存证点（防篡改）", "tags": TAGS,
                    "responses": {"200": {"description": "校验结果：ok 与问题列表（办件号、记录序号、说明）"},
                                  "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles("supervisor")
        self.send_json(await trail_check.verify_tenant(self.svc, me["tenant"]))


ID = r"(?P<{}>[^/]+)"


def default_handlers() -> list:
    base = r"/api/v1/supervision"
    return [
        (rf"{base}/dashboard", DashboardHandler),
        (rf"{base}/cards", CardsHandler),
        (rf"{base}/my-cards", MyCardsHandler),
        (rf"{base}/cards/{ID.format('card_id')}/acknowledge", AcknowledgeCardHandler),
        (rf"{base}/violations", ViolationsHandler),
        (rf"{base}/violations/{ID.format('violation_id')}/confirm", ConfirmViolationHandler),
        (rf"{base}/violations/{ID.format('violation_id')}/dismiss", DismissViolationHandler),
        (rf"{base}/trail/verify", TrailVerifyHandler),
    ]
