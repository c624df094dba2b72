"""Migrations: a store in the shape before decision 0005 is read and migrated; a crash halfway loses nothing."""

from datetime import date, timedelta

import pytest

from backend.ops import migrations
from backend.services import journal, notifications, notify_worker, supervision, trail_check
from backend.store import schema, snapshots, work
from tests.integration.busy_store import fill
from tests.integration.test_case_pipeline import staff
from tests.integration.test_hotline_pipeline import act
from tests.integration.test_supervision import sweep_now

TENANT = "ziyang"
ALL = ["0001-working-sets-into-work", "0002-open-cards-into-work", "0003-personal-data-into-the-vault",
       "0004-packed-case-snapshots", "0005-finished-summaries-by-day", "0006-ratings-and-cards-by-day",
       "0007-notices-on-the-wheel", "0008-rating-links-beside-the-index",
       "0009-notices-into-work"]  # a store with no versions is at 1 everywhere
OLD_KINDS = {"task": "task_queue", "intake": "intake_queue", "open": "open_cases", "journal": "trail_touched"}


async def to_previous_shape(svc) -> set[str]:
    """Rewrite the working sets the way the code before decision 0005 kept them; the work ids they had."""
    docs = [snapshots.unpack(d) for d in await svc.db[work.WORK].find({}).to_list(None)]  # journal entries are packed
    filed: dict[str, list] = {}
    for doc in docs:
        tenant, kind, rest = doc["_id"].split(":", 2)
        if kind in ("card", "notice"):
            continue  # open cards were only in `cards` before migration 0002, notices only queued before 0007
        if kind == "outbox":  # queued in their own collection before 0009, with no entry on the wheel before 0007
            notice = {k: v for k, v in doc.items() if k not in ("notice", "due_key")}
            await svc.db.notification_queue.insert_one({**notice, "_id": doc["notice"]})
            continue
        if kind == "timer":
            minute, key = rest.split(":", 1)
            await svc.db[f"timers_{tenant}_{minute[:10]}"].insert_one({**doc, "_id": f"{minute}:{key}"})
            filed.setdefault(doc["number"], []).append({"key": key, "bucket": minute})
        elif kind == "journal" and "hash" not in doc:
            continue  # a card's entry for the counts: there were no counts before 0005
        elif kind == "journal":
            number, seq = rest.rsplit(":", 1)
            await svc.db.trail_touched.insert_one({"_id": f"{tenant}:{number}:{seq}", "tenant": tenant,
                                                   "number": number, "seq": doc["seq"], "hash": doc["hash"]})
        else:
            await svc.db[OLD_KINDS[kind]].insert_one({**doc, "_id": f"{tenant}:{rest}"})
    for number, entries in filed.items():
        await svc.db.supervision_timers.insert_one({"_id": f"{TENANT}:{number}", "tenant": TENANT, "timers": entries})
    await svc.db[work.WORK].delete_many({})
    for stored in await svc.db.cases.find({}).to_list(None):  # unpacked too: snapshots were not packed then
        old = {k: v for k, v in snapshots.unpack(stored).items() if k not in ("timers", "counted")}
        await svc.db.cases.replace_one({"_id": stored["_id"]}, old)
    for later in ("journal_state", "journal_days", "schema_versions", "finished_days", "rating_days", "card_days"):
        await svc.db.drop_collection(later)
    return {d["_id"] for d in docs if not any(f":{k}:" in d["_id"] for k in ("timer", "journal", "card", "outbox"))}


@pytest.fixture
async def old_store(api, seeded, svc, clock):
    numbers = await fill(api, svc, clock)
    await act(await staff(api, "operator"), numbers["ticket"], "callback", {"satisfaction": "满意"})  # a rating
    return numbers, await to_previous_shape(svc)


async def test_a_store_from_before_the_work_collection_is_read_and_migrated(old_store, api, svc, clock):
    numbers, had = old_store
    approver = await staff(api, "scjgj_a")
    assert (await approver.get("/api/v1/queues/tasks")).json["total"] == 0  # the old shape is invisible
    assert await migrations.migrate(svc, "test", report=lambda _: None) == ALL  # 0003 finds nothing to seal
    queue = (await approver.get("/api/v1/queues/tasks")).json
    assert numbers["waiting"] in [t["number"] for t in queue["tasks"]]
    ids = {d["_id"] for d in await svc.db[work.WORK].find({}, {"_id": 1}).to_list(None)}
    assert {i for i in ids if ":timer:" not in i} >= {i for i in had if ":journal:" not in i}
    assert any(":timer:" in i for i in ids)
    names = await svc.db.list_collection_names()
    assert not [n for n in names if n.startswith("timers_") or n in ("task_queue", "open_cases", "trail_touched")]
    assert (await schema.stored_versions(svc.db))["work"] == schema.CURRENT["work"]
    stored = await svc.db.cases.find({}).to_list(None)  # written unpacked before 0004, packed now
    assert stored and all(set(d) == {*snapshots.KEPT, snapshots.PACKED} for d in stored)
    clerk = await staff(api, "clerk_a")
    assert (await clerk.get(f"/api/v1/cases/{numbers['waiting']}")).json["state"] == "in_review"
    assert {e["number"] for e in await supervision.open_entries(svc, TENANT)} == {numbers["waiting"], numbers["joint"]}
    clock.advance(hours=1)
    assert (await sweep_now(svc))["checkpoint"] is not None  # the moved journal heads are committed
    assert (await trail_check.verify_tenant(svc, TENANT))["ok"]
    assert (await journal.read(svc, TENANT)).counts.county.figures(clock())["open"] == 2  # counted once each
    by_number = await svc.db.finished_cases.find({}).to_list(None)  # filed by day too since 0005
    assert by_number and sorted(d["number"] for d in await svc.db.finished_days.find({}).to_list(None)) == \
        sorted(d["number"] for d in by_number)
    first = min(d["day"] for d in by_number)
    assert {d["number"] for d in await supervision.finished_between(svc, TENANT, date.fromisoformat(first))} == \
        {d["number"] for d in by_number}
    for source, filed in (("ratings", supervision.RATING_DAYS), ("cards", supervision.CARD_DAYS)):  # since 0006
        ids = {d["_id"] for d in await svc.db[source].find({}).to_list(None)}
        assert ids and {d["source"] for d in await supervision.filed_between(
            svc, filed, TENANT, date.fromisoformat(first) - timedelta(days=7))} == ids, source
    queued = {d["_id"] for d in await notifications.queued_for(svc, TENANT)}  # since 0007 on the wheel, 0009 in work
    assert queued and await svc.db.notification_queue.count_documents({}) == 0
    assert {d["_id"] for d in await notify_worker.due_notices(svc, TENANT, clock(), 1000)} == queued
    assert await migrations.migrate(svc, "test", report=lambda _: None) == []


