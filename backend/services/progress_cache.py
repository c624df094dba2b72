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
with ``MONGODB_URI``; 0 turns the cache off). At most ``SIZE`` views are kept (about 5 KB each),
the least recently read leaving first. Views are kept pickled, one bytes object each, so thousands
of views do not add hundreds of thousands of small objects for the garbage collector to walk.
"""

from __future__ import annotations

import pickle
import time
from collections import OrderedDict
from dataclasses import dataclass

from backend.services.context import Services

SIZE = 8192
_KEY = "progress_cache"
observers: list = []  # ``observer("kept" | "read")`` per lookup: /metrics counts them (backend/metrics.py)


@dataclass(frozen=True)
class Entry:
    stamp: int
    until: float
    query_code: str
    applicant_openid: str
    kept_view: bytes  # the public view without "fee", pickled
    fee_case: object | None  # the case, when it has a fee slip (the fee is read on every request)

    @property
    def view(self) -> dict:
        return pickle.loads(self.kept_view)


class ProgressCache:
    def __init__(self, stamps, ttl: float, size: int = SIZE) -> None:
        self.stamps, self.ttl, self.size = stamps, ttl, size
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def stamp(self, case_key: str) -> int:
        return self.stamps.read(case_key)

    def get(self, case_key: str) -> Entry | None:
        entry = self._entries.get(case_key)
        if entry is not None and entry.stamp == self.stamps.read(case_key) and time.monotonic() < entry.until:
            self._entries.move_to_end(case_key)
            _observe("kept")
            return entry
        if entry is not None:
            del self._entries[case_key]
        _observe("read")
        return None

    def put(self, case_key: str, entry: Entry) -> None:
        self._entries[case_key] = entry
        self._entries.move_to_end(case_key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def entry(self, stamp: int, view: dict, **fields) -> Entry:
        return entry(stamp, view, until=time.monotonic() + self.ttl, **fields)


def _observe(source: str) -> None:
    for observer in observers:
        observer(source)


def entry(stamp: int, view: dict, until: float = 0.0, **fields) -> Entry:
    """An entry trusted ``until`` (monotonic time; 0.0: used once, never kept, as without the cache)."""
    return Entry(stamp=stamp, until=until, kept_view=pickle.dumps(view), **fields)


def of(svc: Services) -> ProgressCache | None:
    """This process's cache, or None where it is off (set up by ``serve``; tests opt in)."""
    return svc.extras.get(_KEY)


def install(extras: dict, stamps, ttl: float) -> None:
    """Turn the cache on for a server whose snapshot writers move ``stamps``."""
    extras["change_stamps"] = stamps
    if ttl > 0:
        extras[_KEY] = ProgressCache(stamps, ttl)


def snapshot_written(svc: Services, case_key: str) -> None:
    """Move the case's change stamp (after its snapshot was written, or the write failed)."""
    stamps = svc.extras.get("change_stamps")
    if stamps is not None:
        stamps.move(case_key)
