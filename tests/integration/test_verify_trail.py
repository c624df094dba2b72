"""Trail verification finds every change, deletion and reordering, in case_steps and in the snapshot."""

import asyncio

from backend.services import trail_check
from backend.store import snapshots
from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_deadline_command import run_backend
from tests.integration.test_supervision import PROMISED_1_DAY, TENANT, sweep_now
from tests.snapshot_edits import edit_snapshot, edit_step


def flip(text: str) -> str:
    """The same text with the lowest bit of its first character flipped (one byte changed)."""
    return chr(ord(text[0]) ^ 1) + text[1:]


async def finished_case(api) -> str:
    """A case with six events in three steps: submitted+accepted+dispatched, approved+decided, delivered."""
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    number = (await walk_in(api, clerk, PROMISED_1_DAY))["number"]
    await approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "同意"})
    await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "张三丰"})
    return number


async def verify(svc) -> list[tuple]:
    result = await trail_check.verify_tenant(svc, TENANT)
    return [(p["number"], p["seq"], p["kind"], p["source"]) for p in result["problems"]]


async def drop_snapshot_event(svc, number, seq) -> None:
    def drop(doc):
        doc["events"] = [e for e in doc["events"] if e["seq"] != seq]
    await edit_snapshot(svc.db.cases, f"{TENANT}:{number}", drop)


async def steps_of(svc, number) -> list[dict]:
    found = await svc.db.case_steps.find({"tenant": TENANT, "number": number}).to_list(None)
    return sorted(map(snapshots.unpack, found), key=lambda d: d["_id"])


async def test_untouched_trails_verify_clean_over_http_for_supervisors_only(api, seeded, svc):
    number = await finished_case(api)
    answer = await (await staff(api, "supervisor")).get("/api/v1/supervision/trail/verify")
    assert answer.status == 200 and answer.json["ok"] is True and answer.json["cases_checked"] == 1
    assert (await (await staff(api, "clerk_a")).get("/api/v1/supervision/trail/verify")).status == 403
    assert number


async def test_a_byte_flipped_in_a_stored_step_is_named_with_its_case_and_seq(api, seeded, svc):
    number = await finished_case(api)
    step = (await steps_of(svc, number))[2]
    event = step["events"][0]
    await edit_step(svc.db.case_steps, step["_id"], lambda doc: doc["events"][0].update(actor_name=flip(event["actor_name"])))
    found = await verify(svc)
    assert (number, event["seq"], "changed", "case_steps") in found
    assert (number, event["seq"], "mismatch", "cases") in found


async def test_a_byte_flipped_in_the_snapshot_is_named_with_its_case_and_seq(api, seeded, svc):
    number = await finished_case(api)
    await edit_snapshot(svc.db.cases, f"{TENANT}:{number}",
                        lambda doc: doc["events"][3].update(to_state=flip(doc["events"][3]["to_state"])))
    assert set(await verify(svc)) == {(number, 4, "changed", "cases"), (number, 4, "mismatch", "cases")}


async def test_a_flipped_hash_breaks_the_link_to_the_next_event(api, seeded, svc):
    number = await finished_case(api)
    await edit_snapshot(svc.db.cases, f"{TENANT}:{number}",
                        lambda doc: doc["events"][1].update(hash=flip(doc["events"][1]["hash"])))
    found = await verify(svc)
    assert (number, 2, "changed", "cases") in found and (number, 3, "broken_link", "cases") in found


async def test_a_deleted_step_and_a_deleted_snapshot_event_are_both_found(api, seeded, svc):
    number = await finished_case(api)
    middle = (await steps_of(svc, number))[1]
    await svc.db.case_steps.delete_one({"_id": middle["_id"]})
    seq = middle["first_seq"]
    found = await verify(svc)
    assert (number, seq, "missing", "case_steps") in found and (number, seq, "extra", "cases") in found
    other = await finished_case(api)
    await drop_snapshot_event(svc, other, 5)
    found = await verify(svc)
    assert (other, 5, "missing", "cases") in found
    assert not [p for p in found if p[0] == other and p[3] == "case_steps"]


async def test_reordered_events_are_found_in_the_snapshot_and_in_the_steps(api, seeded, svc):
    number = await finished_case(api)
    def swap(doc):
        doc["events"][3], doc["events"][4] = doc["events"][4], doc["events"][3]
    await edit_snapshot(svc.db.cases, f"{TENANT}:{number}", swap)
    assert (number, 4, "reordered", "cases") in await verify(svc)
    other = await finished_case(api)
    first, second = (await steps_of(svc, other))[1:3]
    await edit_step(svc.db.case_steps, first["_id"], lambda doc: doc.update(events=second["events"]))
    await edit_step(svc.db.case_steps, second["_id"], lambda doc: doc.update(events=first["events"]))
    found = [p for p in await verify(svc) if p[0] == other and p[3] == "case_steps"]
    assert (other, first["first_seq"], "reordered", "case_steps") in found


