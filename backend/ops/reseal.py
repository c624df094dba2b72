"""Resealing one trail (换链): personal values in its stored events replaced by vault references.

A case or ticket stored before the vault holds ID and phone numbers inside its hash-chained events
(``case_steps`` and the snapshot). Replacing them changes the events' hashes, so the chain is
recomputed, but only when it verified before: a broken chain keeps its stored hashes and stays
broken, so a reseal never launders tampering. Before anything is rewritten, one ledger document
``trail_reseals/{tenant}:{number}`` records whether the chain was intact, the old hashes that
checkpoints or the journal had named (with the old final head) and the new head; the migration
then commits every ledger entry of the county in one checkpoint (``trail.reseal_digest``), so
verification accepts an old checkpoint's head through the ledger, and nothing in the ledger can
change unnoticed. With the keys, the old chain can be recomputed from the new events and the
vault's values (:func:`old_chain`), which proves that nothing but the personal values changed.

Writes, in this order, each idempotent: the vault values, the ledger (inserted once), the
snapshot, the journal's heads of the case, then the steps. A run cut off anywhere is taken up again
because its steps still hold a number; a rerun computes exactly the same new chain.
"""

from __future__ import annotations

from dataclasses import replace

from pymongo.errors import DuplicateKeyError

from backend.domain import trail
from backend.domain.identity import ID_NUMBER, PHONE, is_reference
from backend.services import journal, trail_check, vault
from backend.services.context import Services
from backend.store import snapshots, work

FIELDS = {"applicant_phone": PHONE, "applicant_id_number": ID_NUMBER, "caller_phone": PHONE}
RESEALS = trail_check.RESEALS


def plain_values(event_docs: list[dict]) -> dict[str, tuple[str, str]]:
    """Every personal value stored as itself in these events: ``{name: (kind, value)}`` for ``vault.seal``."""
    found = {}
    for doc in event_docs:
        for name, kind in FIELDS.items():
            value = (doc.get("data") or {}).get(name)
            if isinstance(value, str) and value and not is_reference(value):
                found[f"{kind}:{value}"] = (kind, value)
    return found


def _substitute(values: dict, refs: dict[str, str]) -> dict:
    return {k: refs.get(f"{FIELDS[k]}:{v}", v) if k in FIELDS and isinstance(v, str) else v for k, v in values.items()}


async def steps_of(svc: Services, tenant: str, number: str) -> list[dict]:
    """The case's stored steps in order, unpacked (``snapshots.unpack``)."""
    steps = await svc.db.case_steps.find({"_id": work.prefix_range(f"{tenant}:{number}:")}).to_list(None)
    return sorted((snapshots.unpack(s) for s in steps if s.get("number") == number), key=lambda s: s["_id"])


async def reseal(svc: Services, tenant: str, number: str, migration: str, named: set[str]) -> bool:
    """Reseal one trail; False when its steps hold no personal value as itself (nothing to do)."""
    steps = await steps_of(svc, tenant, number)
    docs = [e for s in steps for e in s.get("events", [])]
    values = plain_values(docs)
    if not values:
        return False
    refs = await vault.seal_and_keep(svc, tenant, values)
    events = [trail.event_from_document(d) for d in docs]
    changed = [replace(e, data=_substitute(e.data, refs)) for e in events]
    ledger, new = await _ledger(svc, tenant, number, migration, events, changed, named)
    renamed = {old.hash: fresh.hash for old, fresh in zip(events, new)}
    renamed.update({h["hash"]: new[h["seq"] - 1].hash for h in ledger["old_heads"] if 0 < h["seq"] <= len(new)})
    await _rewrite_snapshot(svc, tenant, number, steps[0].get("kind", "case"), new, renamed, refs)
    await _rename_journal_heads(svc, tenant, number, renamed)
    position = 0
    for step in steps:
        count = len(step["events"])
        fresh = [trail.event_to_document(e) for e in new[position:position + count]]
        await svc.db.case_steps.replace_one({"_id": step["_id"]}, snapshots.pack_step({**step, "events": fresh}))
        position += count
    return True


