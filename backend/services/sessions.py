"""Sessions (登录会话): opaque tokens with an absolute and, for staff, an idle lifetime; listed and revoked.

``sessions/{sha256(token)}`` is the session (the token itself is never stored): tenant, kind,
subject, ``created_at``, ``expires_at`` (absolute), ``last_seen`` (idle), the address and browser
it was opened from, and a short ``sid`` that names it in lists. A staff session is also listed in
``session_index/{tenant}:{username}:{sid}``, so a person's sessions (and an administrator's view of
the county's) are one ``_id`` prefix range; the entry holds the session's key to revoke it.

Every request of a signed-in person reads the session, so a server may keep sessions in memory
(:class:`KeptSessions`, ``SUNSHINE_SESSION_CACHE_SECONDS``): a kept session is trusted while its
change stamp (``backend/store/change_stamps.py``, shared by the workers of one server) stands still
and for at most the limit. Ending a session (sign-out, revocation, expiry) moves the stamp after the
delete, so the very next request in any worker reads the store and finds it gone. The limit only
bounds what a writer outside the server could leave behind; ``auto`` keeps sessions on the embedded
store, whose every writer is a worker of this server, and not with ``MONGODB_URI``, where a sign-out
on another host must count at once too. Lifetimes are checked on every request; a kept session that
looks expired is read again before anything is removed (another worker may have seen it used).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta

from backend.domain.errors import NotFound
from backend.services.context import Services
from backend.store.change_stamps import StampedCache
from backend.store.work import prefix_range

INDEX = "session_index"
SEEN_EVERY = timedelta(minutes=1)  # last_seen is rewritten at most this often
_KEY = "kept_sessions"


class KeptSessions(StampedCache):
    """Sessions kept in this process, by token key, under their ``session:`` change stamps."""

    SIZE = 4096

    def __init__(self, stamps, ttl: float) -> None:
        super().__init__(stamps, ttl, self.SIZE, _stamp_key)

    def seen(self, key: str, session: dict) -> None:
        """Replace a kept session by its copy with a newer ``last_seen`` (same stamp, same limit)."""
        self.replace(key, session)


def install(extras: dict, stamps, ttl: float) -> None:
    """Keep sessions in this server's processes, whose session writers move ``stamps``."""
    extras["change_stamps"] = stamps
    if ttl > 0:
        extras[_KEY] = KeptSessions(stamps, ttl)


def _stamp_key(key: str) -> str:
    return f"session:{key}"


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _username(subject: str) -> str:
    return subject.split(":", 1)[1]


async def open_session(svc: Services, tenant: str, kind: str, subject: str, *, address: str = "", agent: str = "",
                       extra: dict | None = None) -> str:
    """Start a session for a subject (staff or citizen) and return its opaque token."""
    now, token, sid = svc.now(), secrets.token_urlsafe(32), secrets.token_hex(8)
    doc = {"_id": token_key(token), "tenant": tenant, "kind": kind, "subject": subject, "sid": sid,
           "csrf": secrets.token_urlsafe(24) if kind == "staff" else "",
           "created_at": now, "last_seen": now, "expires_at": now + timedelta(hours=svc.settings.session_hours),
           "address": address, "agent": agent[:200], **(extra or {})}
    await svc.db.sessions.insert_one(doc)
    if kind == "staff":
        await svc.db[INDEX].insert_one({"_id": f"{tenant}:{_username(subject)}:{sid}", "session": doc["_id"],
                                        **{k: doc[k] for k in ("tenant", "subject", "created_at", "expires_at",
                                                               "address", "agent")}})
    return token


def expired(session: dict, now, idle: timedelta) -> bool:
    """Past its absolute lifetime, or (staff) unused for longer than ``idle``."""
    if session["expires_at"] <= now:
        return True
    return session["kind"] == "staff" and now - session.get("last_seen", session["created_at"]) > idle


def idle_limit(svc: Services) -> timedelta:
    return timedelta(minutes=svc.settings.session_idle_minutes)


