"""Reliability drills on real server processes: an API process killed in a burst of submissions (alone,
and as one worker of ``serve --processes 2``), and the sweeping process killed while it raises cards.
(The store killed under load: test_store_outage.)"""

import asyncio
import os
import signal
import time

from backend.domain.numbering import parse_case_number
from backend.services import journal, trail_check
from backend.store import lease as leases
from tests.conftest import ApiClient
from tests.integration.test_case_pipeline import APPLICANT, code_of, staff, walk_in
from tests.integration.test_supervision import PROMISED_1_DAY, TENANT

BURST = 60


def _serve(start_server, store_uri, database_name, **env):
    server = start_server(MONGODB_URI=store_uri, SUNSHINE_DB=database_name, **env)
    server.wait_ready(60)
    return server


async def _until(check, timeout: float, pause: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(pause)
    raise AssertionError("condition not reached in time")


async def _submit(client: ApiClient, body: dict, key: str):
    try:
        return await client.request("POST", "/api/v1/cases", body, headers={"Idempotency-Key": key})
    except Exception:  # the connection died with the server
        return None


async def _retry(client: ApiClient, body: dict, key: str) -> dict:
    for _ in range(60):  # a client retries an in-progress answer after a pause, as the message asks
        answer = await client.request("POST", "/api/v1/cases", body, headers={"Idempotency-Key": key})
        if answer.status == 201:
            return answer.json
        assert answer.status == 409 and answer.error["code"] == "submission_in_progress", answer.json
        await asyncio.sleep(1)
    raise AssertionError(f"key {key} never settled")


async def test_an_api_process_killed_in_a_burst_of_submissions_loses_nothing_and_doubles_nothing(
        start_server, store_uri, database_name, svc):
    first = _serve(start_server, store_uri, database_name, SUNSHINE_SEED_SAMPLE="true")
    clerk = ApiClient(first.base_url)
    await clerk.login("clerk_a")
    body = {"item_code": await code_of(clerk, PROMISED_1_DAY), "applicant": APPLICANT, "accept": True}
    keys = [f"drill-{n}" for n in range(BURST)]
    burst = [asyncio.create_task(_submit(clerk, body, key)) for key in keys]
    await asyncio.sleep(0.8)
    first.proc.send_signal(signal.SIGKILL)
    answers = dict(zip(keys, await asyncio.gather(*burst)))
    acknowledged = {k: a.json["number"] for k, a in answers.items() if a is not None and a.status == 201}
    second = _serve(start_server, store_uri, database_name, SUNSHINE_SEED_SAMPLE="true")
    retried = ApiClient(second.base_url)
    retried.token = clerk.token
    settled = {key: (await _retry(retried, body, key))["number"] for key in keys}
    assert all(settled[k] == n for k, n in acknowledged.items()), "an acknowledged case changed its number"
    assert len(set(settled.values())) == BURST, "a retry opened a second case"
    assert await svc.db.cases.count_documents({}) == BURST
    first_steps = await svc.db.case_steps.find({"first_seq": 1}, {"number": 1}).to_list(None)
    assert sorted(d["number"] for d in first_steps) == sorted(settled.values())
    result = await trail_check.verify_tenant(svc, TENANT)
    assert result["ok"], result["problems"]  # a crash remnant is not a tampering alarm
    assert (await trail_check.verify_tenant(svc, TENANT, repair=True))["ok"]
    assert (await trail_check.verify_tenant(svc, TENANT))["remnants"] == []


def _workers(server) -> set[int]:
    pid = server.proc.pid
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return {int(p) for p in children.read().split()}


async def test_a_worker_of_two_killed_in_a_burst_leaves_every_number_once_and_no_gap(
        start_server, store_uri, database_name, svc):
    server = start_server("--processes", "2", MONGODB_URI=store_uri, SUNSHINE_DB=database_name,
                          SUNSHINE_SEED_SAMPLE="true")
    server.wait_ready(60)
    clerk = ApiClient(server.base_url)
    await clerk.login("clerk_a")
    body = {"item_code": await code_of(clerk, PROMISED_1_DAY), "applicant": APPLICANT, "accept": True}
    keys = [f"worker-drill-{n}" for n in range(3 * BURST)]
    burst = [asyncio.create_task(_submit(clerk, body, key)) for key in keys]
    await _until(lambda: _at_least(svc, 20), 30, pause=0.02)
    before = _workers(server)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    answers = dict(zip(keys, await asyncio.gather(*burst)))
    await _until(lambda: _async(len(_workers(server) - before) == 1), 30, pause=0.2)  # started again
    acknowledged = {k: a.json["number"] for k, a in answers.items() if a is not None and a.status == 201}
    assert 0 < len(acknowledged) < len(keys), "the kill should have cut the burst"
    settled = {key: (await _retry(clerk, body, key))["number"] for key in keys}
    assert all(settled[k] == n for k, n in acknowledged.items()), "an acknowledged case changed its number"
    assert sorted(parse_case_number(n).seq for n in settled.values()) == list(range(1, len(keys) + 1))
    assert await svc.db.cases.count_documents({}) == len(keys)


async def _async(value):
    return value


async def _at_least(svc, cases: int) -> bool:
    return await svc.db.cases.count_documents({}) >= cases


async def test_the_sweeping_process_killed_hands_its_lease_over_and_no_card_is_lost_or_doubled(
        start_server, store_uri, database_name, api, seeded, svc):
    clerk = await staff(api, "clerk_a")
    numbers = [(await walk_in(api, clerk, PROMISED_1_DAY))["number"] for _ in range(60)]  # overdue by now
    servers = [_serve(start_server, store_uri, database_name, SUNSHINE_SEED_SAMPLE="false", SUNSHINE_SWEEP_SECONDS=1)
               for _ in range(2)]
    held = await _until(lambda: leases.current(svc.db, f"sweep:{TENANT}"), 30)
    await _until(lambda: svc.db.cards.count_documents({}), 60, pause=0.05)
    victim = next(s for s in servers if s.proc.pid == int(held.holder.split(":")[1]))
    victim.proc.send_signal(signal.SIGKILL)
    expected = {f"{TENANT}:{n}:{scope}:red" for n in numbers for scope in ("case", "task:scjgj")}

    async def all_raised():
        ids = {d["_id"] async for d in svc.db.cards.find({}, {"_id": 1})}
        return expected <= ids

    async def taken_over():
        now = await leases.current(svc.db, f"sweep:{TENANT}")
        return now if now.token > held.token else None

    taken = await _until(taken_over, 60)
    assert taken.holder != held.holder
    await _until(all_raised, 90)
    cards = await svc.db.cards.find({}, {"kind": 1, "level": 1}).to_list(None)
    assert len(cards) == len({c["_id"] for c in cards}) >= len(expected)

    async def folded():
        figures = await journal.read(svc, TENANT)
        return figures.counts.card_figures()["red"] == sum(c["level"] == "red" for c in cards)

    await _until(folded, 30)  # the counts saw each card once, whoever raised it
