"""Operator work (话务管理): shifts and seats, handover notes, and hotline statistics.

- ``hotline_shifts/{tenant}:{id}``: one shift (班次) with its seats (坐席) and operators, start and end.
- ``hotline_handovers``: one inserted document per handover note (交接班记录); notes are never edited.
- Statistics are computed from the per-ticket snapshots of a period (no shared counters to drift):
  calls answered (phone tickets until CTI call events are counted), tickets by type and channel,
  on-time rate of replies, callback rate and satisfaction on the five national levels.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from backend.domain.clock import SHANGHAI, to_shanghai
from backend.domain.errors import Forbidden, NotFound, ValidationFailed
from backend.services.context import Services
from hotline.domain.tickets import CHANNELS, SATISFACTION, SATISFIED, TYPES

SHIFTS = "hotline_shifts"
HANDOVERS = "hotline_handovers"
MAX_SHIFT = timedelta(hours=24)
CALLBACK_DUE_STATES = frozenset({"answered", "reply_accepted", "converted", "called_back", "closed"})


def _instant(value, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationFailed(f"{name}应为时间（如 2026-11-23T08:00）", code="bad_time")
    try:
        return to_shanghai(datetime.fromisoformat(value))
    except ValueError:
        raise ValidationFailed(f"{name}格式不正确（如 2026-11-23T08:00）", code="bad_time") from None


async def _seats(svc: Services, tenant: str, seats) -> list[dict]:
    if not isinstance(seats, list) or not seats or len(seats) > 200:
        raise ValidationFailed("请为班次安排至少一个坐席", code="seats_required")
    out, taken = [], set()
    for row in seats:
        seat = str((row or {}).get("seat", "")).strip() if isinstance(row, dict) else ""
        username = str(row.get("operator", "")).strip() if isinstance(row, dict) else ""
        if not seat or not username or len(seat) > 20:
            raise ValidationFailed("每个坐席须有坐席号和话务员", code="bad_seat")
        staff = await svc.db.staff.find_one({"_id": f"{tenant}:{username}"})
        if not staff or "operator" not in staff.get("roles", []):
            raise ValidationFailed(f"“{username}”不是本县的热线话务员", code="unknown_operator")
        if seat in taken or staff["_id"] in taken:
            raise ValidationFailed(f"坐席或话务员重复：{seat}", code="duplicate_seat")
        taken |= {seat, staff["_id"]}
        out.append({"seat": seat, "operator": staff["_id"], "operator_name": staff["name"]})
    return out


def _shift_view(doc: dict) -> dict:
    return {k: doc[k] for k in ("id", "name", "start", "end", "seats", "created_by")}


async def create_shift(svc: Services, tenant: str, principal: dict, body: dict) -> dict:
    """Plan a shift: ``{name, start, end, seats: [{seat, operator (username)}]}``."""
    if not isinstance(body, dict):
        raise ValidationFailed("请求内容应为 JSON 对象")
    name = str(body.get("name") or "").strip()[:40] or "值班"
    start, end = _instant(body.get("start"), "开始时间"), _instant(body.get("end"), "结束时间")
    if not start < end <= start + MAX_SHIFT:
        raise ValidationFailed("结束时间须晚于开始时间，且一个班次不超过 24 小时", code="bad_shift_times")
    seats = await _seats(svc, tenant, body.get("seats"))
    shift_id = f"{start:%Y%m%d%H%M}-{secrets.token_hex(3)}"
    doc = {"_id": f"{tenant}:{shift_id}", "tenant": tenant, "id": shift_id, "name": name, "start": start, "end": end,
           "seats": seats, "created_by": principal["id"], "created_at": svc.now()}
    await svc.db[SHIFTS].insert_one(doc)
    return _shift_view(doc)


async def list_shifts(svc: Services, tenant: str, day: date | None = None) -> dict:
    """Shifts touching one China-time day (default today) and the shift on duty now."""
    now = svc.now()
    day = day or to_shanghai(now).date()
    first = datetime.combine(day, time(0), SHANGHAI)
    last = first + timedelta(days=1)
    docs = [d async for d in svc.db[SHIFTS].find({"tenant": tenant, "end": {"$gt": first}, "start": {"$lt": last}})]
    on_duty = [d for d in docs if d["start"] <= now < d["end"]]
    return {"day": day.isoformat(), "shifts": [_shift_view(d) for d in sorted(docs, key=lambda d: d["start"])],
            "on_duty": [_shift_view(d) for d in on_duty]}


async def _shift(svc: Services, tenant: str, shift_id: str) -> dict:
    doc = await svc.db[SHIFTS].find_one({"_id": f"{tenant}:{shift_id}"})
    if not doc:
        raise NotFound("未找到该班次", code="shift_not_found")
    return doc


async def add_note(svc: Services, tenant: str, shift_id: str, principal: dict, body: dict) -> dict:
    """One handover note from a member of the shift (or a manager): text and the tickets it concerns."""
    shift = await _shift(svc, tenant, shift_id)
    on_shift = any(s["operator"] == principal["id"] for s in shift["seats"])
    if not on_shift and not {"centre_manager", "admin"} & set(principal.get("roles", [])):
        raise Forbidden("只有本班次的话务员可以填写交接班记录", code="not_on_shift")
    text = str((body or {}).get("text") or "").strip()
    if not text:
        raise ValidationFailed("请填写交接内容", code="note_required")
    tickets = (body or {}).get("tickets") or []
    if not isinstance(tickets, list) or not all(isinstance(t, str) and len(t) <= 40 for t in tickets[:50]):
        raise ValidationFailed("关联工单应为工单编号的列表", code="bad_tickets")
    now = svc.now()
    doc = {"_id": f"{tenant}:{shift_id}:{now:%Y%m%d%H%M%S%f}:{secrets.token_hex(3)}", "tenant": tenant,
           "shift": shift_id, "text": text[:2000], "tickets": tickets[:50], "at": now,
           "author": principal["id"], "author_name": principal.get("name", "")}
    await svc.db[HANDOVERS].insert_one(doc)
    return {k: v for k, v in doc.items() if k not in ("_id", "tenant")}


async def notes(svc: Services, tenant: str, shift_id: str) -> dict:
    """Notes of this shift and of the shift before it (what the incoming shift must read)."""
    shift = await _shift(svc, tenant, shift_id)
    earlier = [d async for d in svc.db[SHIFTS].find({"tenant": tenant, "start": {"$lt": shift["start"]}})]
    previous = max(earlier, key=lambda d: d["start"])["id"] if earlier else None

    async def of(sid):
        found = [d async for d in svc.db[HANDOVERS].find({"tenant": tenant, "shift": sid})] if sid else []
        return [{k: v for k, v in d.items() if k not in ("_id", "tenant")} for d in sorted(found, key=lambda d: d["_id"])]

    return {"shift": _shift_view(shift), "notes": await of(shift_id), "previous_shift": previous,
            "previous_notes": await of(previous)}


# --- statistics ------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarise(docs: list[dict]) -> dict:
    """Figures of one period from ticket snapshots (pure)."""
    by_type = {code: 0 for code in TYPES}
    by_channel = {code: 0 for code in CHANNELS}
    satisfaction = {level: 0 for level in SATISFACTION}
    replied = on_time = due_callback = called_back = 0
    for doc in docs:
        by_type[doc["type"]] = by_type.get(doc["type"], 0) + 1
        by_channel[doc["channel"]] = by_channel.get(doc["channel"], 0) + 1
        if doc.get("replied_at"):
            replied += 1
            on_time += not doc.get("replied_late")
        if doc["state"] in CALLBACK_DUE_STATES:
            due_callback += 1
            called_back += bool(doc.get("satisfaction"))
        if doc.get("satisfaction") in satisfaction:
            satisfaction[doc["satisfaction"]] += 1
    rated = sum(satisfaction.values())
    return {
        "calls_answered": by_channel["phone"], "tickets": len(docs), "by_type": by_type, "by_channel": by_channel,
        "replied": replied, "on_time_rate": _rate(on_time, replied), "callbacks": called_back,
        "callback_rate": _rate(called_back, due_callback), "satisfaction": satisfaction,
        "satisfaction_rate": _rate(sum(satisfaction[s] for s in SATISFIED), rated),
    }


async def stats(svc: Services, tenant: str, first: date, last: date) -> dict:
    """Hotline figures for tickets registered from ``first`` to ``last`` (China-time days, inclusive)."""
    if last < first or (last - first).days > 366:
        raise ValidationFailed("统计区间不正确（结束日期不能早于开始日期，且不超过一年）", code="bad_period")
    start = datetime.combine(first, time(0), SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time(0), SHANGHAI)
    fields = {"type": 1, "channel": 1, "state": 1, "replied_at": 1, "replied_late": 1, "satisfaction": 1}
    docs = [d async for d in svc.db.hotline_tickets.find(
        {"tenant": tenant, "registered_at": {"$gte": start, "$lt": end}}, fields)]
    return {"from": first.isoformat(), "to": last.isoformat(), **summarise(docs)}
