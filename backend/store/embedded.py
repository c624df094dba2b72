"""The embedded store: FerretDB v1 on SQLite, run as a child process of whoever needs it first.

One data directory has at most one FerretDB. The process that starts it (the owner) holds an
exclusive ``flock`` on ``store.lock`` for as long as FerretDB runs; the kernel drops the lock when
the owner dies, so a stale lock never blocks the next start. Other processes (``python -m backend
COMMAND`` while the server runs) find the owner's FerretDB through ``store.json`` and attach to it.
The child gets SIGTERM if its owner dies (PR_SET_PDEATHSIG), so nothing is left running.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("sunshine.store")

READY_TIMEOUT_S = 30.0


class EmbeddedStoreError(RuntimeError):
    """The embedded store cannot start; the message says what to install or set."""


def _missing_binary_message(binary: Path) -> str:
    if shutil.which("go"):
        hint = "运行 ./scripts/run 或 ./scripts/setup 构建它 / run ./scripts/setup to build it"
    else:
        hint = (
            "请安装 Go 1.22 或更高版本后运行 ./scripts/setup，或设置 MONGODB_URI 连接现有 MongoDB / "
            "install Go (1.22+) and run ./scripts/setup, or set MONGODB_URI to an existing MongoDB"
        )
    return f"未找到 FerretDB 可执行文件 / FerretDB binary not found at {binary}: {hint}"


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: ask for SIGTERM when the parent dies; leave the terminal's group."""
    os.setsid()
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _ping(uri: str, timeout_ms: int = 500) -> bool:
    from pymongo import MongoClient  # sync client: used only for readiness probes outside the event loop

    client = MongoClient(uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)
    try:
        client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        client.close()


@dataclass
class EmbeddedStore:
    """FerretDB for one data directory: ``open()`` starts or attaches, ``close()`` stops what it started."""

    data_dir: Path
    binary: Path
    uri: str = ""
    owned: bool = False
    _process: subprocess.Popen | None = None
    _lock_fd: int | None = None
    _port: int = 0

    @property
    def state_file(self) -> Path:
        return self.data_dir / "store.json"

    def open(self) -> str:
        """Return a MongoDB URI for this data directory's FerretDB, starting it if none runs."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if self._try_lock():
                self._start()
                return self.uri
            uri = self._running_uri()
            if uri:
                self.uri, self.owned = uri, False
                return uri
            if time.monotonic() > deadline:
                raise EmbeddedStoreError(f"另一个进程持有 {self.data_dir} 的存储但未就绪 / store owner not ready")
            time.sleep(0.2)

    def _try_lock(self) -> bool:
        fd = os.open(self.data_dir / "store.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def _running_uri(self) -> str:
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return ""
        uri = state.get("uri", "")
        return uri if uri and _ping(uri) else ""

    def _start(self) -> None:
        if not self.binary.exists():
            self._release_lock()
            raise EmbeddedStoreError(_missing_binary_message(self.binary))
        self.state_file.unlink(missing_ok=True)
        self._port = _free_loopback_port()
        self.uri = f"mongodb://127.0.0.1:{self._port}/"
        self._spawn()
        self.owned = True
        self.state_file.write_text(json.dumps({"uri": self.uri, "pid": self._process.pid, "owner": os.getpid()}))

    def _spawn(self) -> None:
        sqlite_dir = self.data_dir / "ferretdb"
        sqlite_dir.mkdir(exist_ok=True)
        args = [
            str(self.binary),
            "--handler=sqlite",
            f"--sqlite-url=file:{sqlite_dir}/",
            f"--state-dir={self.data_dir}",
            f"--listen-addr=127.0.0.1:{self._port}",
            "--debug-addr=-",
            "--telemetry=disable",
            "--log-level=WARN",
        ]
        logfile = open(self.data_dir / "ferretdb.log", "ab")
        env = {"PATH": os.environ.get("PATH", ""), "FERRETDB_TELEMETRY": "disable", "DO_NOT_TRACK": "1"}
        self._process = subprocess.Popen(
            args, stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent, env=env,
        )
        logfile.close()
        self._await_ready()
        log.info("embedded FerretDB ready at %s (data in %s)", self.uri, self.data_dir)

    def _await_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = (self.data_dir / "ferretdb.log").read_text(errors="replace")[-2000:]
                self.close()
                raise EmbeddedStoreError(f"FerretDB 启动失败 / FerretDB exited early:\n{tail}")
            if _ping(self.uri, 300):
                return
            time.sleep(0.1)
        self.close()
        raise EmbeddedStoreError("FerretDB 在 30 秒内未就绪 / FerretDB not ready within 30 s")

    def restart_if_dead(self) -> bool:
        """Watchdog step for the owner: restart FerretDB on the same port if it exited. True if restarted."""
        if not self.owned or self._process is None or self._process.poll() is None:
            return False
        log.warning("embedded FerretDB exited with %s; restarting", self._process.returncode)
        self._spawn()
        return True

    def close(self) -> None:
        """Stop FerretDB if this process started it; release the lock. Safe to call twice."""
        proc, self._process = self._process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.owned:
            self.state_file.unlink(missing_ok=True)
            self.owned = False
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
