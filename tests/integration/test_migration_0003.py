"""Migration 0003: a store from before the vault (numbers as themselves in events, snapshots, index ids,
notices and call cards) is migrated, resumes after a crash, keeps its trail verifiable without a key,
never launders tampering, and an auditor with the keys recomputes the chains as they were."""

from dataclasses import replace

import bson
import pytest

from backend.domain import trail
from backend.ops import migration_0003, migrations, reseal
from backend.services import journal, trail_check, vault
from backend.services.notify_worker import Senders, deliver_due
from backend.store import schema, snapshots
from hotline.domain import call_events
from hotline.services import cti
from tests.integration.busy_store import fill
from tests.integration.test_case_pipeline import APPLICANT, staff
from tests.integration.test_hotline_pipeline import CALLER
from tests.integration.test_supervision import sweep_now

TENANT = "ziyang"
NUMBERS = (APPLICANT["phone"], APPLICANT["id_number"], CALLER)


async def _plain_values(svc) -> dict[str, str]:
    ring = vault.keyring(svc)
    return {"pii:" + d["_id"].split(":", 1)[1]: ring.decrypt(d, d["_id"]) for d in await svc.db[vault.VAULT].find({}).to_list(None)}


async def _rechain_as_before(svc, values: dict[str, str]) -> dict[str, str]:
    """Every trail with its numbers as themselves and hashed over them, as the code before the vault
    stored it; returns new hash -> old hash."""
    renamed = {}
    numbers = {s["number"] for s in await svc.db.case_steps.find({}, {"number": 1}).to_list(None)}
    for number in sorted(numbers):
        steps = await reseal.steps_of(svc, TENANT, number)
        events = [trail.event_from_document(e) for s in steps for e in s["events"]]
        old = trail.chain(number, [replace(e, data=reseal.restored(e.data, values)) for e in events])
        renamed.update({e.hash: o.hash for e, o in zip(events, old)})
        position = 0
        for step in steps:
            count = len(step["events"])
            await svc.db.case_steps.replace_one({"_id": step["_id"]}, {
                **step, "events": [trail.event_to_document(e) for e in old[position:position + count]]})
            position += count
        collection = svc.db.hotline_tickets if steps[0].get("kind") == "ticket" else svc.db.cases
        doc = snapshots.unpack(await collection.find_one({"_id": f"{TENANT}:{number}"}))  # stored unpacked then
        fields = {k: values.get(doc[k], doc[k]) for k in reseal.FIELDS if k in doc}
        await collection.replace_one({"_id": doc["_id"]}, {
            **doc, **fields, "events": [trail.event_to_document(e) for e in old[:len(doc["events"])]],
            **({"head_hash": renamed[doc["head_hash"]]} if doc.get("head_hash") else {})})
    return renamed


async def _checkpoints_and_journal_as_before(svc, renamed: dict[str, str]) -> None:
    prev = trail.checkpoint_genesis(TENANT)
    for point in await trail_check.checkpoint_docs(svc, TENANT):
        heads = {h["number"]: renamed.get(h["hash"], h["hash"]) for h in point["heads"]}
        fresh = {**point, "prev_hash": prev, "hash": trail.checkpoint(heads, prev),
                 "heads": [{"number": k, "hash": v} for k, v in sorted(heads.items())]}
        await svc.db.trail_checkpoints.replace_one({"_id": point["_id"]}, fresh)
        prev = fresh["hash"]
    for entry in await journal.entries(svc.db, journal.prefix(TENANT)):
        if entry.get("hash"):
            fields = {k: v for k, v in entry.items() if k != "_id"}
            await svc.db.work.replace_one({"_id": entry["_id"]}, journal.stored_entry({**fields, "hash": renamed[entry["hash"]]}))
    state = await svc.db[journal.STATE].find_one({"_id": TENANT}) or {"heads": {}}
    heads = {n: {**h, "hash": renamed.get(h["hash"], h["hash"])} for n, h in state["heads"].items()}
    await svc.db[journal.STATE].update_one({"_id": TENANT}, {"$set": {"heads": heads}}, upsert=True)


async def to_previous_shape(svc) -> None:
    values = await _plain_values(svc)
    renamed = await _rechain_as_before(svc, values)
    await _checkpoints_and_journal_as_before(svc, renamed)
    pseudonyms = {vault.pseudonym_of(ref): value for ref, value in values.items()}
    for doc in await svc.db.case_index.find({"kind": {"$in": ["phone", "ticket_phone"]}}).to_list(None):
        await svc.db.case_index.delete_one({"_id": doc["_id"]})
        plain = pseudonyms[doc["key"]]
        await svc.db.case_index.insert_one({**doc, "_id": f"{TENANT}:{doc['kind']}:{plain}:{doc['number']}", "key": plain})
    for collection, fields in (("notification_queue", ("to", "fallback_phone")), ("notification_log", ("to",)),
                               ("cti_events", ("caller",)), ("hotline_calls", ("caller",))):
        for doc in await svc.db[collection].find({}).to_list(None):
            await svc.db[collection].update_one({"_id": doc["_id"]}, {"$set": {f: values.get(doc.get(f), doc.get(f))
                                                                                for f in fields}})
    await svc.db.drop_collection(vault.VAULT)
    await schema.record(svc.db, {**schema.CURRENT, **{n: 1 for n in migration_0003.RAISES}}, svc.now(), "test")
    await svc.db.schema_versions.delete_one({"_id": schema.migration_id(migration_0003.IDENT)})  # as before 0003


