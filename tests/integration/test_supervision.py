"""The warning sweep on the real store: cards raised as the clock moves, once each, even after a crash."""

import asyncio
from datetime import datetime, timezone

import pytest

from backend.domain import trail
from backend.domain.case_model import Step, apply
from backend.domain.trail import Event
from backend.services import casework, intake, supervision_sweep
from backend.store import lease as leases
from tests.integration.test_case_pipeline import APPLICANT, code_of, staff, walk_in

TENANT = "ziyang"
PROMISED_1_DAY = "个体工商户设立登记"  # promised 1 working day; task limit 0 + 1
JOINT = "开办餐饮店一件事"  # promised 5; each department's task 3 + 1 = 4 working days


def shanghai(text: str) -> datetime:
    """A Shanghai wall time as an aware UTC instant, e.g. shanghai('2026-11-25 10:00')."""
    return datetime.fromisoformat(text + "+08:00").astimezone(timezone.utc)


async def sweep_now(svc, **kwargs) -> dict:
    """One sweep round at the clock's time, holding the tenant's sweep lease like the background task."""
    held = await leases.acquire(svc.db, f"sweep:{TENANT}", "test-sweeper", 600, svc.now())
    assert held is not None
    return await supervision_sweep.sweep(svc, TENANT, held, **kwargs)


async def cards_of(svc, **query) -> dict:
    return {d["_id"]: d async for d in svc.db.cards.find({"tenant": TENANT, **query})}


async def services_of(api):
    return api.app.settings["services"]


async def test_yellow_then_red_cards_follow_the_clock_and_red_opens_a_candidate_violation(api, seeded, svc, clock):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, PROMISED_1_DAY))["number"]  # accepted Monday 09:30, due end of Tuesday
    clock.set(shanghai("2026-11-23 18:00"))
    assert (await sweep_now(svc))["raised"] == 0
    clock.set(shanghai("2026-11-24 10:00"))
    await sweep_now(svc)
    yellow = await cards_of(svc)
    assert list(yellow) == [f"{TENANT}:{number}:case:yellow"]
    card = yellow[f"{TENANT}:{number}:case:yellow"]
    assert (card["kind"], card["level"], card["department"], card["post"]) == ("due_soon", "yellow", "scjgj", "d-scjgj")
    assert card["staff_id"] == "ziyang:scjgj_a" and card["item_name"] == PROMISED_1_DAY and card["status"] == "open"
    roles = {(r["staff_id"], r["as"]) for r in card["recipients"]}
    assert {("ziyang:scjgj_a", "post"), ("ziyang:scjgj_b", "post"), ("ziyang:scjgj_a", "department_head"),
            ("ziyang:supervisor", "supervisor")} <= roles
    clock.set(shanghai("2026-11-25 10:00"))
    await sweep_now(svc)
    red = await cards_of(svc, level="red")
    assert {(d["scope"], d["kind"]) for d in red.values()} == {("case", "overdue"), ("task:scjgj", "step_overdue")}
    found = {d["_id"]: d async for d in svc.db.violations.find({"tenant": TENANT})}
    assert set(found) == {f"{TENANT}:{card_id}" for card_id in red}
    candidate = found[f"{TENANT}:{TENANT}:{number}:case:red"]
    assert candidate["status"] == "candidate" and candidate["type_name"] == "超期办理"
    assert candidate["responsible"]["approver"]["staff_id"] == "ziyang:scjgj_a"
    assert candidate["responsible"]["window_clerk"]["staff_id"] == "ziyang:clerk_a"
    assert candidate["responsible"]["department_head"]["staff_id"] == "ziyang:scjgj_a"


async def test_a_department_step_runs_late_while_the_case_is_still_on_time(api, seeded, svc, clock):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, JOINT))["number"]
    await (await staff(api, "scjgj_a")).post(f"/api/v1/cases/{number}/approve", {})
    clock.set(shanghai("2026-11-28 10:00"))  # Saturday: 4 working days used of the tasks' 4, the case's 5
    await sweep_now(svc)
    found = await cards_of(svc)
    assert {(d["scope"], d["level"]) for d in found.values()} == {
        ("task:cgj", "red"), ("task:sthj", "red"), ("case", "yellow")}


async def test_a_sweep_killed_midway_loses_no_card_and_raises_none_twice(api, seeded, svc, clock):
    clerk = await staff(api, "clerk_a")
    numbers = [(await walk_in(api, clerk, PROMISED_1_DAY))["number"] for _ in range(3)]
    clock.set(shanghai("2026-11-25 10:00"))

    async def die_after_two(counts):
        if counts["raised"] + counts["already"] == 2:
            raise RuntimeError("sweeper killed")

    with pytest.raises(RuntimeError):
        await sweep_now(svc, after_card=die_after_two)
    assert len(await cards_of(svc)) == 2
    clock.advance(seconds=30)
    finished = await sweep_now(svc)
    assert (finished["raised"], finished["already"], finished["advanced"]) == (4, 2, True)
    expected = {f"{TENANT}:{n}:{scope}:red" for n in numbers for scope in ("case", "task:scjgj")}
    assert set(await cards_of(svc)) == expected
    assert await svc.db.violations.count_documents({"tenant": TENANT}) == 6
    clock.advance(minutes=5)
    assert (await sweep_now(svc))["raised"] == 0
    assert await svc.db.cards.count_documents({"tenant": TENANT}) == 6


