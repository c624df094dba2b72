"""Uploaded application materials (申请材料): images and PDFs kept in the store itself.

Files live in a GridFS bucket named ``materials`` (collections ``materials.files`` and
``materials.chunks``). GridFS was checked on FerretDB v1.24.2 before choosing it: upload of a
multi-chunk file, download, delete (chunks removed too), a string ``_id`` and a find on
``metadata.*`` fields all behave as on MongoDB, so no home-made chunking is needed.

A file's ``_id`` is ``"{tenant}:{file_id}"``: a lookup can only ever find a file of the caller's
own county. The type is decided by the file's first bytes (magic bytes), never by the declared
Content-Type alone, and the two must agree. ``metadata.attached_to`` stays "" until a case
(办件) takes the file; unattached files older than a day or so are removed by ``purge_unattached``.
An ID-card scan is personal data: a file on a case is read only by those who may see that case's
applicant in full, and each such reading by staff is audited (:func:`open_upload`).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import unicodedata
import uuid
import warnings
from datetime import datetime, timedelta

import pypdf
from gridfs import AsyncGridFSBucket
from PIL import Image
from gridfs.errors import NoFile
from pymongo import ASCENDING, IndexModel

from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.services import audit
from backend.services.context import Services
from backend.store import snapshots
from backend.store.indexes import declare

BUCKET = "materials"
# Matters other than cases a file may be attached to (hotline tickets): ``async (svc, tenant, number,
# principal) -> bool``, whether ``principal`` may read that matter. Filled at app start (``hotline.services.hooks``).
MATTER_READERS: list = []
FILES = f"{BUCKET}.files"
CHUNK_BYTES = 255 * 1024

# canonical content type -> (magic prefix, allowed file name extensions; the first is added when missing)
KINDS: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "application/pdf": (b"%PDF-", (".pdf",)),
}
DECLARED_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf"}
WINDOW_ROLES = frozenset({"window_clerk", "admin"})
MAX_NAME_CHARS = 100
_FORBIDDEN_NAME_CHARS = set('<>:"|?*')

declare(FILES, IndexModel([("metadata.tenant", ASCENDING), ("metadata.attached_to", ASCENDING),
                           ("metadata.created_at", ASCENDING)], name="tenant_attached_created"))


class FileTooLarge(ValidationFailed):
    """An upload above ``settings.max_upload_bytes``."""

    status = 413
    code = "file_too_large"


def _bucket(svc: Services) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(svc.db, bucket_name=BUCKET, chunk_size_bytes=CHUNK_BYTES)


def _limit_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{max(limit // 1024, 1)} KB"


def check_size(svc: Services, size: int) -> None:
    """Refuse an empty file or one above the configured limit."""
    limit = svc.settings.max_upload_bytes
    if size > limit:
        raise FileTooLarge(f"文件过大（上限 {_limit_text(limit)}）", details={"limit_bytes": limit})
    if size <= 0:
        raise ValidationFailed("文件为空", code="empty_file")


def sniff(data: bytes) -> str:
    """The content type the file's first bytes prove, or "" when it is none we accept."""
    for content_type, (magic, _) in KINDS.items():
        if data.startswith(magic):
            return content_type
    return ""


def check_type(declared: str, data: bytes) -> str:
    """The file's real type; refuse other types and a declared type that disagrees with the content."""
    declared = declared.split(";")[0].strip().lower()
    declared = DECLARED_ALIASES.get(declared, declared)
    actual = sniff(data)
    if not actual:
        raise ValidationFailed("只接受 JPG、PNG 或 PDF 文件", code="unsupported_type")
    if declared != actual:
        raise ValidationFailed("文件内容与类型不符", code="type_mismatch")
    return actual