async def _found(svc) -> set[str]:
    found = set()
    for name in await svc.db.list_collection_names():
        async for doc in svc.db[name].find({}):
            raw = bson.encode(doc)
            found |= {f"{name}:{value}" for value in NUMBERS if value.encode() in raw}
    return found


@pytest.fixture
async def old_store(api, seeded, svc, clock):
    numbers = await fill(api, svc, clock)
    await cti.record_event(svc, TENANT, call_events.parse_event({"event_id": "e1", "type": "ringing", "call_id": "c1",
                                                         "caller": CALLER}, clock()))
    await deliver_due(svc, Senders(), clock())  # no SMS channel: the notices fail at once, into the log
    await to_previous_shape(svc)
    assert (await trail_check.verify_tenant(svc, TENANT))["ok"]  # a consistent store, as the old code left it
    assert {"case_steps:13800001234", "case_index:13800001234", "notification_log:13800001234",
            "hotline_calls:13800001234", "cases:610924199001011233"} <= await _found(svc)
    return numbers


async def test_a_store_from_before_the_vault_is_migrated_and_its_trail_still_verifies(old_store, api, svc, clock):
    old_heads = {d["number"]: snapshots.unpack(d)["events"][-1]["hash"] for d in await svc.db.cases.find({}).to_list(None)}
    assert await migrations.migrate(svc, "test", report=lambda _: None) == [migration_0003.IDENT]
    assert await _found(svc) == set()
    result = await trail_check.verify_tenant(svc, TENANT)
    assert result["ok"], result["problems"]
    [ledger_point] = [d for d in await svc.db.trail_checkpoints.find({}).to_list(None) if d.get("note")]
    assert ledger_point["note"].startswith(f"reseal:{migration_0003.IDENT}:")
    values = await _plain_values(svc)
    for entry in await svc.db.trail_reseals.find({}).to_list(None):  # with the keys: the old chain, recomputed
        steps = await reseal.steps_of(svc, TENANT, entry["number"])
        events = [trail.event_from_document(e) for s in steps for e in s["events"]]
        before = reseal.old_chain(entry["number"], events, values)
        assert entry["intact"] and all(before[h["seq"] - 1] == h["hash"] for h in entry["old_heads"])
        if entry["number"] in old_heads:
            assert before[-1] == old_heads[entry["number"]] == entry["old_heads"][-1]["hash"]
    operator = await staff(api, "operator")
    history = (await operator.get(f"/api/v1/hotline/callers/{CALLER}/history")).json["entries"]
    assert {e["number"] for e in history} >= {old_store["ticket"]}
    clerk = await staff(api, "clerk_a")
    assert (await clerk.get(f"/api/v1/cases/{old_store['waiting']}")).json["applicant"]["phone"] == APPLICANT["phone"]
    clock.advance(hours=1)
    assert (await sweep_now(svc))["checkpoint"] is not None  # the journalled head, renamed, is committed
    assert (await trail_check.verify_tenant(svc, TENANT))["ok"]
    assert await migrations.migrate(svc, "test", report=lambda _: None) == []
    assert (await schema.stored_versions(svc.db))["case_steps"] == 2


async def test_a_migration_cut_off_inside_a_trail_resumes_and_repeats_nothing(old_store, svc, monkeypatch):
    steps_before = await svc.db.case_steps.count_documents({})
    rename = reseal._rename_journal_heads

    async def crash_once(svc_, tenant, number, renamed):
        monkeypatch.setattr(reseal, "_rename_journal_heads", rename)
        await rename(svc_, tenant, number, renamed)
        raise RuntimeError(f"killed inside {number}")  # snapshot rewritten, steps not yet

    monkeypatch.setattr(reseal, "_rename_journal_heads", crash_once)
    with pytest.raises(RuntimeError, match="killed inside"):
        await migrations.migrate(svc, "first", report=lambda _: None)
    assert not (await trail_check.verify_tenant(svc, TENANT))["ok"]  # half-way: the snapshot is ahead of the steps
    assert await migrations.migrate(svc, "second", report=lambda _: None) == [migration_0003.IDENT]
    result = await trail_check.verify_tenant(svc, TENANT)
    assert result["ok"], result["problems"]
    assert await _found(svc) == set() and await svc.db.case_steps.count_documents({}) == steps_before
    assert len([d for d in await svc.db.trail_checkpoints.find({}).to_list(None) if d.get("note")]) == 1


async def test_a_chain_tampered_before_the_migration_stays_broken_and_a_changed_ledger_is_found(old_store, svc):
    number = old_store["finished"]
    step = await svc.db.case_steps.find_one({"_id": f"{TENANT}:{number}:000001"})
    step["events"][0]["reason"] = "改过的记录"
    await svc.db.case_steps.replace_one({"_id": step["_id"]}, step)
    await migrations.migrate(svc, "test", report=lambda _: None)
    assert await _found(svc) == set()  # its numbers are sealed all the same
    problems = (await trail_check.verify_tenant(svc, TENANT))["problems"]
    assert {(p["number"], p["kind"]) for p in problems} >= {(number, "changed")}
    assert not (await svc.db.trail_reseals.find_one({"_id": f"{TENANT}:{number}"}))["intact"]
    await svc.db.trail_reseals.update_one({"_id": f"{TENANT}:{old_store['waiting']}"},
                                          {"$set": {"old_heads": [{"seq": 1, "hash": "0" * 64}]}})
    problems = (await trail_check.verify_tenant(svc, TENANT))["problems"]
    assert any("换链记录" in p["message"] for p in problems)
