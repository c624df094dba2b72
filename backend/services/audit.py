"""The administrative audit log (操作日志): who did what to accounts and settings, append-only."""

from __future__ import annotations

import secrets

from backend.services.context import Services


def _entry(tenant: str, now, actor: str, action: str, data: dict) -> dict:
    return {"_id": f"{tenant}:{now.strftime('%Y%m%d%H%M%S%f')}:{secrets.token_hex(4)}", "tenant": tenant, "at": now,
            "actor": actor, "action": action, "data": data}


async def record(svc: Services, tenant: str, actor: str, action: str, data: dict) -> None:
    """Append one entry; entries are never updated or deleted by the application."""
    await svc.db.audit_log.insert_one(_entry(tenant, svc.now(), actor, action, data))


async def record_many(svc: Services, tenant: str, actor: str, entries: list[tuple[str, dict]]) -> None:
    """Append several entries (action, data) in one write."""
    if entries:
        now = svc.now()
        await svc.db.audit_log.insert_many([_entry(tenant, now, actor, a, d) for a, d in entries], ordered=False)


async def recent(svc: Services, tenant: str, limit: int = 50) -> list[dict]:
    cursor = svc.db.audit_log.find({"tenant": tenant}).sort("_id", -1).limit(limit)
    return [{k: v for k, v in doc.items() if k != "_id"} async for doc in cursor]
