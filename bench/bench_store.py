"""The embedded store under load: API intake and progress lookups against raw store operations.

Prints, all measured in this one run on a fresh embedded FerretDB (our build) with a real
``python -m backend serve`` in front of it:

1. cases taken in through the API (submit + accept at the window, one request) per second, with
   p50/p99, at 20 clients, divided by raw ``insert_one`` per second into the same store;
2. progress lookups (anonymous, by number and query code, over the cases the first intake phase
   made) per second divided by raw ``find_one`` by ``_id`` per second, with p99, at 50 and at 200
   clients; and at 50 clients from a second server that keeps no views (every lookup reads the
   store: the cost of a lookup the first time, or after its case changed);
3. all of these again after loading 300,000 finished cases of history (``bench/history.py``), over
   the same cases: each figure divided by its own value before the history; the raw store's own
   figures likewise, since the shared machine's speed drifts between rounds minutes apart (raw
   ``insert_one`` has run from 0.6 to 1.4 times its first round's rate in the second); and each
   API ratio of 1. and 2. divided by its value before, which such drift does not move;
4. intake with ``serve --processes 2`` divided by intake with one process, both started afresh
   on the store with its history and warmed for a few seconds first.

The first round starts after a few seconds of both kinds of load (collections created, caches
filled). Each API figure and the raw figure it is divided by are measured in turns (three slices each,
raw then API), so that a slow spell of the shared machine weighs on both sides of a ratio alike.

The server keeps public progress views and signed-in sessions for 30 seconds, as ``./scripts/run``
does on the embedded store (``SUNSHINE_PROGRESS_CACHE_SECONDS`` and ``SUNSHINE_SESSION_CACHE_SECONDS``
``=auto``); it is told so here because it reaches this store through ``MONGODB_URI``, where ``auto``
means 5 seconds and off (other hosts may write).

    .venv/bin/python bench/bench_store.py [--seconds 20] [--history 300000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Connection, Result, Server, closed_loop, embedded_store, login, ratio  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402

import history  # noqa: E402

DATABASE = "bench_store"
AS_EMBEDDED = {"SUNSHINE_PROGRESS_CACHE_SECONDS": "30", "SUNSHINE_SESSION_CACHE_SECONDS": "30"}
KEEPS_NO_VIEWS = {"SUNSHINE_PROGRESS_CACHE_SECONDS": "0", "SUNSHINE_BACKGROUND": "false"}
WARM_SECONDS = 3.0
SLICES = 3  # turns of raw and API measurement per compared pair
APPLICANT = {"name": "张三丰", "id_number": "610924199001011233", "phone": "13800001234"}
PAD = "材料说明" * 200  # a raw document about the size of a case snapshot


async def raw_inserts(uri: str, clients: int, seconds: float) -> Result:
    client = AsyncMongoClient(uri, maxPoolSize=clients + 5)
    docs = client[DATABASE]["raw_inserts"]

    async def make(i):
        async def one():
            await docs.insert_one({"_id": f"raw:{uuid.uuid4().hex}", "pad": PAD, "n": i})
            return True
        return one

    try:
        return await closed_loop(clients, seconds, make)
    finally:
        await client.close()


async def raw_finds(uri: str, clients: int, seconds: float) -> Result:
    client = AsyncMongoClient(uri, maxPoolSize=clients + 5)
    docs = client[DATABASE]["raw_inserts"]
    ids = [d["_id"] for d in await docs.find({}, {"_id": 1}).limit(20_000).to_list(None)]

    async def make(i):
        rng = random.Random(i)

        async def one():
            return await docs.find_one({"_id": rng.choice(ids)}) is not None
        return one

    try:
        return await closed_loop(clients, seconds, make)
    finally:
        await client.close()


async def intakes(server: Server, clients: int, seconds: float, item: str, taken: list) -> Result:
    token = await login(server.port, "clerk_a")
    body = {"item_code": item, "applicant": APPLICANT, "accept": True}

    async def make(i):
        connection = await Connection(server.port, token).open()

        async def one():
            status, answer = await connection.request("POST", "/api/v1/cases", body)
            if status == 201:
                taken.append((answer["number"], answer["query_code"]))
            return status == 201
        return one

    return await closed_loop(clients, seconds, make)


async def lookups(server: Server, clients: int, seconds: float, known: list) -> Result:
    async def make(i):
        connection, rng = await Connection(server.port).open(), random.Random(i)

        async def one():
            number, code = rng.choice(known)
            status, _ = await connection.request("GET", f"/api/v1/cases/{number}/progress?code={code}")
            return status == 200
        return one

    return await closed_loop(clients, seconds, make)


async def item_code(server: Server) -> str:
    connection = await Connection(server.port).open()
    _, found = await connection.request("GET", "/api/v1/items?q=%E4%B8%AA%E4%BD%93%E5%B7%A5%E5%95%86%E6%88%B7&page_size=20")
    await connection.close()
    return next(i["code"] for i in found["items"] if i["name"] == "个体工商户设立登记")


async def in_turns(raw, api, seconds: float) -> tuple[Result, Result]:
    """``raw(seconds)`` and ``api(seconds)`` measured in SLICES turns each, raw first; merged."""
    raws, apis = [], []
    for _ in range(SLICES):
        raws.append(await raw(seconds / SLICES))
        apis.append(await api(seconds / SLICES))
    return Result.merged(raws), Result.merged(apis)


async def round_of(uri: str, server: Server, plain: Server, seconds: float, label: str, known: list,
                   looked_up: list) -> dict:
    """One round; ``looked_up`` (the cases lookups choose from) is filled by the first round's intake."""
    item = await item_code(server)
    figures = {}
    figures["insert"], figures["intake"] = await in_turns(lambda s: raw_inserts(uri, 20, s),
                                                          lambda s: intakes(server, 20, s, item, known), seconds)
    looked_up[:] = looked_up or list(known)
    for clients in (50, 200):
        figures[f"find{clients}"], figures[f"lookup{clients}"] = await in_turns(
            lambda s, c=clients: raw_finds(uri, c, s), lambda s, c=clients: lookups(server, c, s, looked_up), seconds)
    figures["stored50"] = await lookups(plain, 50, seconds, looked_up)
    print(f"\n== {label}")
    for key, title in (("insert", "raw insert_one, 20 clients"), ("intake", "API intake (submit + accept), 20 clients"),
                       ("find50", "raw find_one by _id, 50 clients"), ("lookup50", "API progress lookup, 50 clients"),
                       ("stored50", "API progress lookup, no views kept, 50 clients"),
                       ("find200", "raw find_one by _id, 200 clients"), ("lookup200", "API progress lookup, 200 clients")):
        print(figures[key].line(title), flush=True)
    return figures


