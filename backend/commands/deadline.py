"""`python -m backend deadline`: compute a statutory deadline (法定期限) from the command line.

First line: the due instant in ISO 8601 with offset (the first late instant: "end of 10-14" prints
as 2026-10-15T00:00:00+08:00), or ``paused``; then the reasons in Chinese. Uses the tenant's
calendar from the store (local days, imported notices); ``--offline`` uses the State Council
calendar from chinesecalendar alone and needs no store.
"""

from __future__ import annotations

import sys
from datetime import time

NAME = "deadline"
HELP = "计算法定期限（工作日） / compute a deadline in working days"


def add_arguments(parser) -> None:
    parser.add_argument("--start", required=True, help="受理时间，ISO 8601，如 2026-09-29T09:12:03+08:00")
    parser.add_argument("--days", required=True, type=int, help="时限（工作日数）")
    parser.add_argument("--pause", action="append", default=[], metavar="FROM/TO[/REASON]",
                        help="中止计时，如 2026-10-08/2026-10-09/补正；可重复；结束留空表示尚未恢复")
    parser.add_argument("--tenant", default=None, help="县区代码（默认 SUNSHINE_DEFAULT_TENANT）")
    parser.add_argument("--closing", default=None, metavar="HH:MM", help="办事大厅下班时间（默认按 24:00 计）")
    parser.add_argument("--offline", action="store_true", help="不连接存储，只用国务院节假日安排")


def _parse_closing(text: str | None) -> time | None:
    from backend.domain.errors import ValidationFailed

    if not text:
        return None
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"下班时间格式不正确：{text}（应为 HH:MM，如 17:30）", code="invalid_closing") from None


def _tenant_calendar(settings, tenant: str):
    """The tenant's calendar from the store, or ``None`` (with a note on stderr) when it is unreachable."""
    from pymongo.errors import PyMongoError

    from backend.commands import with_store
    from backend.services.calendar import load_calendar
    from backend.store.embedded import EmbeddedStoreError

    found = {}

    async def work(svc):
        found["calendar"] = await load_calendar(svc, tenant)

    try:
        with_store(settings, work)
    except (PyMongoError, EmbeddedStoreError) as exc:
        print(f"注意：无法连接存储（{type(exc).__name__}），仅按国务院节假日安排计算，未含本地调整。",
              file=sys.stderr)
        return None
    return found["calendar"]


def run(args, settings) -> int:
    from backend.domain.calendar import WorkCalendar
    from backend.domain.clock import compute_deadline, format_deadline_cli, parse_instant, parse_pause_arg
    from backend.domain.errors import DomainError

    try:
        started = parse_instant(args.start)
        pauses = [parse_pause_arg(text) for text in args.pause]
        closing = _parse_closing(args.closing)
        calendar = None if args.offline else _tenant_calendar(settings, args.tenant or settings.default_tenant)
        deadline = compute_deadline(calendar or WorkCalendar.from_chinesecalendar(), started, args.days,
                                    pauses, closing)
    except DomainError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    print(format_deadline_cli(deadline))
    return 0
