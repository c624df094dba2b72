"""Leases (租约) in the store: one process at a time runs a background job; another takes over when it dies.

The lease ``sweep:ziyang`` is a chain of *claims*: ``lease_claims/{name}:{token}`` holds the
``holder`` and ``expires_at`` of the token-th holder. Taking a lease is *inserting* the next claim:
the unique ``_id`` lets exactly one of any number of racers win, on MongoDB and on FerretDB v1 on
SQLite alike (FerretDB v1 applies updates as read-modify-write outside a transaction, so two
concurrent conditional updates of one document can both "succeed"; an insert cannot). A claim is
written afterwards only by its own holder (renew, release), so no document has two writers.
``leases/{name}`` points at the latest token (``token``) for readers; it may lag, so readers step
forward through the claims until the next one is missing.

The token fences stale holders: a holder that stalled past its ``ttl`` (GC pause, lost network) may
still believe it holds the lease, so the work it writes carries "done by token N" and the store
rejects N when a higher token has written (see ``store.timers.advance_cursor``).
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

from pymongo.errors import DuplicateKeyError, PyMongoError

log = logging.getLogger("sunshine.lease")

HEADS = "leases"
CLAIMS = "lease_claims"
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


def _claim_id(name: str, token: int) -> str:
    return f"{name}:{token}"


async def current(db, name: str) -> Lease | None:
    """The latest claim of ``name`` (held or expired), or ``None`` when nobody ever took it."""
    head = await db[HEADS].find_one({"_id": name})
    token = head["token"] if head else 0
    claim = await db[CLAIMS].find_one({"_id": _claim_id(name, token)}) if token else None
    while True:  # the pointer may lag behind the chain
        following = await db[CLAIMS].find_one({"_id": _claim_id(name, token + 1)})
        if following is None:
            break
        token, claim = token + 1, following
    if claim is None:
        return None
    return Lease(name, claim["holder"], token, claim["expires_at"])


async def _claim(db, name: str, token: int, holder: str, expires: datetime, now: datetime) -> Lease | None:
    try:
        await db[CLAIMS].insert_one({"_id": _claim_id(name, token), "lease": name, "holder": holder,
                                     "expires_at": expires, "acquired_at": now})
    except DuplicateKeyError:
        return None  # another process claimed this token first
    await db[HEADS].update_one({"_id": name}, {"$set": {"token": token}}, upsert=True)
    return Lease(name, holder, token, expires)


async def acquire(db, name: str, holder: str, ttl: timedelta | float, now: datetime) -> Lease | None:
    """Take the lease ``name`` for ``holder`` until ``now + ttl``; ``None`` when another live holder has it.

    Re-acquiring a lease I still hold renews it under the same token; taking over an expired or
    released one claims the next token.
    """
    latest = await current(db, name)
    if latest is not None and latest.expires_at > now:
        if latest.holder != holder:
            return None
        return await renew(db, latest, ttl, now)
    return await _claim(db, name, latest.token + 1 if latest else 1, holder, now + _ttl(ttl), now)


async def renew(db, lease: Lease, ttl: timedelta | float, now: datetime) -> Lease | None:
    """Extend my lease to ``now + ttl``; ``None`` when it expired or someone claimed a newer token.

    An expired lease is not renewed (another process may be taking it over right now): acquire
    it again instead, which claims a new token.
    """
    claims = db[CLAIMS]
    if now >= lease.expires_at or await claims.find_one({"_id": _claim_id(lease.name, lease.token + 1)}):
        return None
    expires = now + _ttl(ttl)
    result = await claims.update_one({"_id": _claim_id(lease.name, lease.token), "holder": lease.holder},
                                     {"$set": {"expires_at": expires}})
    if result.matched_count != 1:
        return None
    return Lease(lease.name, lease.holder, lease.token, expires)


async def release(db, lease: Lease) -> bool:
    """Give the lease up now so another process need not wait for it to expire; the token chain stays."""
    if await db[CLAIMS].find_one({"_id": _claim_id(lease.name, lease.token + 1)}):
        return False
    result = await db[CLAIMS].update_one({"_id": _claim_id(lease.name, lease.token), "holder": lease.holder},
                                         {"$set": {"expires_at": _EPOCH}})
    return result.matched_count == 1


async def run_under_lease(svc, name: str, holder: str, work: Callable[[Lease], Awaitable[None]], *,
                          interval_s: float, ttl_s: float, stop_event: asyncio.Event) -> None:
    """Loop for ``server.BACKGROUND_TASKS``: hold ``name`` (or wait for it) and run ``await work(lease)``.

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


async def run_for_each_tenant(svc, name: str, round_for: Callable[[str], Callable[[Lease], Awaitable[None]]],
                              stop_event: asyncio.Event, interval_s: float) -> None:
    """For ``server.BACKGROUND_TASKS``: one :func:`run_under_lease` per tenant (``{name}:{tenant}``), started
    for every tenant the store lists, new ones included, until ``stop_event``."""
    holder, running = default_holder(), {}
    try:
        while not stop_event.is_set():
            try:
                tenants = [d["_id"] async for d in svc.db.tenants.find({}, {"_id": 1})]
            except PyMongoError as exc:
                log.warning("%s: store unavailable (%s)", name, exc)
                tenants = []
            for tenant in tenants:
                if tenant not in running:
                    running[tenant] = asyncio.create_task(run_under_lease(
                        svc, f"{name}:{tenant}", holder, round_for(tenant), interval_s=interval_s,
                        ttl_s=interval_s * 4, stop_event=stop_event))
            try:  # none yet (the sample county still loading, a new install): look again soon
                await asyncio.wait_for(stop_event.wait(), timeout=min(60.0, interval_s * 2) if running else
                                       min(2.0, interval_s))
            except asyncio.TimeoutError:
                pass
    finally:
        for task in running.values():
            task.cancel()
        await asyncio.gather(*running.values(), return_exceptions=True)
