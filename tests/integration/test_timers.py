"""The timer wheel on the real store: filed by minute, read by window, swept once, fenced by lease token."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from backend.store import timers

T0 = datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def test_a_timer_falls_due_in_the_window_that_holds_its_minute_and_in_no_other(svc):
    await timers.schedule(svc.db, "ziyang", at(10.5), "case:ZY-1:yellow", "warn_yellow", {"case": "ZY-1"})
    assert await timers.due(svc.db, "ziyang", at(0), at(9)) == []
    found = await timers.due(svc.db, "ziyang", at(9), at(10))
    assert [(e["key"], e["kind"], e["case"]) for e in found] == [("case:ZY-1:yellow", "warn_yellow", "ZY-1")]
    assert found[0]["due_at"] == at(10.5)
    assert await timers.due(svc.db, "ziyang", at(10), at(20)) == []


async def test_filing_the_same_key_twice_keeps_one_entry_with_the_latest_data(svc):
    for level in ("yellow", "red", "red"):
        await timers.schedule(svc.db, "ziyang", at(5), "case:ZY-2", "warn", {"level": level})
    found = await timers.due(svc.db, "ziyang", at(0), at(5))
    assert [(e["key"], e["level"]) for e in found] == [("case:ZY-2", "red")]


async def test_keys_with_dots_colons_and_dollar_signs_are_filed_and_cancelled_exactly(svc):
    keys = ["case:ZY.2026.1", "$weird", "a%2Eb", "a.b"]
    for key in keys:
        await timers.schedule(svc.db, "ziyang", at(3), key, "warn")
    assert await timers.cancel(svc.db, "ziyang", at(3), "a.b")
    found = await timers.due(svc.db, "ziyang", at(0), at(3))
    assert sorted(e["key"] for e in found) == sorted(["case:ZY.2026.1", "$weird", "a%2Eb"])


async def test_a_cancelled_timer_never_falls_due_and_cancelling_twice_says_so(svc):
    await timers.schedule(svc.db, "ziyang", at(4), "case:ZY-3", "warn")
    await timers.schedule(svc.db, "ziyang", at(4), "case:ZY-4", "warn")
    assert await timers.cancel(svc.db, "ziyang", at(4), "case:ZY-3") is True
    assert await timers.cancel(svc.db, "ziyang", at(4), "case:ZY-3") is False
    assert [e["key"] for e in await timers.due(svc.db, "ziyang", at(0), at(4))] == ["case:ZY-4"]


async def test_data_with_lists_or_nested_documents_is_refused_before_anything_is_written(svc):
    with pytest.raises(ValueError):
        await timers.schedule(svc.db, "ziyang", at(1), "k", "warn", {"depts": ["gaj", "mzj"]})
    with pytest.raises(ValueError):
        await timers.schedule(svc.db, "ziyang", at(1), "k", "warn", {"who": {"dept": "gaj"}})
    assert await timers.due(svc.db, "ziyang", at(0), at(1)) == []


async def test_fifty_timers_filed_at_once_into_one_minute_are_all_kept(svc):
    await asyncio.gather(*(timers.schedule(svc.db, "ziyang", at(7), f"case:ZY-{i}", "warn") for i in range(50)))
    assert len(await timers.due(svc.db, "ziyang", at(6), at(7))) == 50


async def test_one_key_filed_twenty_times_at_once_falls_due_once(svc):
    await asyncio.gather(*(timers.schedule(svc.db, "ziyang", at(7), "case:ZY-9", "warn", {"n": i}) for i in range(20)))
    assert [e["key"] for e in await timers.due(svc.db, "ziyang", at(6), at(7))] == ["case:ZY-9"]


async def test_a_day_long_gap_returns_every_timer_of_that_day_in_order_and_nothing_else(svc):
    day = [at(m) for m in range(1, 1441, 37)]
    for i, due_at in enumerate(reversed(day)):
        await timers.schedule(svc.db, "ziyang", due_at, f"case:{i}", "warn")
    await timers.schedule(svc.db, "ziyang", at(1441), "case:tomorrow", "warn")
    await timers.schedule(svc.db, "ziyang", at(0), "case:already-swept", "warn")
    await timers.schedule(svc.db, "hanbin", at(100), "case:other-county", "warn")
    found = await timers.due(svc.db, "ziyang", at(0), at(1440))
    assert [e["due_at"] for e in found] == day
    assert [e["due_at"] for e in await timers.due(svc.db, "ziyang", at(0), at(5))] == [at(1)]


async def test_advancing_the_cursor_drops_swept_timers_and_never_goes_back(svc):
    await timers.schedule(svc.db, "ziyang", at(2), "case:a", "warn")
    await timers.schedule(svc.db, "ziyang", at(9), "case:b", "warn")
    assert await timers.read_cursor(svc.db, "ziyang") is None
    assert await timers.advance_cursor(svc.db, "ziyang", at(5), fencing_token=1)
    assert await timers.read_cursor(svc.db, "ziyang") == at(5)
    assert await timers.due(svc.db, "ziyang", at(-60), at(5)) == []  # swept ones are gone
    assert [e["key"] for e in await timers.due(svc.db, "ziyang", at(5), at(10))] == ["case:b"]
    assert await timers.advance_cursor(svc.db, "ziyang", at(3), fencing_token=1) is False
    assert await timers.read_cursor(svc.db, "ziyang") == at(5)


async def test_a_stale_sweeper_cannot_move_the_cursor_after_a_newer_token_did(svc):
    assert await timers.advance_cursor(svc.db, "ziyang", at(5), fencing_token=3)
    await timers.schedule(svc.db, "ziyang", at(8), "case:c", "warn")
    assert await timers.advance_cursor(svc.db, "ziyang", at(10), fencing_token=2) is False
    assert await timers.read_cursor(svc.db, "ziyang") == at(5)
    assert [e["key"] for e in await timers.due(svc.db, "ziyang", at(5), at(10))] == ["case:c"]
    assert await timers.advance_cursor(svc.db, "ziyang", at(10), fencing_token=4)


async def test_an_overdue_timer_filed_with_not_before_lands_in_the_next_sweep(svc, clock):
    clock.set(at(0.5))
    swept_upto = timers.minute_floor(clock()) - timers.SWEEP_LAG
    await timers.advance_cursor(svc.db, "ziyang", swept_upto, fencing_token=1)
    overdue = at(-30)
    bucket = await timers.schedule(svc.db, "ziyang", overdue, "case:late", "warn", not_before=clock())
    clock.advance(minutes=1)
    found = await timers.due(svc.db, "ziyang", swept_upto, timers.minute_floor(clock()) - timers.SWEEP_LAG)
    assert [(e["key"], e["due_at"]) for e in found] == [("case:late", overdue)]
    assert await timers.cancel(svc.db, "ziyang", overdue, "case:late", bucket=bucket)