async def warm_up(uri: str, server: Server, known: list) -> None:
    """A few seconds of raw inserts and intakes before the first round: the first writes create the
    collections and fill the server's caches, which a county's working day never waits for again."""
    await raw_inserts(uri, 20, WARM_SECONDS)
    await intakes(server, 20, WARM_SECONDS, await item_code(server), known)


async def fresh_intake(uri: str, processes: int, seconds: float, known: list) -> Result:
    with Server(uri, DATABASE, processes=processes, **AS_EMBEDDED) as server:
        item = await item_code(server)
        await intakes(server, 20, WARM_SECONDS, item, known)
        result = await intakes(server, 20, seconds, item, known)
        print(result.line(f"API intake, serve --processes {processes}, fresh, 20 clients"), flush=True)
        return result


def report(before: dict, after: dict, one: Result, two: Result, history_size: int) -> None:
    print("\n== ratios (target in brackets)")
    for label, figures in (("empty store", before), (f"{history_size:,} cases of history", after)):
        print(f"{label}:")
        print(f"  intake / raw insert            {ratio(figures['intake'].rate, figures['insert'].rate):>7}  [>= 0.15]"
              f"   intake p50 {figures['intake'].percentile(50) * 1000:,.0f} ms, p99 {figures['intake'].percentile(99) * 1000:,.0f} ms")
        for clients in (50, 200):
            lookup, find = figures[f"lookup{clients}"], figures[f"find{clients}"]
            target = "[>= 0.5, p99 < 100 ms]" if clients == 50 else ""
            print(f"  lookup / raw find, {clients:>3} clients {ratio(lookup.rate, find.rate):>7}  {target}"
                  f"   lookup p99 {lookup.percentile(99) * 1000:,.1f} ms")
        stored = figures["stored50"]
        print(f"  no views kept / raw find,  50  {ratio(stored.rate, figures['find50'].rate):>7}"
              f"   lookup p99 {stored.percentile(99) * 1000:,.1f} ms")
    print("with history / without (target: within 1.5x, i.e. rate ratio >= 0.67):")
    for key in ("intake", "lookup50", "lookup200", "stored50"):
        print(f"  {key:<10} rate {ratio(after[key].rate, before[key].rate):>7}   p99 x{ratio(after[key].percentile(99), before[key].percentile(99))}")
    print("the raw store itself, with history / without (the machine's drift between rounds shows here too):")
    for key in ("insert", "find50", "find200"):
        print(f"  {key:<10} rate {ratio(after[key].rate, before[key].rate):>7}   p99 x{ratio(after[key].percentile(99), before[key].percentile(99))}")
    print("API against the raw store, with history / without (each side measured in turns, as above):")
    for key, raw in (("intake", "insert"), ("lookup50", "find50"), ("lookup200", "find200")):
        print(f"  {key:<10} {ratio(after[key].rate / after[raw].rate, before[key].rate / before[raw].rate):>7}")
    print(f"serve --processes 2 / 1, intake: {ratio(two.rate, one.rate)}  ({two.rate:,.1f}/s vs {one.rate:,.1f}/s)")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per phase")
    parser.add_argument("--history", type=int, default=300_000, help="finished cases loaded between the rounds")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU cores; {args.seconds:g} s per phase", flush=True)
    with embedded_store() as uri:
        known: list = []
        looked_up: list = []
        with Server(uri, DATABASE, SUNSHINE_SEED_SAMPLE="true", **AS_EMBEDDED) as server, \
                Server(uri, DATABASE, **KEEPS_NO_VIEWS) as plain:
            await warm_up(uri, server, known)
            before = await round_of(uri, server, plain, args.seconds, "empty store (the sample county only)", known,
                                    looked_up)
            print(f"\nloading {args.history:,} finished cases of history ...", flush=True)
            await history.load(uri, DATABASE, args.history, date.today() - timedelta(days=3),
                               progress=lambda line: print(line, flush=True) if "0,000/" in line else None)
            after = await round_of(uri, server, plain, args.seconds, f"after {args.history:,} finished cases", known,
                                   looked_up)
        print()
        one = await fresh_intake(uri, 1, args.seconds, known)
        two = await fresh_intake(uri, 2, args.seconds, known)
        report(before, after, one, two, args.history)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
