"""Public progress views kept in memory: the most frequent read (citizens refreshing the progress
page, the QR landing page, 12345 operators reading it out) answered without a store command.

Only what follows from the stored snapshot is kept: the rendered view without its fee, and what the
access check needs (the query code, the applicant's openid). The fee (its slip is settled outside
the case), the check itself and the masking decisions for the person asking run on every request.

An entry is trusted while the case's change stamp has not moved (``backend/store/change_stamps.py``:
every snapshot write by any worker of this server moves it, so a step taken through this server is
seen by the very next lookup) and for at most ``ttl`` seconds, which bounds what a writer outside
the server can leave stale: an operator's repair command on the embedded store, or another host on a
shared MongoDB (``SUNSHINE_PROGRESS_CACHE_SECONDS``; ``auto`` is 30 s on the embedded store and 5 s
with ``MONGODB_URI``; 0 turns the cache off). After that time the next lookup reads the snapshot
again; when its fingerprint (``snapshots.fingerprint``) and the county's organisation (whose
department names the view shows) are what the entry was rendered from, the entry is kept for
another ``ttl`` (``renewed``) instead of being unpacked, replayed and rendered again, so a case
looked up now and then costs one store read and no rendering. At most ``SIZE`` views are kept
(about 3 KB each), the least recently read leaving first: enough for the cases a county looks up in
a day and for a burst of intake beside them (at 8,192, 4,000 intakes in 20 s pushed out half the
views that lookups then wanted again). Views are kept as the JSON text the API sends, one string
each: a lookup sends it without encoding it again (only its fee is added), and thousands of views
do not add hundreds of thousands of small objects for the garbage collector to walk.

A step's writer also keeps the snapshot it has just written, in its stored form (:class:`Written`,
the BSON a read would return), so the first lookup after a step (the applicant checking the receipt,
or following the notice of the step) renders the view without a store read. The writer keeps it only
when its own move is the only one since it noted the stamp before writing: then no other snapshot of
the case was written in between, and any later write moves the stamp past it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace

from backend.json_text import JsonText, to_json
from backend.services.context import Services
from backend.store import snapshots
from backend.store.change_stamps import StampedCache

SIZE = 16384  # ~3 KB each (RSS measured): ~50 MB per worker when full
_KEY = "progress_cache"
observers: list = []  # ``observer("kept" | "renewed" | "read")`` per lookup: /metrics counts them (backend/metrics.py)


@dataclass(frozen=True)
class Entry:
    stamp: int
    until: float
    query_code: str
    applicant_openid: str
    body: JsonText  # the public view without "fee", as the API writes it
    fee_case: object | None  # the case, when it has a fee slip (the fee is read on every request)
    fingerprint: bytes | None = None  # of the stored snapshot it was rendered from (None: not read)
    org_token: str | None = None  # the county organisation's token when it was rendered

    @property
    def view(self) -> dict:
        return json.loads(self.body)


@dataclass(frozen=True)
class Written:
    """A snapshot kept by its writer, not yet rendered: ``stored`` is its stored form (BSON)."""

    stamp: int
    until: float
    stored: bytes

    def as_read(self) -> dict:
        """The snapshot as a read from the store would return it (packed)."""
        return snapshots.as_read(self.stored)


class ProgressCache(StampedCache):
    """Views (:class:`Entry`) and written snapshots (:class:`Written`) by case key, each kept under
    the stamp and until the time it carries."""

    def __init__(self, stamps, ttl: float, size: int = SIZE) -> None:
        super().__init__(stamps, ttl, size)

    def put(self, case_key: str, entry: Entry | Written) -> None:
        super().put(case_key, entry.stamp, entry, entry.until)

    def renewable(self, case_key: str) -> Entry | None:
        """The rendered view kept past its time under a stamp that has stood still, to be renewed
        (:meth:`renew`) if the store still holds the snapshot it was rendered from."""
        found = self.past_time(case_key)
        return found if isinstance(found, Entry) and found.fingerprint is not None else None

    def renew(self, case_key: str, entry: Entry) -> Entry:
        renewed = replace(entry, until=time.monotonic() + self.ttl)
        self.put(case_key, renewed)
        return renewed

    def entry(self, stamp: int, view: dict, until: float | None = None, **fields) -> Entry:
        return entry(stamp, view, until=time.monotonic() + self.ttl if until is None else until, **fields)


def observe(source: str) -> None:
    """Count where a lookup's view came from: ``kept`` (memory), ``renewed`` (memory, after the store
    confirmed it) or ``read`` (the store, rendered)."""
    for observer in observers:
        observer(source)


def entry(stamp: int, view: dict, until: float = 0.0, **fields) -> Entry:
    """An entry trusted ``until`` (monotonic time; 0.0: used once, never kept, as without the cache)."""
    return Entry(stamp=stamp, until=until, body=JsonText(to_json(view)), **fields)


def of(svc: Services) -> ProgressCache | None:
    """This process's cache, or None where it is off (set up by ``serve``; tests opt in)."""
    return svc.extras.get(_KEY)


def install(extras: dict, stamps, ttl: float) -> None:
    """Turn the cache on for a server whose snapshot writers move ``stamps``."""
    extras["change_stamps"] = stamps
    if ttl > 0:
        extras[_KEY] = ProgressCache(stamps, ttl)


def stamp_before_write(svc: Services, case_key: str) -> int | None:
    """The stamp a writer notes before writing the snapshot (None where views are not kept)."""
    cache = of(svc)
    return cache.stamp(case_key) if cache is not None else None


def written(svc: Services, case_key: str, before: int | None, packed: dict) -> None:
    """Keep the snapshot just written (``packed``, as ``snapshots.pack`` made it for the store; its
    stamp moved since ``before``) if nothing else moved it."""
    cache = of(svc)
    if cache is None or before is None:
        return
    stamp = cache.stamp(case_key)
    if stamp == (before + 1) % (1 << 64):  # else another write (or a neighbour in the slot): left to a lookup
        cache.put(case_key, Written(stamp, time.monotonic() + cache.ttl, snapshots.stored_form(packed)))


def snapshot_written(svc: Services, case_key: str) -> None:
    """Move the case's change stamp (after its snapshot was written, or the write failed)."""
    stamps = svc.extras.get("change_stamps")
    if stamps is not None:
        stamps.move(case_key)
