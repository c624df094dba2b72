"""The province view over HTTP: read-only figures of every county, for provincial supervisors."""

from datetime import date, timedelta

from backend.domain.clock import to_shanghai
from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from backend.handlers.operations import PROVINCE, Op
from backend.services import province

MAX_DAYS = 366


def _day(text: str, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"日期格式不正确：{text}（应为 YYYY-MM-DD）", code="invalid_date") from None


class FiguresHandler(APIHandler):
    """Volumes, on-time rate, cards and satisfaction per county of the province (no personal data)."""

    ops = {"get": Op("全省概况：各县区办件量、按时办结率、预警卡、满意度（只读，不含个人信息）", ("省级",), PROVINCE, answers={200: "{province, from, to, counties[], total}"}, errors=(422,), parameters=(
                        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
                         "description": "统计起始日（默认 30 天前）"},
                        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"},
                         "description": "统计截止日（默认今天）"}))}

    async def get(self) -> None:
        me = self.principal
        today = to_shanghai(self.svc.now()).date()
        last = _day(self.get_query_argument("to", ""), today)
        first = _day(self.get_query_argument("from", ""), last - timedelta(days=29))
        if first > last or (last - first).days >= MAX_DAYS:
            raise ValidationFailed(f"统计期应在 1 到 {MAX_DAYS} 天之间，且起始日不晚于截止日", code="bad_period")
        self.send_json(await province.figures(self.svc, me["tenant"], first, last))


def default_handlers() -> list:
    return [(r"/api/v1/province/figures", FiguresHandler)]
