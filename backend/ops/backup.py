"""``backup``: a consistent, compressed, checksummed copy of the store (or one tenant) in a directory.

Works on MongoDB and on the embedded FerretDB alike: it only lists collections and reads them with
plain ``find``. Collections are read in :func:`scope.ordered` order, so the step records
(``case_steps``, the authority of every case) are read last; a backup taken while the server runs
therefore restores into a store whose every case agrees with its steps (see ``restore``).
Uploaded materials (GridFS bucket ``materials``) are backed up as their two collections, and each
file is re-assembled from its chunks on the way and checked against the SHA-256 stored at upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from bson.raw_bson import RawBSONDocument

import backend
from backend.ops import backup_files, scope
from backend.store import schema

ProgressFn = Callable[[int, int], None]


class BackupRefused(Exception):
    """The backup cannot start (the target directory is not empty, …); the message is Chinese."""


@dataclass
class BackupResult:
    directory: Path
    manifest: dict

    @property
    def documents(self) -> int:
        return sum(entry["count"] for entry in self.manifest["collections"])


def _prepare(directory: Path) -> Path:
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupRefused(f"备份目录 {directory} 已存在且不为空：请指定一个新目录（不会覆盖已有备份）")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


async def _estimate(db, names: list[str]) -> int:
    total = 0
    for name in names:
        total += await db[name].estimated_document_count()
    return total


async def _copy(db, name: str, query: dict, writer, uploads: backup_files.UploadCheck, tick) -> None:
    raw = db[name].with_options(codec_options=db.codec_options.with_options(document_class=RawBSONDocument))
    async for doc in raw.find(query, batch_size=500):
        writer.write(doc.raw)
        if name == "materials.files":
            uploads.expect(doc)
        elif name == "materials.chunks":
            uploads.chunk(doc)
        tick()


async def take(db, directory: Path, *, tenant: str | None = None, store_kind: str = "",
               progress: ProgressFn | None = None, now: Callable[[], datetime] | None = None) -> BackupResult:
    """Copy every collection (or ``tenant``'s documents) into ``directory``; the manifest is written last."""
    now = now or (lambda: datetime.now(timezone.utc))
    directory = _prepare(directory)
    started = now()
    names = scope.ordered(await db.list_collection_names())
    total, done = await _estimate(db, names), 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress and done % 200 == 0:
            progress(done, max(total, done))

    uploads, entries = backup_files.UploadCheck(), []
    for name in names:
        writer = backup_files.CollectionWriter(directory, name)
        await _copy(db, name, scope.tenant_filter(name, tenant), writer, uploads, tick)
        entries.append(writer.close())
    if progress:
        progress(done, done)
    tenants = [tenant] if tenant else [d["_id"] async for d in db.tenants.find({}, {"_id": 1})]
    manifest = backup_files.write_manifest(directory, {
        "app_version": backend.__version__, "schema": await schema.stored_versions(db),
        "database": db.name, "store": store_kind, "tenant": tenant, "tenants": sorted(tenants),
        "started_at": started.isoformat(), "finished_at": now().isoformat(),
        "collections": entries, "uploads": uploads.summary()})
    return BackupResult(directory, manifest)


def summary_zh(result: BackupResult) -> str:
    """What a person reads after a backup."""
    m, up = result.manifest, result.manifest["uploads"]
    scope_text = f"县区 {m['tenant']}" if m["tenant"] else f"全部县区（{'、'.join(m['tenants']) or '无'}）"
    lines = [f"备份完成：{result.directory}",
             f"  范围：{scope_text}；集合 {len(m['collections'])} 个，记录 {result.documents} 条",
             f"  上传材料：{up['files']} 个文件，校验通过 {up['verified']} 个"]
    for problem in up["problems"]:
        lines.append(f"  警告：{problem}")
    if up["incomplete"]:
        lines.append(f"  警告：{len(up['incomplete'])} 个文件的分块不全（备份期间被删除的未使用材料）")
    return "\n".join(lines)
