"""The hotline over HTTP (/api/v1/hotline/...): tickets, steps, suggestions, knowledge base, operator work."""

from __future__ import annotations

from datetime import date

from backend.domain.clock import to_shanghai
from backend.domain.errors import ValidationFailed
from backend.handlers.base import CASE_NUMBER, APIHandler
from backend.handlers.operations import ANY_SIGNED_IN, Op, roles, staff
from hotline import bodies, knowledge, routing, service, stats

NUMBER = CASE_NUMBER
HOTLINE = staff("operator", "centre_manager")
READERS = staff("operator", "centre_manager", "supervisor")
MANAGERS = staff("centre_manager")
UNITS = staff("operator", "centre_manager", "supervisor", "dept_approver", "window_clerk", "info_officer", scope="ticket")
TAGS = ("12345热线",)
TICKET_READERS = roles("operator", "centre_manager", "supervisor", "dept_approver", "window_clerk", "info_officer",
                       "citizen", scope="ticket")


def _query(name: str, description: str, type_: str = "string") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": type_}, "description": description}


def _op(summary: str, ok: str, access, body=None, *, params: tuple = (), created: bool = False) -> Op:
    return Op(summary, TAGS, access, body, {201 if created else 200: ok}, (404, 409, 422), params)


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

    ops = {"post": _op("登记热线工单（一事一号，与办件同一编号序列）", "工单（含智能分派建议）",
                       staff("operator", "centre_manager", "info_officer"), bodies.RegisterBody, created=True)}

    async def post(self) -> None:
        me = self.principal
        self.send_json(await service.register_ticket(self.svc, me["tenant"], me, self.body), status=201)


class TicketHandler(APIHandler):
    """One ticket with its timeline."""

    ops = {"get": _op("热线工单详情（含完整事件链）", "工单", TICKET_READERS)}

    async def get(self, number: str) -> None:
        me = self.principal
        self.send_json(await service.get_ticket(self.svc, me["tenant"], number, me))


def _action_handler(name: str, who: str, summary: str) -> type:
    class TicketActionHandler(APIHandler):
        ops = {"post": _op(summary, "操作后的工单", UNITS if who == "unit" else HOTLINE, bodies.ACTION_BODIES[name])}

        async def post(self, number: str) -> None:
            me = self.principal
            self.send_json(await service.perform(self.svc, me["tenant"], number, me, name, self.body))

    TicketActionHandler.__name__ = TicketActionHandler.__qualname__ = f"Ticket_{name.replace('-', '_')}_Handler"
    TicketActionHandler.__doc__ = summary
    return TicketActionHandler


class SuggestHandler(APIHandler):
    """Routing suggestion for a text."""

    ops = {"post": _op("智能分派建议（部门、乡镇、事项、类型、置信度、依据）", "建议", HOTLINE, bodies.SuggestBody)}

    async def post(self) -> None:
        self.send_json(await service.suggest(self.svc, self.principal["tenant"], self.payload.text))


class KnowledgeHandler(APIHandler):
    """As-you-type knowledge base search."""

    ops = {"get": _op("知识库检索（文章与办事指南，最相关在前）", "检索结果", READERS,
                      params=(_query("q", "检索词"), _query("limit", "条数（默认 10）", "integer")))}

    async def get(self) -> None:
        me = self.principal
        try:
            limit = int(self.get_query_argument("limit", "10"))
        except ValueError:
            raise ValidationFailed("条数应为整数", code="bad_limit") from None
        self.send_json(await knowledge.search(self.svc, me["tenant"], self.get_query_argument("q", ""), limit))


class CallerHistoryHandler(APIHandler):
    """Earlier tickets and cases of a caller."""

    ops = {"get": _op("来电人历史（工单与办件）", "历史记录，新的在前", READERS)}

    async def get(self, phone: str) -> None:
        me = self.principal
        self.send_json({"entries": await service.caller_history(self.svc, me["tenant"], phone)})