async def test_an_online_application_not_accepted_within_its_limit_raises_an_acceptance_card(api, seeded, svc, clock):
    citizen = {"kind": "citizen", "tenant": TENANT, "id": "openid-wait", "roles": ["citizen"]}
    payload = {"item_code": await code_of(api, PROMISED_1_DAY), "applicant": APPLICANT,
               "materials": [{"name": "身份证"}]}
    number = (await intake.submit(svc, TENANT, citizen, payload))[0].number
    clock.set(shanghai("2026-11-24 17:00"))
    await sweep_now(svc)
    assert await cards_of(svc) == {}
    clock.set(shanghai("2026-11-25 09:00"))
    await sweep_now(svc)
    card = (await cards_of(svc))[f"{TENANT}:{number}:acceptance_waiting:red"]
    assert (card["kind"], card["department"], card["post"], card["staff_id"]) == (
        "acceptance_waiting", "zwfw", "w01", "ziyang:clerk_a")
    assert {r["staff_id"] for r in card["recipients"] if r["as"] == "department_head"} == {"ziyang:manager"}
    await (await staff(api, "clerk_a")).post(f"/api/v1/cases/{number}/accept", {})
    assert (await svc.db.cards.find_one({"_id": card["_id"]}))["status"] == "closed"


async def test_a_refusal_stored_without_a_reason_is_caught_even_though_the_domain_forbids_it(api, seeded, svc, clock):
    number = (await walk_in(api, await staff(api, "clerk_a"), PROMISED_1_DAY))["number"]
    case, doc = await casework.load(svc, TENANT, number)
    drafts = [Event(type=kind, at=clock(), actor_id="ziyang:scjgj_a", actor_name="周建国", actor_role="dept_approver",
                    actor_post="d-scjgj", actor_department="scjgj", from_state=case.state, to_state=state,
                    reason="", data={"department": "scjgj"})
              for kind, state in (("TaskRefused", "in_review"), ("CaseRefused", "refused"))]
    events = trail.chain(number, drafts, case.events[-1])
    before = case
    for event in events:
        case = apply(case, event)
    await casework.store(svc, before, doc, Step(case, events))
    clock.advance(minutes=2)
    await sweep_now(svc)
    card = (await cards_of(svc))[f"{TENANT}:{number}:refused_without_reason:red"]
    assert card["staff_id"] == "ziyang:scjgj_a" and card["department"] == "scjgj"
    violation = await svc.db.violations.find_one({"_id": f"{TENANT}:{card['_id']}"})
    assert violation["type_name"] == "不予办理未说明理由"


async def test_the_background_task_sweeps_each_tenant_under_its_lease_and_stops_cleanly(api, seeded, svc, clock):
    number = (await walk_in(api, await staff(api, "clerk_a"), PROMISED_1_DAY))["number"]
    clock.set(shanghai("2026-11-25 10:00"))
    stop = asyncio.Event()
    task = asyncio.create_task(supervision_sweep.sweep_task(svc, stop))
    for _ in range(200):  # both red cards of the round (the case's and the step's), however loaded the machine
        if await svc.db.cards.count_documents({"tenant": TENANT, "level": "red"}) >= 2:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert await svc.db.cards.find_one({"_id": f"{TENANT}:{number}:case:red"})
    assert await svc.db.cards.count_documents({"tenant": TENANT, "level": "red"}) == 2
    assert (await leases.current(svc.db, f"sweep:{TENANT}")).holder != "test-sweeper"


async def test_a_card_reaches_the_responsible_approver_who_signs_for_it(api, seeded, svc, clock):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, PROMISED_1_DAY))["number"]
    clock.set(shanghai("2026-11-24 10:00"))
    await sweep_now(svc)
    approver, outsider = await staff(api, "scjgj_a"), await staff(api, "mzj_a")
    mine = (await approver.get("/api/v1/supervision/my-cards")).json["items"]
    assert [(c["number"], c["level"]) for c in mine] == [(number, "yellow")]
    assert (await outsider.get("/api/v1/supervision/my-cards")).json["items"] == []
    signed = await approver.post(f"/api/v1/supervision/cards/{mine[0]['id']}/acknowledge", {})
    assert signed.status == 200
    assert (await approver.get("/api/v1/supervision/my-cards")).json["items"] == []
