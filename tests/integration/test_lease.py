"""Leases on the real store: one process runs a background job; another takes over when it dies."""

import asyncio
from datetime import timedelta

from backend.store import lease as leases

TTL = timedelta(seconds=30)
NAME = "sweep:ziyang"


async def test_of_two_holders_only_the_first_gets_the_lease(svc, clock):
    first = await leases.acquire(svc.db, NAME, "host-a", TTL, clock())
    second = await leases.acquire(svc.db, NAME, "host-b", TTL, clock())
    assert first is not None and first.holder == "host-a" and first.token == 1
    assert second is None
    assert (await leases.current(svc.db, NAME)).holder == "host-a"


async def test_a_holder_that_stops_renewing_is_replaced_after_the_ttl_with_a_higher_token(svc, clock):
    first = await leases.acquire(svc.db, NAME, "host-a", TTL, clock())
    clock.advance(seconds=29)
    assert await leases.acquire(svc.db, NAME, "host-b", TTL, clock()) is None
    clock.advance(seconds=2)
    second = await leases.acquire(svc.db, NAME, "host-b", TTL, clock())
    assert second is not None and second.holder == "host-b"
    assert second.token > first.token


async def test_a_holder_that_keeps_renewing_keeps_the_lease_and_its_token(svc, clock):
    held = await leases.acquire(svc.db, NAME, "host-a", TTL, clock())
    for _ in range(5):
        clock.advance(seconds=20)
        held = await leases.renew(svc.db, held, TTL, clock())
        assert held is not None
        assert await leases.acquire(svc.db, NAME, "host-b", TTL, clock()) is None
    assert held.token == 1


async def test_a_stale_holder_cannot_renew_or_release_after_a_takeover(svc, clock):
    stale = await leases.acquire(svc.db, NAME, "host-a", TTL, clock())
    clock.advance(seconds=31)
    fresh = await leases.acquire(svc.db, NAME, "host-b", TTL, clock())
    assert await leases.renew(svc.db, stale, TTL, clock()) is None
    assert await leases.release(svc.db, stale) is False
    now_held = await leases.current(svc.db, NAME)
    assert (now_held.holder, now_held.token) == ("host-b", fresh.token)


async def test_a_released_lease_is_taken_at_once_and_the_token_still_grows(svc, clock):
    first = await leases.acquire(svc.db, NAME, "host-a", TTL, clock())
    assert await leases.release(svc.db, first)
    second = await leases.acquire(svc.db, NAME, "host-b", TTL, clock())
    assert second is not None and second.token == first.token + 1


async def test_twenty_holders_racing_for_a_new_lease_yield_exactly_one_winner(svc, clock):
    results = await asyncio.gather(*(leases.acquire(svc.db, NAME, f"host-{i}", TTL, clock()) for i in range(20)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert (await leases.current(svc.db, NAME)).holder == winners[0].holder


async def test_fifty_holders_racing_for_an_expired_lease_yield_exactly_one_winner_each_time(svc, clock):
    await leases.acquire(svc.db, NAME, "dead-host", TTL, clock())
    for round_number in range(2, 5):
        clock.advance(minutes=5)
        results = await asyncio.gather(*(leases.acquire(svc.db, NAME, f"host-{i}", TTL, clock()) for i in range(50)))
        winners = [r for r in results if r is not None]
        assert len(winners) == 1 and winners[0].token == round_number
        assert (await leases.current(svc.db, NAME)).holder == winners[0].holder


async def _wait_until(condition, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_run_under_lease_runs_the_work_in_one_process_only_and_hands_over_when_it_stops(svc, clock):
    runs: list[tuple[str, int]] = []

    def worker(holder):
        async def work(lease):
            runs.append((holder, lease.token))
        return work

    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    options = dict(interval_s=0.01, ttl_s=30)
    task_a = asyncio.create_task(leases.run_under_lease(svc, NAME, "host-a", worker("host-a"), stop_event=stop_a,
                                                        **options))
    await _wait_until(lambda: len(runs) >= 3)
    task_b = asyncio.create_task(leases.run_under_lease(svc, NAME, "host-b", worker("host-b"), stop_event=stop_b,
                                                        **options))
    await _wait_until(lambda: len(runs) >= 10)
    assert {holder for holder, _ in runs} == {"host-a"}
    stop_a.set()
    await task_a
    await _wait_until(lambda: runs[-1][0] == "host-b")
    stop_b.set()
    await task_b
    assert runs[-1][1] == runs[0][1] + 1
    assert (await leases.current(svc.db, NAME)).expires_at <= clock()


async def test_run_under_lease_takes_over_from_a_holder_that_died_without_releasing(svc, clock):
    await leases.acquire(svc.db, NAME, "crashed-host", TTL, clock())
    runs = []

    async def work(lease):
        runs.append(lease.token)

    stop = asyncio.Event()
    task = asyncio.create_task(leases.run_under_lease(svc, NAME, "host-b", work, interval_s=0.01, ttl_s=30,
                                                      stop_event=stop))
    await asyncio.sleep(0.1)
    assert runs == []
    clock.advance(seconds=31)
    await _wait_until(lambda: runs)
    stop.set()
    await task
    assert runs[0] == 2