class QueueHandler(APIHandler):
    """The hotline's queue, or a unit's open tickets."""

    ops = {"get": _op("热线工单队列（话务员：待处理与超期；承办单位：待办工单）", "队列", ANY_SIGNED_IN,
                      params=(_query("mine", "1：只看我登记的工单"),))}

    async def get(self) -> None:
        me = self.principal
        mine = self.get_query_argument("mine", "") in ("1", "true")
        self.send_json(await service.queue(self.svc, me["tenant"], me, mine))


class OverdueHandler(APIHandler):
    """Overdue tickets and the sweep that supervises them."""

    ops = {"get": _op("超期工单", "超期工单编号", READERS),
           "post": _op("对超期工单统一督办", "督办数量", MANAGERS)}

    async def get(self) -> None:
        me = self.principal
        self.send_json({"numbers": await service.overdue_numbers(self.svc, me["tenant"])})

    async def post(self) -> None:
        me = self.principal
        self.send_json({"supervised": await service.supervise_overdue(self.svc, me["tenant"])})


class CorrectionsHandler(APIHandler):
    """An operator's routing correction."""

    ops = {"post": _op("人工改派纠正（用于训练分派模型）", "已记录的纠正", HOTLINE, bodies.CorrectionBody, created=True)}

    async def post(self) -> None:
        import secrets

        me, body = self.principal, self.payload
        saved = await routing.record_correction(
            self.svc, me["tenant"], f"manual:{secrets.token_hex(8)}", body.text, body.department,
            township=body.township, ticket_type=body.type, by=me["id"])
        self.send_json(saved, status=201)


class RetrainHandler(APIHandler):
    """Retrain the routing model now."""

    ops = {"post": _op("立即重新训练分派模型", "训练结果", MANAGERS)}

    async def post(self) -> None:
        me = self.principal
        self.send_json(await routing.retrain(self.svc, me["tenant"]))


class ShiftsHandler(APIHandler):
    """Shifts and seats."""

    ops = {"get": _op("班次与坐席", "当日班次与当前值班", READERS, params=(_query("day", "日期 YYYY-MM-DD（默认今天）"),)),
           "post": _op("排班（班次、坐席、话务员）", "班次", MANAGERS, bodies.ShiftBody, created=True)}

    async def get(self) -> None:
        me = self.principal
        self.send_json(await stats.list_shifts(self.svc, me["tenant"], _day(self, "day")))

    async def post(self) -> None:
        me = self.principal
        self.send_json(await stats.create_shift(self.svc, me["tenant"], me, self.body), status=201)


class HandoverHandler(APIHandler):
    """Handover notes of a shift."""

    ops = {"get": _op("交接班记录（本班次与上一班次）", "交接记录", READERS),
           "post": _op("填写交接班记录", "交接记录", HOTLINE, bodies.NoteOfShiftBody, created=True)}

    async def get(self, shift_id: str) -> None:
        me = self.principal
        self.send_json(await stats.notes(self.svc, me["tenant"], shift_id))

    async def post(self, shift_id: str) -> None:
        me = self.principal
        self.send_json(await stats.add_note(self.svc, me["tenant"], shift_id, me, self.body), status=201)


class StatsHandler(APIHandler):
    """Hotline figures of a period."""

    ops = {"get": _op("热线统计（接听量、类型、按时办结率、回访率、满意度）", "统计", READERS,
                      params=(_query("from", "开始日期 YYYY-MM-DD"), _query("to", "结束日期 YYYY-MM-DD")))}

    async def get(self) -> None:
        me = self.principal
        today = to_shanghai(self.svc.now()).date()
        first, last = _day(self, "from") or today, _day(self, "to") or today
        self.send_json(await stats.stats(self.svc, me["tenant"], first, last))


def default_handlers() -> list:
    return [
        (r"/api/v1/hotline/tickets", TicketsHandler),
        (rf"/api/v1/hotline/tickets/{NUMBER}", TicketHandler),
        *[(rf"/api/v1/hotline/tickets/{NUMBER}/{name}", _action_handler(name, who, summary))
          for name, (who, _, summary) in service.ACTIONS.items()],
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
