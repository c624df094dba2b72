"""Hotline tickets over HTTP (/api/v1/hotline/tickets, queue, overdue, callers' history)."""

from __future__ import annotations

from backend.handlers.base import APIHandler
from backend.handlers.operations import ANY_SIGNED_IN, staff
from hotline.handlers import bodies
from hotline.handlers.operations import HOTLINE, MANAGERS, READERS, TICKET_READERS, UNITS, op, query
from hotline.services import tickets


class TicketsHandler(APIHandler):
    """Register a hotline ticket (受理登记)."""

    ops = {"post": op("登记热线工单（一事一号，与办件同一编号序列）", "工单（含智能分派建议）",
                       staff("operator", "centre_manager", "info_officer"), bodies.RegisterBody, created=True)}

    async def post(self) -> None:
        me = self.principal
        self.send_json(await tickets.register_ticket(self.svc, me["tenant"], me, self.body), status=201)


class TicketHandler(APIHandler):
    """One ticket with its timeline."""

    ops = {"get": op("热线工单详情（含完整事件链）", "工单", TICKET_READERS)}

    async def get(self, number: str) -> None:
        me = self.principal
        self.send_json(await tickets.get_ticket(self.svc, me["tenant"], number, me))


def _action_handler(name: str, who: str, summary: str) -> type:
    class TicketActionHandler(APIHandler):
        ops = {"post": op(summary, "操作后的工单", UNITS if who == "unit" else HOTLINE, bodies.ACTION_BODIES[name])}

        async def post(self, number: str) -> None:
            me = self.principal
            self.send_json(await tickets.perform(self.svc, me["tenant"], number, me, name, self.body))

    TicketActionHandler.__name__ = TicketActionHandler.__qualname__ = f"Ticket_{name.replace('-', '_')}_Handler"
    TicketActionHandler.__doc__ = summary
    return TicketActionHandler


class CallerHistoryHandler(APIHandler):
    """Earlier tickets and cases of a caller."""

    ops = {"get": op("来电人历史（工单与办件）", "历史记录，新的在前", READERS)}

    async def get(self, phone: str) -> None:
        me = self.principal
        self.send_json({"entries": await tickets.caller_history(self.svc, me["tenant"], phone)})


class QueueHandler(APIHandler):
    """The hotline's queue, or a unit's open tickets."""

    ops = {"get": op("热线工单队列（话务员：待处理与超期；承办单位：待办工单）", "队列", ANY_SIGNED_IN,
                      params=(query("mine", "1：只看我登记的工单"),))}

    async def get(self) -> None:
        me = self.principal
        mine = self.get_query_argument("mine", "") in ("1", "true")
        self.send_json(await tickets.queue(self.svc, me["tenant"], me, mine))


class OverdueHandler(APIHandler):
    """Overdue tickets and the sweep that supervises them."""

    ops = {"get": op("超期工单", "超期工单编号", READERS),
           "post": op("对超期工单统一督办", "督办数量", MANAGERS)}

    async def get(self) -> None:
        me = self.principal
        self.send_json({"numbers": await tickets.overdue_numbers(self.svc, me["tenant"])})

    async def post(self) -> None:
        me = self.principal
        self.send_json({"supervised": await tickets.supervise_overdue(self.svc, me["tenant"])})


def action_handlers() -> list[tuple[str, type]]:
    """(step name, handler) for every named step of ``tickets.ACTIONS``."""
    return [(name, _action_handler(name, who, summary)) for name, (who, _, summary) in tickets.ACTIONS.items()]
