"""Timer wheel (定时轮): due times filed by tenant and UTC minute, read by minute window.

Each timer is one small document whose ``_id`` starts with its bucket, the minute it falls due:
``{tenant}:{YYYYMMDDHHMM}:{key}`` holding ``key``, ``kind``, ``due_at`` and flat data fields. The
documents of one tenant and one UTC hour live in their own collection ``timers_{tenant}_{YYYYMMDDHH}``:
FerretDB v1 on SQLite reads a whole collection for every query (measured: an ``_id`` lookup on
100,000 documents takes ~35 ms), so a sweep that reads only the hours since its cursor costs what
falls due in them, not what is open; a fully swept hour is dropped whole. MongoDB is fast either way. Re-filing a key into the same minute overwrites its document (same ``_id``), so
scheduling is idempotent, and ``cancel`` is one delete by ``_id``. (One document per timer rather
than one per minute: FerretDB v1 on SQLite applies updates as read-modify-write without a
transaction, and 20 concurrent ``$set``s into one bucket document kept only 13 of them.)

The sweeper reads the ``_id`` range of the minutes after its cursor (``timer_cursors/
{tenant}:timers-cursor``, the last swept minute), so on MongoDB its cost follows what falls due,
not the number of open cases; swept timers are deleted when the cursor moves, which keeps the
collection as small as the future (FerretDB v1 reads the collection for every query but ``_id``
equality, and ``_id`` ``$in`` too, so small matters there). The cursor moves only for a fencing
token at least as high as the last one that moved it, so a sweeper whose lease was taken over
cannot move it (see ``store.lease``).

Sweep recipe: ``cursor = await read_cursor(...) or start``; ``until = minute_floor(now) - SWEEP_LAG``;
handle ``await due(db, tenant, cursor, until)``; ``await advance_cursor(db, tenant, until, token)``.
The lag leaves the current minute alone while timers are still being filed into it; file overdue
timers with ``not_before=now`` so they land in a minute not yet swept.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

ENTRIES_PREFIX = "timers_"
CURSORS = "timer_cursors"
SWEEP_LAG = timedelta(minutes=1)
_SCALARS = (str, int, float, bool, datetime, type(None))
_RESERVED = {"_id", "key", "kind", "due_at", "tenant", "bucket"}


def minute_floor(moment: datetime) -> datetime:
    """The UTC minute holding ``moment`` (naive datetimes are taken as UTC, as the store returns them)."""
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.replace(second=0, microsecond=0)


def bucket_id(tenant: str, moment: datetime) -> str:
    return f"{tenant}:{minute_floor(moment).strftime('%Y%m%d%H%M')}"


def collection_name(tenant: str, moment: datetime) -> str:
    """The collection of one tenant's timers falling due in the UTC hour holding ``moment``."""
    return f"{ENTRIES_PREFIX}{tenant}_{minute_floor(moment).strftime('%Y%m%d%H')}"


def _hour_of(name: str, tenant: str) -> datetime | None:
    prefix = f"{ENTRIES_PREFIX}{tenant}_"
    if not name.startswith(prefix) or len(name) != len(prefix) + 10 or not name[len(prefix):].isdigit():
        return None
    return datetime.strptime(name[len(prefix):], "%Y%m%d%H").replace(tzinfo=timezone.utc)


async def _hours(db, tenant: str, first: datetime, last: datetime) -> list[tuple[datetime, str]]:
    """The tenant's hour collections between the hours of ``first`` and ``last``, oldest first."""
    low, high = first.replace(minute=0), last.replace(minute=0)
    found = [(hour, name) for name in await db.list_collection_names()
             if (hour := _hour_of(name, tenant)) is not None and low <= hour <= high]
    return sorted(found)


def cursor_id(tenant: str) -> str:
    return f"{tenant}:timers-cursor"


def _check_data(data: dict | None) -> dict:
    data = dict(data or {})
    for name, value in data.items():
        if name in _RESERVED or not name or "." in name or name.startswith("$"):
            raise ValueError(f"timer data field {name!r} is reserved or not a plain field name")
        if not isinstance(value, _SCALARS):
            raise ValueError(f"timer data field {name!r} must be a scalar, got {type(value).__name__}")
    return data


def _bucket(tenant: str, due_at: datetime, not_before: datetime | None) -> str:
    return bucket_id(tenant, max(due_at, not_before) if not_before is not None else due_at)