async def find(svc: Services, token: str) -> dict | None:
    """The live session of ``token`` (its use noted for the idle limit), or None; an expired one is removed."""
    if not token or len(token) > 200:
        return None
    key, kept, now, idle = token_key(token), svc.extras.get(_KEY), svc.now(), idle_limit(svc)
    session = kept.get(key) if kept is not None else None
    if session is not None and expired(session, now, idle):
        kept.drop(key)  # another worker may have seen it used since: the store decides
        session = None
    if session is None:
        stamp = kept.stamp(key) if kept is not None else 0  # before the read: an end after it moves it
        session = await svc.db.sessions.find_one({"_id": key})
        if not session:
            return None
        if expired(session, now, idle):
            await _remove(svc, [session])
            return None
        if kept is not None:
            kept.put(key, stamp, session)
    if now - session.get("last_seen", session["created_at"]) >= SEEN_EVERY:
        await svc.db.sessions.update_one({"_id": session["_id"]}, {"$set": {"last_seen": now}})
        session = {**session, "last_seen": now}
        if kept is not None:
            kept.seen(key, session)
    return dict(session)


async def _remove(svc: Services, sessions: list[dict]) -> None:
    keys = [s["_id"] for s in sessions]
    listed = [f"{s['tenant']}:{_username(s['subject'])}:{s['sid']}" for s in sessions
              if s.get("kind") == "staff" and s.get("sid")]
    try:
        await asyncio.gather(svc.db.sessions.delete_many({"_id": {"$in": keys}}),
                             svc.db[INDEX].delete_many({"_id": {"$in": listed}}))
    finally:  # after the delete (or its failure): every worker's next request reads the store
        stamps, kept = svc.extras.get("change_stamps"), svc.extras.get(_KEY)
        for key in keys:
            if stamps is not None:
                stamps.move(_stamp_key(key))
            if kept is not None:
                kept.drop(key)


async def end(svc: Services, token: str) -> None:
    """Sign out: the session of ``token`` ends now."""
    session = await svc.db.sessions.find_one({"_id": token_key(token)}) if token else None
    if session:
        await _remove(svc, [session])


async def listed(svc: Services, tenant: str, username: str = "") -> list[dict]:
    """Live staff sessions of one person (or, without ``username``, of the whole county), newest first.
    Entries whose session has ended are cleared on the way."""
    prefix = f"{tenant}:{username}:" if username else f"{tenant}:"
    entries = await svc.db[INDEX].find({"_id": prefix_range(prefix)}).to_list(None)
    by_key = {s["_id"]: s for s in await svc.db.sessions.find(
        {"_id": {"$in": [e["session"] for e in entries]}}).to_list(None)} if entries else {}
    now, idle, live, gone = svc.now(), idle_limit(svc), [], []
    for entry in entries:
        session = by_key.get(entry["session"])
        if session and not expired(session, now, idle):
            live.append({**session, "listed_as": entry["_id"]})
        else:
            gone.append(entry["_id"])
    if gone:
        await svc.db[INDEX].delete_many({"_id": {"$in": gone}})
    return sorted(live, key=lambda s: s["created_at"], reverse=True)


def view(session: dict, current_sid: str = "") -> dict:
    """What a list shows of a session (never its key)."""
    return {"id": session["sid"], "username": _username(session["subject"]), "created_at": session["created_at"],
            "last_seen": session.get("last_seen"), "expires_at": session["expires_at"],
            "address": session.get("address", ""), "agent": session.get("agent", ""),
            "current": session["sid"] == current_sid}


async def revoke(svc: Services, tenant: str, sid: str, username: str = "") -> dict:
    """End one listed session of the county (of ``username`` only, when given); 404 for any other."""
    entries = [s for s in await listed(svc, tenant, username) if s["sid"] == sid]
    if not entries:
        raise NotFound("未找到该登录会话（可能已结束）", code="session_not_found")
    await _remove(svc, entries)
    return entries[0]


async def revoke_all(svc: Services, tenant: str, username: str) -> int:
    """End every session of one person (after a second-factor reset or a deactivation)."""
    found = await listed(svc, tenant, username)
    if found:
        await _remove(svc, found)
    return len(found)
