"""The warning sweep and the supervision dashboard at 10,000, 100,000 and 1,000,000 open cases.

Fills a throwaway embedded FerretDB (our build) the way the pipeline leaves a tenant with that
many open cases: one open-case entry and one timer per case in ``work`` (deadlines at the end of a
day in the next 30 days, as the clock sets them), and the counts the sweep would have folded from their steps in ``journal_state``; plus
the same 100 timers due in the swept window. Then times, at each size, what one sweep round reads
(``store.timers.due`` for the window) and one dashboard request (``supervision_dashboard.dashboard``),
and prints each size's time divided by the time at 10,000 (target: 1,000,000 / 10,000 <= 1.5).
Sizes whose filling would not finish within the budget are skipped, and the output says so.

    .venv/bin/python bench/bench_sweep.py [--budget SECONDS] [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import embedded_store  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402

from backend.config import load_settings  # noqa: E402
from backend.domain.open_counts import OpenCounts, contribution  # noqa: E402
from backend.services import journal, supervision, supervision_dashboard  # noqa: E402
from backend.services.context import Services  # noqa: E402
from backend.store import timers, work  # noqa: E402

TENANT = "bench"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
DUE, BATCH, REPEATS = 100, 5_000, 5
DEPARTMENTS = [f"d{n:02d}" for n in range(20)]


def open_case(number: int, due_at: datetime, rng: random.Random) -> tuple[dict, dict]:
    """(open-case entry, timer) of one case, as ``supervision.on_step`` files them."""
    case_number = f"610924-20261123-{number:07d}"
    department = rng.choice(DEPARTMENTS)
    entry = {"_id": supervision.open_key(TENANT, case_number), "tenant": TENANT, "number": case_number,
             "state": "in_review", "kind": "promised", "departments": [department], "open_departments": [department],
             "due_at": due_at, "yellow_at": due_at - timedelta(days=1), "paused": rng.random() < 0.02,
             "result_ready": False}
    key = f"{case_number}:case:red"
    bucket = timers.bucket_id(TENANT, due_at)
    timer = {"_id": f"{bucket}:{key}", "tenant": TENANT, "bucket": bucket, "key": key, "kind": "supervision",
             "due_at": due_at, "number": case_number, "scope": "case", "level": "red"}
    return entry, timer


def deadline(rng: random.Random) -> datetime:
    """A promised deadline as the clock gives it: 24:00 Beijing time of a day in the next 30."""
    return datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc) + timedelta(days=rng.randint(0, 30))


async def fill(db, counts: OpenCounts, start: int, count: int, rng: random.Random) -> float:
    began, batch = time.perf_counter(), []
    for number in range(start, start + count):
        entry, timer = open_case(number, deadline(rng), rng)
        counts.add(contribution(entry), +1)
        batch += [entry, timer]
        if len(batch) >= BATCH:
            await db[work.WORK].insert_many(batch, ordered=False)
            batch = []
    if batch:
        await db[work.WORK].insert_many(batch, ordered=False)
    await db[journal.STATE].replace_one({"_id": TENANT}, {"tenant": TENANT, "token": 1, "counts": counts.to_doc(),
                                                          "heads": {}, "folded": []}, upsert=True)
    return time.perf_counter() - began


async def timed(work_once) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        await work_once()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


async def measure(svc: Services) -> tuple[float, int, float, dict]:
    found = []

    async def sweep_read():
        found[:] = await timers.due(svc.db, TENANT, NOW - timedelta(minutes=5), NOW)

    board = {}

    async def dashboard():
        board.update(await supervision_dashboard.dashboard(svc, TENANT, NOW))

    return await timed(sweep_read), len(found), await timed(dashboard), board


async def run(uri: str, sizes: list[int], budget: float) -> list[tuple]:
    client = AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)
    db = client["bench_sweep"]
    svc = Services(db=db, settings=load_settings(env={}))
    rng, counts, rows, filled, spent = random.Random(7), OpenCounts(), [], 0, 0.0
    try:
        due = [open_case(9_000_000 + i, NOW - timedelta(minutes=1 + i % 4), rng) for i in range(DUE)]
        await db[work.WORK].insert_many([doc for pair in due for doc in pair])
        for entry, _ in due:
            counts.add(contribution(entry), +1)
        for size in sizes:
            missing, rate = size - filled, (filled / spent if spent else None)
            if rate and spent + missing / rate > budget:
                rows.append((size, None, None, None, f"跳过：按已测写入速度（{rate:,.0f} 件/秒）需约 {missing / rate:,.0f} 秒，超出预算"))
                continue
            spent += await fill(db, counts, filled, missing, rng)
            filled = size
            sweep_s, found, board_s, board = await measure(svc)
            rows.append((size, sweep_s, found, board_s, f"open {board['open']:,}, overdue {board['overdue']:,}"))
            print(f"  {size:>9,} open cases filled ({spent:,.0f} s so far): sweep read {sweep_s * 1000:,.1f} ms, "
                  f"dashboard {board_s * 1000:,.1f} ms", flush=True)
    finally:
        await client.drop_database(db.name)
        await client.close()
    return rows


def table(rows: list[tuple]) -> None:
    print(f"\n{'open cases':>12} {'due':>5} {'sweep read':>12} {'dashboard':>12}  note")
    for size, sweep_s, found, board_s, note in rows:
        fmt = (lambda s: f"{s * 1000:,.1f} ms" if s is not None else "—")
        print(f"{size:>12,} {found if found is not None else '—':>5} {fmt(sweep_s):>12} {fmt(board_s):>12}  {note}")
    measured = [r for r in rows if r[1] is not None]
    if len(measured) >= 2:
        small, large = measured[0], measured[-1]
        print(f"\n{large[0] // small[0]}x the open cases -> sweep read x{large[1] / small[1]:.2f}, "
              f"dashboard x{large[3] / small[3]:.2f}   (target <= 1.5 each; same {DUE} due)")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=900.0, help="seconds allowed for filling")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with embedded_store() as uri:
        rows = await run(uri, sizes, args.budget)
    table(rows)
    print("\nTimers and open cases live in the work collection under _id prefixes; the sweep reads the _id range"
          "\nof the minutes since its cursor, and the dashboard reads the counts the sweep folds from the step"
          "\njournal: neither reads the open cases (docs/decisions/0005).")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
