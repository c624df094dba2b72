"""What a county is set up with, cached in the process and checked with one ``_id`` lookup.

A request needs the county's profile, its departments, townships, centres, posts and staff, its
rules (``tenant_settings``), its working calendar and its published catalogue, and they change a
few times a day. Each kind has a head ``config_heads/{tenant}:{kind}`` holding a random ``token``
that every change sets to a fresh value *after* writing the change (:func:`changed`). A process
keeps what it loaded with the tokens it saw and reads all heads of a tenant in one ``$in`` lookup
at most every ``FRESH_FOR`` seconds, so a change made by another process is seen within that time
(plus the time that read takes: other requests do not wait for it) and a change made here at once. One request reads the heads at most once: the tokens it saw first are
pinned to it (however long it runs on a loaded machine), so it also sees one consistent setup. One head per kind, one writer per change, and random tokens: a
change lost to FerretDB's unisolated updates (two admins at once) still leaves a new token.

Kinds: ``org`` (tenant profile, departments, townships, centres, posts, staff, tenant settings),
``calendar`` (:mod:`backend.services.calendar`) and ``catalogue`` (:mod:`backend.services.catalog`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field

from pymongo.errors import DuplicateKeyError

from backend.services.context import Services
from backend.store import commands
from backend.store.work import prefix_range

HEADS = "config_heads"
KINDS = ("org", "calendar", "catalogue")
# seconds a validated token is trusted before the heads are read again: a quarter second is still
# "at once" to the person who made the change in another process, and under load each read cost
# the API about a millisecond of CPU (twenty a second were 2% of an intake burst's profile)
FRESH_FOR = 0.25
PIN_FOR = 5.0  # seconds a request keeps the tokens it saw first (a task it spawned outlives it)
_STATE = "tenant_config"
STAFF_FIELDS = ("tenant", "username", "name", "roles", "department", "centre", "phone", "active")


def head_id(tenant: str, kind: str) -> str:
    return f"{tenant}:{kind}"


@dataclass
class Org:
    """A tenant's organisation as loaded: documents by code (staff by id)."""

    tenant: dict
    departments: dict[str, dict]
    townships: dict[str, dict]
    centres: dict[str, dict]
    posts: dict[str, dict]
    staff: dict[str, dict]
    settings: dict
    _post_of: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for code, post in sorted(self.active("posts").items()):
            for holder in (post.get("holder_a"), post.get("holder_b")):
                if holder:
                    self._post_of.setdefault(holder, code)

    def post_of(self, staff_id: str) -> str:
        """The code of the active post a staff member holds (as A or B), or ""."""
        return self._post_of.get(staff_id, "")

    def department_names(self) -> dict[str, str]:
        """Every department's name, deactivated ones too (old cases still name them)."""
        return {code: d.get("name", code) for code, d in self.departments.items()}

    def active(self, kind: str) -> dict[str, dict]:
        """The documents of ``kind`` (departments, townships, centres, posts, staff) not deactivated."""
        return {code: d for code, d in getattr(self, kind).items() if d.get("active", True)}

    def approval_posts(self, departments) -> list[dict]:
        """The active approval post (审批岗) of each department that has one: ``d-{code}`` first."""
        found = []
        for department in departments:
            candidates = sorted((code != f"d-{department}", code) for code, p in self.active("posts").items()
                                if p.get("kind") == "approval" and p.get("departments") == [department])
            found += [self.posts[candidates[0][1]]] if candidates else []
        return found


@dataclass
class _TenantState:
    tokens: dict[str, str | None] = field(default_factory=dict)
    checked_at: float = -1.0
    values: dict[str, tuple[str | None, object]] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    reading: asyncio.Lock = field(default_factory=asyncio.Lock)


def _state(svc: Services, tenant: str) -> _TenantState:
    states = svc.extras.setdefault(_STATE, {})
    state = states.get(tenant)
    if state is None:  # (not setdefault: it would build a state, locks and all, on every call)
        state = states[tenant] = _TenantState()
    return state


