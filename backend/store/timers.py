"""Timer wheel (定时轮): due times filed into one bucket document per tenant and UTC minute.

A bucket is ``timer_buckets/{tenant}:{YYYYMMDDHHMM}`` holding ``entries``, a map from a sanitised
key to a flat entry ``{key, kind, due_at, ...data}``. A map (not an array) makes scheduling
idempotent: filing the same key again overwrites its entry with one ``$set``, on MongoDB and on
FerretDB alike, and ``cancel`` is one ``$unset``.

The sweeper reads only the buckets after its cursor (``timer_cursors/{tenant}:timers-cursor``, the
last swept minute), so its cost follows what falls due, not the number of open cases; swept
buckets are deleted when the cursor moves, which keeps the collection as small as the future.
The cursor moves only for a fencing token at least as high as the last one that moved it, so a
stalled sweeper whose lease was taken over cannot move it (see ``store.lease``).

Reading a window: a few minutes are looked up by ``_id`` one by one; a longer window (the server
was down for a day: 1440 buckets) is one ``_id`` range query. FerretDB v1 on SQLite evaluates
``_id`` equality in SQL but ``$in`` and ranges in Go over the whole collection, so one range query
beats many ``$in`` chunks there; MongoDB answers both from the ``_id`` index.

Sweep recipe: ``cursor = await read_cursor(...) or start``; ``until = minute_floor(now) - SWEEP_LAG``;
handle ``await due(db, tenant, cursor, until)``; ``await advance_cursor(db, tenant, until, token)``.
The lag leaves the current minute alone while timers are still being filed into it; file overdue
timers with ``not_before=now`` so they land in a minute not yet swept.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

BUCKETS = "timer_buckets"
CURSORS = "timer_cursors"
SWEEP_LAG = timedelta(minutes=1)
EQUALITY_LOOKUP_MAX = 8  # windows up to this many minutes are read by single `_id` lookups
_SCALARS = (str, int, float, bool, datetime, type(None))
_RESERVED = {"key", "kind", "due_at", "tenant"}


def minute_floor(moment: datetime) -> datetime:
    """The UTC minute holding ``moment`` (naive datetimes are taken as UTC, as the store returns them)."""
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.replace(second=0, microsecond=0)


def bucket_id(tenant: str, moment: datetime) -> str:
    return f"{tenant}:{minute_floor(moment).strftime('%Y%m%d%H%M')}"


def cursor_id(tenant: str) -> str:
    return f"{tenant}:timers-cursor"


def entry_field(key: str) -> str:
    """A field name for ``key``: no dots, no leading ``$``, never empty; reversible by percent-escaping."""
    if not isinstance(key, str) or not key:
        raise ValueError("a timer key must be a non-empty string")
    return "k" + key.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def _check_data(data: dict | None) -> dict:
    data = dict(data or {})
    for name, value in data.items():
        if name in _RESERVED or not name or "." in name or name.startswith("$"):
            raise ValueError(f"timer data field {name!r} is reserved or not a plain field name")
        if not isinstance(value, _SCALARS):
            raise ValueError(f"timer data field {name!r} must be a scalar, got {type(value).__name__}")
    return data


async def schedule(db, tenant: str, due_at: datetime, key: str, kind: str, data: dict | None = None, *,
                   not_before: datetime | None = None) -> str:
    """File ``key`` to fall due at ``due_at``; the same key in the same bucket is overwritten, not doubled.

    ``not_before`` (usually now) files an overdue timer into the current minute instead of a minute
    that may already be swept; the entry keeps its real ``due_at``. Returns the bucket ``_id``
    (pass the same ``due_at`` and ``not_before`` to :func:`cancel`).
    """
    entry = {**_check_data(data), "key": key, "kind": kind, "due_at": due_at}
    filed = max(due_at, not_before) if not_before is not None else due_at
    bucket = bucket_id(tenant, filed)
    update = {"$set": {f"entries.{entry_field(key)}": entry},
              "$setOnInsert": {"tenant": tenant, "minute": minute_floor(filed)}}
    try:
        await db[BUCKETS].update_one({"_id": bucket}, update, upsert=True)
    except DuplicateKeyError:  # two first writers raced to create the bucket; it exists now
        await db[BUCKETS].update_one({"_id": bucket}, update)
    return bucket


async def cancel(db, tenant: str, due_at: datetime, key: str, *, not_before: datetime | None = None) -> bool:
    """Remove ``key`` from the bucket it was filed in; ``False`` when it was not there (already swept)."""
    filed = max(due_at, not_before) if not_before is not None else due_at
    field = f"entries.{entry_field(key)}"
    result = await db[BUCKETS].update_one({"_id": bucket_id(tenant, filed), field: {"$exists": True}},
                                          {"$unset": {field: ""}})
    return result.modified_count == 1


def _minutes(since: datetime, until: datetime) -> list[datetime]:
    """UTC minutes m with since < m <= until."""
    first, last = minute_floor(since) + timedelta(minutes=1), minute_floor(until)
    count = int((last - first).total_seconds() // 60) + 1
    return [first + timedelta(minutes=i) for i in range(max(count, 0))]


async def due(db, tenant: str, since: datetime, until: datetime) -> list[dict]:
    """Entries of the buckets for the minutes after ``since`` up to and including ``until``, oldest first.

    Each entry is a flat dict: ``key``, ``kind``, ``due_at`` and the data fields it was filed with.
    """
    minutes = _minutes(since, until)
    if not minutes:
        return []
    if len(minutes) <= EQUALITY_LOOKUP_MAX:
        docs = await asyncio.gather(*(db[BUCKETS].find_one({"_id": bucket_id(tenant, m)}) for m in minutes))
    else:
        window = {"$gte": bucket_id(tenant, minutes[0]), "$lte": bucket_id(tenant, minutes[-1])}
        docs = await db[BUCKETS].find({"_id": window, "tenant": tenant}).to_list(None)
    entries = [entry for doc in docs if doc for entry in (doc.get("entries") or {}).values()]
    return sorted(entries, key=lambda e: (e["due_at"], e["key"]))


async def read_cursor(db, tenant: str) -> datetime | None:
    """The last swept minute (UTC), or ``None`` before the first sweep."""
    doc = await db[CURSORS].find_one({"_id": cursor_id(tenant)})
    return doc["upto"] if doc else None


async def advance_cursor(db, tenant: str, upto: datetime, fencing_token: int) -> bool:
    """Record that every minute up to ``upto`` is swept; drop those buckets.

    Refused (``False``) when a higher fencing token has moved the cursor, or when the cursor is
    already at or past ``upto``: a stale sweeper cannot move it, and it never goes back.
    """
    upto = minute_floor(upto)
    cursors = db[CURSORS]
    guard = {"_id": cursor_id(tenant), "token": {"$lte": fencing_token}, "upto": {"$lt": upto}}
    moved = await cursors.find_one_and_update(
        guard, {"$set": {"upto": upto, "token": fencing_token, "tenant": tenant}},
        return_document=ReturnDocument.BEFORE)
    if moved is None:
        try:
            await cursors.insert_one({"_id": cursor_id(tenant), "tenant": tenant, "upto": upto,
                                      "token": fencing_token})
        except DuplicateKeyError:
            return False
        previous = None
    else:
        previous = moved["upto"]
    swept = {"$lte": bucket_id(tenant, upto)}
    if previous is not None:
        swept["$gt"] = bucket_id(tenant, previous)
    else:
        swept["$gte"] = f"{tenant}:0"
    await db[BUCKETS].delete_many({"_id": swept, "tenant": tenant})
    return True
