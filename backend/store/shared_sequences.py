"""Sequences shared by the worker processes of ``serve --processes N`` (one table in shared memory).

Every worker hands out case numbers from the same daily sequence. Each keeping its own counter made
them try the same numbers and lose nearly every race under load (measured: 1.8 look-ahead reads
and 1.06 first-step inserts per intake with two workers, against 0.001 and 0.19 with one), and a
refused insert makes FerretDB write the rest of its batch one document at a time. The supervisor
creates this table before it forks, so all workers see one counter per (tenant, day) and take
numbers from it without colliding; the unique first-step insert still decides (numbering.py), so a
writer outside the group (another host, a command run by hand) is only a collision, never a
duplicate.

The table is an anonymous shared mapping of ``SLOTS`` slots (key digest, day, next sequence) and
a short list of sequences handed back unused (an insert that failed: taken first by the next claim
in any worker, so no gap opens), guarded by a POSIX record lock on a private file: the kernel releases such a lock when its holder
dies, so a worker killed mid-claim cannot leave the others waiting. The critical sections are a
few memory reads and writes. When a worker dies the supervisor ``forget``s the table: each counter
remembers where it stood, and the next claim looks back ``RESCAN`` numbers from there for the
first one not stored, so numbers the dead worker had taken but not stored are handed out again
(no gap stays open).
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import tempfile
from contextlib import contextmanager

SLOTS = 512
RESCAN = 256  # more than the claims one worker can have in flight
RETURNS = 128
_SLOT = struct.Struct("<16sIxxxxq")  # key digest, day ordinal, next sequence (negative: forgotten there)
_RETURN = struct.Struct("<16sq")  # key digest, a sequence handed back unused (0: free entry)
_COUNT = struct.Struct("<q")  # how many returned sequences wait (so an empty list is not scanned)
_EMPTY = bytes(16)


class SharedSequences:
    def __init__(self, slots: int = SLOTS) -> None:
        self._slots = slots
        self._returns_at = slots * _SLOT.size
        self._count_at = self._returns_at + RETURNS * _RETURN.size
        # MAP_SHARED | MAP_ANONYMOUS: the same memory in every process forked after this
        self._memory = mmap.mmap(-1, self._count_at + _COUNT.size)
        handle, path = tempfile.mkstemp(prefix="sunshine-seq-")
        os.unlink(path)  # only the descriptor is needed, for its lock
        self._lock_fd = handle

    @contextmanager
    def _locked(self):
        fcntl.lockf(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.lockf(self._lock_fd, fcntl.LOCK_UN)

    def _read(self, index: int) -> tuple[bytes, int, int]:
        return _SLOT.unpack_from(self._memory, index * _SLOT.size)

    def _write(self, index: int, digest: bytes, day: int, seq: int) -> None:
        _SLOT.pack_into(self._memory, index * _SLOT.size, digest, day, seq)

    def _find(self, digest: bytes) -> int | None:
        start = int.from_bytes(digest[:4], "little") % self._slots
        for step in range(self._slots):
            index = (start + step) % self._slots
            key, _, _ = self._read(index)
            if key == digest:
                return index
            if key == _EMPTY:
                return None
        return None

    def _place(self, digest: bytes, day: int) -> int | None:
        """A slot for a new key: the first empty one on its probe path, else the oldest day's."""
        start = int.from_bytes(digest[:4], "little") % self._slots
        oldest, oldest_day = None, day
        for step in range(self._slots):
            index = (start + step) % self._slots
            key, slot_day, _ = self._read(index)
            if key == _EMPTY:
                return index
            if slot_day < oldest_day:
                oldest, oldest_day = index, slot_day
        return oldest

    def take(self, key: str, day: int, start: int | None = None) -> int | None:
        """The next sequence of ``key`` (and move past it). A key not started yet (or forgotten)
        starts at ``start`` when given (a worker that raced to start it too just takes the next
        one), else the answer is ``None`` and the caller looks up where to start (``look_from``).
        ``None`` too when the table is full of today's keys (the caller then counts on its own)."""
        digest = _digest(key)
        with self._locked():
            returned = self._take_returned(digest)
            if returned is not None:
                return returned
            index = self._find(digest)
            if index is not None and self._read(index)[2] <= 0:
                if start is None:
                    return None
                self._write(index, digest, day, start)
            if index is None:
                if start is None:
                    return None
                index = self._place(digest, day)
                if index is None:
                    return None
                self._write(index, digest, day, start)
            _, slot_day, seq = self._read(index)
            self._write(index, digest, slot_day, seq + 1)
            return seq

    def give_back(self, key: str, seq: int) -> bool:
        """Hand ``seq`` back unused (its insert failed), to be taken first by whichever worker
        claims next; ``False`` when the list is full (the caller keeps it itself)."""
        digest = _digest(key)
        with self._locked():
            for index in range(RETURNS):
                at = self._returns_at + index * _RETURN.size
                if _RETURN.unpack_from(self._memory, at)[1] == 0:
                    _RETURN.pack_into(self._memory, at, digest, seq)
                    _COUNT.pack_into(self._memory, self._count_at, self._waiting() + 1)
                    return True
        return False

    def _waiting(self) -> int:
        return _COUNT.unpack_from(self._memory, self._count_at)[0]

    def _take_returned(self, digest: bytes) -> int | None:
        """The lowest sequence of ``digest`` handed back, taken off the list."""
        if not self._waiting():
            return None
        lowest = None
        for index in range(RETURNS):
            at = self._returns_at + index * _RETURN.size
            key, seq = _RETURN.unpack_from(self._memory, at)
            if seq and key == digest and (lowest is None or seq < lowest[1]):
                lowest = (at, seq)
        if lowest is None:
            return None
        _RETURN.pack_into(self._memory, lowest[0], _EMPTY, 0)
        _COUNT.pack_into(self._memory, self._count_at, self._waiting() - 1)
        return lowest[1]

    def look_from(self, key: str) -> int | None:
        """Where to look for the first free number of a forgotten ``key`` (``RESCAN`` before where
        it stood); ``None`` for a key never started here (look from the stored hint)."""
        with self._locked():
            index = self._find(_digest(key))
            if index is None:
                return None
            seq = self._read(index)[2]
            return max(1, -seq - RESCAN) if seq < 0 else None

    def advance(self, key: str, at_least: int) -> None:
        """Never hand out a sequence below ``at_least`` again (a writer outside the group took those)."""
        digest = _digest(key)
        with self._locked():
            index = self._find(digest)
            if index is not None:
                _, day, seq = self._read(index)
                if 0 < seq < at_least:
                    self._write(index, digest, day, at_least)

    def forget(self) -> None:
        """Mark every counter forgotten where it stands (see ``look_from``)."""
        with self._locked():  # (numbers handed back stay: they were never stored)
            for index in range(self._slots):
                digest, day, seq = self._read(index)
                if digest != _EMPTY and seq > 0:
                    self._write(index, digest, day, -seq)


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=16).digest()
