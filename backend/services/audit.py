"""The administrative audit log (操作日志): who did what to accounts and settings, append-only."""

from __future__ import annotations

import itertools
import secrets
from datetime import timedelta

from backend.services.context import Services
from backend.store import batch


_written = itertools.count()  # orders this process's entries of one instant as they were written


def _entry(tenant: str, now, actor: str, action: str, data: dict) -> dict:
    key = f"{now.strftime('%Y%m%d%H%M%S%f')}:{next(_written) % 10**9:09d}{secrets.token_hex(2)}"
    return {"_id": f"{tenant}:{key}", "tenant": tenant, "at": now, "actor": actor, "action": action, "data": data}


async def record(svc: Services, tenant: str, actor: str, action: str, data: dict) -> None:
    """Append one entry (with other requests' inserts); entries are never updated or deleted by the application."""
    await batch.insert_one(svc.db, "audit_log", _entry(tenant, svc.now(), actor, action, data))


async def record_many(svc: Services, tenant: str, actor: str, entries: list[tuple[str, dict]]) -> None:
    """Append several entries (action, data) in one write."""
    if entries:
        now = svc.now()
        await batch.insert_new(svc.db, "audit_log", [_entry(tenant, now, actor, a, d) for a, d in entries])


async def recent(svc: Services, tenant: str, limit: int = 50) -> list[dict]:
    """The newest ``limit`` entries, newest first: read by ``_id`` range (ids start with the time), a
    day back first and further only when that day holds fewer."""
    found: list[dict] = []
    until = (svc.now() + timedelta(seconds=1)).strftime("%Y%m%d%H%M%S%f")
    for days in (1, 7, 31, 366, 3660):
        since = (svc.now() - timedelta(days=days)).strftime("%Y%m%d%H%M%S%f")
        window = {"$gte": f"{tenant}:{since}", "$lt": f"{tenant}:{until}"}
        found = await svc.db.audit_log.find({"_id": window}).to_list(None)
        if len(found) >= limit:
            break
    found.sort(key=lambda d: d["_id"], reverse=True)
    return [{k: v for k, v in doc.items() if k != "_id"} for doc in found[:limit]]
