"""Password hashes (argon2id) computed off the event loop.

argon2 is meant to be slow (about 0.2 s and 64 MB a hash); run on the event loop it would stall
every other request, so hashing and checking run in a small thread pool (one thread per core,
which also bounds the memory 40 simultaneous sign-ins can take). An unknown account is checked
against a dummy hash made with the same parameters, so it costs what a wrong password costs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="argon2")
_dummy: str | None = None


def hash_now(password: str) -> str:
    """The argon2id hash of ``password``, computed in the calling thread (commands, the pool)."""
    return _hasher.hash(password)


def _matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_now, password)


async def hash_many(passwords: list[str]) -> list[str]:
    """Hashes of several passwords, computed side by side in the pool."""
    return list(await asyncio.gather(*(hash_password(p) for p in passwords)))


async def dummy_hash() -> str:
    """A hash of a random password with today's parameters, made once per process (``warm`` at start)."""
    global _dummy
    if _dummy is None:
        _dummy = await hash_password(secrets.token_urlsafe(16))
    return _dummy


async def verify(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; with no stored hash, the same work against the dummy."""
    target = stored or await dummy_hash()
    matched = await asyncio.get_running_loop().run_in_executor(_pool, _matches, target, password)
    return matched and bool(stored)
