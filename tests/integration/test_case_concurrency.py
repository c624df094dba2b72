"""Under concurrency and crashes: unique gap-free numbers, one winner per step, no half-written case."""

import asyncio

from backend.domain import cases
from backend.domain.numbering import parse_case_number
from backend.services import casework
from tests.integration.test_case_pipeline import APPLICANT, code_of, staff


async def test_200_concurrent_acceptances_get_unique_gap_free_numbers(api, seeded):
    clerk = await staff(api, "clerk_a")
    body = {"item_code": await code_of(api, "结婚登记"), "applicant": APPLICANT, "accept": True}
    responses = await asyncio.gather(*[clerk.post("/api/v1/cases", body) for _ in range(200)])
    assert {r.status for r in responses} == {201}
    sequences = sorted(parse_case_number(r.json["number"]).seq for r in responses)
    assert sequences == list(range(1, 201))
    assert {r.json["state"] for r in responses} == {"accepted"}


async def test_of_many_simultaneous_steps_on_one_case_exactly_one_is_stored(api, seeded, svc):
    clerks = [await staff(api, name) for name in ("clerk_a", "clerk_b")] * 10
    number = (await clerks[0].post("/api/v1/cases", {"item_code": await code_of(api, "结婚登记"),
                                                     "applicant": APPLICANT})).json["number"]
    results = await asyncio.gather(*[c.post(f"/api/v1/cases/{number}/accept", {}) for c in clerks])
    assert sorted(r.status for r in results).count(200) == 1
    assert all(r.status == 409 for r in results if r.status != 200)
    steps = [s async for s in svc.db.case_steps.find({"number": number})]
    assert sorted(s["first_seq"] for s in steps) == [1, 2]


async def test_a_writer_dying_between_its_two_writes_leaves_the_whole_step_which_the_next_reader_repairs(api, seeded, svc):
    clerk = await staff(api, "clerk_a")
    number = (await clerk.post("/api/v1/cases", {"item_code": await code_of(api, "结婚登记"),
                                                 "applicant": APPLICANT})).json["number"]
    case, _ = await casework.load(svc, "ziyang", number)
    actor = await casework.staff_actor(svc, (await clerk.get("/api/v1/auth/me")).json, "window_clerk")
    step = cases.accept(case, actor, svc.now())
    await casework.insert_step(svc, step)  # ...and the process dies before writing the snapshot
    view = (await clerk.get(f"/api/v1/cases/{number}")).json
    assert view["state"] == "accepted" and [e["type"] for e in view["timeline"]] == ["CaseSubmitted", "CaseAccepted"]
    stored = await svc.db.cases.find_one({"_id": f"ziyang:{number}"})
    assert stored["state"] == "accepted" and stored["version"] == 2


async def test_a_writer_dying_before_any_write_leaves_no_trace(api, seeded, svc):
    clerk = await staff(api, "clerk_a")
    number = (await clerk.post("/api/v1/cases", {"item_code": await code_of(api, "结婚登记"),
                                                 "applicant": APPLICANT})).json["number"]
    case, _ = await casework.load(svc, "ziyang", number)
    actor = await casework.staff_actor(svc, (await clerk.get("/api/v1/auth/me")).json, "window_clerk")
    cases.accept(case, actor, svc.now())  # decided in memory, then the process dies: nothing stored
    view = (await clerk.get(f"/api/v1/cases/{number}")).json
    assert view["state"] == "submitted" and len(view["timeline"]) == 1
    assert (await clerk.post(f"/api/v1/cases/{number}/accept", {})).status == 200
