"""Timer wheel (定时轮): due times filed by tenant and UTC minute in the ``work`` collection.

Each timer is one small document ``work/{tenant}:timer:{YYYYMMDDHHMM}:{key}`` holding ``key``,
``kind``, ``due_at``, ``bucket`` (``{tenant}:timer:{YYYYMMDDHHMM}``, the minute it is filed in) and
flat data fields. Reading the minutes of a window is an ``_id`` range, split at hour, day, month
and year boundaries so that each piece is a prefix of the key: the ``_id`` index (MongoDB, and
FerretDB v1 with our patch, docs/decisions/0005) then reads what falls due in the window, not
what is open. Re-filing a key into the same minute overwrites its document (same ``_id``), so
scheduling is idempotent, and ``cancel`` is one delete by ``_id``. One document per timer, never
a shared bucket document: FerretDB v1 applies concurrent updates of one document without isolation.

Writers that store a step batch their timers with the step's other working-set changes
(:func:`plan_schedule`, :func:`plan_cancel` into a :class:`backend.store.work.Changes`).

The sweeper reads the minutes after its cursor (``timer_cursors/{tenant}:timers-cursor``, the last
swept minute); swept timers are deleted when the cursor moves, which keeps the set as small as the
future. The cursor moves only for a fencing token at least as high as the last one that moved it,
so a sweeper whose lease was taken over cannot move it (see ``store.lease``).

Sweep recipe: ``cursor = await read_cursor(...) or start``; ``until = minute_floor(now) - SWEEP_LAG``;
handle ``await due(db, tenant, cursor, until)``; ``await advance_cursor(db, tenant, until, token)``.
The lag leaves the current minute alone while timers are still being filed into it; file overdue
timers with ``not_before=now`` so they land in a minute not yet swept.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from backend.store.work import WORK, Changes, apply, prefix_range

CURSORS = "timer_cursors"
SWEEP_LAG = timedelta(minutes=1)
_SCALARS = (str, int, float, bool, datetime, type(None))
_RESERVED = {"_id", "key", "kind", "due_at", "tenant", "bucket"}
_FORMAT = "%Y%m%d%H%M"


def minute_floor(moment: datetime) -> datetime:
    """The UTC minute holding ``moment`` (naive datetimes are taken as UTC, as the store returns them)."""
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.replace(second=0, microsecond=0)


def _prefix(tenant: str, wheel: str = "timer") -> str:
    return f"{tenant}:{wheel}:"


def bucket_id(tenant: str, moment: datetime, wheel: str = "timer") -> str:
    """The minute piece of ``moment`` on ``wheel`` (``timer``: the sweep's; ``notice``: notices due to be sent)."""
    m = minute_floor(moment)  # as strftime(_FORMAT) writes it, without its per-call parsing of the format
    return f"{_prefix(tenant, wheel)}{m.year:04d}{m.month:02d}{m.day:02d}{m.hour:02d}{m.minute:02d}"


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


def plan_schedule(changes: Changes, tenant: str, due_at: datetime, key: str, kind: str, data: dict | None = None, *,
                  not_before: datetime | None = None, new: bool = False) -> str:
    """Add the timer to ``changes``; returns its bucket (give it to :func:`plan_cancel` later).

    ``new``: the key was never filed in that minute before (it is inserted rather than replaced).
    """
    if not isinstance(key, str) or not key:
        raise ValueError("a timer key must be a non-empty string")
    bucket = bucket_id(tenant, max(due_at, not_before) if not_before is not None else due_at)
    doc = {**_check_data(data), "tenant": tenant, "bucket": bucket, "key": key, "kind": kind, "due_at": due_at}
    (changes.add if new else changes.put)(f"{bucket}:{key}", doc)
    return bucket


def plan_cancel(changes: Changes, key: str, bucket: str) -> None:
    changes.drop(f"{bucket}:{key}")


async def schedule(db, tenant: str, due_at: datetime, key: str, kind: str, data: dict | None = None, *,
                   not_before: datetime | None = None) -> str:
    """File ``key`` to fall due at ``due_at``; filing the same key into the same minute overwrites it.

    ``not_before`` (usually now) files an overdue timer into the current minute instead of a minute
    that may already be swept; the entry keeps its real ``due_at``. Returns the bucket.
    """
    changes = Changes()
    bucket = plan_schedule(changes, tenant, due_at, key, kind, data, not_before=not_before)
    await apply(db, changes)
    return bucket


async def cancel(db, tenant: str, due_at: datetime, key: str, *, not_before: datetime | None = None,
                 bucket: str | None = None) -> bool:
    """Remove ``key`` from the minute it was filed in; ``False`` when it was not there (already swept)."""
    bucket = bucket or bucket_id(tenant, max(due_at, not_before) if not_before is not None else due_at)
    result = await db[WORK].delete_one({"_id": f"{bucket}:{key}"})
    return result.deleted_count == 1


def _pieces(first: datetime, last: datetime) -> list[tuple[str, str]]:
    """Minute strings ``[lo, hi]`` covering first..last, each piece inside one hour, day, month or year.

    Whole units are taken as large as they fit, so a window of years needs a few dozen pieces
    and the usual one-minute window needs one.
    """
    pieces, at = [], first
    while at <= last:
        span = _largest_aligned_span(at, last)
        end = at + span - timedelta(minutes=1)
        pieces.append((at.strftime(_FORMAT), end.strftime(_FORMAT)))
        at += span
    return pieces


def _largest_aligned_span(at: datetime, last: datetime) -> timedelta:
    for unit_start, unit_end in _units(at):
        if unit_start == at and unit_end - timedelta(minutes=1) <= last:
            return unit_end - at
    hour_end = at.replace(minute=0) + timedelta(hours=1)
    return min(hour_end, last + timedelta(minutes=1)) - at


def _units(at: datetime):
    """(start, end) of the year, month, day and hour holding ``at``, largest first."""
    year = at.replace(month=1, day=1, hour=0, minute=0)
    yield year, year.replace(year=year.year + 1)
    month = year.replace(month=at.month)
    yield month, (month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(month=month.month + 1))
    day = month.replace(day=at.day)
    yield day, day + timedelta(days=1)
    hour = day.replace(hour=at.hour)
    yield hour, hour + timedelta(hours=1)


def window_filters(tenant: str, since: datetime, until: datetime, wheel: str = "timer") -> list[dict]:
    """``_id`` filters for the minutes m with since < m <= until on ``wheel``, oldest first, each one
    the index can narrow.

    Whole years, months, days and hours are prefixes. Within an hour the two bounds share the hour,
    so the range reads at most that hour; a piece ending at minute 59 reads that minute as a prefix
    of its own, because its exclusive bound (the next hour) would share only the hour's first digit.
    """
    first, last = minute_floor(since) + timedelta(minutes=1), minute_floor(until)
    filters, prefix = [], _prefix(tenant, wheel)
    for lo, hi in _pieces(first, last):
        unit = _unit_prefix(lo, hi)
        if unit is not None:
            filters.append(prefix_range(prefix + unit))
            continue
        last_minute = None
        if hi.endswith("59"):
            last_minute = prefix_range(prefix + hi)
            if lo == hi:
                filters.append(last_minute)
                continue
            hi = (datetime.strptime(hi, _FORMAT) - timedelta(minutes=1)).strftime(_FORMAT)
        after = (datetime.strptime(hi, _FORMAT) + timedelta(minutes=1)).strftime(_FORMAT)
        filters.append({"$gte": prefix + lo, "$lt": prefix + after})
        if last_minute is not None:
            filters.append(last_minute)
    return filters


def piece_start(tenant: str, id_filter: dict, wheel: str = "timer") -> datetime:
    """The first minute of a piece given by :func:`window_filters` (a year, month, day or hour prefix
    stands for its first minute)."""
    digits = id_filter["$gte"][len(_prefix(tenant, wheel)):]
    return datetime.strptime(digits + "01010000"[len(digits) - 4:], _FORMAT).replace(tzinfo=timezone.utc)


def _unit_prefix(lo: str, hi: str) -> str | None:
    """The key prefix of the whole year, month, day or hour that ``[lo, hi]`` is, else None."""
    start, end = datetime.strptime(lo, _FORMAT), datetime.strptime(hi, _FORMAT) + timedelta(minutes=1)
    for (unit_start, unit_end), width in zip(_units(start), (4, 6, 8, 10)):
        if (unit_start, unit_end) == (start, end):
            return lo[:width]
    return None


async def due(db, tenant: str, since: datetime, until: datetime) -> list[dict]:
    """Timers of the minutes after ``since`` up to and including ``until``, oldest first.

    Each is a flat dict: ``key``, ``kind``, ``due_at``, ``bucket`` and the data fields it was filed with.
    """
    if minute_floor(until) <= minute_floor(since):
        return []
    docs = []
    for id_filter in window_filters(tenant, since, until):
        docs += await db[WORK].find({"_id": id_filter}, {"_id": 0, "tenant": 0}).to_list(None)
    return sorted(docs, key=lambda e: (e["due_at"], e["key"]))


async def read_cursor(db, tenant: str) -> datetime | None:
    """The last swept minute (UTC), or ``None`` before the first sweep."""
    doc = await db[CURSORS].find_one({"_id": cursor_id(tenant)})
    return doc["upto"] if doc else None


async def advance_cursor(db, tenant: str, upto: datetime, fencing_token: int, since: datetime | None = None) -> bool:
    """Record that every minute up to ``upto`` is swept, and drop the timers filed from ``since`` up to it.

    Refused (``False``) when a higher fencing token has moved the cursor, or when the cursor is
    already at or past ``upto``: a stale sweeper cannot move it, and it never goes back. The write
    is read back before anything is deleted, because FerretDB v1 may let a concurrent conditional
    update of the same document overwrite it.
    """
    upto = minute_floor(upto)
    cursors = db[CURSORS]
    previous = await read_cursor(db, tenant)
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
    start = since or (previous - timedelta(days=1) if previous else _EARLIEST)  # a day back: stragglers
    for id_filter in window_filters(tenant, minute_floor(start) - timedelta(minutes=1), upto):
        await db[WORK].delete_many({"_id": id_filter})
    return True


_EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
