"""A county's public profile: its name, and the departments, townships and service centres in use."""

import asyncio
import logging
from typing import Awaitable, Callable

from pymongo.errors import PyMongoError

from backend.domain.errors import NotFound
from backend.services import tenant_config
from backend.services.context import Services
from backend.store.lease import Lease, default_holder, run_under_lease


async def all_ids(svc: Services) -> list[str]:
    """Every tenant (county) of this store, in order."""
    return sorted([d["_id"] async for d in svc.db.tenants.find({}, {"_id": 1})])


async def profile(svc: Services, tenant: str) -> dict:
    org = await tenant_config.org(svc, tenant)
    doc = org.tenant
    if not doc:
        raise NotFound(f"未找到县区：{tenant}", code="tenant_not_found")
    departments = [{"code": d["code"], "name": d["name"], "duties": d.get("duties", "")}
                   for d in org.active("departments").values()]
    townships = [{"code": t["code"], "name": t["name"], "villages": t.get("villages", [])}
                 for t in org.active("townships").values()]
    centres = [{"code": c["code"], "name": c["name"], "level": c["level"]} for c in org.active("centres").values()]
    return {
        "code": tenant, "name": doc.get("name", tenant), "area_code": doc.get("area_code", ""),
        "centre_name": doc.get("centre_name", ""), "hotline": doc.get("hotline", ""),
        "business_hours": doc.get("business_hours", ""), "sample": bool(doc.get("sample")),
        "departments": sorted(departments, key=lambda d: d["code"]),
        "townships": townships, "centres": centres,
    }


async def require(svc: Services, tenant: str) -> str:
    """The tenant's code if the county exists; NotFound otherwise."""
    if not (await tenant_config.org(svc, tenant)).tenant:
        raise NotFound("未找到该县区", code="tenant_not_found")
    return tenant


async def each_county_under_lease(svc: Services, name: str, interval_s: float, run: Callable[[Services, str], Awaitable],
                                  stop_event: asyncio.Event, log: logging.Logger) -> None:
    """A background task (``server.BACKGROUND_TASKS``): every ``interval_s``, under the lease ``name``, call
    ``await run(svc, tenant)`` for each county (province tenants hold no cases) and log what it returned."""

    async def work(lease: Lease) -> None:
        try:
            tenant_ids = [d["_id"] async for d in svc.db.tenants.find({"kind": {"$ne": "province"}}, {"_id": 1})]
        except PyMongoError as exc:
            log.warning("%s: store unavailable (%s)", name, exc)
            return
        for tenant in tenant_ids:
            done = await run(svc, tenant)
            if done:
                log.info("%s for %s (lease token %s): %s", name, tenant, lease.token, done)

    await run_under_lease(svc, name, default_holder(), work, interval_s=interval_s, ttl_s=interval_s * 4,
                          stop_event=stop_event)
