"""``serve --processes N``: N worker processes answering on one port, kept alive by this one.

The supervising process opens the store first (starting the embedded FerretDB when no
``MONGODB_URI`` is set, so every worker attaches to the same one), creates the indexes and loads
the sample county once, binds the listening socket, then forks the workers. Each worker runs the
ordinary ``serve`` loop on the shared socket; the kernel spreads connections over them. Background
work runs in every worker under its leases, so exactly one worker does each job at a time. The
workers take case numbers from one counter in shared memory (backend/store/shared_sequences.py)
and see each other's snapshot writes through shared change stamps (backend/store/change_stamps.py).
A worker that dies is started again (its counters forgotten first); SIGTERM or Ctrl-C stops the
workers, then the store. Workers get SIGTERM if the supervisor dies (parent-death signal), so none
is left behind.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import time
from dataclasses import replace

from backend.commands.server import run_serving, serve, warn_development_keys

log = logging.getLogger("sunshine.serve")
RESTART_PAUSE_S = 1.0


async def _prepare(settings) -> None:
    from backend.ops.migrations import migrate_at_start
    from backend.services import seed
    from backend.services.context import Services
    from backend.store.connection import make_client
    from backend.store.indexes import ensure_indexes
    from backend.store.lease import default_holder

    client = make_client(settings.mongodb_uri, settings)
    try:
        db = client[settings.database]
        await ensure_indexes(db)
        svc = Services(db=db, settings=settings)
        await migrate_at_start(svc, default_holder())  # before the sample: an empty store is stamped current
        if settings.seed_sample and await seed.is_empty(svc):
            log.info("sample county loaded: %s", await seed.seed_sample(svc))
    finally:
        await client.close()


def _worker(settings, sockets, index: int, shared: dict) -> int:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: die with the supervisor
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    return run_serving(serve(settings, sockets=sockets, worker=index, **shared))


def run(settings, processes: int) -> int:
    """Supervise ``processes`` workers until SIGTERM/SIGINT."""
    import tornado.netutil

    from backend.store.embedded import EmbeddedStore
    from backend.store.change_stamps import ChangeStamps
    from backend.store.shared_sequences import SharedSequences

    embedded = None
    if not settings.mongodb_uri:
        embedded = EmbeddedStore(settings.data_dir, settings.ferretdb_bin)
        settings = replace(settings, mongodb_uri=embedded.open())
    try:
        asyncio.run(_prepare(settings))
        sockets = tornado.netutil.bind_sockets(settings.port, settings.host)
        print(f"阳光365 已启动：http://{settings.host}:{settings.port}/console/ （{processes} 个工作进程；"
              f"存储：{'内置 FerretDB' if embedded else 'MongoDB'}；Ctrl-C 停止）", flush=True)
        warn_development_keys(settings)
        shared = {"sequences": SharedSequences(), "stamps": ChangeStamps(), "embedded_store": embedded is not None}
        return _supervise(settings, sockets, processes, embedded, shared)
    finally:
        if embedded is not None:
            embedded.close()


def _supervise(settings, sockets, processes: int, embedded, shared: dict) -> int:
    stopping = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.append(True))
    workers = {_fork(settings, sockets, i, shared): i for i in range(processes)}
    while not stopping:
        time.sleep(0.2)
        if embedded is not None:
            embedded.restart_if_dead()
        for pid, index in list(workers.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done and not stopping:
                log.warning("worker %s (pid %s) exited with %s; starting it again", index, pid, status)
                del workers[pid]
                shared["sequences"].forget()  # numbers it took but never stored are looked up and handed out again
                time.sleep(RESTART_PAUSE_S)
                workers[_fork(settings, sockets, index, shared)] = index
    print("正在停止……", flush=True)
    return _stop(workers)


def _fork(settings, sockets, index: int, shared: dict) -> int:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = _worker(settings, sockets, index, shared)
        finally:
            os._exit(code)
    return pid


def _stop(workers: dict[int, int]) -> int:
    for pid in workers:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while workers and time.monotonic() < deadline:
        for pid in list(workers):
            if os.waitpid(pid, os.WNOHANG)[0]:
                del workers[pid]
        time.sleep(0.1)
    for pid in workers:
        _signal(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return 0


def _signal(pid: int, sig) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