async def test_a_migration_interrupted_halfway_resumes_and_applies_nothing_twice(old_store, svc):
    numbers, _ = old_store
    counted = {n: await svc.db[n].count_documents({}) for n in ("cards", "finished_cases", "audit_log", "case_steps")}
    queued = {d["_id"] for d in await svc.db.notification_queue.find({}).to_list(None)}

    async def crash_after_first(number):
        raise RuntimeError(f"killed after {number}")

    with pytest.raises(RuntimeError, match="killed after"):
        await migrations.migrate(svc, "first", after_item=crash_after_first, report=lambda _: None)
    assert await migrations.pending(svc) == migrations.MIGRATIONS
    assert await svc.db.open_cases.count_documents({}) == 2  # nothing dropped before the work was done
    assert await svc.db.trail_touched.count_documents({}) == 1
    assert [e["number"] for e in await supervision.open_entries(svc, TENANT)] == [numbers["waiting"]]

    assert await migrations.migrate(svc, "second", report=lambda _: None) == ALL
    assert {e["number"] for e in await supervision.open_entries(svc, TENANT)} == {numbers["waiting"], numbers["joint"]}
    assert {n: await svc.db[n].count_documents({}) for n in counted} == counted
    assert queued and {d["_id"] for d in await notifications.queued_for(svc, TENANT)} == queued  # moved once each
    assert await svc.db.finished_days.count_documents({}) == counted["finished_cases"]
    assert await svc.db.card_days.count_documents({}) == counted["cards"]
    assert await svc.db[migrations.RUNS].count_documents({}) == 0
    assert (await trail_check.verify_tenant(svc, TENANT))["ok"]
    await sweep_now(svc)
    assert (await journal.read(svc, TENANT)).counts.county.figures(svc.now())["open"] == 2


async def test_an_empty_store_is_stamped_current_and_a_newer_store_is_refused(svc):
    assert await migrations.migrate(svc, "test", report=lambda _: None) == []
    assert await schema.stored_versions(svc.db) == schema.CURRENT and await migrations.pending(svc) == []
    await schema.record(svc.db, {"cases": 9}, svc.now(), "future")
    with pytest.raises(migrations.MigrationError, match="cases（版本 9）"):
        await migrations.migrate(svc, "test", report=lambda _: None)


async def test_every_collection_a_working_store_holds_has_a_schema_version(old_store, svc):
    await migrations.migrate(svc, "test", report=lambda _: None)
    await sweep_now(svc)  # folds the journal: its state and day tallies
    assert set(await svc.db.list_collection_names()) - set(schema.CURRENT) == set()


async def test_open_cards_raised_before_the_card_working_set_reach_my_cards_after_migration(api, seeded, svc, clock):
    from backend.ops import migrations
    from backend.services import supervision, supervision_sweep
    from backend.store import schema
    from tests.integration.test_supervision import PROMISED_1_DAY, shanghai, sweep_now
    from tests.integration.test_case_pipeline import staff, walk_in

    await walk_in(api, await staff(api, "clerk_a"), PROMISED_1_DAY)
    clock.set(shanghai("2026-11-25 10:00"))
    await sweep_now(svc)
    assert await supervision_sweep.cards_for(svc, "ziyang", "ziyang:supervisor")
    await svc.db.work.delete_many({"_id": {"$gte": "ziyang:card:", "$lt": "ziyang:card;"}})  # as before 0002
    await schema.record(svc.db, {**schema.CURRENT, "work": 2}, svc.now(), "test")
    await svc.db.schema_versions.delete_one({"_id": schema.migration_id("0002-open-cards-into-work")})
    assert await supervision_sweep.cards_for(svc, "ziyang", "ziyang:supervisor") == []
    assert await migrations.migrate(svc, "test-holder", report=lambda _: None) == ["0002-open-cards-into-work"]
    mine = await supervision_sweep.cards_for(svc, "ziyang", "ziyang:supervisor")
    assert {c["kind"] for c in mine} == {"overdue", "step_overdue"}
    assert len(await supervision.open_cards(svc.db, "ziyang")) == len(mine)
