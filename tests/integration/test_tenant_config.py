"""The county's configuration behind its heads: a request does not wait for another request's read."""

import asyncio

from backend.services import tenant_config


async def test_a_request_goes_on_with_the_known_setup_while_another_reads_the_heads(svc, seeded):
    known = await tenant_config.tokens(svc, "ziyang")
    state = tenant_config._state(svc, "ziyang")
    async with state.reading:  # another request's read of the heads is under way (slow, under load)
        state.checked_at -= 10 * tenant_config.FRESH_FOR  # and what this process knows is stale
        assert await asyncio.wait_for(tenant_config.tokens(svc, "ziyang"), timeout=2) == known


async def test_a_change_made_by_another_process_is_seen_once_the_heads_are_read_again(svc, seeded):
    from backend.services.context import Services

    before = await tenant_config.tokens(svc, "ziyang")
    other = Services(db=svc.db, settings=svc.settings, clock=svc.clock)
    await tenant_config.changed(other, "ziyang", "calendar")
    await asyncio.sleep(tenant_config.FRESH_FOR * 1.5)
    after = await tenant_config.tokens(svc, "ziyang")
    assert after["calendar"] != before["calendar"] and after["org"] == before["org"]
