"""Electronic supervision over HTTP (电子监察): dashboard, cards, candidate violations, trail check.

Readers: supervisors (电子监察/纪委) and centre managers. Writes: acknowledging a card (also its
recipients) and deciding a candidate violation (supervisors only).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from backend.handlers.operations import ANY_SIGNED_IN, Op, staff
from backend.services import supervision_dashboard, supervision_sweep, trail_check, violations

READERS = staff("supervisor", "centre_manager")
SUPERVISORS = staff("supervisor")
TAGS = ("电子监察",)


class ConfirmBody(BaseModel):
    responsible_level: Literal[tuple(violations.LEVELS)] = Field(title="责任层级")
    reason: str = Field(title="认定理由", min_length=1, max_length=1000)
    type: str = Field("", title="违规类型代码", max_length=80)


class DismissBody(BaseModel):
    reason: str = Field(title="排除理由", min_length=1, max_length=1000)


def _query(name: str, description: str, enum: list | None = None) -> dict:
    schema = {"type": "string", **({"enum": enum} if enum else {})}
    return {"name": name, "in": "query", "schema": schema, "description": description}


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

    ops = {"get": Op("监察大屏：在办、预警、超期、暂停及按期办结率", TAGS, READERS, answers={200: "实时统计"},
                     parameters=(_query("days", "统计办结情况的天数（默认 30）"),))}

    async def get(self) -> None:
        me = self.principal
        days = supervision_dashboard.period_days(self.get_query_argument("days", "30"))
        self.send_json(await supervision_dashboard.dashboard(self.svc, me["tenant"], self.svc.now(), days))


class CardsHandler(_SupervisionHandler):
    """Warning cards, newest first."""

    ops = {"get": Op("预警卡列表（黄牌、红牌）", TAGS, READERS, answers={200: "预警卡"}, errors=(422,), parameters=(
        _query("level", "预警级别", ["yellow", "red"]), _query("department", "部门代码"),
        _query("status", "状态", ["open", "acknowledged", "closed"]), _query("page", "页码"),
        _query("page_size", "每页条数（最多 100）")))}

    async def get(self) -> None:
        me = self.principal
        page, size = self.page_args()
        self.send_json(await supervision_sweep.list_cards(
            self.svc, me["tenant"], level=self.get_query_argument("level", ""),
            department=self.get_query_argument("department", ""), status=self.get_query_argument("status", ""),
            page=page, page_size=size))


class MyCardsHandler(_SupervisionHandler):
    """The open cards addressed to the signed-in staff member."""

    ops = {"get": Op("我的预警卡（发给本人岗位、部门负责人或监察人员的未签收预警卡）", TAGS, ANY_SIGNED_IN,
                     answers={200: "预警卡"})}

    async def get(self) -> None:
        me = self.principal
        if me.get("kind") != "staff":
            self.send_json({"items": []})
            return
        self.send_json({"items": await supervision_sweep.cards_for(self.svc, me["tenant"], me["id"])})


class AcknowledgeCardHandler(_SupervisionHandler):
    """Mark a card seen (签收)."""

    ops = {"post": Op("签收预警卡", TAGS, staff("supervisor", "centre_manager", "dept_approver", "window_clerk",
                                                 scope="own"), answers={200: "已签收的预警卡"}, errors=(404,))}

    async def post(self, card_id: str) -> None:
        me = self.principal
        self.send_json(await supervision_sweep.acknowledge(self.svc, me["tenant"], card_id, me))


class ViolationsHandler(_SupervisionHandler):
    """Candidate and decided violations, with the type list and the responsible levels."""

    ops = {"get": Op("违规候选及认定结果", TAGS, READERS, answers={200: "违规候选"}, errors=(422,), parameters=(
        _query("status", "状态", ["candidate", "confirmed", "dismissed"]), _query("department", "部门代码"),
        _query("page", "页码"), _query("page_size", "每页条数")))}

    async def get(self) -> None:
        me = self.principal
        page, size = self.page_args()
        self.send_json(await violations.list_violations(
            self.svc, me["tenant"], self.get_query_argument("status", ""), self.get_query_argument("department", ""),
            page, size))


class ConfirmViolationHandler(_SupervisionHandler):
    """A supervisor confirms the violation against one responsible level."""

    ops = {"post": Op("认定违规（选择责任层级并说明理由）", TAGS, SUPERVISORS, ConfirmBody, {200: "已认定"}, (404, 409))}

    async def post(self, violation_id: str) -> None:
        me = self.principal
        self.send_json(await violations.decide(self.svc, me["tenant"], violation_id, me, self.json_body(), True))


class DismissViolationHandler(_SupervisionHandler):
    """A supervisor dismisses the candidate with a reason."""

    ops = {"post": Op("排除违规候选（须说明理由）", TAGS, SUPERVISORS, DismissBody, {200: "已排除"}, (404, 409))}

    async def post(self, violation_id: str) -> None:
        me = self.principal
        self.send_json(await violations.decide(self.svc, me["tenant"], violation_id, me, self.json_body(), False))


class TrailVerifyHandler(_SupervisionHandler):
    """Recompute every case's trail and the checkpoint chain; name every change."""

    ops = {"get": Op("校验全部办件记录链与存证点（防篡改）", TAGS, SUPERVISORS,
                     answers={200: "校验结果：ok 与问题列表（办件号、记录序号、说明）"})}

    async def get(self) -> None:
        me = self.principal
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
