"""Migration 0001: the working sets move into the ``work`` collection (docs/decisions/0005).

Before 0005 a store kept its working sets in collections of their own: ``task_queue``,
``intake_queue``, ``open_cases``, ``supervision_timers`` (where each case's timers were filed),
timers in one collection per tenant and UTC hour (``timers_{tenant}_{YYYYMMDDHH}``), the trail
journal ``trail_touched`` and claimed numbers in ``case_numbers``. The current code reads none of
them. For each tenant, every case not finished is loaded (steps a dead writer left are applied)
and everything its steps derive is written again into ``work`` (queues, open entry, timers filed
anew, journal head), with the snapshot's derived fields (deadline, filed timers). Heads still
waiting in ``trail_touched`` for a checkpoint are moved into the journal (as entries that change
no count), then the old
collections are dropped. Every write is a whole-document upsert or a delete by ``_id``. The open
counts need nothing: a store from before the journal has no ``journal_state``, and the sweep's
first fold recounts it from the open cases (``services.journal.recount``); a rederived case whose
snapshot already holds ``counted`` journals a change of zero.
"""

from __future__ import annotations

from pymongo.errors import BulkWriteError

from backend.services import casework, journal
from backend.services.context import Services
from backend.services.tenants import all_ids as tenant_ids
from backend.store import snapshots, work

OLD = ("task_queue", "intake_queue", "open_cases", "supervision_timers", "trail_touched", "case_numbers")
TOUCHED = "trail_touched"


def old_collections(names: list[str]) -> list[str]:
    return sorted(n for n in names if n in OLD or n.startswith("timers_"))


async def run(svc: Services, progress) -> None:
    tenants = await tenant_ids(svc)
    for tenant in tenants:
        await _rederive_open_cases(svc, progress, tenant)
    await _move_touched_heads(svc)
    for name in old_collections(await svc.db.list_collection_names()):
        await svc.db.drop_collection(name)


async def _rederive_open_cases(svc: Services, progress, tenant: str) -> None:
    key = f"cases:{tenant}"
    after = await progress.position(key)
    if after == "\uffff":
        return
    found = await svc.db.cases.find({"tenant": tenant, "finished": {"$ne": True}}, {"number": 1}).to_list(None)
    for number in sorted(d["number"] for d in found if d["number"] > after):
        await rederive(svc, tenant, number)
        await progress.item_done(key, number)
    await progress.save(key, "\uffff")  # this tenant is done


async def rederive(svc: Services, tenant: str, number: str) -> None:
    """Write the case's working-set entries and the snapshot's derived fields again, from its steps."""
    case, doc = await casework.load(svc, tenant, number)
    effects = await casework.derive(svc, None, case, case.events, doc, repair=True)
    await work.apply(svc.db, effects.work)
    for collection, docs in effects.inserts.items():
        try:
            await svc.db[collection].insert_many(docs, ordered=False)
        except BulkWriteError as exc:  # decided by _id: already there from before
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
    for later in effects.later:
        await later()
    if effects.snapshot:
        await svc.db.cases.replace_one({"_id": doc["_id"], "version": case.version},
                                       snapshots.pack({**doc, **effects.snapshot}))


async def _move_touched_heads(svc: Services) -> None:
    """Heads journalled for the next checkpoint: into ``work`` first, then out of ``trail_touched``."""
    async for doc in svc.db[TOUCHED].find({}):
        changes = work.Changes()
        changes.put(journal.entry_key(doc["tenant"], doc["number"], f"{doc['seq']:06d}"), journal.stored_entry({
            "tenant": doc["tenant"], "number": doc["number"], "seq": doc["seq"], "hash": doc["hash"],
            "at": doc.get("at") or svc.now()}))
        await work.apply(svc.db, changes)
        await svc.db[TOUCHED].delete_one({"_id": doc["_id"]})