async def tokens(svc: Services, tenant: str) -> dict[str, str | None]:
    """The current token of every kind (``None`` before its first change); re-read when stale."""
    state, request = _state(svc, tenant), commands.current()
    pinned = request.pinned.setdefault(_STATE, {}) if request is not None else {}
    if tenant in pinned and time.monotonic() - pinned[tenant][0] < PIN_FOR:
        return pinned[tenant][1]
    asked = time.monotonic()
    if asked - state.checked_at > FRESH_FOR and not (state.tokens and state.reading.locked()):
        # one request reads; while its read is under way the others go on with the tokens known (a
        # change made elsewhere shows when that read lands). Waiting for it made every request wait
        # a whole read under load, and, since a read then took longer than FRESH_FOR, the waiters
        # queued on the lock each read again, one after another: seconds of waiting.
        async with state.reading:
            if asked - state.checked_at > FRESH_FOR:  # a read begun since this request asked will do
                started = time.monotonic()
                found = {d["_id"]: d.get("token") for d in await svc.db[HEADS].find(
                    {"_id": {"$in": [head_id(tenant, k) for k in KINDS]}}).to_list(None)}
                state.tokens = {k: found.get(head_id(tenant, k)) for k in KINDS}
                state.checked_at = started
    pinned[tenant] = (time.monotonic(), state.tokens)
    return state.tokens


async def cached(svc: Services, tenant: str, kind: str, build, depends: tuple[str, ...] = ()):
    """The value of ``kind`` for ``tenant``, rebuilt by ``await build()`` when its token (or the
    token of a kind it ``depends`` on) moved."""
    state = _state(svc, tenant)
    current = await tokens(svc, tenant)
    token = current[kind] if not depends else (current[kind], *(current[d] for d in depends))
    held = state.values.get(kind)
    if held is not None and held[0] == token:
        return held[1]
    async with state.locks.setdefault(kind, asyncio.Lock()):
        held = state.values.get(kind)
        if held is not None and held[0] == token:
            return held[1]
        value = await build()
        state.values[kind] = (token, value)
        return value


async def changed(svc: Services, tenant: str, kind: str) -> str:
    """Mark ``kind`` of ``tenant`` changed; call it after the change is written. Returns the new token."""
    if kind not in KINDS:
        raise ValueError(f"unknown configuration kind {kind!r}")
    token = secrets.token_hex(8)
    update = {"$set": {"tenant": tenant, "kind": kind, "token": token}}
    try:
        await svc.db[HEADS].update_one({"_id": head_id(tenant, kind)}, update, upsert=True)
    except DuplicateKeyError:  # two first changes raced to create the head; it exists now
        await svc.db[HEADS].update_one({"_id": head_id(tenant, kind)}, update)
    state, request = _state(svc, tenant), commands.current()
    state.tokens = {**state.tokens, kind: token} if state.tokens else state.tokens
    if request is not None:  # this request sees its own change at once
        request.pinned.get(_STATE, {}).pop(tenant, None)
    return token


async def _by_code(svc: Services, collection: str, tenant: str) -> dict[str, dict]:
    docs = await svc.db[collection].find({"_id": prefix_range(f"{tenant}:")}).to_list(None)
    return {d.get("code") or d["_id"].split(":", 1)[1]: d for d in docs if d.get("tenant", tenant) == tenant}


async def _load_org(svc: Services, tenant: str) -> Org:
    staff_docs = await svc.db.staff.find({"_id": prefix_range(f"{tenant}:")},
                                         {f: 1 for f in STAFF_FIELDS}).to_list(None)
    return Org(
        tenant=await svc.db.tenants.find_one({"_id": tenant}) or {},
        departments=await _by_code(svc, "departments", tenant),
        townships=await _by_code(svc, "townships", tenant),
        centres=await _by_code(svc, "centres", tenant),
        posts=await _by_code(svc, "posts", tenant),
        staff={d["_id"]: d for d in staff_docs if d.get("tenant") == tenant},
        settings=await svc.db.tenant_settings.find_one({"_id": tenant}) or {},
    )


async def org(svc: Services, tenant: str) -> Org:
    """The tenant's organisation (profile, departments, townships, centres, posts, staff, settings)."""
    return await cached(svc, tenant, "org", lambda: _load_org(svc, tenant))
