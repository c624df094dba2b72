"""The hotline over HTTP (/api/v1/hotline/...): tickets, steps, suggestions, knowledge base, operator work."""

from __future__ import annotations

from datetime import date

from backend.domain.clock import to_shanghai
from backend.domain.errors import ValidationFailed
from backend.handlers.base import CASE_NUMBER, APIHandler
from hotline import knowledge, routing, service, stats

ERR = {"description": "错误（JSON 错误结构）"}
NUMBER = CASE_NUMBER
HOTLINE = ("operator", "centre_manager")
READERS = (*HOTLINE, "supervisor")
TAGS = ["12345热线"]


def _body(properties: dict, required: list | None = None) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties, **({"required": required} if required else {})}}}}


def _query(name: str, description: str, type_: str = "string") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": type_}, "description": description}


def _op(summary: str, ok: str, *, body: dict | None = None, params: list | None = None, created: bool = False) -> dict:
    op = {"summary": summary, "tags": TAGS,
          "responses": {"201" if created else "200": {"description": ok}, "401": ERR, "403": ERR, "404": ERR,
                        "409": ERR, "422": ERR}}
    if body:
        op["requestBody"] = body
    if params:
        op["parameters"] = params
    return op


def _day(handler: APIHandler, name: str) -> date | None:
    raw = handler.get_query_argument(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", code="bad_date") from None


class TicketsHandler(APIHandler):
    """Register a hotline ticket (受理登记)."""

    spec = {"post": _op("登记热线工单（一事一号，与办件同一编号序列）", "工单（含智能分派建议）", created=True, body=_body({
        "caller_phone": {"type": "string"}, "caller_name": {"type": "string"},
        "type": {"type": "string", "enum": ["consult", "help", "complaint", "report", "suggestion", "application"]},
        "content": {"type": "string"}, "township": {"type": "string"}, "village": {"type": "string"},
        "urgency": {"type": "string", "enum": ["normal", "urgent"]},
        "channel": {"type": "string", "enum": ["phone", "miniprogram", "officer", "open311", "web"]},
        "call_id": {"type": "string"}, "photos": {"type": "array", "items": {"type": "string"}},
        "location": {"type": "object", "properties": {"lat": {"type": "number"}, "lng": {"type": "number"},
                                                      "address": {"type": "string"}}},
        "service_code": {"type": "string"}}, ["caller_phone", "type", "content"]))}

    async def post(self) -> None:
        me = self.require_roles(*HOTLINE, "info_officer")
        self.send_json(await service.register_ticket(self.svc, me["tenant"], me, self.json_body()), status=201)


class TicketHandler(APIHandler):
    """One ticket with its timeline."""

    spec = {"get": _op("热线工单详情（含完整事件链）", "工单")}

    async def get(self, number: str) -> None:
        me = self.require_login()
        self.send_json(await service.get_ticket(self.svc, me["tenant"], number, me))


def _action_handler(name: str, summary: str) -> type:
    class TicketActionHandler(APIHandler):
        spec = {"post": _op(summary, "操作后的工单", body=_body({
            "department": {"type": "string", "description": "派单：承办部门代码"},
            "township": {"type": "string", "description": "派单：承办乡镇代码；转办件：办理乡镇"},
            "reason": {"type": "string"}, "text": {"type": "string", "description": "答复内容"},
            "note": {"type": "string"}, "source": {"type": "string", "enum": ["article", "guide"]},
            "id": {"type": "string", "description": "当场答复所依据的文章或事项编码"},
            "satisfaction": {"type": "string", "enum": ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]},
            "item_code": {"type": "string"}, "applicant": {"type": "object"}, "form": {"type": "object"}}))}

        async def post(self, number: str) -> None:
            me = self.require_login()
            body = self.body if isinstance(self.body, dict) else {}
            self.send_json(await service.perform(self.svc, me["tenant"], number, me, name, body))

    TicketActionHandler.__name__ = TicketActionHandler.__qualname__ = f"Ticket_{name.replace('-', '_')}_Handler"
    TicketActionHandler.__doc__ = summary
    return TicketActionHandler


class SuggestHandler(APIHandler):
    """Routing suggestion for a text."""

    spec = {"post": _op("智能分派建议（部门、乡镇、事项、类型、置信度、依据）", "建议", body=_body(
        {"text": {"type": "string"}}, ["text"]))}

    async def post(self) -> None:
        me = self.require_roles(*HOTLINE)
        self.send_json(await service.suggest(self.svc, me["tenant"], self.json_body().get("text")))


class KnowledgeHandler(APIHandler):
    """As-you-type knowledge base search."""

    spec = {"get": _op("知识库检索（文章与办事指南，最相关在前）", "检索结果",
                       params=[_query("q", "检索词"), _query("limit", "条数（默认 10）", "integer")])}

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        try:
            limit = int(self.get_query_argument("limit", "10"))
        except ValueError:
            raise ValidationFailed("条数应为整数", code="bad_limit") from None
        self.send_json(await knowledge.search(self.svc, me["tenant"], self.get_query_argument("q", ""), limit))


class CallerHistoryHandler(APIHandler):
    """Earlier tickets and cases of a caller."""

    spec = {"get": _op("来电人历史（工单与办件）", "历史记录，新的在前")}

    async def get(self, phone: str) -> None:
        me = self.require_roles(*READERS)
        self.send_json({"entries": await service.caller_history(self.svc, me["tenant"], phone)})