async def _ledger(svc: Services, tenant: str, number: str, migration: str, events: list, changed: list,
                  named: set[str]) -> tuple[dict, list]:
    """The ledger entry (inserted before anything is rewritten; a rerun finds the first run's) and the
    new events: rehashed when the chain was intact, else as they were with their values sealed."""
    doc_id = f"{tenant}:{number}"
    found = await svc.db[RESEALS].find_one({"_id": doc_id})
    intact = found["intact"] if found else not trail.verify_chain(number, events)
    new = list(trail.chain(number, changed)) if intact else changed
    if found is not None:
        return found, new
    old_heads = [{"seq": e.seq, "hash": e.hash} for i, e in enumerate(events) if e.hash in named or i == len(events) - 1]
    entry = {"_id": doc_id, "tenant": tenant, "number": number, "migration": migration, "intact": intact,
             "old_heads": old_heads, "new_head": new[-1].hash, "at": svc.now()}
    try:
        await svc.db[RESEALS].insert_one(entry)
    except DuplicateKeyError:
        entry = await svc.db[RESEALS].find_one({"_id": doc_id})
    return entry, new


async def _rewrite_snapshot(svc: Services, tenant: str, number: str, kind: str, new: list, renamed: dict,
                            refs: dict) -> None:
    collection = svc.db.hotline_tickets if kind == "ticket" else svc.db.cases
    stored = await collection.find_one({"_id": f"{tenant}:{number}"})
    doc = snapshots.unpack(stored)
    if doc is None:
        return
    events = []
    for index, event in enumerate(doc.get("events") or []):
        if index < len(new) and renamed.get(event.get("hash")) == new[index].hash:
            events.append(trail.event_to_document(new[index]))
        else:  # not this chain's event (changed by hand): its values sealed, its hash left to tell
            events.append({**event, "data": _substitute(event.get("data") or {}, refs)})
    update = {"events": events, **_substitute({k: doc[k] for k in FIELDS if k in doc}, refs)}
    if doc.get("head_hash"):
        update["head_hash"] = renamed.get(doc["head_hash"], doc["head_hash"])
    if snapshots.PACKED in stored:
        await snapshots.rewrite(collection, {**doc, **update})
    else:
        await collection.update_one({"_id": doc["_id"]}, {"$set": update})


async def _rename_journal_heads(svc: Services, tenant: str, number: str, renamed: dict) -> None:
    """Heads waiting for the next checkpoint (journal entries and the folded state) name the new chain."""
    changes = work.Changes()
    for entry in await journal.entries(svc.db, journal.entry_key(tenant, number, "")):
        if entry.get("hash") in renamed and renamed[entry["hash"]] != entry["hash"]:
            fields = {k: v for k, v in entry.items() if k != "_id"}
            changes.put(entry["_id"], journal.stored_entry({**fields, "hash": renamed[entry["hash"]]}))
    await work.apply(svc.db, changes)
    state = await svc.db[journal.STATE].find_one({"_id": tenant}, {f"heads.{number}": 1})
    held = ((state or {}).get("heads") or {}).get(number)
    if held and held.get("hash") in renamed:
        await svc.db[journal.STATE].update_one({"_id": tenant, f"heads.{number}.hash": held["hash"]},
                                               {"$set": {f"heads.{number}.hash": renamed[held["hash"]]}})


def restored(data: dict, values: dict[str, str]) -> dict:
    """Event data with its references replaced by the values they stand for (``reference -> value``)."""
    return {k: values.get(v, v) if k in FIELDS and isinstance(v, str) else v for k, v in data.items()}


def old_chain(number: str, new_events: list, values: dict[str, str]) -> list[str]:
    """The hashes the chain had before its reseal, recomputed from the resealed events and the vault's
    values: what an auditor holding the keys checks against the ledger's old heads."""
    return [e.hash for e in trail.chain(number, [replace(e, data=restored(e.data, values)) for e in new_events])]
