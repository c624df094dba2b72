"""The tenant's working calendar in the store: local days, imported notices, status, audit, caching."""

import asyncio
from datetime import date, datetime, timedelta

import pytest

from backend.domain.clock import SHANGHAI, compute_deadline
from backend.domain.errors import ValidationFailed
from backend.services import audit
from backend.services import calendar as calendars
from backend.services import tenant_config
from backend.services.context import Services

NOTICE_2027 = [
    {"start": "2027-01-01", "end": "2027-01-03", "kind": "放假", "name": "元旦"},
    {"start": "2027-02-05", "end": "2027-02-11", "kind": "放假", "name": "春节"},
    {"start": "2027-02-13", "kind": "上班", "name": "春节"},
    {"start": "2027-10-01", "end": "2027-10-07", "kind": "放假", "name": "国庆节"},
]


def other_process(svc) -> Services:
    """Another API process on the same store: its own in-process cache."""
    return Services(db=svc.db, settings=svc.settings, clock=svc.clock)


async def test_with_nothing_stored_the_calendar_is_the_state_councils(svc):
    calendar = await calendars.load_calendar(svc, "ziyang")
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert calendar.is_working_day(date(2026, 10, 10))  # 调休上班日, a Saturday
    assert calendar.is_working_day(date(2026, 10, 12))


async def test_a_local_day_off_stops_the_clock_for_that_tenant_only(svc):
    await calendars.add_local_day(svc, "ziyang", date(2026, 10, 12), False, "县庆放假", actor="admin")
    ziyang = await calendars.load_calendar(svc, "ziyang")
    assert not ziyang.is_working_day(date(2026, 10, 12))
    assert ziyang.special_day(date(2026, 10, 12)).name == "县庆放假"
    assert (await calendars.load_calendar(svc, "hanbin")).is_working_day(date(2026, 10, 12))
    accepted = datetime(2026, 9, 29, 9, 12, 3, tzinfo=SHANGHAI)
    assert compute_deadline(ziyang, accepted, 5).due_date == date(2026, 10, 13)


async def test_a_change_made_by_another_process_is_seen_within_the_freshness_window(svc):
    first = await calendars.load_calendar(svc, "ziyang")
    assert await calendars.load_calendar(svc, "ziyang") is first  # unchanged: served from the cache
    await calendars.add_local_day(other_process(svc), "ziyang", date(2026, 12, 5), True, "补班", actor="admin")
    await asyncio.sleep(tenant_config.FRESH_FOR * 1.5)
    changed = await calendars.load_calendar(svc, "ziyang")
    assert changed is not first and changed.is_working_day(date(2026, 12, 5))


async def test_twenty_local_days_added_at_once_are_all_kept(svc):
    days = [date(2026, 12, 1) + timedelta(days=i) for i in range(20)]
    await asyncio.gather(*(calendars.add_local_day(other_process(svc), "ziyang", d, False, "停电", actor="admin")
                           for d in days))
    calendar = await calendars.load_calendar(svc, "ziyang")
    assert [d for d in days if calendar.is_working_day(d)] == []


async def test_importing_next_years_notice_covers_it_and_ends_the_warning(svc):
    today = date(2026, 11, 23)
    before = await calendars.calendar_status(svc, "ziyang", today)
    assert before["covered_through"] == 2026
    assert "2027" in before["provisional_warning"] and "导入" in before["provisional_warning"]
    result = await calendars.import_notice(svc, "ziyang", 2027, NOTICE_2027, actor="admin")
    assert result["days"] == 18
    after = await calendars.calendar_status(svc, "ziyang", today)
    assert after == {"covered_through": 2027, "provisional_warning": None}
    calendar = await calendars.load_calendar(svc, "ziyang")
    assert not calendar.is_working_day(date(2027, 2, 8)) and calendar.is_working_day(date(2027, 2, 13))
    deadline = compute_deadline(calendar, datetime(2027, 9, 28, 10, 0, tzinfo=SHANGHAI), 5)
    assert not deadline.provisional and deadline.due_date == date(2027, 10, 12)


async def test_an_overlapping_notice_is_refused_naming_the_row_and_nothing_is_written(svc):
    rows = NOTICE_2027 + [{"start": "2027-10-07", "end": "2027-10-08", "kind": "放假", "name": "中秋节"}]
    with pytest.raises(ValidationFailed) as refused:
        await calendars.import_notice(svc, "ziyang", 2027, rows, actor="admin")
    assert "第 5 行" in refused.value.message and "重叠" in refused.value.message
    assert (await calendars.calendar_status(svc, "ziyang", date(2026, 11, 23)))["covered_through"] == 2026
    assert await audit.recent(svc, "ziyang") == []


async def test_a_local_day_wins_over_the_imported_notice(svc):
    await calendars.add_local_day(svc, "ziyang", date(2027, 10, 7), True, "防汛值守，照常办公", actor="admin")
    await calendars.import_notice(svc, "ziyang", 2027, NOTICE_2027, actor="admin")
    calendar = await calendars.load_calendar(svc, "ziyang")
    assert calendar.is_working_day(date(2027, 10, 7)) and not calendar.is_working_day(date(2027, 10, 6))


async def test_every_change_is_in_the_audit_log_with_its_actor(svc):
    await calendars.add_local_day(svc, "ziyang", date(2026, 12, 7), False, "县庆放假", actor="admin-li")
    await calendars.import_notice(svc, "ziyang", 2027, NOTICE_2027, actor="admin-wang")
    entries = await audit.recent(svc, "ziyang")
    assert {(e["actor"], e["action"]) for e in entries} == {("admin-li", "calendar.local_day"),
                                                            ("admin-wang", "calendar.import")}
    local = next(e for e in entries if e["action"] == "calendar.local_day")
    assert local["data"]["date"] == "2026-12-07" and local["data"]["working"] is False


async def test_a_local_day_needs_a_reason(svc):
    with pytest.raises(ValidationFailed) as refused:
        await calendars.add_local_day(svc, "ziyang", date(2026, 12, 7), False, "  ", actor="admin")
    assert "原因" in refused.value.message
