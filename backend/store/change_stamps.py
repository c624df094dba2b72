"""Change stamps: a counter per slot of case ids, moved on after every snapshot write, shared by the
worker processes of one server.

A reader that keeps something built from a stored snapshot (the public progress view,
``backend/services/progress_cache.py``) notes the stamp of its case *before* reading the snapshot and
trusts what it kept only while the stamp has not moved. A writer moves the stamp *after* its write
has returned, so a reader either read the new snapshot or sees the stamp move. The table is an
anonymous shared mapping made before ``serve --processes`` forks, so a write in any worker moves
the stamp every worker reads; several ids share a slot (a write then costs its neighbours one
extra read, never a stale one). Reads take no lock (one aligned 8-byte load); moves take a POSIX
record lock on a private file, released by the kernel if the holder dies.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import tempfile
import zlib

SLOTS = 1 << 16
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
