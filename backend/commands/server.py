"""The server process: the Tornado application on the store, its background tasks, the embedded
FerretDB watched alongside. ``serve`` runs one of these; ``serve --processes N`` (``prefork``) forks
N of them on one socket.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from backend.ops.scheduled_backup import backup_task
from backend.services.fee_checks import fee_task
from backend.services.notify_worker import notification_task
from backend.services.reports import report_task
from backend.services.satisfaction_results import satisfaction_task
from backend.services.supervision_sweep import sweep_task
from hotline.services.nightly import nightly_task as hotline_nightly_task

log = logging.getLogger("sunshine.serve")

# Feature modules append ``async def task(services, stop_event)`` here: sweeps, retries, reports.
BACKGROUND_TASKS: list = [notification_task, sweep_task, hotline_nightly_task, report_task, backup_task, fee_task,
                          satisfaction_task]


async def _prepare_store(app) -> None:
    """Create indexes, seed the sample county and warm each county's caches; retried until the
    store answers. ``/readyz`` answers 200 only when this is done."""
    from pymongo.errors import PyMongoError

    from backend.ops.migrations import migrate_at_start
    from backend.services import seed
    from backend.store.indexes import ensure_indexes
    from backend.store.lease import default_holder

    svc, readiness = app.settings["services"], app.settings["readiness"]
    while True:
        try:
            readiness["warming"] = "indexes"
            await ensure_indexes(svc.db)
            readiness["warming"] = "migrations"
            await migrate_at_start(svc, default_holder())
            if svc.settings.seed_sample and await seed.is_empty(svc):
                readiness["warming"] = "sample"
                counts = await seed.seed_sample(svc)
                log.info("sample county loaded: %s", counts)
            readiness["warming"] = "caches"
            await warm_up(svc)
            settle_heap()
            readiness["warming"] = ""
            return
        except PyMongoError as exc:
            log.warning("store not ready (%s); retrying in 2 s", exc)
            await asyncio.sleep(2)


# Objects allocated (net) between young-generation collections. Python's default of 700 ran a
# collection every few requests under load (about 3% of the server's CPU during an intake burst,
# counted with gc.callbacks); a request's garbage is freed by reference counting, and what cycles
# remain wait a little longer.
YOUNG_THRESHOLD = 20_000


def settle_heap() -> None:
    """Move what start-up built (catalogue, classifier, dictionaries: about 300,000 objects) out of
    the collector's reach. A full collection walked them all and stalled every request for about
    100 ms, a few times a minute under load: the worst lookups of a load test were those stalls."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])


async def warm_up(svc) -> None:
    """Build what the first request of each county would otherwise wait for."""
    from backend.services import catalog, passwords
    from hotline.services import knowledge, routing

    await passwords.dummy_hash()  # the first sign-in of an unknown account must not pay for making it
    for tenant in [d["_id"] async for d in svc.db.tenants.find({}, {"_id": 1})]:
        await catalog.snapshot(svc, tenant)
        await routing.model_for(svc, tenant)
        await knowledge.index_for(svc, tenant)


async def serve(settings, sockets=None, worker: int | None = None, sequences=None, stamps=None,
                embedded_store: bool | None = None) -> int:
    """Serve until SIGTERM/SIGINT; ``sockets``, ``worker``, the workers' shared ``sequences`` and
    change ``stamps``, and whether the supervisor runs the embedded store, when started by
    ``serve --processes``."""
    import tornado.httpserver

    from backend.app import make_app
    from backend.store.connection import open_store

    from backend.services import progress_cache, sessions
    from backend.store.change_stamps import ChangeStamps

    store = open_store(settings)
    app = make_app(settings, store, **({"sequences": sequences} if sequences is not None else {}))
    embedded_store = store.embedded is not None if embedded_store is None else embedded_store
    stamps = stamps or ChangeStamps()
    progress_cache.install(app.settings["services"].extras, stamps, settings.progress_cache_ttl(embedded_store))
    sessions.install(app.settings["services"].extras, stamps, settings.session_cache_ttl(embedded_store))
    app.settings["readiness"]["warming"] = "store"  # until _prepare_store has run
    limit = max(settings.max_body_bytes, settings.max_upload_bytes) + 1024 * 1024
    # no xheaders: X-Real-IP and X-Forwarded-Proto are believed only from SUNSHINE_TRUSTED_PROXIES (client_address)
    server = tornado.httpserver.HTTPServer(app, max_body_size=limit)
    if sockets is not None:
        server.add_sockets(sockets)
    else:
        server.listen(settings.port, settings.host)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(_prepare_store(app))]
    if store.embedded is not None:
        tasks.append(asyncio.create_task(_watch_embedded(store.embedded, stop)))
    if settings.background:
        tasks += [asyncio.create_task(task(app.settings["services"], stop)) for task in BACKGROUND_TASKS]
    where = "内置 FerretDB" if store.embedded else "MongoDB"
    if worker is None:
        print(f"阳光365 已启动：http://{settings.host}:{settings.port}/console/ （存储：{where}；Ctrl-C 停止）", flush=True)
        warn_development_keys(settings)
    try:
        await stop.wait()
    finally:
        if worker is None:
            print("正在停止……", flush=True)
        server.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.close_all_connections()
        await store.close()
    return 0


def warn_development_keys(settings) -> None:
    from backend import keyring

    if keyring.development_in_use(settings):
        print("！！！个人信息使用开发密钥加密（" + str(settings.data_dir / keyring.DEV_FILE) + "），仅供开发演示，"
              "生产环境请设置 SUNSHINE_DATA_KEYS 和 SUNSHINE_LOOKUP_KEY ！！！", flush=True)


async def _watch_embedded(embedded, stop: asyncio.Event) -> None:
    """Restart the embedded FerretDB if it dies, so the server recovers without a restart."""
    while not stop.is_set():
        await asyncio.sleep(2)
        try:
            await asyncio.to_thread(embedded.restart_if_dead)
        except Exception:  # a failed restart is retried on the next tick
            log.exception("embedded FerretDB restart failed")


def run_serving(coroutine) -> int:
    """Run a serving coroutine to its end on uvloop's event loop (libuv), which spends about a tenth
    less CPU per request than the standard loop with Tornado and PyMongo (docs/decisions/0011)."""
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)
