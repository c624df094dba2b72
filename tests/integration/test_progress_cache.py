"""Public progress views kept in memory by the server: a repeated lookup costs no store command, a
step taken through the server shows on the very next lookup, the access check still runs on every
request, and a write from outside the server shows within the cache's time limit."""

import asyncio
import re
from datetime import datetime, timezone

import pytest

from backend.domain.numbering import new_query_code
from backend.services import progress_cache
from backend.store.change_stamps import ChangeStamps
from tests.integration.test_case_pipeline import APPLICANT, code_of, staff
from tests.snapshot_edits import edit_snapshot


@pytest.fixture
def cached(api):
    """The test server with the cache on, as ``serve`` runs it (30 s, like the embedded store)."""
    progress_cache.install(api.app.settings["services"].extras, ChangeStamps(), ttl=30)
    return api


async def _walk_in(api) -> tuple[str, str]:
    clerk = await staff(api, "clerk_a")
    body = {"item_code": await code_of(api, "个体工商户设立登记"), "applicant": APPLICANT, "accept": True}
    case = (await clerk.post("/api/v1/cases", body)).json
    return case["number"], case["query_code"]


async def test_a_repeated_lookup_costs_no_store_command_and_a_step_shows_on_the_next(cached, seeded, store_commands):
    number, code = await _walk_in(cached)
    public = cached.as_anonymous()
    first = await public.get(f"/api/v1/cases/{number}/progress?code={code}")
    assert first.status == 200 and first.json["state"] == "in_review"
    again = await public.get(f"/api/v1/cases/{number}/progress?code={code}")
    assert store_commands(again) == 0
    assert again.json == first.json
    exposition = (await cached.request("GET", "/metrics")).body.decode()
    assert re.search(r'^sunshine_progress_views_total\{source="kept"\} [1-9]', exposition, re.M), exposition[-800:]
    approver = await staff(cached, "scjgj_a")
    assert (await approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "同意"})).status == 200
    after = await public.get(f"/api/v1/cases/{number}/progress?code={code}")
    assert after.json["state"] == "approved"
    assert len(after.json["timeline"]) > len(first.json["timeline"])


async def test_a_kept_view_is_still_refused_without_the_right_query_code(cached, seeded):
    number, code = await _walk_in(cached)
    public = cached.as_anonymous()
    assert (await public.get(f"/api/v1/cases/{number}/progress?code={code}")).status == 200
    wrong_code = next(c for c in iter(new_query_code, None) if c != code.replace("-", ""))
    wrong = await public.get(f"/api/v1/cases/{number}/progress?code={wrong_code}")
    assert wrong.status == 404 and wrong.error["code"] == "case_not_found"
    missing = await public.get(f"/api/v1/cases/{number}/progress")
    assert missing.status == 404
    other = await public.get(f"/api/v1/cases/{number[:-1]}9/progress?code={code}")
    assert other.status == 404


async def test_many_lookups_at_once_all_answer_the_same(cached, seeded):
    number, code = await _walk_in(cached)
    public = cached.as_anonymous()
    answers = await asyncio.gather(*[public.get(f"/api/v1/cases/{number}/progress?code={code}") for _ in range(30)])
    assert {a.status for a in answers} == {200}
    assert len({str(a.json) for a in answers}) == 1


async def test_a_write_from_outside_the_server_shows_within_the_time_limit(api, seeded, svc):
    progress_cache.install(api.app.settings["services"].extras, ChangeStamps(), ttl=0.5)
    number, code = await _walk_in(api)
    public = api.as_anonymous()
    due = (await public.get(f"/api/v1/cases/{number}/progress?code={code}")).json["due_at"]
    assert not due.startswith("2030-01-01")
    await edit_snapshot(svc.db.cases, f"ziyang:{number}",
                        lambda doc: doc.update(due_at=datetime(2030, 1, 1, 8, tzinfo=timezone.utc)))
    await asyncio.sleep(0.6)
    assert (await public.get(f"/api/v1/cases/{number}/progress?code={code}")).json["due_at"].startswith("2030-01-01")


