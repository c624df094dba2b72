"""What each stored step files for supervision: timers at the right instants, moved by pauses, gone at the end."""

from backend.services import supervision
from backend.store import timers
from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_supervision import PROMISED_1_DAY, TENANT, shanghai

FIVE_DAYS = "食品经营许可"  # promised 5 working days; task 4 + 1


async def filed(svc) -> dict:
    entries = await timers.due(svc.db, TENANT, shanghai("2020-01-01 00:00"), shanghai("2030-01-01 00:00"))
    return {e["key"].split(":", 1)[1]: e["due_at"] for e in entries if e["kind"] == supervision.TIMER_KIND}


async def test_an_accepted_case_files_its_yellow_red_and_step_timers_at_the_deadline_instants(api, seeded, svc):
    await walk_in(api, await staff(api, "clerk_a"), PROMISED_1_DAY)  # Monday 2026-11-23 09:30
    assert await filed(svc) == {
        "case:yellow": shanghai("2026-11-24 00:00"),  # the last working day begins
        "case:red": shanghai("2026-11-25 00:00"),  # first late instant: end of Tuesday
        "task:scjgj:red": shanghai("2026-11-25 00:00"),  # review 0 + decision 1 working day
    }


async def test_a_pause_cancels_the_deadline_timers_and_the_resume_files_them_later(api, seeded, svc, clock):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    number = (await walk_in(api, clerk, FIVE_DAYS))["number"]
    before = await filed(svc)
    assert before["case:red"] == shanghai("2026-12-01 00:00")
    paused = await approver.post(f"/api/v1/cases/{number}/pause", {"kind": "hearing", "reason": "申请人要求听证"})
    assert paused.status == 200, paused.json
    assert await filed(svc) == {}
    open_entry = await svc.db.work.find_one({"_id": supervision.open_key(TENANT, number)})
    assert open_entry["paused"] and open_entry["due_at"] is None
    clock.set(shanghai("2026-11-25 09:00"))  # Wednesday: Tuesday and Wednesday are paused days
    approver = await staff(api, "scjgj_a")  # signed in again: the session ended while the clock moved
    assert (await approver.post(f"/api/v1/cases/{number}/resume", {})).status == 200
    after = await filed(svc)
    assert after["case:red"] == shanghai("2026-12-03 00:00") and after["task:scjgj:red"] == after["case:red"]
    assert after["case:yellow"] == shanghai("2026-12-02 00:00")


async def test_a_tenant_may_warn_earlier_with_its_own_yellow_days(api, seeded, svc):
    await svc.db.tenant_settings.insert_one({"_id": TENANT, "tenant": TENANT, "yellow_days": 3})
    await walk_in(api, await staff(api, "clerk_a"), FIVE_DAYS)
    assert (await filed(svc))["case:yellow"] == shanghai("2026-11-26 00:00")  # Thu, Fri and Mon remain


async def test_a_finished_case_leaves_no_timers_and_one_summary_of_its_working_days(api, seeded, svc, clock):
    number = (await walk_in(api, await staff(api, "clerk_a"), FIVE_DAYS))["number"]
    clock.set(shanghai("2026-11-26 15:00"))
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    assert (await approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "同意"})).status == 200
    assert await filed(svc) == {}
    assert (await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "张三丰"})).status == 200
    assert await svc.db.work.find_one({"_id": supervision.open_key(TENANT, number)}) is None
    summary = await svc.db.finished_cases.find_one({"_id": f"{TENANT}:{number}"})
    assert summary["used_days"] == 3 and summary["on_time"] is True and summary["counted"] is True
    assert (summary["promised_days"], summary["statutory_days"], summary["day"]) == (5, 20, "2026-11-26")
    assert summary["window_post"] == "w01" and summary["window_staff"] == "ziyang:clerk_a"
    assert [d["id"] for d in summary["deciders"]] == ["ziyang:scjgj_a"]
