"""The hotline's nightly round (under a lease): supervise overdue tickets, retrain stale routing models.

It sits above both ``tickets`` (督办 of overdue tickets) and ``routing`` (retraining), so neither of
them needs the other's module.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from backend.domain.clock import to_shanghai
from backend.services.context import Services
from backend.store import lease
from hotline.services import routing, tickets

NIGHT_HOURS = range(2, 5)  # local hours in which the nightly retrain may run
RETRAIN_AFTER = timedelta(hours=20)


async def nightly_round(svc: Services) -> dict:
    """Supervise overdue tickets and, at night, retrain models not retrained in the last 20 hours."""
    done = {}
    night = to_shanghai(svc.now()).hour in NIGHT_HOURS
    async for tenant_doc in svc.db.tenants.find({}, {"_id": 1}):
        tenant = tenant_doc["_id"]
        supervised = await tickets.supervise_overdue(svc, tenant)
        head = await svc.db[routing.MODELS].find_one({"_id": tenant}, {"trained_at": 1})
        last = (head or {}).get("trained_at")
        retrained = night and (last is None or svc.now() - last >= RETRAIN_AFTER)
        if retrained:
            await routing.retrain(svc, tenant)
        done[tenant] = {"supervised": supervised, "retrained": retrained}
    return done


async def nightly_task(svc: Services, stop_event: asyncio.Event) -> None:
    """Background task for ``server.BACKGROUND_TASKS``: one process at a time, every ten minutes."""

    async def work(_held) -> None:
        await nightly_round(svc)

    await lease.run_under_lease(svc, "hotline-nightly", lease.default_holder(), work,
                                interval_s=600, ttl_s=1800, stop_event=stop_event)
