"""What a case snapshot's layout costs the embedded store: packed (decision 0011) against field by field.

Writes the same finished-case snapshots (``bench/history.py`` makes them, events and all) into three
collections of one fresh embedded FerretDB: as every field, packed as plain BSON, and packed
compressed (what the server writes), then reads each back by ``_id`` from 20 clients. Prints the
store's CPU time per insert and per read of each layout (read from /proc for the FerretDB process),
the stored size, and the ratios to field by field and to plain packing, all in this run.

    .venv/bin/python bench/bench_snapshot_layout.py [--count 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bson  # noqa: E402
from harness import embedded_store, ratio  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402

import history  # noqa: E402
from backend.store import snapshots  # noqa: E402

CLIENTS = 20


def store_cpu_seconds(port: int) -> float:
    """User + system CPU of the FerretDB process listening on ``port`` (this run's store)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ferretdb" in command and f"127.0.0.1:{port}".encode() in command:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    raise RuntimeError("the embedded FerretDB process was not found")


async def spread(work, items) -> None:
    gate = asyncio.Semaphore(CLIENTS)

    async def one(item):
        async with gate:
            await work(item)
    await asyncio.gather(*(one(i) for i in items))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="snapshots written and read per layout")
    args = parser.parse_args()
    docs = [history._one(date(2026, 6, 1), seq)["cases"][0] for seq in range(1, args.count + 1)]  # packed
    whole = [snapshots.unpack(d) for d in docs]
    plain_packed = [{**{k: d[k] for k in snapshots.KEPT if k in d},
                     snapshots.PACKED: bson.Binary(bson.encode({k: v for k, v in d.items() if k not in snapshots.KEPT}))}
                    for d in whole]  # decision 0011 as first shipped
    layouts = {"field by field": whole, "packed": plain_packed, "packed, zlib": docs}
    with embedded_store() as uri:
        port = int(uri.rsplit(":", 1)[1].split("/")[0])
        client = AsyncMongoClient(uri, maxPoolSize=CLIENTS + 5)
        figures = {}
        for name, written in layouts.items():
            collection = client["bench_layout"][name.replace(" ", "_")]
            before = store_cpu_seconds(port)
            await spread(collection.insert_one, [dict(d) for d in written])
            inserted = store_cpu_seconds(port)
            await spread(lambda d: collection.find_one({"_id": d["_id"]}), written)
            read = store_cpu_seconds(port)
            figures[name] = ((inserted - before) / len(written) * 1000, (read - inserted) / len(written) * 1000)
            size = sum(len(bson.encode(d)) for d in written) / len(written)
            print(f"{name:<16} store CPU per insert {figures[name][0]:6.2f} ms, per read by _id {figures[name][1]:6.2f} ms"
                  f"  ({size:,.0f} bytes of BSON)", flush=True)
        await client.close()
    plain, packed, zipped = figures["field by field"], figures["packed"], figures["packed, zlib"]
    print(f"packed / field by field: insert {ratio(packed[0], plain[0])}, read {ratio(packed[1], plain[1])}")
    print(f"packed, zlib / field by field: insert {ratio(zipped[0], plain[0])}, read {ratio(zipped[1], plain[1])}")
    print(f"packed, zlib / packed: insert {ratio(zipped[0], packed[0])}, read {ratio(zipped[1], packed[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
