"""What the benchmarks share: a throwaway embedded store, real server processes, and closed-loop load.

Load is generated here with plain keep-alive HTTP/1.1 over asyncio streams (no client library in
the way), each simulated client sending its next request when the previous answer arrived, and
the same kind of loop drives the raw store operations the API is compared with, from this same
process, so both sides pay the same client costs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.config import load_settings  # noqa: E402
from backend.store.embedded import EmbeddedStore  # noqa: E402

# Keys for personal data in the bench store (throwaway, like the store itself)
BENCH_KEYS = {"SUNSHINE_DATA_KEYS": "bench=" + base64.b64encode(hashlib.sha256(b"sunshine365 bench data").digest()).decode(),
              "SUNSHINE_LOOKUP_KEY": base64.b64encode(hashlib.sha256(b"sunshine365 bench lookup").digest()).decode()}


@contextlib.contextmanager
def embedded_store():
    """A FerretDB of our build in a temporary folder; yields its URI."""
    settings = load_settings(env={})
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        store = EmbeddedStore(Path(folder), settings.ferretdb_bin)
        try:
            yield store.open()
        finally:
            store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m backend serve`` on the bench store, the way production runs it."""

    def __init__(self, uri: str, database: str, processes: int = 1, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {k: v for k, v in os.environ.items() if not k.startswith(("SUNSHINE_", "MONGODB_"))}
        full.update({**BENCH_KEYS, "MONGODB_URI": uri, "SUNSHINE_DB": database, "SUNSHINE_PORT": str(self.port),
                     "SUNSHINE_LOG_LEVEL": "WARNING", **{k: str(v) for k, v in env.items()}})
        self.log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)
        args = [sys.executable, "-m", "backend", "serve"] + (["--processes", str(processes)] if processes > 1 else [])
        self.proc = subprocess.Popen(args, cwd=ROOT, env=full, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 120.0) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + Path(self.log.name).read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        os.unlink(self.log.name)

    def __enter__(self):
        self.wait_ready()
        return self

    def __exit__(self, *exc):
        self.stop()


class Connection:
    """One keep-alive HTTP/1.1 connection; JSON in, status and JSON out."""

    def __init__(self, port: int, token: str = ""):
        self.port, self.token = port, token
        self.reader = self.writer = None

    async def open(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def request(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, object]:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(data)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        if self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        payload = await self.reader.readexactly(length) if length else b""
        return status, json.loads(payload) if payload else None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def login(port: int, username: str, password: str = "sunshine365", tenant: str = "ziyang") -> str:
    connection = await Connection(port).open()
    status, answer = await connection.request("POST", "/api/v1/auth/login",
                                              {"username": username, "password": password, "tenant": tenant})
    await connection.close()
    if status != 200:
        raise RuntimeError(f"login {username}: {status} {answer}")
    return answer["token"]


@dataclass
class Result:
    done: int
    failed: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @classmethod
    def merged(cls, parts: list["Result"]) -> "Result":
        """One result from several measured slices (their counts, seconds and latencies together)."""
        return cls(sum(p.done for p in parts), sum(p.failed for p in parts), sum(p.seconds for p in parts),
                   [x for p in parts for x in p.latencies])

    def line(self, label: str) -> str:
        return (f"{label:<44} {self.rate:>9,.1f}/s  p50 {self.percentile(50) * 1000:>8,.1f} ms  "
                f"p99 {self.percentile(99) * 1000:>8,.1f} ms  ({self.done:,} ok, {self.failed} failed)")


async def closed_loop(clients: int, seconds: float, make_worker: Callable[[int], Awaitable[Callable]],
                      warmup: float = 1.0) -> Result:
    """``clients`` loops, each awaiting ``one()`` (True when it succeeded) again and again for ``seconds``.

    ``make_worker(i)`` prepares client i (a connection, a token) and returns its ``one``. The first
    ``warmup`` seconds are not counted.
    """
    workers = [await make_worker(i) for i in range(clients)]
    latencies: list[float] = []
    counts = {"done": 0, "failed": 0}
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    async def loop(one) -> None:
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                return
            ok = await one()
            ended = time.perf_counter()
            if began >= measure_from:
                counts["done" if ok else "failed"] += 1
                if ok:
                    latencies.append(ended - began)

    await asyncio.gather(*(loop(w) for w in workers))
    return Result(counts["done"], counts["failed"], seconds, latencies)


def ratio(part: float, whole: float) -> str:
    return f"{part / whole:.3f}" if whole else "—"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
