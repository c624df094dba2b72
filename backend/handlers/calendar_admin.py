"""The working calendar over HTTP (工作日历): status, local days (本地调整), the State Council notice (节假日安排).

Changes: administrators and centre managers. Status: also supervisors (the supervision console
shows a banner when this or next year is not covered).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from backend.domain.clock import to_shanghai
from backend.handlers.base import APIHandler
from backend.handlers.operations import Op, staff
from backend.services import calendar as calendars

EDITORS = staff("admin", "centre_manager")
TAGS = ("工作日历",)


class LocalDayBody(BaseModel):
    date: dt.date = Field(title="日期", description="YYYY-MM-DD", json_schema_extra={"x-error-code": "invalid_date"})
    working: bool = Field(title="上班还是放假", description="true 上班，false 放假",
                          json_schema_extra={"x-error-code": "calendar_working_required"})
    note: str = Field(title="原因", description="如“县庆放假”", min_length=1, max_length=200)


class ImportBody(BaseModel):
    year: int = Field(title="年份", ge=1950, le=2199)
    rows: list[dict[str, Any]] = Field(title="节假日安排", max_length=200, description=(
        "每行 {start: YYYY-MM-DD, end?: YYYY-MM-DD, kind: 放假|上班, name}；逐行校验，有错时写明第几行"))


class CalendarStatusHandler(APIHandler):
    """How far the calendar is known; a warning when this or next year is not covered."""

    ops = {"get": Op("工作日历覆盖情况（本年或下一年未导入时给出提醒）", TAGS, staff("admin", "centre_manager", "supervisor"),
                     answers={200: "covered_through 与 provisional_warning"})}

    async def get(self) -> None:
        me = self.principal
        today = to_shanghai(self.svc.now()).date()
        self.send_json(await calendars.calendar_status(self.svc, me["tenant"], today))


class LocalDayHandler(APIHandler):
    """Declare a local working day or day off; the latest word on a day wins."""

    ops = {"post": Op("添加本地调整日（本地放假或调休上班）", TAGS, EDITORS, LocalDayBody, {200: "已添加"})}

    async def post(self) -> None:
        me, body = self.principal, self.payload
        self.send_json(await calendars.add_local_day(self.svc, me["tenant"], body.date, body.working, body.note,
                                                     actor=me["id"]))


class ImportNoticeHandler(APIHandler):
    """Import a year's State Council notice; every row is checked before anything is written."""

    ops = {"post": Op("导入某年国务院节假日安排（逐行校验，有错则全部不写入）", TAGS, EDITORS, ImportBody,
                      {200: "已导入：行数与天数"})}

    async def post(self) -> None:
        me, body = self.principal, self.payload
        self.send_json(await calendars.import_notice(self.svc, me["tenant"], body.year, body.rows, actor=me["id"]))


def default_handlers() -> list:
    return [
        (r"/api/v1/calendar/status", CalendarStatusHandler),
        (r"/api/v1/calendar/days", LocalDayHandler),
        (r"/api/v1/calendar/import", ImportNoticeHandler),
    ]