def check_content(content_type: str, data: bytes) -> None:
    """The file must be what its first bytes claim, read whole: a PDF that pypdf opens with at least one
    page, an image Pillow reads as that format. A file that only starts like one (``%PDF-`` followed by
    HTML, a PNG header on something else) is refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            readable = _read_pdf(data) if content_type == "application/pdf" else _read_image(content_type, data)
    except Exception:  # noqa: BLE001 - whatever a broken file makes the parser raise, it is not that file
        readable = False
    if not readable:
        kind = "PDF" if content_type == "application/pdf" else "图片"
        raise ValidationFailed(f"文件已损坏或不是真正的{kind}，请重新扫描或导出后上传", code="unreadable_file")


def _read_pdf(data: bytes) -> bool:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)  # real scans are often a little off
    if reader.is_encrypted:
        raise ValidationFailed("请上传未加密的 PDF 文件", code="encrypted_pdf")
    return len(reader.pages) > 0


def _read_image(content_type: str, data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
        image.verify()
        return image.format == expected


def clean_filename(raw: str, content_type: str) -> str:
    """A safe display name: no folders or control characters, at most 100 characters, the right extension."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c not in _FORBIDDEN_NAME_CHARS and not unicodedata.category(c).startswith("C"))
    name = name.strip().strip(".").strip()
    extensions = KINDS[content_type][1]
    if not name.lower().endswith(extensions):
        name = (name or "材料") + extensions[0]
    stem, dot, ext = name.rpartition(".")
    return stem[: MAX_NAME_CHARS - len(ext) - 1] + dot + ext


def public_meta(doc: dict) -> dict:
    """What callers see of a stored file."""
    meta = doc["metadata"]
    return {"id": meta["file_id"], "filename": doc["filename"], "content_type": meta["content_type"],
            "size": doc["length"], "sha256": meta["sha256"], "attached_to": meta["attached_to"],
            "created_at": meta["created_at"]}


async def save_upload(svc: Services, tenant: str, owner: dict, filename: str, content_type: str, data: bytes) -> dict:
    """Check and store one upload for ``owner`` (a principal); returns {id, filename, content_type, size, sha256}."""
    check_size(svc, len(data))
    actual = check_type(content_type, data)
    await asyncio.to_thread(check_content, actual, data)
    file_id = uuid.uuid4().hex
    name = clean_filename(filename, actual)
    sha256 = hashlib.sha256(data).hexdigest()
    metadata = {
        "file_id": file_id, "tenant": tenant, "content_type": actual, "sha256": sha256, "size": len(data),
        "owner": {"id": owner["id"], "kind": owner["kind"]}, "attached_to": "", "readers": [],
        "created_at": svc.now(),
    }
    await _bucket(svc).upload_from_stream_with_id(f"{tenant}:{file_id}", name, data, metadata=metadata)
    return {"id": file_id, "filename": name, "content_type": actual, "size": len(data), "sha256": sha256}


def _is_owner(meta: dict, principal: dict) -> bool:
    return meta["owner"] == {"id": principal.get("id"), "kind": principal.get("kind")}


async def _may_read(svc: Services, meta: dict, principal: dict | None) -> bool:
    """The owner and the case's applicant; staff who may see the applicant of the file's case in full
    (the window of its centre, its departments, its submitter; see ``case_views.read_scope``) or who
    may read its hotline ticket; while no case has the file, those who may attach it (window staff)."""
    if not principal or principal.get("tenant") != meta["tenant"]:
        return False
    if _is_owner(meta, principal) or principal.get("id") in meta.get("readers", []):
        return True
    if principal.get("kind") != "staff":
        return False
    if not meta["attached_to"]:
        return _may_attach(meta, principal)
    return await _may_read_matter(svc, meta["tenant"], meta["attached_to"], principal)


async def _may_read_matter(svc: Services, tenant: str, number: str, principal: dict) -> bool:
    from backend.domain import cases
    from backend.services import case_views

    doc = await snapshots.read(svc.db.cases, f"{tenant}:{number}")
    try:
        if doc is not None:
            return case_views.read_scope(principal, cases.case_from_document(doc), doc) == "contact"
        for may_read in MATTER_READERS:  # a ticket's photos: whoever may read the ticket
            if await may_read(svc, tenant, number, principal):
                return True
        return False
    except (Forbidden, NotFound):
        return False


