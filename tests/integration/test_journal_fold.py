"""The sweep folds the step journal into the dashboard's counts and deletes the folded entries a
batch at a time: after a burst of steps (or onto counts rebuilt from the open cases), every case is
counted once, and the journal empties."""

from backend.services import journal
from backend.store import work
from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_supervision import TENANT, sweep_now
from tests.integration.test_supervision_api import MARRIAGE
from tests.integration.test_supervision_timers import FIVE_DAYS


async def _board(api) -> dict:
    return (await (await staff(api, "supervisor")).get("/api/v1/supervision/dashboard?days=7")).json


async def _journal_left(svc) -> int:
    return len(await work.read_prefix(svc.db, journal.prefix(TENANT), {"_id": 1}))


async def test_after_a_burst_of_steps_each_case_is_counted_once_and_the_journal_empties(api, seeded, svc,
                                                                                            monkeypatch):
    monkeypatch.setattr(journal, "DELETE_BATCH", 3)
    clerk, window = await staff(api, "clerk_a"), await staff(api, "clerk2_a")
    for _ in range(5):
        await walk_in(api, clerk, FIVE_DAYS)
    for _ in range(2):  # decided and delivered at the window: finished today
        number = (await walk_in(api, window, MARRIAGE))["number"]
        await window.post(f"/api/v1/cases/{number}/decide-at-window", {"approve": True})
        await window.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "本人"})
    before = await _board(api)  # live: the stored counts plus the entries not yet folded
    assert before["open"] == 5 and before["finished"]["finished"] == 2
    assert await _journal_left(svc) > 3

    counts = await sweep_now(svc)  # the first fold also rebuilds the counts (no state yet)
    assert counts["folded"] > 3 and await _journal_left(svc) == 0
    assert (await _board(api))["open"] == 5 and (await _board(api))["finished"]["finished"] == 2

    for _ in range(4):  # a second burst onto stored counts
        await walk_in(api, clerk, FIVE_DAYS)
    assert (await sweep_now(svc))["folded"] >= 4 and await _journal_left(svc) == 0
    after = await _board(api)
    assert after["open"] == 9 and after["finished"]["finished"] == 2
    market = next(row for row in after["departments"] if row["key"] == "scjgj")
    assert market["open"] == 9