class QueueHandler(APIHandler):
    """The hotline's queue, or a unit's open tickets."""

    spec = {"get": _op("热线工单队列（话务员：待处理与超期；承办单位：待办工单）", "队列",
                       params=[_query("mine", "1：只看我登记的工单")])}

    async def get(self) -> None:
        me = self.require_login()
        mine = self.get_query_argument("mine", "") in ("1", "true")
        self.send_json(await service.queue(self.svc, me["tenant"], me, mine))


class OverdueHandler(APIHandler):
    """Overdue tickets and the sweep that supervises them."""

    spec = {"get": _op("超期工单", "超期工单编号"),
            "post": _op("对超期工单统一督办", "督办数量", body=_body({}))}

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        self.send_json({"numbers": await service.overdue_numbers(self.svc, me["tenant"])})

    async def post(self) -> None:
        me = self.require_roles("centre_manager")
        self.send_json({"supervised": await service.supervise_overdue(self.svc, me["tenant"])})


class CorrectionsHandler(APIHandler):
    """An operator's routing correction."""

    spec = {"post": _op("人工改派纠正（用于训练分派模型）", "已记录的纠正", created=True, body=_body({
        "text": {"type": "string"}, "department": {"type": "string"}, "township": {"type": "string"},
        "type": {"type": "string"}}, ["text", "department"]))}

    async def post(self) -> None:
        import secrets

        me = self.require_roles(*HOTLINE)
        body = self.json_body()
        township = body.get("township") if isinstance(body.get("township"), str) else ""
        ticket_type = body.get("type") if isinstance(body.get("type"), str) else ""
        department = body.get("department") if isinstance(body.get("department"), str) else ""
        saved = await routing.record_correction(
            self.svc, me["tenant"], f"manual:{secrets.token_hex(8)}", body.get("text"), department,
            township=township, ticket_type=ticket_type, by=me["id"])
        self.send_json(saved, status=201)


class RetrainHandler(APIHandler):
    """Retrain the routing model now."""

    spec = {"post": _op("立即重新训练分派模型", "训练结果", body=_body({}))}

    async def post(self) -> None:
        me = self.require_roles("centre_manager")
        self.send_json(await routing.retrain(self.svc, me["tenant"]))


class ShiftsHandler(APIHandler):
    """Shifts and seats."""

    spec = {"get": _op("班次与坐席", "当日班次与当前值班", params=[_query("day", "日期 YYYY-MM-DD（默认今天）")]),
            "post": _op("排班（班次、坐席、话务员）", "班次", created=True, body=_body({
                "name": {"type": "string"}, "start": {"type": "string"}, "end": {"type": "string"},
                "seats": {"type": "array", "items": {"type": "object", "properties": {
                    "seat": {"type": "string"}, "operator": {"type": "string"}}}}}, ["start", "end", "seats"]))}

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        self.send_json(await stats.list_shifts(self.svc, me["tenant"], _day(self, "day")))

    async def post(self) -> None:
        me = self.require_roles("centre_manager")
        self.send_json(await stats.create_shift(self.svc, me["tenant"], me, self.json_body()), status=201)


class HandoverHandler(APIHandler):
    """Handover notes of a shift."""

    spec = {"get": _op("交接班记录（本班次与上一班次）", "交接记录"),
            "post": _op("填写交接班记录", "交接记录", created=True, body=_body({
                "text": {"type": "string"}, "tickets": {"type": "array", "items": {"type": "string"}}}, ["text"]))}

    async def get(self, shift_id: str) -> None:
        me = self.require_roles(*READERS)
        self.send_json(await stats.notes(self.svc, me["tenant"], shift_id))

    async def post(self, shift_id: str) -> None:
        me = self.require_roles(*HOTLINE)
        self.send_json(await stats.add_note(self.svc, me["tenant"], shift_id, me, self.json_body()), status=201)


class StatsHandler(APIHandler):
    """Hotline figures of a period."""

    spec = {"get": _op("热线统计（接听量、类型、按时办结率、回访率、满意度）", "统计",
                       params=[_query("from", "开始日期 YYYY-MM-DD"), _query("to", "结束日期 YYYY-MM-DD")])}

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        today = to_shanghai(self.svc.now()).date()
        first, last = _day(self, "from") or today, _day(self, "to") or today
        self.send_json(await stats.stats(self.svc, me["tenant"], first, last))


def default_handlers() -> list:
    return [
        (r"/api/v1/hotline/tickets", TicketsHandler),
        (rf"/api/v1/hotline/tickets/{NUMBER}", TicketHandler),
        *[(rf"/api/v1/hotline/tickets/{NUMBER}/{name}", _action_handler(name, summary))
          for name, (_, _, summary) in service.ACTIONS.items()],
        (r"/api/v1/hotline/suggest", SuggestHandler),
        (r"/api/v1/hotline/kb", KnowledgeHandler),
        (r"/api/v1/hotline/callers/(?P<phone>[^/]+)/history", CallerHistoryHandler),
        (r"/api/v1/hotline/queue", QueueHandler),
        (r"/api/v1/hotline/overdue", OverdueHandler),
        (r"/api/v1/hotline/corrections", CorrectionsHandler),
        (r"/api/v1/hotline/model/retrain", RetrainHandler),
        (r"/api/v1/hotline/shifts", ShiftsHandler),
        (r"/api/v1/hotline/shifts/(?P<shift_id>[^/]+)/notes", HandoverHandler),
        (r"/api/v1/hotline/stats", StatsHandler),
    ]