async def open_upload(svc: Services, tenant: str, file_id: str, principal: dict | None) -> tuple[dict, bytes]:
    """(metadata, bytes) for those :func:`_may_read` allows; NotFound for anyone else. A member of
    staff opening a case's or ticket's file is written to the audit log (``upload.shown``)."""
    doc = await svc.db[FILES].find_one({"_id": f"{tenant}:{file_id}"})
    if not doc or not await _may_read(svc, doc["metadata"], principal):
        raise NotFound("未找到该文件", code="upload_not_found")
    try:
        stream = await _bucket(svc).open_download_stream(doc["_id"])
    except NoFile:
        raise NotFound("未找到该文件", code="upload_not_found") from None
    meta = doc["metadata"]
    if principal.get("kind") == "staff" and meta["attached_to"] and not _is_owner(meta, principal):
        await audit.record(svc, tenant, principal["id"], "upload.shown", {"file": file_id, "number": meta["attached_to"]})
    return public_meta(doc), await stream.read()


def _may_attach(meta: dict, principal: dict) -> bool:
    """The owner attaches their own files; window staff attach any file of their county."""
    if meta["tenant"] != principal.get("tenant"):
        return False
    window = principal.get("kind") == "staff" and bool(WINDOW_ROLES & set(principal.get("roles", [])))
    return window or _is_owner(meta, principal)


async def check_attachable(svc: Services, tenant: str, file_ids: list[str], principal: dict, case_number: str = "") -> None:
    """Raise unless every file exists, may be attached by ``principal`` and is not on another case."""
    wanted = list(dict.fromkeys(file_ids))
    docs = {d["metadata"]["file_id"]: d
            async for d in svc.db[FILES].find({"_id": {"$in": [f"{tenant}:{i}" for i in wanted]}})}
    unknown = [i for i in wanted if i not in docs or not _may_attach(docs[i]["metadata"], principal)]
    if unknown:
        raise ValidationFailed(f"找不到以下材料文件：{'、'.join(unknown)}", code="unknown_uploads",
                               details={"unknown": unknown})
    taken = [i for i in wanted if docs[i]["metadata"]["attached_to"] not in ("", case_number)]
    if taken:
        raise Conflict(f"以下材料已用于其他办件：{'、'.join(taken)}", code="upload_attached", details={"taken": taken})


async def attach(svc: Services, tenant: str, file_ids: list[str], case_number: str, principal: dict,
                 *, applicant_id: str = "") -> list[dict]:
    """Mark files as materials of case ``case_number``; metadata back in the given order.

    Files the caller may not attach are reported as unknown, so their existence is not revealed.
    ``applicant_id`` (the case's applicant) may then read the files too.
    """
    if not case_number:
        raise ValidationFailed("请指定办件编号", code="case_number_required")
    wanted = list(dict.fromkeys(file_ids))
    await check_attachable(svc, tenant, wanted, principal, case_number)
    update = {"$set": {"metadata.attached_to": case_number, "metadata.attached_at": svc.now()}}
    if applicant_id:
        update["$addToSet"] = {"metadata.readers": applicant_id}
    for file_id in wanted:
        done = await svc.db[FILES].update_one(
            {"_id": f"{tenant}:{file_id}", "metadata.attached_to": {"$in": ["", case_number]}}, update)
        if not done.matched_count:
            raise Conflict(f"以下材料已用于其他办件：{file_id}", code="upload_attached", details={"taken": [file_id]})
    fresh = {d["metadata"]["file_id"]: d
             async for d in svc.db[FILES].find({"_id": {"$in": [f"{tenant}:{i}" for i in wanted]}})}
    return [public_meta(fresh[i]) for i in file_ids]


async def purge_unattached(svc: Services, tenant: str, older_than: timedelta | datetime) -> int:
    """Delete files no case took, uploaded before ``older_than`` (an age, or a cut-off time); returns how many."""
    cutoff = svc.now() - older_than if isinstance(older_than, timedelta) else older_than
    query = {"metadata.tenant": tenant, "metadata.attached_to": "", "metadata.created_at": {"$lt": cutoff}}
    bucket, removed = _bucket(svc), 0
    async for doc in svc.db[FILES].find(query, {"_id": 1}):
        try:
            await bucket.delete(doc["_id"])
            removed += 1
        except NoFile:
            pass  # removed by a concurrent sweep
    return removed
