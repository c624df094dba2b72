"""Migrations (数据升级): bring a stored shape up to the one this code reads.

Run by ``python -m backend migrate`` and by ``serve`` at start, under the lease ``schema-migrate``,
so one process at a time migrates. Each migration is idempotent (whole-document upserts, deletes
by ``_id``, drops) and records its progress in ``schema_runs``, so a run cut off by a crash
resumes where it stopped and repeats at most a few idempotent writes; nothing is applied twice in
effect. When a migration completes, the collections' versions and the migration itself are
recorded in ``schema_versions`` (see ``backend.store.schema``) and its progress marks are removed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Awaitable, Callable

from backend.ops import (migration_0001, migration_0002, migration_0003, migration_0004, migration_0005, migration_0006,
                         migration_0007, migration_0008, migration_0009)
from backend.services.context import Services
from backend.store import lease as leases
from backend.store import schema

log = logging.getLogger("sunshine.migrate")

LEASE = "schema-migrate"
LEASE_TTL_S = 300.0
RUNS = "schema_runs"


class MigrationError(Exception):
    """Migration cannot proceed (the store is newer than the code, another process holds the lease)."""


class MigrationBusy(MigrationError):
    """Another process holds the lease and is migrating."""


@dataclass(frozen=True)
class Migration:
    ident: str
    summary: str
    raises: dict[str, int]
    run: Callable[[Services, "Progress"], Awaitable[None]]


MIGRATIONS: list[Migration] = [
    Migration("0001-working-sets-into-work", "把工作集（队列、在办件、定时器、存证日志）迁入 work 集合（决定 0005）",
              {"work": 2}, migration_0001.run),
    Migration("0002-open-cards-into-work", "把未关闭的预警卡同时放入 work 工作集（“我的预警卡”不再读取全部历史）",
              {"work": 3}, migration_0002.run),
    Migration(migration_0003.IDENT, "身份证号和手机号加密存入个人信息库，其余位置改存引用；记录链换链并由存证点确认（决定 0007）",
              migration_0003.RAISES, migration_0003.run),
    Migration(migration_0004.IDENT, "办件快照改为打包存储（保留少数查询字段，其余合为一个值）：存储读取一份快照的开销约为原来的四分之一，写入约为一半（决定 0011）",
              migration_0004.RAISES, migration_0004.run),
    Migration(migration_0005.IDENT, "办结汇总另按办结日期存放：月报、日报、趋势、省级视图和满意度抽样按日期区间直接读取，不再扫描全部历史办结记录",
              migration_0005.RAISES, migration_0005.run),
    Migration(migration_0006.IDENT, "评价和预警卡另按日期存放：日报、月报和省级视图按日期直接读取，不再扫描全部历史评价和预警卡",
              migration_0006.RAISES, migration_0006.run),
    Migration(migration_0007.IDENT, "待发送的通知按到期时间登记：发送程序只读取已到期的通知，不再扫描全部待发通知",
              migration_0007.RAISES, migration_0007.run),
    Migration(migration_0008.IDENT, "短信评价链接与办件索引存放在一起：每一步的派生写入少一次存储命令",
              migration_0008.RAISES, migration_0008.run),
    Migration(migration_0009.IDENT, "待发送的通知与其他工作集存放在一起：每一步的派生写入再少一次存储命令",
              migration_0009.RAISES, migration_0009.run),
]


@dataclass
class Progress:
    """Resumable progress of one migration: marks in ``schema_runs`` and a lease kept alive."""

    svc: Services
    ident: str
    lease: leases.Lease
    after_item: Callable[[str], Awaitable[None]] | None = None  # tests: raise here to simulate a crash
    items: int = 0
    _renewed: datetime | None = field(default=None)

    def _id(self, key: str) -> str:
        return f"{self.ident}:{key}"

    async def position(self, key: str) -> str:
        doc = await self.svc.db[RUNS].find_one({"_id": self._id(key)})
        return (doc or {}).get("after", "")

    async def save(self, key: str, after: str) -> None:
        """Remember that everything up to ``after`` under ``key`` is done (only the lease holder writes)."""
        await self.svc.db[RUNS].replace_one({"_id": self._id(key)}, {"ident": self.ident, "after": after,
                                                                    "at": self.svc.now()}, upsert=True)

    async def item_done(self, key: str, item: str, every: int = 20) -> None:
        self.items += 1
        if self.items % every == 0:
            await self.save(key, item)
            await self.keep_lease()
        if self.after_item is not None:
            await self.after_item(item)

    async def keep_lease(self) -> None:
        renewed = await leases.renew(self.svc.db, self.lease, LEASE_TTL_S, self.svc.now())
        if renewed is None:
            raise MigrationError("升级租约已失效（另一个进程接手了升级）；本进程停止，请稍后再运行 migrate")
        self.lease = renewed

    async def clear(self) -> None:
        await self.svc.db[RUNS].delete_many({"_id": {"$gte": f"{self.ident}:", "$lt": f"{self.ident};"}})


async def pending(svc: Services) -> list[Migration]:
    """The migrations this store still needs: those whose collection versions it has not reached.

    The versions decide, not the ledger alone, so a store restored from a county's backup (which
    carries the versions in its manifest, not the ledger) is not migrated again.
    """
    applied, stored = await schema.applied_migrations(svc.db), await schema.stored_versions(svc.db)
    return [m for m in MIGRATIONS if m.ident not in applied
            and any(stored.get(name, 1) < version for name, version in m.raises.items())]


async def stamp_if_empty(svc: Services) -> bool:
    """Record the current versions in a store that holds nothing yet (True when it did)."""
    if await schema.stored_versions(svc.db) or await svc.db.tenants.find_one({}):
        return False
    now = svc.now()
    await schema.record(svc.db, schema.CURRENT, now, "new store")
    for migration in MIGRATIONS:
        await svc.db[schema.VERSIONS].replace_one({"_id": schema.migration_id(migration.ident)},
                                                  {"applied_at": now, "summary": migration.summary, "by": "new store"},
                                                  upsert=True)
    return True


async def migrate(svc: Services, holder: str, *, after_item=None, report=print) -> list[str]:
    """Apply every pending migration under the lease; the ids applied. Safe to run again at any time."""
    too_new = schema.newer_than_code(await schema.stored_versions(svc.db))
    if too_new:
        listed = "、".join(f"{k}（版本 {v}）" for k, v in sorted(too_new.items()))
        raise MigrationError(f"存储中的数据格式比本程序新：{listed}。请安装较新版本的程序，不要用旧版本打开它")
    held = await leases.acquire(svc.db, LEASE, holder, LEASE_TTL_S, svc.now())
    if held is None:
        raise MigrationBusy("另一个进程正在升级数据（租约 schema-migrate 被占用）；请稍后再试")
    try:
        if await stamp_if_empty(svc):
            return []
        done = []
        for migration in await pending(svc):
            report(f"升级 {migration.ident}：{migration.summary}")
            progress = Progress(svc, migration.ident, held, after_item)
            await migration.run(svc, progress)
            await _finish(svc, migration)
            await progress.clear()
            held = progress.lease
            done.append(migration.ident)
        return done
    finally:
        await leases.release(svc.db, held)


async def _finish(svc: Services, migration: Migration) -> None:
    now = svc.now()
    await schema.record(svc.db, migration.raises, now, migration.ident)
    await svc.db[schema.VERSIONS].replace_one({"_id": schema.migration_id(migration.ident)},
                                              {"applied_at": now, "summary": migration.summary}, upsert=True)
    log.info("migration %s applied", migration.ident)


async def migrate_at_start(svc: Services, holder: str, retry_s: float = 2.0) -> None:
    """For ``serve``: apply pending migrations, or wait while another process applies them.

    A store newer than this code is never served: the error is logged and this waits forever, so
    ``/readyz`` stays 503 and the load balancer sends nobody here.
    """
    while True:
        try:
            done = await migrate(svc, holder, report=log.info)
            if done:
                log.info("store migrated: %s", ", ".join(done))
            return
        except MigrationError as exc:
            if not await pending(svc) and not schema.newer_than_code(await schema.stored_versions(svc.db)):
                return  # another process finished them meanwhile
            (log.info if isinstance(exc, MigrationBusy) else log.error)("%s", exc)
        await asyncio.sleep(retry_s)
