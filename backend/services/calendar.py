"""The tenant's working calendar (工作日历) as data: State Council seed + imported notices + local days.

One document per tenant, ``calendars/{tenant}:calendar``, holds the local days (本地调整, keyed by
date), the imported State Council notices (国务院节假日安排, keyed by year) and a ``revision`` that
every change raises with the same atomic update. ``load_calendar`` keeps the built
:class:`WorkCalendar` in ``svc.extras`` and reads only the revision (one ``_id`` lookup) to know
whether it is still current. Every change is written to the audit log.
"""

from __future__ import annotations

from datetime import date

from pymongo import ReturnDocument

from backend.domain.calendar import WorkCalendar, validate_import
from backend.domain.errors import ValidationFailed
from backend.services import audit
from backend.services.context import Services

COLLECTION = "calendars"
_CACHE = "calendar_cache"


def calendar_id(tenant: str) -> str:
    return f"{tenant}:calendar"


def build_calendar(doc: dict | None) -> WorkCalendar:
    """The seed calendar with the stored imports (by year) and then the local days applied."""
    calendar = WorkCalendar.from_chinesecalendar()
    if not doc:
        return calendar
    for name in sorted(doc.get("imports") or {}):
        notice = doc["imports"][name]
        calendar = calendar.with_import(notice["rows"], notice["year"])
    local = doc.get("local_days") or {}
    if local:
        calendar = calendar.with_overrides(
            {date.fromisoformat(day): entry["working"] for day, entry in local.items()},
            {date.fromisoformat(day): entry.get("note") or "" for day, entry in local.items()})
    return calendar


async def load_calendar(svc: Services, tenant: str) -> WorkCalendar:
    """The tenant's calendar; rebuilt only when its stored revision changed since the last call."""
    cache = svc.extras.setdefault(_CACHE, {})
    head = await svc.db[COLLECTION].find_one({"_id": calendar_id(tenant)}, {"revision": 1})
    revision = head["revision"] if head else 0
    cached = cache.get(tenant)
    if cached and cached[0] == revision:
        return cached[1]
    doc = await svc.db[COLLECTION].find_one({"_id": calendar_id(tenant)}) if head else None
    revision = doc["revision"] if doc else 0
    calendar = build_calendar(doc)
    cache[tenant] = (revision, calendar)
    return calendar


async def _change(svc: Services, tenant: str, fields: dict) -> int:
    doc = await svc.db[COLLECTION].find_one_and_update(
        {"_id": calendar_id(tenant)},
        {"$set": {**fields, "updated_at": svc.now()}, "$inc": {"revision": 1},
         "$setOnInsert": {"tenant": tenant}},
        upsert=True, return_document=ReturnDocument.AFTER, projection={"revision": 1})
    return doc["revision"]


async def add_local_day(svc: Services, tenant: str, day: date, working: bool, note: str, actor: str) -> dict:
    """Declare a local working day or day off (本地调整) for the tenant; the latest word on a day wins."""
    if not isinstance(day, date):
        raise ValidationFailed("日期格式不正确（应为 YYYY-MM-DD）", code="invalid_date")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请说明本地调整的原因（如“县庆放假”）", code="calendar_note_required")
    entry = {"working": bool(working), "note": note, "actor": actor, "at": svc.now()}
    revision = await _change(svc, tenant, {f"local_days.{day.isoformat()}": entry})
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
    notice = {"year": year, "rows": rows, "actor": actor, "at": svc.now()}
    revision = await _change(svc, tenant, {f"imports.y{year}": notice})
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
