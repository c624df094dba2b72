"""Benchmark of the warning sweep's read (预警扫描): does its cost follow what falls due, or the open cases?

Fills a throwaway database with timer entries (one per open case, filed over the next 30 days, the
way ``services.supervision`` files them) plus the same 100 entries due in the swept window, then
times ``store.timers.due`` for that window at 10,000, 100,000 and 1,000,000 open cases. Runs on an
embedded FerretDB started here in a temporary directory, and also on MongoDB when MONGODB_URI is set.
Sizes whose filling would not finish within the time budget are skipped, and the output says so.

    .venv/bin/python bench/bench_sweep.py [--budget SECONDS] [--sizes 10000,100000,1000000]
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pymongo import AsyncMongoClient  # noqa: E402

from backend.config import load_settings  # noqa: E402
from backend.store import timers  # noqa: E402
from backend.store.embedded import EmbeddedStore  # noqa: E402

TENANT = "bench"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
DUE = 100
BATCH = 5_000
REPEATS = 5


def entry(number: int, due_at: datetime) -> dict:
    key = f"610924-20261123-{number:07d}:case:red"
    bucket = timers.bucket_id(TENANT, due_at)
    return {"_id": f"{bucket}:{key}", "tenant": TENANT, "bucket": bucket, "key": key, "kind": "supervision",
            "due_at": due_at, "number": key.split(":")[0], "scope": "case", "level": "red"}


def future_entries(start: int, count: int, rng: random.Random):
    """Entries due after the swept window: between 10 minutes and 30 days from now."""
    for number in range(start, start + count):
        yield entry(number, NOW + timedelta(minutes=rng.randint(10, 30 * 24 * 60)))


async def insert(db, docs: list[dict]) -> None:
    """Insert entries into their hour collections, as ``timers.schedule`` files them."""
    by_hour: dict[str, list[dict]] = {}
    for doc in docs:
        by_hour.setdefault(timers.collection_name(TENANT, doc["due_at"]), []).append(doc)
    for name, batch in by_hour.items():
        await db[name].insert_many(batch, ordered=False)


async def fill(db, start: int, count: int, rng: random.Random) -> float:
    began = time.perf_counter()
    batch = []
    for doc in future_entries(start, count, rng):
        batch.append(doc)
        if len(batch) == BATCH:
            await insert(db, batch)
            batch = []
    if batch:
        await insert(db, batch)
    return time.perf_counter() - began


async def read_window(db) -> tuple[float, int]:
    """Median seconds of reading the swept window (the last 5 minutes), and the entries found."""
    since, until = NOW - timedelta(minutes=5), NOW
    times, found = [], 0
    for _ in range(REPEATS):
        began = time.perf_counter()
        found = len(await timers.due(db, TENANT, since, until))
        times.append(time.perf_counter() - began)
    return statistics.median(times), found


async def run(uri: str, label: str, sizes: list[int], budget: float) -> list[tuple]:
    client = AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)
    db = client[f"bench_sweep_{os.getpid()}"]
    rng, rows, filled, spent = random.Random(7), [], 0, 0.0
    try:
        await insert(db, [entry(9_000_000 + i, NOW - timedelta(minutes=1 + i % 4)) for i in range(DUE)])
        for size in sizes:
            missing = size - filled
            rate = filled / spent if spent else None
            if rate and spent + missing / rate > budget:
                rows.append((label, size, None, None, None, f"跳过：按已测写入速度（{rate:,.0f} 条/秒）需约 {missing / rate:,.0f} 秒，超出预算"))
                continue
            spent += await fill(db, filled, missing, rng)
            filled = size
            seconds, found = await read_window(db)
            rows.append((label, size, seconds, found, spent, ""))
            print(f"  {label}: {size:>9,} open cases filled ({spent:,.0f} s so far), window read {seconds * 1000:,.1f} ms",
                  flush=True)
    finally:
        await client.drop_database(db.name)
        await client.close()
    return rows


def table(rows: list[tuple]) -> None:
    print(f"\n{'store':<10} {'open cases':>12} {'due':>5} {'window read':>13}  note")
    for label, size, seconds, found, _, note in rows:
        read = f"{seconds * 1000:,.1f} ms" if seconds is not None else "—"
        print(f"{label:<10} {size:>12,} {found if found is not None else '—':>5} {read:>13}  {note}")
    for label in dict.fromkeys(r[0] for r in rows):
        measured = [r for r in rows if r[0] == label and r[2] is not None]
        if len(measured) >= 2:
            small, large = measured[0], measured[-1]
            print(f"{label}: {large[1] // small[1]}x the open cases -> {large[2] / small[2]:.1f}x the sweep read time "
                  f"(same {DUE} due)")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=240.0, help="seconds allowed for filling, per store")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    settings = load_settings(env={})
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as folder:
        embedded = EmbeddedStore(Path(folder), settings.ferretdb_bin)
        try:
            print("embedded FerretDB (SQLite) in", folder, flush=True)
            rows += await run(embedded.open(), "FerretDB", sizes, args.budget)
        finally:
            embedded.close()
    if os.environ.get("MONGODB_URI"):
        print("MongoDB at MONGODB_URI", flush=True)
        rows += await run(os.environ["MONGODB_URI"], "MongoDB", sizes, args.budget)
    else:
        print("(MONGODB_URI not set: MongoDB not measured)")
    table(rows)
    print("\nTimers live in one collection per tenant and UTC hour, so the sweep reads only the hours since its cursor."
          "\nFerretDB v1 scans a whole collection for any query, so without that split the read grew with the open"
          "\ncases (measured before: 10k -> 0.94 s, 100k -> 6.9 s, 1M -> 65 s). What still grows is listing the hour"
          "\ncollections (one per hour with pending timers). MongoDB reads the _id range from its index either way.")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
