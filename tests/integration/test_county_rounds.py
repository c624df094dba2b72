"""The background rounds that run per county (reports, satisfaction): every county once a round, under
their lease, and never a province tenant (it holds no cases)."""

import asyncio
import logging

from backend.services import tenants
from backend.store import lease as leases


async def test_a_round_visits_each_county_once_under_its_lease_and_skips_provinces(svc, seeded):
    await svc.db.tenants.insert_one({"_id": "shaanxi", "kind": "province", "name": "陕西省"})
    stop, visited = asyncio.Event(), []

    async def run(services, tenant):
        visited.append(tenant)
        held = await leases.current(services.db, "test-round")
        assert held is not None, "the round runs under its lease"
        stop.set()
        return ["done"]

    await asyncio.wait_for(tenants.each_county_under_lease(svc, "test-round", 60.0, run, stop,
                                                           logging.getLogger("test")), timeout=30)
    assert visited == ["ziyang"]
