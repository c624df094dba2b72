"""The working calendar over HTTP (工作日历): status, local days (本地调整), the State Council notice (节假日安排).

Changes: administrators and centre managers. Status: also supervisors (the supervision console
shows a banner when this or next year is not covered).
"""

from __future__ import annotations

from datetime import date

from backend.domain.clock import to_shanghai
from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from backend.services import calendar as calendars

EDITORS = ("admin", "centre_manager")
ERR = {"description": "错误（JSON 错误结构）"}
TAGS = ["工作日历"]


def _json_body(required: list[str], properties: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}


class CalendarStatusHandler(APIHandler):
    """How far the calendar is known; a warning when this or next year is not covered."""

    spec = {"get": {"summary": "工作日历覆盖情况（本年或下一年未导入时给出提醒）", "tags": TAGS,
                    "responses": {"200": {"description": "covered_through 与 provisional_warning"}, "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles(*EDITORS, "supervisor")
        today = to_shanghai(self.svc.now()).date()
        self.send_json(await calendars.calendar_status(self.svc, me["tenant"], today))


class LocalDayHandler(APIHandler):
    """Declare a local working day or day off; the latest word on a day wins."""

    spec = {"post": {"summary": "添加本地调整日（本地放假或调休上班）", "tags": TAGS,
                     "requestBody": _json_body(["date", "working", "note"], {
                         "date": {"type": "string", "format": "date"},
                         "working": {"type": "boolean", "description": "true 上班，false 放假"},
                         "note": {"type": "string", "description": "原因，如“县庆放假”"}}),
                     "responses": {"200": {"description": "已添加"}, "401": ERR, "403": ERR, "422": ERR}}}

    async def post(self) -> None:
        me = self.require_roles(*EDITORS)
        body = self.json_body()
        try:
            day = date.fromisoformat(str(body.get("date") or ""))
        except ValueError:
            raise ValidationFailed("日期格式不正确（应为 YYYY-MM-DD）", code="invalid_date") from None
        if not isinstance(body.get("working"), bool):
            raise ValidationFailed("请选择该日上班还是放假", code="calendar_working_required")
        self.send_json(await calendars.add_local_day(self.svc, me["tenant"], day, body["working"],
                                                     str(body.get("note") or ""), actor=me["id"]))


class ImportNoticeHandler(APIHandler):
    """Import a year's State Council notice; every row is checked before anything is written."""

    spec = {"post": {"summary": "导入某年国务院节假日安排（逐行校验，有错则全部不写入）", "tags": TAGS,
                     "requestBody": _json_body(["year", "rows"], {
                         "year": {"type": "integer"},
                         "rows": {"type": "array", "items": {"type": "object", "required": ["start", "kind", "name"],
                                                             "properties": {
                                                                 "start": {"type": "string", "format": "date"},
                                                                 "end": {"type": "string", "format": "date"},
                                                                 "kind": {"type": "string", "enum": ["放假", "上班"]},
                                                                 "name": {"type": "string"}}}}}),
                     "responses": {"200": {"description": "已导入：行数与天数"}, "401": ERR, "403": ERR,
                                   "422": {"description": "某行有误：错误信息写明第几行（details.row）"}}}}

    async def post(self) -> None:
        me = self.require_roles(*EDITORS)
        body = self.json_body()
        self.send_json(await calendars.import_notice(self.svc, me["tenant"], body.get("year"), body.get("rows"),
                                                     actor=me["id"]))


def default_handlers() -> list:
    return [
        (r"/api/v1/calendar/status", CalendarStatusHandler),
        (r"/api/v1/calendar/days", LocalDayHandler),
        (r"/api/v1/calendar/import", ImportNoticeHandler),
    ]
