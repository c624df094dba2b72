"""Leases (租约) in the store: one process at a time runs a background job; another takes over when it dies.

A lease is one document in ``leases`` keyed by its name (``_id`` = ``"sweep:ziyang"``) holding the
``holder``, ``expires_at`` and a fencing ``token`` that grows by one at every change of holder.
Every step is a single-document conditional update (no transactions): take over an expired lease,
renew my own, or insert a new one (a duplicate-key error means another process was faster).

The token fences stale holders: a holder that stalled past its ``ttl`` (GC pause, lost network) may
still believe it holds the lease, so the work it writes carries "done by token N" and the store
rejects N when a higher token has written (see ``store.timers.advance_cursor``). The document is
never deleted, so the token never goes back to 1.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

log = logging.getLogger("sunshine.lease")

COLLECTION = "leases"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Lease:
    """A held lease: ``token`` is the fencing token to stamp on everything the work writes."""

    name: str
    holder: str
    token: int
    expires_at: datetime


def default_holder() -> str:
    """A holder id unique to this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _ttl(ttl: timedelta | float) -> timedelta:
    return ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)


def _lease(doc: dict | None) -> Lease | None:
    if doc is None:
        return None
    return Lease(doc["_id"], doc["holder"], doc["token"], doc["expires_at"])


async def acquire(db, name: str, holder: str, ttl: timedelta | float, now: datetime) -> Lease | None:
    """Take the lease ``name`` for ``holder`` until ``now + ttl``; ``None`` when another live holder has it.

    Re-acquiring a lease I still hold keeps its token; taking over an expired one raises the token.
    """
    leases = db[COLLECTION]
    expires = now + _ttl(ttl)
    taken = await leases.find_one_and_update(
        {"_id": name, "expires_at": {"$lte": now}},
        {"$set": {"holder": holder, "expires_at": expires, "acquired_at": now}, "$inc": {"token": 1}},
        return_document=ReturnDocument.AFTER)
    if taken is None:
        taken = await leases.find_one_and_update(
            {"_id": name, "holder": holder},
            {"$set": {"expires_at": expires}}, return_document=ReturnDocument.AFTER)
    if taken is None:
        doc = {"_id": name, "holder": holder, "expires_at": expires, "acquired_at": now, "token": 1}
        try:
            await leases.insert_one(doc)
        except DuplicateKeyError:
            return None  # a live holder exists, or another process inserted first
        taken = doc
    return _lease(taken)


async def renew(db, lease: Lease, ttl: timedelta | float, now: datetime) -> Lease | None:
    """Extend my lease to ``now + ttl``; ``None`` when someone took it over (my token is stale)."""
    doc = await db[COLLECTION].find_one_and_update(
        {"_id": lease.name, "holder": lease.holder, "token": lease.token},
        {"$set": {"expires_at": now + _ttl(ttl)}}, return_document=ReturnDocument.AFTER)
    return _lease(doc)


async def release(db, lease: Lease) -> bool:
    """Give the lease up now so another process need not wait for it to expire; keeps the token."""
    result = await db[COLLECTION].update_one(
        {"_id": lease.name, "holder": lease.holder, "token": lease.token},
        {"$set": {"expires_at": _EPOCH}})
    return result.modified_count == 1


async def current(db, name: str) -> Lease | None:
    """The lease document as stored (held or expired), for status pages and tests."""
    return _lease(await db[COLLECTION].find_one({"_id": name}))


async def run_under_lease(svc, name: str, holder: str, work: Callable[[Lease], Awaitable[None]], *,
                          interval_s: float, ttl_s: float, stop_event: asyncio.Event) -> None:
    """Loop for ``serve.BACKGROUND_TASKS``: hold ``name`` (or wait for it) and run ``await work(lease)``.

    Every ``interval_s`` seconds: renew the lease (or try to acquire it), then run the work once
    while it is held. ``ttl_s`` should be a few intervals, so one slow round does not lose the
    lease. A failing round is logged and retried; on ``stop_event`` the lease is released.
    """
    lease: Lease | None = None
    try:
        while not stop_event.is_set():
            lease = await _hold(svc, name, holder, lease, ttl_s)
            if lease is not None:
                try:
                    await work(lease)
                except Exception:  # one failed round must not stop the job for good
                    log.exception("background work under lease %s failed (token %s)", name, lease.token)
            try:
                await asyncio.wait_for(stop_event.wait(), timeout=interval_s)
            except asyncio.TimeoutError:
                pass
    finally:
        if lease is not None:
            try:
                await release(svc.db, lease)
            except PyMongoError:
                log.warning("could not release lease %s; it expires by itself", name)


async def _hold(svc, name: str, holder: str, lease: Lease | None, ttl_s: float) -> Lease | None:
    try:
        if lease is not None:
            renewed = await renew(svc.db, lease, ttl_s, svc.now())
            if renewed is None:
                log.warning("lease %s lost by %s (token %s)", name, holder, lease.token)
            return renewed
        return await acquire(svc.db, name, holder, ttl_s, svc.now())
    except PyMongoError as exc:
        log.warning("lease %s: store unavailable (%s)", name, exc)
        return None