async def test_lookups_of_many_cases_at_once_each_answer_with_their_own_case(api, seeded):
    made = [await _walk_in(api) for _ in range(5)]  # no views kept: every lookup reads its snapshot
    public = api.as_anonymous()
    asked = made * 4 + [(made[0][0][:-1] + "9", made[0][1])]  # the snapshot reads go out together
    answers = await asyncio.gather(*[public.get(f"/api/v1/cases/{n}/progress?code={c}") for n, c in asked])
    assert [a.json["number"] for a in answers[:-1]] == [n for n, _ in made] * 4
    assert answers[-1].status == 404 and answers[-1].error["code"] == "case_not_found"


def test_the_cache_setting_is_checked():
    from backend.config import SettingsError, load_settings

    assert load_settings(env={}).progress_cache_ttl(embedded_store=True) == 30
    assert load_settings(env={"MONGODB_URI": "mongodb://db/"}).progress_cache_ttl(embedded_store=False) == 5
    assert load_settings(env={"SUNSHINE_PROGRESS_CACHE_SECONDS": "0"}).progress_cache_ttl(embedded_store=True) == 0
    with pytest.raises(SettingsError, match="SUNSHINE_PROGRESS_CACHE_SECONDS"):
        load_settings(env={"SUNSHINE_PROGRESS_CACHE_SECONDS": "soon"})


@pytest.fixture
def sources():
    """Where each lookup's view came from: "kept" (by this server) or "read" (from the store)."""
    seen: list[str] = []
    progress_cache.observers.append(seen.append)
    yield seen
    progress_cache.observers.remove(seen.append)


async def test_the_view_kept_by_the_writer_is_the_view_read_from_the_store(cached, seeded, clock, sources):
    clock.advance(microseconds=123_456)  # a store keeps times to the millisecond
    number, code = await _walk_in(cached)  # its writer keeps the snapshot it wrote
    public = cached.as_anonymous()
    sources.clear()
    kept = await public.get(f"/api/v1/cases/{number}/progress?code={code}")
    assert kept.status == 200 and sources == ["kept"]  # rendering it may read the department names, not the case
    progress_cache.of(cached.app.settings["services"])._kept.clear()
    read = await public.get(f"/api/v1/cases/{number}/progress?code={code}")
    assert sources == ["kept", "read"]
    assert kept.json == read.json


async def test_a_view_past_its_time_is_sent_again_while_the_store_holds_what_it_was_made_from(api, seeded, svc, sources,
                                                                                              store_commands):
    """After the time limit a lookup reads the snapshot again; unchanged, the kept view is renewed
    (same answer, no rendering); changed from outside, or with a department renamed, it is rendered anew."""
    progress_cache.install(api.app.settings["services"].extras, ChangeStamps(), ttl=0.3)
    number, code = await _walk_in(api)
    public, page = api.as_anonymous(), f"/api/v1/cases/{number}/progress?code={code}"
    sources.clear()
    first = await public.get(page)
    await public.get(page)  # a second lookup renders nothing new, so it is read from the store once below
    await asyncio.sleep(0.35)
    again = await public.get(page)
    assert sources == ["kept", "kept", "renewed"]
    assert again.json == first.json and 1 <= store_commands(again) <= 2  # the snapshot (and the county's heads)
    assert (await public.get(page)).json == first.json and sources[-1] == "kept"  # renewed for another time limit

    await edit_snapshot(svc.db.cases, f"ziyang:{number}",
                        lambda doc: doc.update(due_at=datetime(2030, 1, 1, 8, tzinfo=timezone.utc)))
    await asyncio.sleep(0.35)
    assert (await public.get(page)).json["due_at"].startswith("2030-01-01") and sources[-1] == "read"

    admin = await staff(api, "admin")
    assert (await admin.put("/api/v1/org/departments/scjgj", {"name": "紫阳县市场监管局（新）"})).status == 200
    await asyncio.sleep(0.35)
    renamed = await public.get(page)
    assert sources[-1] == "read"
    assert any("紫阳县市场监管局（新）" in event["label"] for event in renamed.json["timeline"]), renamed.json["timeline"]
    await asyncio.sleep(0.35)
    wrong_code = next(c for c in iter(new_query_code, None) if c != code.replace("-", ""))
    wrong = await public.get(f"/api/v1/cases/{number}/progress?code={wrong_code}")  # the check runs on a renewed view too
    assert wrong.status == 404 and sources[-1] == "renewed"
