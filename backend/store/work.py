"""The working sets (工作集): every small, changing document a step derives, in one collection.

``work`` holds what is open *now*, each document keyed by ``{tenant}:{kind}:...`` so that every
read is an ``_id`` lookup or an ``_id`` prefix range, and a step writes all of its derived
documents in at most two commands (one bulk of upserts, one delete):

==============================================  ============================================
``{t}:task:{department}:{number}``               a department's open approval task (审批队列)
``{t}:intake:{centre}:{number}``                 an application waiting at a centre's window
``{t}:open:{number}``                            an open case, for supervision (在办件)
``{t}:timer:{YYYYMMDDHHMM}:{key}``               a timer falling due in that UTC minute
``{t}:journal:{number}:{seq}``                   a stored step not yet folded (trail head, counts)
``{t}:outbox:{number}:{seq}``                    a notice to the applicant not yet sent (通知待发)
``{t}:notice:{YYYYMMDDHHMM}:{notice}``           the minute a queued notice falls due
==============================================  ============================================

Finished work leaves its set, so a prefix read costs what is open today, not four years of
history. Prefix ranges are served by the ``_id`` index on MongoDB and, with our patch, on
FerretDB v1 on SQLite (docs/decisions/0005); no other field is ever filtered on here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from backend.store import batch

WORK = "work"


def prefix_range(prefix: str) -> dict:
    """The ``_id`` filter for every key starting with ``prefix`` (keys are ASCII and ``:``-separated)."""
    if not prefix:
        raise ValueError("a prefix range needs a prefix")
    return {"$gte": prefix, "$lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def key(tenant: str, kind: str, *parts: str) -> str:
    return ":".join((tenant, kind, *parts))


async def read_prefix(db, prefix: str, projection: dict | None = None) -> list[dict]:
    """Every working-set document whose ``_id`` starts with ``prefix``."""
    return await db[WORK].find({"_id": prefix_range(prefix)}, projection).to_list(None)


@dataclass
class Changes:
    """The documents one step (or one batch) puts into or takes out of the working sets.

    ``add`` a document that is new (a fresh task, timer or journal entry: inserted, together with
    other requests' inserts; one found already there is replaced, or with ``once`` left as it is),
    ``put`` one that may exist (replaced whole), ``drop`` one to delete.
    """

    inserts: dict[str, dict] = field(default_factory=dict)
    upserts: dict[str, dict] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)
    once: set[str] = field(default_factory=set)  # inserts whose duplicate is kept, not replaced

    def add(self, doc_id: str, doc: dict, once: bool = False) -> None:
        self.deletes.discard(doc_id)
        self.upserts.pop(doc_id, None)
        self.inserts[doc_id] = doc
        (self.once.add if once else self.once.discard)(doc_id)

    def put(self, doc_id: str, doc: dict) -> None:
        self.deletes.discard(doc_id)
        self.once.discard(doc_id)
        if doc_id in self.inserts:
            self.inserts[doc_id] = doc
        else:
            self.upserts[doc_id] = doc

    def drop(self, doc_id: str) -> None:
        self.once.discard(doc_id)
        self.inserts.pop(doc_id, None)
        self.upserts.pop(doc_id, None)
        self.deletes.add(doc_id)

    def __bool__(self) -> bool:
        return bool(self.inserts or self.upserts or self.deletes)


async def apply(db, changes: Changes) -> None:
    """Write ``changes``: new documents in the next group insert, replaced ones in one bulk of
    upserts, then one delete by ``_id``.

    Writes are whole documents, so applying the same changes twice is harmless: a "new" document
    found already there is replaced (or kept, when it was added ``once``). Two writers upserting one new ``_id`` at once may both try to
    insert it (FerretDB v1 upserts are a read then an insert); the loser's document is then written
    again as a plain replace.
    """
    if changes.inserts:
        docs = [{"_id": doc_id, **doc} for doc_id, doc in changes.inserts.items()]
        outcomes = await batch.insert(db, WORK, docs)
        taken = {doc["_id"]: changes.inserts[doc["_id"]] for doc, outcome in zip(docs, outcomes)
                 if isinstance(outcome, DuplicateKeyError) and doc["_id"] not in changes.once}
        failed = [o for o in outcomes if o is not None and not isinstance(o, DuplicateKeyError)]
        if failed:
            raise failed[0]
        if taken:
            await _replace_each(db, taken)
    if changes.upserts:
        ops = [ReplaceOne({"_id": doc_id}, doc, upsert=True) for doc_id, doc in changes.upserts.items()]
        try:
            await db[WORK].bulk_write(ops, ordered=False)
        except BulkWriteError as exc:
            lost = [e["op"]["q"]["_id"] for e in exc.details.get("writeErrors", []) if e.get("code") == 11000]
            if len(lost) != len(exc.details.get("writeErrors", [])):
                raise
            await _replace_each(db, {doc_id: changes.upserts[doc_id] for doc_id in lost})
        except KeyError as exc:  # FerretDB v1 answers a lost upsert race without nModified
            if exc.args != ("nModified",):
                raise
            await _replace_each(db, changes.upserts)
    if changes.deletes:
        await db[WORK].delete_many({"_id": {"$in": sorted(changes.deletes)}})


async def _replace_each(db, docs: dict[str, dict]) -> None:
    for doc_id, doc in docs.items():
        try:
            await db[WORK].replace_one({"_id": doc_id}, doc, upsert=True)
        except DuplicateKeyError:  # inserted by the other writer just now: replace it
            await db[WORK].replace_one({"_id": doc_id}, doc)


async def insert_once(db, doc: dict) -> bool:
    """Insert a working-set document decided by its ``_id``; False when it was already there."""
    try:
        await batch.insert_one(db, WORK, doc)
        return True
    except DuplicateKeyError:
        return False
