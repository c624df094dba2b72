"""Migration 0003: ID and phone numbers into the vault, references everywhere else (docs/decisions/0007).

Before the vault, a store held personal values as themselves: in case and ticket events (``case_steps``
and the snapshots ``cases`` and ``hotline_tickets``, including their top-level applicant and caller
fields), in person-index ids (``case_index/{tenant}:phone:{number}:…``), in notices (``to``,
``fallback_phone``) and in CTI events and call cards (``caller``). For each tenant this migration:

1. reseals every trail that holds a value (:mod:`backend.ops.reseal`), in number order, its position
   saved every 20 trails;
2. commits the tenant's reseal ledger in one checkpoint (``note: reseal:{migration}:{digest}``);
3. rewrites the person index under keyed hashes (insert the new id, then delete the old one);
4. seals ``to`` / ``fallback_phone`` of SMS notices and ``caller`` of CTI events and call cards.

Every step is idempotent (values already references are left alone), so a run cut off anywhere
resumes and repeats only harmless writes.
"""

from __future__ import annotations

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from backend.domain import trail
from backend.domain.identity import PHONE, is_reference
from backend.ops import reseal
from backend.services import journal, notifications, trail_check, vault
from backend.services.context import Services
from backend.services.tenants import all_ids as tenant_ids
from backend.store import batch, snapshots, work

IDENT = "0003-personal-data-into-the-vault"
DONE = "\uffff"
QUEUE = "notification_queue"  # where notices were queued until migration 0009
RAISES = {name: 2 for name in ("cases", "case_steps", "case_index", "hotline_tickets", QUEUE,
                               "notification_log", "cti_events", "hotline_calls")}


async def run(svc: Services, progress) -> None:
    vault.keyring(svc)  # no keys, no migration: refused before anything is read
    tenants = await tenant_ids(svc)
    for tenant in tenants:
        await _reseal_trails(svc, progress, tenant)
        await _commit_ledger(svc, progress, tenant)
        await _reindex(svc, tenant)
        await _seal_fields(svc, tenant)


async def _named_heads(svc: Services, tenant: str) -> set[str]:
    """Every hash a checkpoint or the journal names: the old hashes the ledger must keep."""
    named = set()
    for doc in await svc.db[trail_check.CHECKPOINTS].find({"_id": work.prefix_range(f"{tenant}:")}).to_list(None):
        named |= {h["hash"] for h in doc.get("heads", [])}
    state = await svc.db[journal.STATE].find_one({"_id": tenant}) or {}
    named |= {h["hash"] for h in (state.get("heads") or {}).values()}
    named |= {e["hash"] for e in await journal.entries(svc.db, journal.prefix(tenant)) if e.get("hash")}
    return named


async def _reseal_trails(svc: Services, progress, tenant: str) -> None:
    key = f"trails:{tenant}"
    after = await progress.position(key)
    if after == DONE:
        return
    waiting = set()
    async for step in svc.db.case_steps.find({"_id": work.prefix_range(f"{tenant}:")}):
        if step.get("number", "") > after and reseal.plain_values(snapshots.unpack(step).get("events") or []):
            waiting.add(step["number"])
    named = await _named_heads(svc, tenant)
    for number in sorted(waiting):
        await reseal.reseal(svc, tenant, number, IDENT, named)
        await progress.item_done(key, number)
    await progress.save(key, DONE)


async def _commit_ledger(svc: Services, progress, tenant: str) -> None:
    """One checkpoint committing to the tenant's ledger (after every trail of the tenant is resealed)."""
    key = f"checkpoint:{tenant}"
    if await progress.position(key) == DONE:
        return
    ledger = await svc.db[reseal.RESEALS].find({"_id": work.prefix_range(f"{tenant}:")}).to_list(None)
    entries = [e for e in ledger if e.get("migration") == IDENT]
    if entries:
        note = f"reseal:{IDENT}:{trail.reseal_digest(entries)}"
        heads = {e["number"]: e["new_head"] for e in entries if e["intact"]}
        await _insert_checkpoint(svc, tenant, heads, note)
    await progress.save(key, DONE)


async def _insert_checkpoint(svc: Services, tenant: str, heads: dict[str, str], note: str) -> None:
    while True:
        chain = await trail_check.checkpoint_docs(svc, tenant)
        if any(d.get("note") == note for d in chain):
            return  # committed by a run that stopped before saving its position
        n, prev = (chain[-1]["n"] + 1, chain[-1]["hash"]) if chain else (1, trail.checkpoint_genesis(tenant))
        try:
            await svc.db[trail_check.CHECKPOINTS].insert_one({
                "_id": f"{tenant}:{n}", "tenant": tenant, "n": n, "at": svc.now(), "prev_hash": prev, "note": note,
                "hash": trail.checkpoint(heads, prev, note),
                "heads": [{"number": k, "hash": v} for k, v in sorted(heads.items())]})
        except DuplicateKeyError:
            continue  # a sweep wrote checkpoint n meanwhile: chain after it
        await svc.db[trail_check.CHECKPOINTS].update_one({"_id": f"{tenant}:head"},
                                                         {"$set": {"tenant": tenant, "n": n}}, upsert=True)
        return


async def _reindex(svc: Services, tenant: str) -> None:
    """Person-index ids under a phone number: the same entry under its keyed hash (new id first, then the old one goes)."""
    for kind in ("phone", "ticket_phone"):
        old = [d for d in await svc.db.case_index.find({"_id": work.prefix_range(f"{tenant}:{kind}:")}).to_list(None)
               if not _is_pseudonym(d["key"])]
        refs = await _sealed(svc, tenant, {d["key"] for d in old})
        fresh = [{**d, "_id": f"{tenant}:{kind}:{vault.pseudonym_of(refs[d['key']])}:{d['number']}",
                  "key": vault.pseudonym_of(refs[d["key"]])} for d in old]
        await batch.insert_new(svc.db, "case_index", fresh)
        if old:
            await svc.db.case_index.delete_many({"_id": {"$in": [d["_id"] for d in old]}})


def _is_pseudonym(key: str) -> bool:
    return len(key) == 32 and all(c in "0123456789abcdef" for c in key)


async def _sealed(svc: Services, tenant: str, phones: set[str]) -> dict[str, str]:
    """Each phone number -> its reference, the numbers kept in the vault (one insert for all)."""
    sealed = vault.seal(svc, tenant, {phone: (PHONE, phone) for phone in phones})
    await vault.keep(svc, sealed)
    return sealed.refs


async def _seal_fields(svc: Services, tenant: str) -> None:
    """Phone numbers in notices and in CTI events and call cards: their references instead."""
    for collection, fields in ((QUEUE, ("to", "fallback_phone")), (notifications.LOG, ("to", "fallback_phone")),
                               ("cti_events", ("caller",)), ("hotline_calls", ("caller",))):
        found: dict = {}
        async for doc in svc.db[collection].find({"tenant": tenant}):
            plain = {f: doc[f] for f in fields if isinstance(doc.get(f), str) and doc[f] and not is_reference(doc[f])
                     and (f != "to" or doc.get("channel") == "sms")}
            if plain:
                found[doc["_id"]] = plain
        refs = await _sealed(svc, tenant, {v for plain in found.values() for v in plain.values()})
        updates = [UpdateOne({"_id": doc_id}, {"$set": {f: refs[v] for f, v in plain.items()}})
                   for doc_id, plain in found.items()]
        for start in range(0, len(updates), 500):
            await svc.db[collection].bulk_write(updates[start:start + 500], ordered=False)
