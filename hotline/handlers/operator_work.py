"""Operator work over HTTP: shifts and seats, handover notes, hotline figures."""

from __future__ import annotations

from datetime import date

from backend.domain.clock import to_shanghai
from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from hotline.handlers import bodies
from hotline.handlers.operations import HOTLINE, MANAGERS, READERS, op, query
from hotline.services import operator_work


def _day(handler: APIHandler, name: str) -> date | None:
    raw = handler.get_query_argument(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", code="bad_date") from None


class ShiftsHandler(APIHandler):
    """Shifts and seats."""

    ops = {"get": op("班次与坐席", "当日班次与当前值班", READERS, params=(query("day", "日期 YYYY-MM-DD（默认今天）"),)),
           "post": op("排班（班次、坐席、话务员）", "班次", MANAGERS, bodies.ShiftBody, created=True)}

    async def get(self) -> None:
        me = self.principal
        self.send_json(await operator_work.list_shifts(self.svc, me["tenant"], _day(self, "day")))

    async def post(self) -> None:
        me = self.principal
        self.send_json(await operator_work.create_shift(self.svc, me["tenant"], me, self.body), status=201)


class HandoverHandler(APIHandler):
    """Handover notes of a shift."""

    ops = {"get": op("交接班记录（本班次与上一班次）", "交接记录", READERS),
           "post": op("填写交接班记录", "交接记录", HOTLINE, bodies.NoteOfShiftBody, created=True)}

    async def get(self, shift_id: str) -> None:
        me = self.principal
        self.send_json(await operator_work.notes(self.svc, me["tenant"], shift_id))

    async def post(self, shift_id: str) -> None:
        me = self.principal
        self.send_json(await operator_work.add_note(self.svc, me["tenant"], shift_id, me, self.body), status=201)


class StatsHandler(APIHandler):
    """Hotline figures of a period."""

    ops = {"get": op("热线统计（接听量、类型、按时办结率、回访率、满意度）", "统计", READERS,
                      params=(query("from", "开始日期 YYYY-MM-DD"), query("to", "结束日期 YYYY-MM-DD")))}

    async def get(self) -> None:
        me = self.principal
        today = to_shanghai(self.svc.now()).date()
        first, last = _day(self, "from") or today, _day(self, "to") or today
        self.send_json(await operator_work.stats(self.svc, me["tenant"], first, last))