async def schedule(db, tenant: str, due_at: datetime, key: str, kind: str, data: dict | None = None, *,
                   not_before: datetime | None = None) -> str:
    """File ``key`` to fall due at ``due_at``; filing the same key into the same minute overwrites it.

    ``not_before`` (usually now) files an overdue timer into the current minute instead of a minute
    that may already be swept; the entry keeps its real ``due_at``. Returns the bucket (pass the
    same ``due_at`` and ``not_before`` to :func:`cancel`).
    """
    if not isinstance(key, str) or not key:
        raise ValueError("a timer key must be a non-empty string")
    filed_at = max(due_at, not_before) if not_before is not None else due_at
    bucket = bucket_id(tenant, filed_at)
    entries = db[collection_name(tenant, filed_at)]
    entry = {**_check_data(data), "tenant": tenant, "bucket": bucket, "key": key, "kind": kind, "due_at": due_at}
    try:
        await entries.replace_one({"_id": f"{bucket}:{key}"}, entry, upsert=True)
    except DuplicateKeyError:  # the same key filed twice at once: both inserted; the other won
        await entries.replace_one({"_id": f"{bucket}:{key}"}, entry)
    return bucket


async def cancel(db, tenant: str, due_at: datetime, key: str, *, not_before: datetime | None = None,
                 bucket: str | None = None) -> bool:
    """Remove ``key`` from the minute it was filed in; ``False`` when it was not there (already swept).

    Give the same ``due_at`` and ``not_before`` as to :func:`schedule`, or the ``bucket`` it returned.
    """
    bucket = bucket or _bucket(tenant, due_at, not_before)
    hour = datetime.strptime(bucket.rsplit(":", 1)[1], "%Y%m%d%H%M").replace(tzinfo=timezone.utc)
    result = await db[collection_name(tenant, hour)].delete_one({"_id": f"{bucket}:{key}"})
    return result.deleted_count == 1


def _window(tenant: str, since: datetime, until: datetime) -> dict | None:
    """The ``_id`` range of the minutes m with since < m <= until."""
    first, last = minute_floor(since) + timedelta(minutes=1), minute_floor(until)
    if last < first:
        return None
    return {"$gte": bucket_id(tenant, first) + ":", "$lt": bucket_id(tenant, last + timedelta(minutes=1)) + ":"}


async def due(db, tenant: str, since: datetime, until: datetime) -> list[dict]:
    """Timers of the minutes after ``since`` up to and including ``until``, oldest first.

    Each is a flat dict: ``key``, ``kind``, ``due_at``, ``bucket`` and the data fields it was filed with.
    """
    window = _window(tenant, since, until)
    if window is None:
        return []
    docs = []
    for _, name in await _hours(db, tenant, minute_floor(since) + timedelta(minutes=1), minute_floor(until)):
        docs += await db[name].find({"_id": window, "tenant": tenant}, {"_id": 0, "tenant": 0}).to_list(None)
    return sorted(docs, key=lambda e: (e["due_at"], e["key"]))


async def read_cursor(db, tenant: str) -> datetime | None:
    """The last swept minute (UTC), or ``None`` before the first sweep."""
    doc = await db[CURSORS].find_one({"_id": cursor_id(tenant)})
    return doc["upto"] if doc else None


async def advance_cursor(db, tenant: str, upto: datetime, fencing_token: int) -> bool:
    """Record that every minute up to ``upto`` is swept, and drop the timers filed up to it.

    Refused (``False``) when a higher fencing token has moved the cursor, or when the cursor is
    already at or past ``upto``: a stale sweeper cannot move it, and it never goes back. The write
    is read back before anything is deleted, because FerretDB v1 may let a concurrent conditional
    update of the same document overwrite it.
    """
    upto = minute_floor(upto)
    cursors = db[CURSORS]
    guard = {"_id": cursor_id(tenant), "token": {"$lte": fencing_token}, "upto": {"$lt": upto}}
    moved = await cursors.find_one_and_update(
        guard, {"$set": {"upto": upto, "token": fencing_token}}, return_document=ReturnDocument.AFTER)
    if moved is None:
        try:
            await cursors.insert_one({"_id": cursor_id(tenant), "tenant": tenant, "upto": upto,
                                      "token": fencing_token})
        except DuplicateKeyError:
            return False
    stored = await cursors.find_one({"_id": cursor_id(tenant)})
    if stored is None or (stored["upto"], stored["token"]) != (upto, fencing_token):
        return False
    swept = {"$gte": f"{tenant}:0", "$lt": bucket_id(tenant, upto + timedelta(minutes=1)) + ":"}
    for hour, name in await _hours(db, tenant, datetime(2000, 1, 1, tzinfo=timezone.utc), upto):
        if hour + timedelta(hours=1) <= upto + timedelta(minutes=1):
            await db.drop_collection(name)  # every minute of the hour is swept
        else:
            await db[name].delete_many({"_id": swept, "tenant": tenant})
    return True
