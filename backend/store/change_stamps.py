"""Change stamps: a counter per slot of case ids, moved on after every snapshot write, shared by the
worker processes of one server.

A reader that keeps something built from a stored snapshot (the public progress view,
``backend/services/progress_cache.py``) notes the stamp of its case *before* reading the snapshot and
trusts what it kept only while the stamp has not moved. A writer moves the stamp *after* its write
has returned, so a reader either read the new snapshot or sees the stamp move. The table is an
anonymous shared mapping made before ``serve --processes`` forks, so a write in any worker moves
the stamp every worker reads; several ids share a slot (a write then costs its neighbours one
extra read, never a stale one). Reads take no lock (one aligned 8-byte load); moves take a POSIX
record lock on a private file, released by the kernel if the holder dies. :class:`StampedCache` is
what the readers keep (progress views, sessions) under those stamps.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import tempfile
import time
import zlib
from collections import OrderedDict

SLOTS = 1 << 20  # 8 MB shared, paged in as touched; 8,000 writes move under 1% of the slots
_STAMP = struct.Struct("<Q")


class ChangeStamps:
    def __init__(self, slots: int = SLOTS) -> None:
        self._slots = slots
        self._memory = mmap.mmap(-1, slots * _STAMP.size)  # MAP_SHARED | MAP_ANONYMOUS: kept across fork
        handle, path = tempfile.mkstemp(prefix="sunshine-stamps-")
        os.unlink(path)
        self._lock_fd = handle

    def _at(self, key: str) -> int:
        return (zlib.crc32(key.encode()) % self._slots) * _STAMP.size

    def read(self, key: str) -> int:
        return _STAMP.unpack_from(self._memory, self._at(key))[0]

    def move(self, key: str) -> None:
        at = self._at(key)
        fcntl.lockf(self._lock_fd, fcntl.LOCK_EX)
        try:
            _STAMP.pack_into(self._memory, at, (_STAMP.unpack_from(self._memory, at)[0] + 1) % (1 << 64))
        finally:
            fcntl.lockf(self._lock_fd, fcntl.LOCK_UN)


class StampedCache:
    """Values kept in this process while their change stamp stands still, each for at most ``ttl``
    seconds; at most ``size`` of them, the least recently read leaving first.

    ``stamp_key`` maps a cache key to its stamp's key (several kinds of things share one table).
    A reader notes :meth:`stamp` *before* reading the store and :meth:`put` s what it read under
    that stamp; a writer moves the stamp after writing, so a value read before a write is never
    trusted after it.
    """

    def __init__(self, stamps: ChangeStamps, ttl: float, size: int, stamp_key=lambda key: key) -> None:
        self.stamps, self.ttl, self.size, self._stamp_key = stamps, ttl, size, stamp_key
        self._kept: OrderedDict[str, tuple[int, float, object]] = OrderedDict()

    def stamp(self, key: str) -> int:
        return self.stamps.read(self._stamp_key(key))

    def get(self, key: str):
        """The value kept under ``key`` while it is still trusted, else None. A value whose stamp
        moved is let go; one only past its time stays (:meth:`past_time`) until it is put again or
        leaves as the least recently read."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        if kept[0] != self.stamp(key):
            del self._kept[key]
            return None
        if time.monotonic() >= kept[1]:
            return None
        self._kept.move_to_end(key)
        return kept[2]

    def past_time(self, key: str):
        """The value kept under ``key`` past its time while its stamp has stood still, else None: no
        write of this server touched it, and the reader may keep it again once it has checked with
        the store that nothing else did."""
        kept = self._kept.get(key)
        if kept is None or kept[0] != self.stamp(key) or time.monotonic() < kept[1]:
            return None
        return kept[2]

    def put(self, key: str, stamp: int, value, until: float | None = None) -> None:
        """Keep ``value``, read under ``stamp``, until ``until`` (monotonic; default: ``ttl`` from now)."""
        self._kept[key] = (stamp, time.monotonic() + self.ttl if until is None else until, value)
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def replace(self, key: str, value) -> None:
        """Put a newer copy of a kept value in its place (same stamp, same limit)."""
        kept = self._kept.get(key)
        if kept is not None:
            self._kept[key] = (kept[0], kept[1], value)

    def drop(self, key: str) -> None:
        self._kept.pop(key, None)
