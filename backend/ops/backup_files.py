"""The backup directory (备份目录): one compressed BSON file per collection and a manifest written last.

Layout of ``DIR``::

    manifest.json                   format, app and schema versions, scope, times, and per file:
                                    collection, document count, size and SHA-256
    collections/{name}.bson.gz      the collection's documents as concatenated BSON, gzip-compressed

The manifest is written only after every file is complete and carries a SHA-256 of its own content
(``manifest_sha256``), so a backup cut off halfway has no manifest and an edited one is noticed.
:func:`check` reads nothing from the store: it names every missing, altered or unexpected file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import bson

FORMAT = "sunshine365-backup/1"
MANIFEST = "manifest.json"
FOLDER = "collections"
_READ_BYTES = 1024 * 1024


class BackupDamaged(Exception):
    """The backup cannot be restored; ``problems`` names each file and what is wrong with it (Chinese)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("备份不完整或已损坏，未恢复任何数据：\n" + "\n".join(f"  - {p}" for p in problems))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_READ_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _self_hash(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class CollectionWriter:
    """Writes one collection's documents to ``collections/{name}.bson.gz.partial``, renamed when closed."""

    directory: Path
    name: str
    count: int = 0

    def __post_init__(self) -> None:
        self.path = self.directory / FOLDER / f"{self.name}.bson.gz"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._partial = self.path.with_name(self.path.name + ".partial")
        self._stream = gzip.open(self._partial, "wb", compresslevel=6)

    def write(self, raw: bytes) -> None:
        """One document as BSON bytes."""
        self._stream.write(raw)
        self.count += 1

    def close(self) -> dict:
        """Finish the file; its manifest entry."""
        self._stream.close()
        with open(self._partial, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(self._partial, self.path)
        return {"name": self.name, "file": f"{FOLDER}/{self.path.name}", "count": self.count,
                "bytes": self.path.stat().st_size, "sha256": file_sha256(self.path)}


def write_manifest(directory: Path, manifest: dict) -> dict:
    """Write the manifest atomically (the backup is complete from this moment)."""
    manifest = {"format": FORMAT, **manifest}
    manifest["manifest_sha256"] = _self_hash(manifest)
    partial = directory / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    with open(partial, "rb") as stream:
        os.fsync(stream.fileno())
    os.replace(partial, directory / MANIFEST)
    return manifest


def read_manifest(directory: Path) -> dict:
    """The manifest, checked against its own hash; BackupDamaged when missing, unreadable or edited."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise BackupDamaged([f"备份目录 {directory} 不存在"])
    if not path.exists():
        raise BackupDamaged([f"缺少 {MANIFEST}：备份没有完成（或不是本系统的备份），不能用于恢复"])
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupDamaged([f"{MANIFEST} 无法读取（{exc}）"]) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupDamaged([f"{MANIFEST} 的格式不是 {FORMAT}，不是本系统能恢复的备份"])
    if manifest.get("manifest_sha256") != _self_hash(manifest):
        raise BackupDamaged([f"{MANIFEST} 的内容被修改过（自校验值不符）"])
    return manifest


def check(directory: Path) -> dict:
    """The manifest when every listed file is present with its size and SHA-256; else BackupDamaged."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    problems = []
    for entry in manifest["collections"]:
        path = directory / entry["file"]
        if not path.exists():
            problems.append(f"缺少文件 {entry['file']}（集合 {entry['name']}，{entry['count']} 条记录）")
        elif path.stat().st_size != entry["bytes"]:
            problems.append(f"文件 {entry['file']} 大小不符：应为 {entry['bytes']} 字节，实为 {path.stat().st_size} 字节")
        elif file_sha256(path) != entry["sha256"]:
            problems.append(f"文件 {entry['file']} 的校验值（SHA-256）不符：内容被修改或损坏")
    listed = {entry["file"] for entry in manifest["collections"]}
    folder = directory / FOLDER
    for extra in sorted(folder.iterdir()) if folder.is_dir() else []:
        if f"{FOLDER}/{extra.name}" not in listed:
            problems.append(f"多出文件 {FOLDER}/{extra.name}：清单中没有它（备份目录被改动过）")
    if problems:
        raise BackupDamaged(problems)
    return manifest


def read_documents(directory: Path, entry: dict):
    """The documents of one manifest entry, decoded (raises BackupDamaged when the file cannot be read)."""
    path = Path(directory) / entry["file"]
    try:
        with gzip.open(path, "rb") as stream:
            yield from bson.decode_file_iter(stream)
    except (OSError, EOFError, bson.errors.BSONError) as exc:
        raise BackupDamaged([f"文件 {entry['file']} 无法解码（{exc}）"]) from None


@dataclass
class UploadCheck:
    """Re-assembles GridFS files from their chunks as they stream past and checks each file's SHA-256.

    ``expect`` is called for every ``materials.files`` document (read before the chunks); ``chunk``
    for every chunk. A file is hashed as soon as all its chunks arrived, so memory holds only the
    files still incomplete.
    """

    expected: dict = field(default_factory=dict)
    pending: dict = field(default_factory=dict)
    verified: int = 0
    bytes: int = 0
    problems: list = field(default_factory=list)

    def expect(self, doc: dict) -> None:
        size, chunk = doc.get("length", 0), doc.get("chunkSize") or 1
        sha = (doc.get("metadata") or {}).get("sha256", "")
        self.expected[doc["_id"]] = (-(-size // chunk), size, sha)

    def chunk(self, doc: dict) -> None:
        file_id = doc.get("files_id")
        if file_id not in self.expected:
            return  # a chunk of a file deleted during the backup, or of a file not in scope
        parts = self.pending.setdefault(file_id, {})
        parts[doc["n"]] = bytes(doc["data"])
        chunks, size, sha = self.expected[file_id]
        if len(parts) == chunks:
            data = b"".join(parts[n] for n in range(chunks)) if set(parts) == set(range(chunks)) else b""
            del self.pending[file_id]
            self._finish(file_id, data, size, sha)

    def _finish(self, file_id: str, data: bytes, size: int, sha: str) -> None:
        if len(data) != size or (sha and hashlib.sha256(data).hexdigest() != sha):
            self.problems.append(f"上传文件 {file_id} 的内容与其记录的 SHA-256 不符")
            return
        self.verified += 1
        self.bytes += size

    def summary(self) -> dict:
        incomplete = [f for f, (chunks, _, _) in self.expected.items() if chunks and f in self.pending]
        missing = len(self.expected) - self.verified - len(self.problems) - len(incomplete)
        empty = sum(1 for chunks, _, _ in self.expected.values() if chunks == 0)
        return {"files": len(self.expected), "verified": self.verified + empty, "bytes": self.bytes,
                "incomplete": sorted(incomplete), "missing_chunks": max(missing - empty, 0),
                "problems": self.problems}
