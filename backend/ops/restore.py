"""``restore``: load a checked backup into an empty store (or, with ``force``, into a store whose
tenants do not include the backup's), then repair, count and verify.

Nothing is written until the whole directory checks out (:func:`backup_files.check`) and the
target is found suitable. After loading: cases and tickets whose steps moved while the backup ran
are brought up to their steps (the same repair a read does after a crash), timer cursors lose
their old fencing tokens (leases are not restored, so the new store's first token is 1), every
collection's count is compared with the manifest and every restored tenant's trail is verified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pymongo.errors import BulkWriteError

from backend.ops import backup_files, scope
from backend.services import casework, trail_check
from backend.services.context import Services
from backend.store import schema, snapshots, timers

BATCH_DOCS, BATCH_BYTES = 500, 8 * 1024 * 1024
IGNORED_WHEN_EMPTY = scope.SKIPPED | {schema.VERSIONS}


class RestoreRefused(Exception):
    """The target store is not suitable; nothing was written. The message is Chinese."""


@dataclass
class RestoreReport:
    manifest: dict
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # collection -> (manifest, store)
    repaired: list[str] = field(default_factory=list)
    trails: list[dict] = field(default_factory=list)

    @property
    def mismatched(self) -> dict[str, tuple[int, int]]:
        return {name: pair for name, pair in self.counts.items() if pair[0] != pair[1]}

    @property
    def ok(self) -> bool:
        return not self.mismatched and all(t["ok"] for t in self.trails)


async def _holdings(db) -> dict[str, int]:
    held = {}
    for name in await db.list_collection_names():
        if name not in IGNORED_WHEN_EMPTY and not name.startswith("system."):
            count = await db[name].estimated_document_count()
            if count:
                held[name] = count
    return held


async def check_target(db, manifest: dict, force: bool) -> None:
    """Refuse a store that holds data, unless ``force`` and none of the backup's tenants is there."""
    held = await _holdings(db)
    if not held:
        return
    summary = "、".join(f"{name} {count} 条" for name, count in sorted(held.items())[:6])
    if not force:
        raise RestoreRefused(f"目标存储已有数据（{summary}……），未恢复任何数据。恢复只能写入空存储；"
                             "如要把一个县区的备份恢复到已有其他县区的存储，请用 --force（该县区在目标中必须为空）")
    if not manifest.get("tenant"):
        raise RestoreRefused("--force 只能用于按县区（--tenant）做的备份；整库备份只能恢复到空存储")
    present = [t for t in manifest["tenants"] if await _tenant_present(db, t)]
    if present:
        raise RestoreRefused(f"目标存储中已有县区 {'、'.join(present)} 的数据，即使 --force 也不会覆盖")
    stored = await schema.stored_versions(db)
    if stored and stored != manifest.get("schema", {}):
        raise RestoreRefused("备份与目标存储的数据格式版本不同：请先把两边升级到同一版本（migrate）再恢复")


async def _tenant_present(db, tenant: str) -> bool:
    for name in ("tenants", "staff", "cases", "case_steps", "work"):
        if await db[name].find_one(scope.tenant_filter(name, tenant), {"_id": 1}):
            return True
    return False


def _check_versions(manifest: dict) -> None:
    too_new = schema.newer_than_code(manifest.get("schema", {}))
    if too_new:
        raise RestoreRefused(f"备份来自较新版本的程序（{manifest.get('app_version')}），本程序不认识其数据格式："
                             f"{'、'.join(sorted(too_new))}。请用相同或更新版本的程序恢复")


@dataclass
class _Moved:
    """Per case number: the snapshot's version and the last seq its steps reach."""

    snapshots: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)

    def see(self, name: str, doc: dict) -> None:
        if name in ("cases", "hotline_tickets"):
            self.snapshots[(doc.get("tenant"), doc.get("number"))] = (name, doc.get("version", 0))
        elif name == "case_steps":
            last = doc["first_seq"] + len(snapshots.unpack(doc).get("events") or []) - 1
            key = (doc.get("tenant"), doc.get("number"))
            self.steps[key] = (doc.get("kind", "case"), max(last, self.steps.get(key, ("", 0))[1]))

    def behind(self) -> list[tuple[str, str, str]]:
        return sorted((kind, tenant, number) for (tenant, number), (kind, last) in self.steps.items()
                      if self.snapshots.get((tenant, number), ("", 0))[1] < last)


