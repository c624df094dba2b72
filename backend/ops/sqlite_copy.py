"""A file-level copy of the embedded store taken while it runs (SQLite online backup).

FerretDB on SQLite keeps each database in one file, ``{SUNSHINE_DATA_DIR}/ferretdb/{db}.sqlite``.
SQLite's online backup API (``sqlite3.Connection.backup``) copies a database page by page under a
read transaction, so the copy is one consistent moment of that file even while FerretDB writes
(it restarts when a writer intervenes, and finishes in one step here). The copies, with their
SHA-256, go to ``DIR/ferretdb/``; restoring them is: stop the server, put the files in place of
the data directory's ``ferretdb/`` folder, start the server (docs/deployment.md).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from backend.ops.backup_files import file_sha256


class SqliteCopyError(Exception):
    """The copy cannot be taken; the message is Chinese."""


def _sources(data_dir: Path) -> list[Path]:
    folder = Path(data_dir) / "ferretdb"
    return sorted(folder.glob("*.sqlite")) if folder.is_dir() else []


def copy_online(data_dir: Path, target: Path) -> dict:
    """Copy every SQLite database of the embedded store into ``target/ferretdb``; a manifest of the files."""
    sources = _sources(data_dir)
    if not sources:
        raise SqliteCopyError(f"{Path(data_dir) / 'ferretdb'} 中没有 SQLite 数据文件：这不是内置存储的数据目录"
                              "（使用 MongoDB 时请用 backup DIR 或 mongodump）")
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise SqliteCopyError(f"备份目录 {target} 已存在且不为空：请指定一个新目录")
    (target / "ferretdb").mkdir(parents=True, exist_ok=True)
    files = []
    for source in sources:
        destination = target / "ferretdb" / source.name
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as src, \
                sqlite3.connect(destination) as dst:
            src.backup(dst)
        dst.close()
        src.close()
        files.append({"file": f"ferretdb/{source.name}", "bytes": destination.stat().st_size,
                      "sha256": file_sha256(destination)})
    manifest = {"format": "sunshine365-sqlite-copy/1", "taken_at": datetime.now(timezone.utc).isoformat(),
                "source": str(Path(data_dir).resolve()), "files": files}
    (target / "sqlite-manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def summary_zh(manifest: dict) -> str:
    lines = [f"已在线复制内置存储的 {len(manifest['files'])} 个 SQLite 文件："]
    lines += [f"  {f['file']}  {f['bytes']} 字节  sha256 {f['sha256'][:16]}…" for f in manifest["files"]]
    return "\n".join(lines)
