"""What a request costs the store: a handful of `_id` commands, whatever the history; parallel
approvals of a joint case all succeed."""

import asyncio

from tests.integration.test_case_pipeline import APPLICANT, code_of, staff


async def test_a_walk_in_submit_and_accept_and_an_approval_each_take_few_store_commands(api, seeded, store_commands):
    async def _cost(request) -> tuple[int, object]:
        response = await request
        return store_commands(response), response

    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    item = await code_of(api, "个体工商户设立登记")
    await clerk.post("/api/v1/cases", {"item_code": item, "applicant": APPLICANT, "accept": True})  # warm caches
    spent, taken = await _cost(clerk.post("/api/v1/cases", {"item_code": item, "applicant": APPLICANT, "accept": True}))
    assert taken.status == 201 and taken.json["state"] == "in_review"
    assert spent <= 10, spent  # 6 in a quiet store: session, configuration, then one insert per collection
    number = taken.json["number"]
    spent, approved = await _cost(approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "同意"}))
    assert approved.status == 200 and approved.json["state"] == "approved"
    assert spent <= 10, spent
    code = (await clerk.get(f"/api/v1/cases/{number}")).json["query_code"]
    spent, progress = await _cost(api.as_anonymous().get(f"/api/v1/cases/{number}/progress?code={code}"))
    assert progress.status == 200 and spent <= 2, spent


async def test_three_departments_approving_a_joint_case_at_once_all_succeed(api, seeded):
    clerk = await staff(api, "clerk_a")
    item = (await api.get("/api/v1/items?kind=joint&page_size=1")).json["items"][0]["code"]
    case = (await clerk.post("/api/v1/cases", {"item_code": item, "applicant": APPLICANT, "accept": True})).json
    departments = [t["department"] for t in case["tasks"]]
    assert len(departments) >= 3
    approvers = [await staff(api, f"{d}_a") for d in departments]
    for attempt in range(3):  # concurrent commands on different tasks commute: no 409
        answers = await asyncio.gather(*(a.post(f"/api/v1/cases/{case['number']}/approve", {"opinion": "同意"})
                                         for a in approvers))
        assert [r.status for r in answers] == [200] * len(approvers), [r.json for r in answers]
        final = (await clerk.get(f"/api/v1/cases/{case['number']}")).json
        assert final["state"] == "approved" and {t["state"] for t in final["tasks"]} == {"approved"}
        if attempt < 2:
            case = (await clerk.post("/api/v1/cases", {"item_code": item, "applicant": APPLICANT,
                                                       "accept": True})).json


async def test_the_same_task_decided_twice_at_once_is_a_real_conflict(api, seeded):
    clerk = await staff(api, "clerk_a")
    item = await code_of(api, "个体工商户设立登记")
    number = (await clerk.post("/api/v1/cases", {"item_code": item, "applicant": APPLICANT, "accept": True})).json["number"]
    approvers = [await staff(api, "scjgj_a") for _ in range(4)]
    answers = await asyncio.gather(*(a.post(f"/api/v1/cases/{number}/approve", {"opinion": "同意"}) for a in approvers))
    assert sorted(r.status for r in answers) == [200, 409, 409, 409]
    assert {r.json["error"]["code"] for r in answers if r.status == 409} <= {"illegal_transition", "task_finished"}