async def _load(db, directory: Path, entry: dict, moved: _Moved, tick) -> None:
    batch, size = [], 0
    for doc in backup_files.read_documents(directory, entry):
        moved.see(entry["name"], doc)
        batch.append(doc)
        size += len(doc.get("data", b"")) if entry["name"] == "materials.chunks" else 1024
        if len(batch) >= BATCH_DOCS or size >= BATCH_BYTES:
            await _insert(db, entry["name"], batch)
            tick(len(batch))
            batch, size = [], 0
    if batch:
        await _insert(db, entry["name"], batch)
        tick(len(batch))


async def _insert(db, name: str, docs: list[dict]) -> None:
    try:
        await db[name].insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        first = (exc.details.get("writeErrors") or [{}])[0]
        raise RestoreRefused(f"写入集合 {name} 时出错：{first.get('errmsg', exc)}（已写入的部分请清空存储后重新恢复）") from None


async def repair_moved(svc: Services, moved: _Moved) -> list[str]:
    """Bring snapshots (and what they derive) up to the steps that were read after them."""
    from hotline.services import tickets as hotline_tickets

    repaired = []
    for kind, tenant, number in moved.behind():
        if kind == "ticket":
            await hotline_tickets.load(svc, tenant, number)
        else:
            await casework.rederive(svc, tenant, number)
        repaired.append(number)
    return repaired


async def _count(db, name: str, tenant: str | None) -> int:
    return await db[name].count_documents(scope.tenant_filter(name, tenant))


async def restore(svc: Services, directory: Path, *, force: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> RestoreReport:
    """Check the backup and the target, load every collection, repair, count and verify."""
    directory = Path(directory)
    manifest = backup_files.check(directory)
    _check_versions(manifest)
    await check_target(svc.db, manifest, force)
    total, done, moved = sum(e["count"] for e in manifest["collections"]), 0, _Moved()

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, max(total, 1))

    entries = [e for e in manifest["collections"] if not (force and e["name"] == schema.VERSIONS)]
    if not force:  # an empty store's own version stamps give way to the backup's
        await svc.db[schema.VERSIONS].delete_many({})
    for entry in entries:
        await _load(svc.db, directory, entry, moved, tick)
    if not await schema.stored_versions(svc.db):  # a county's backup carries its versions in the manifest
        await schema.record(svc.db, manifest.get("schema", {}), svc.now(), "restore")
    report = RestoreReport(manifest)
    for entry in entries:
        report.counts[entry["name"]] = (entry["count"], await _count(svc.db, entry["name"], manifest["tenant"]))
    for tenant in manifest["tenants"]:
        await svc.db[timers.CURSORS].update_many({"tenant": tenant}, {"$set": {"token": 0}})
    report.repaired = await repair_moved(svc, moved)
    for tenant in manifest["tenants"]:
        report.trails.append(await trail_check.verify_tenant(svc, tenant))
    return report


def summary_zh(report: RestoreReport) -> str:
    m = report.manifest
    lines = [f"已从备份（{m['finished_at']}，程序版本 {m['app_version']}）恢复 {len(m['collections'])} 个集合、"
             f"{sum(c for c, _ in report.counts.values())} 条记录；上传材料 {m['uploads']['files']} 个。"]
    if report.repaired:
        lines.append(f"备份期间有变动的办件已按办件记录补齐：{'、'.join(report.repaired)}")
    for name, (expected, found) in sorted(report.mismatched.items()):
        lines.append(f"数量不符：集合 {name} 备份中 {expected} 条，恢复后 {found} 条")
    if not report.mismatched:
        lines.append("各集合记录数与备份清单一致。")
    lines += [trail_check.report_zh(result) for result in report.trails]
    return "\n".join(lines)
