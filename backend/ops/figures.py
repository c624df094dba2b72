"""The store-derived metrics: the dashboard's live counts (``services.journal``: the folded state plus
the entries not yet folded), working sets counted by ``_id`` prefix, lags read by ``_id``."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

from backend import metrics
from backend.services import journal, notifications, notify_worker
from backend.store import timers, work

QUEUES = {"tasks": "task", "intake": "intake", "notifications": notifications.OUTBOX}
REFRESH_S = 60.0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def fill_gauges(svc) -> None:
    """Set every store-derived gauge from the working sets (called at most once a minute)."""
    now = svc.now()
    tenants = [d["_id"] async for d in svc.db.tenants.find({}, {"_id": 1})]
    for tenant in tenants:
        await _tenant_gauges(svc, tenant, now)
    await _notification_lag(svc, tenants, now)
    await _backup_age(svc, now)
    metrics.FIGURES_AT.set(now.timestamp())


async def _tenant_gauges(svc, tenant: str, now: datetime) -> None:
    county = (await journal.read(svc, tenant)).counts.county.figures(now)  # the dashboard's own figures
    metrics.OPEN_CASES.labels(tenant).set(county["open"])
    metrics.OVERDUE_CASES.labels(tenant).set(county["overdue"])
    metrics.DUE_SOON_CASES.labels(tenant).set(county["due_soon"])
    for queue, kind in QUEUES.items():
        found = await work.read_prefix(svc.db, work.key(tenant, kind, ""), {"_id": 1})
        metrics.QUEUE_LENGTH.labels(tenant, queue).set(len(found))
    hotline = await svc.db.hotline_open.count_documents({"_id": work.prefix_range(f"{tenant}:")})
    metrics.QUEUE_LENGTH.labels(tenant, "hotline").set(hotline)
    cursor = await timers.read_cursor(svc.db, tenant)
    if cursor is not None:
        metrics.SWEEP_LAG.labels(tenant).set(max((now - _aware(cursor)).total_seconds(), 0))


async def _notification_lag(svc, tenants: list[str], now: datetime) -> None:
    waiting = [at for tenant in tenants if (at := await notify_worker.oldest_due(svc, tenant, now))]
    lag = (now - min(waiting)).total_seconds() if waiting else 0.0
    metrics.NOTIFY_LAG.set(max(lag, 0.0))


async def _backup_age(svc, now: datetime) -> None:
    from backend.ops import scheduled_backup

    last = await scheduled_backup.last_success(svc.db)
    if last is None:
        metrics.BACKUP_LAST.set(0)
        metrics.BACKUP_AGE.set(-1)
        return
    finished = _aware(last["finished_at"])
    metrics.BACKUP_LAST.set(finished.timestamp())
    metrics.BACKUP_AGE.set(max((now - finished).total_seconds(), 0))


class StoreFigures:
    """The gauges read from the store, refreshed at most every ``REFRESH_S`` seconds."""

    def __init__(self) -> None:
        self.at = 0.0
        self._lock = asyncio.Lock()

    async def refresh(self, svc, force: bool = False) -> None:
        async with self._lock:
            if not force and time.monotonic() - self.at < REFRESH_S:
                return
            await fill_gauges(svc)
            self.at = time.monotonic()


figures_cache = StoreFigures()
