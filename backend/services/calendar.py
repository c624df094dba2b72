"""The tenant's working calendar (工作日历) as data: State Council seed + imported notices + local days.

Each local day (本地调整) is a document ``calendar_entries/{tenant}:local:{date}`` and each
imported State Council notice (国务院节假日安排) is ``calendar_entries/{tenant}:import:{year}``.
Every change writes its entry and then marks the tenant's calendar changed
(:func:`backend.services.tenant_config.changed`, kind ``calendar``); ``load_calendar`` keeps the
built :class:`WorkCalendar` in the process and rebuilds it only when that token moves. One document
per entry (not one document for the whole calendar) because FerretDB v1 applies updates without a
transaction: two admins changing one document at once could lose a change; separate documents
cannot. Every change is written to the audit log.
"""

from __future__ import annotations

from datetime import date, time

from pymongo import ASCENDING, IndexModel

from backend.domain.calendar import WorkCalendar, validate_import
from backend.domain.errors import ValidationFailed
from backend.domain.org import closing_time
from backend.services import audit, tenant_config
from backend.services.context import Services
from backend.store.indexes import declare
from backend.store.work import prefix_range

ENTRIES = "calendar_entries"

declare(ENTRIES, IndexModel([("tenant", ASCENDING)], name="tenant"))


def build_calendar(entries: list[dict]) -> WorkCalendar:
    """The seed calendar with the imported notices (by year) and then the local days applied."""
    calendar = WorkCalendar.from_chinesecalendar()
    for notice in sorted((e for e in entries if e["type"] == "import"), key=lambda e: e["year"]):
        calendar = calendar.with_import(notice["rows"], notice["year"])
    local = {date.fromisoformat(e["date"]): e for e in entries if e["type"] == "local"}
    if local:
        calendar = calendar.with_overrides({day: e["working"] for day, e in local.items()},
                                           {day: e.get("note") or "" for day, e in local.items()})
    return calendar


def closing_of(profile: dict, settings: dict) -> time | None:
    """The closing time deadlines fall due at, when the county counts limits to it (期限截至下班时间)."""
    text = closing_time(profile.get("business_hours", "")) if settings.get("deadline_at_closing") else ""
    return time.fromisoformat(text) if text else None


async def load_calendar(svc: Services, tenant: str) -> WorkCalendar:
    """The tenant's calendar with its closing time; rebuilt only when either changed since the last call."""
    async def build() -> WorkCalendar:
        entries = await svc.db[ENTRIES].find({"_id": prefix_range(f"{tenant}:")}).to_list(None)
        org = await tenant_config.org(svc, tenant)
        calendar = build_calendar([e for e in entries if e.get("tenant") == tenant])
        return calendar.with_closing_time(closing_of(org.tenant, org.settings))

    return await tenant_config.cached(svc, tenant, "calendar", build, depends=("org",))


async def _change(svc: Services, tenant: str, entry_id: str, entry: dict) -> str:
    """Write one entry, then mark the calendar changed (in that order, so no reader caches a gap)."""
    await svc.db[ENTRIES].replace_one({"_id": f"{tenant}:{entry_id}"},
                                      {**entry, "tenant": tenant, "at": svc.now()}, upsert=True)
    return await tenant_config.changed(svc, tenant, "calendar")


async def add_local_day(svc: Services, tenant: str, day: date, working: bool, note: str, actor: str) -> dict:
    """Declare a local working day or day off (本地调整) for the tenant; the latest word on a day wins."""
    if not isinstance(day, date):
        raise ValidationFailed("日期格式不正确（应为 YYYY-MM-DD）", code="invalid_date")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请说明本地调整的原因（如“县庆放假”）", code="calendar_note_required")
    entry = {"type": "local", "date": day.isoformat(), "working": bool(working), "note": note, "actor": actor}
    revision = await _change(svc, tenant, f"local:{day.isoformat()}", entry)
    await audit.record(svc, tenant, actor, "calendar.local_day",
                       {"date": day.isoformat(), "working": bool(working), "note": note, "revision": revision})
    return {"date": day.isoformat(), "working": bool(working), "note": note, "revision": revision}


def _clean_rows(rows) -> list[dict]:
    return [{k: str(row[k]) for k in ("start", "end", "kind", "name") if row.get(k) not in (None, "")}
            for row in rows]


async def import_notice(svc: Services, tenant: str, year: int, rows: list, actor: str) -> dict:
    """Import the State Council notice for ``year`` (replacing an earlier import of that year).

    Rows are checked first (:func:`validate_import`: format, year, overlaps, naming the row);
    nothing is written when one is wrong.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 1949 < year < 2200:
        raise ValidationFailed(f"年份不正确：{year}", code="invalid_year")
    if not isinstance(rows, list):
        raise ValidationFailed("节假日安排应为一个列表，每行包含开始日期、类型和名称", code="calendar_import_format")
    days = validate_import(rows, year)
    rows = _clean_rows(rows)
    notice = {"type": "import", "year": year, "rows": rows, "actor": actor}
    revision = await _change(svc, tenant, f"import:{year}", notice)
    await audit.record(svc, tenant, actor, "calendar.import",
                       {"year": year, "rows": len(rows), "days": len(days), "revision": revision})
    return {"year": year, "rows": len(rows), "days": len(days), "revision": revision}


async def calendar_status(svc: Services, tenant: str, today: date) -> dict:
    """How far the calendar is known, and a warning for admins when this or next year is not covered."""
    calendar = await load_calendar(svc, tenant)
    missing = [y for y in (today.year, today.year + 1) if not calendar.covers(date(y, 1, 1))]
    warning = None
    if missing:
        years = "、".join(str(y) for y in missing)
        warning = (f"{years} 年的节假日安排尚未录入：跨入该年的期限只按周末计算，标为暂定。"
                   "请在国务院办公厅发布通知后导入（python -m backend calendar import）。")
    return {"covered_through": calendar.last_covered_year, "provisional_warning": warning}