async def test_a_trail_cut_off_at_both_places_is_caught_by_the_checkpoint(api, seeded, svc, clock):
    number = await finished_case(api)
    clock.advance(minutes=2)
    assert (await sweep_now(svc))["checkpoint"] == 1
    last = (await steps_of(svc, number))[-1]
    await svc.db.case_steps.delete_one({"_id": last["_id"]})
    await drop_snapshot_event(svc, number, last["first_seq"])
    assert await verify(svc) == [(number, None, "truncated", "checkpoints")]


async def test_a_changed_or_deleted_checkpoint_is_found(api, seeded, svc, clock):
    await finished_case(api)
    clock.advance(minutes=2)
    await sweep_now(svc)
    await finished_case(api)
    clock.advance(minutes=20)
    assert (await sweep_now(svc))["checkpoint"] == 2
    await svc.db.trail_checkpoints.update_one({"_id": f"{TENANT}:2"}, {"$set": {"heads.0.hash": flip("0" * 64)}})
    assert (TENANT, 2, "changed", "checkpoints") in await verify(svc)
    await svc.db.trail_checkpoints.delete_one({"_id": f"{TENANT}:1"})
    found = await verify(svc)
    assert (TENANT, 1, "missing", "checkpoints") in found and (TENANT, 2, "broken_link", "checkpoints") in found


async def test_the_command_exits_1_with_chinese_findings_naming_the_case_and_0_when_intact(api, seeded, svc, settings):
    number = await finished_case(api)
    env = {"MONGODB_URI": settings.mongodb_uri, "SUNSHINE_DB": settings.database}
    clean = await asyncio.to_thread(run_backend, ["verify-trail", "--tenant", TENANT], **env)
    assert clean.returncode == 0, clean.stderr
    assert "未发现篡改" in clean.stdout and "校验办件 1 件" in clean.stdout
    step = (await steps_of(svc, number))[1]
    await edit_step(svc.db.case_steps, step["_id"], lambda doc: doc["events"][0].update(reason="改"))
    broken = await asyncio.to_thread(run_backend, ["verify-trail"], **env)
    assert broken.returncode == 1
    assert f"办件 {number}：第 {step['first_seq']} 条记录的内容与其哈希不符（记录被改动）" in broken.stdout
    assert "[办件记录（case_steps）]" in broken.stdout


async def test_hotline_tickets_share_the_trail_and_a_tampered_ticket_is_named(api, seeded, svc):
    from backend.services import trail_check

    operator = api.as_anonymous()
    await operator.login("operator")
    filed = await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": "13800001234", "type": "complaint", "content": "蒿坪镇街道路灯坏了一个月没人修",
        "channel": "phone", "township": "haoping"})
    assert filed.status == 201, filed.json
    number = filed.json["number"]
    clean = await trail_check.verify_tenant(svc, "ziyang")
    assert clean["ok"], clean["problems"]
    await svc.db.hotline_tickets.update_one({"_id": f"ziyang:{number}"}, {"$set": {"events.0.reason": "改过"}})
    tampered = await trail_check.verify_tenant(svc, "ziyang")
    assert not tampered["ok"] and any(p["number"] == number for p in tampered["problems"])


async def test_a_writer_killed_between_its_step_and_its_snapshot_leaves_a_remnant_not_an_alarm(api, seeded, svc):
    from backend.domain import cases
    from backend.services import casework

    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, PROMISED_1_DAY))["number"]
    case, _ = await casework.load(svc, TENANT, number)
    me = (await clerk.get("/api/v1/auth/me")).json
    step = cases.withdraw(case, await casework.staff_actor(svc, me, "window_clerk"), svc.now(), "申请人要求")
    await casework.insert_step(svc, step)  # ...and the process is killed before the snapshot
    result = await trail_check.verify_tenant(svc, TENANT)
    assert result["ok"] and result["problems"] == []
    assert [(p["number"], p["kind"]) for p in result["remnants"]] == [(number, "remnant")]
    assert "不是篡改" in trail_check.report_zh(result)
    repaired = await trail_check.verify_tenant(svc, TENANT, repair=True)
    assert repaired["repaired"] == [number]
    assert (await snapshots.read(svc.db.cases, f"{TENANT}:{number}"))["state"] == "withdrawn"
    assert (await trail_check.verify_tenant(svc, TENANT))["remnants"] == []


async def test_a_submission_killed_before_its_snapshot_is_a_remnant_and_a_damaged_document_is_reported(api, seeded, svc):
    number = await finished_case(api)
    await svc.db.cases.delete_one({"_id": f"{TENANT}:{number}"})
    result = await trail_check.verify_tenant(svc, TENANT)
    assert result["ok"] and [p["kind"] for p in result["remnants"]] == ["remnant"]
    other = await finished_case(api)
    await svc.db.case_steps.update_one({"_id": (await steps_of(svc, other))[1]["_id"]}, {"$set": {"events": "x"}})
    await edit_snapshot(svc.db.cases, f"{TENANT}:{other}", lambda doc: doc.update(events=7))
    damaged = await trail_check.verify_tenant(svc, TENANT)
    assert not damaged["ok"] and any(p["number"] == other for p in damaged["problems"])
