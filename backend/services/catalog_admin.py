"""Maintaining the power list: drafts, versions, publishing, withdrawal, import and export.

Every change writes a new version document first and then moves the item's head with a
conditional update on ``latest_version``, so two editors never overwrite each other and a crash
between the two writes leaves an unused version, never a half-changed item.
"""

from __future__ import annotations

from dataclasses import replace

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.domain.items import STATUSES, Item, item_key, validate_item, validate_items
from backend.services import audit
from backend.services.catalog import _bump_revision, page_bounds, reference_data
from backend.services.context import Services

EDITORS = {"admin", "centre_manager", "dept_approver"}
PUBLISHERS = {"admin", "centre_manager"}


def _may_edit(actor: dict, item: Item) -> None:
    roles = set(actor.get("roles", []))
    if roles & PUBLISHERS:
        return
    if "dept_approver" in roles and actor.get("department") == item.department:
        return
    raise Forbidden("只能编辑本部门的事项")


def _head_view(head: dict) -> dict:
    return {k: head.get(k) for k in ("code", "name", "department", "kind", "status", "published_version",
                                     "latest_version", "updated_at", "updated_by")} | {
        "status_label": STATUSES.get(head.get("status"), head.get("status"))}


async def _checked(svc: Services, tenant: str, data: dict) -> Item:
    if not isinstance(data, dict):
        raise ValidationFailed("事项内容应为 JSON 对象")
    item = Item.from_dict(data)
    departments, townships = await reference_data(svc, tenant)
    validate_item(item, departments, set(townships))
    item.department_name = departments.get(item.department, item.department_name)
    return item


async def _write_version(svc: Services, tenant: str, item: Item, actor_id: str) -> None:
    now = svc.now()
    item.status = "draft"
    await svc.db.item_versions.insert_one({
        **item.to_dict(), "_id": item_key(tenant, item.code, item.version), "tenant": tenant,
        "created_at": now, "created_by": actor_id,
    })


async def create_item(svc: Services, tenant: str, data: dict, actor: dict) -> dict:
    """A new item as draft version 1; its code must be new in this tenant."""
    item = await _checked(svc, tenant, {**data, "version": 1})
    _may_edit(actor, item)
    now = svc.now()
    try:
        await svc.db.item_heads.insert_one({
            "_id": f"{tenant}:{item.code}", "tenant": tenant, "code": item.code, "name": item.name,
            "department": item.department, "kind": item.kind, "status": "draft", "published_version": None,
            "latest_version": 1, "updated_at": now, "updated_by": actor["id"],
        })
    except DuplicateKeyError:
        raise Conflict(f"实施编码 {item.code} 已存在", code="duplicate_code") from None
    await _write_version(svc, tenant, item, actor["id"])
    await audit.record(svc, tenant, actor["id"], "item.created", {"code": item.code})
    return await item_detail(svc, tenant, item.code)


async def update_item(svc: Services, tenant: str, code: str, data: dict, actor: dict, expected_version: int) -> dict:
    """An edit makes version latest+1 (a draft); ``expected_version`` guards against lost updates."""
    head = await _head(svc, tenant, code)
    if head["latest_version"] != expected_version:
        raise Conflict(f"该事项已被他人修改（最新为第 {head['latest_version']} 版），请刷新后再编辑", code="stale_version")
    version = expected_version + 1
    item = await _checked(svc, tenant, {**data, "code": code, "version": version})
    _may_edit(actor, item)
    try:
        await _write_version(svc, tenant, item, actor["id"])
    except DuplicateKeyError:
        raise Conflict("该事项正在被他人修改，请刷新后再编辑", code="stale_version") from None
    moved = await svc.db.item_heads.update_one(
        {"_id": head["_id"], "latest_version": expected_version},
        {"$set": {"latest_version": version, "name": item.name, "department": item.department, "kind": item.kind,
                  "updated_at": svc.now(), "updated_by": actor["id"]}},
    )
    if moved.modified_count != 1:
        raise Conflict("该事项已被他人修改，请刷新后再编辑", code="stale_version")
    await audit.record(svc, tenant, actor["id"], "item.edited", {"code": code, "version": version})
    return await item_detail(svc, tenant, code)


async def publish(svc: Services, tenant: str, code: str, version: int, actor: dict, effective_date: str = "") -> dict:
    """Publish one version: it becomes what citizens see and what new cases are accepted under."""
    if not set(actor.get("roles", [])) & PUBLISHERS:
        raise Forbidden("只有中心管理人员可以发布事项")
    head = await _head(svc, tenant, code)
    doc = await svc.db.item_versions.find_one({"_id": item_key(tenant, code, version)})
    if not doc:
        raise NotFound(f"未找到第 {version} 版")
    if head.get("published_version") == version and head["status"] == "published":
        raise Conflict(f"第 {version} 版已是发布状态", code="already_published")
    await _set_published(svc, tenant, code, version, actor, effective_date or doc.get("effective_date") or svc.now().date().isoformat())
    await _bump_revision(svc, tenant)
    await audit.record(svc, tenant, actor["id"], "item.published", {"code": code, "version": version})
    return await item_detail(svc, tenant, code)


async def withdraw(svc: Services, tenant: str, code: str, actor: dict, reason: str) -> dict:
    """Take an item off the public list (cases already accepted keep their version)."""
    if not set(actor.get("roles", [])) & PUBLISHERS:
        raise Forbidden("只有中心管理人员可以撤销事项")
    if not (reason or "").strip():
        raise ValidationFailed("请填写撤销原因", code="reason_required")
    head = await _head(svc, tenant, code)
    if head["status"] != "published":
        raise Conflict("只有已发布的事项可以撤销", code="not_published")
    await svc.db.item_heads.update_one({"_id": head["_id"]}, {"$set": {
        "status": "withdrawn", "withdrawn_reason": reason.strip(), "updated_at": svc.now(), "updated_by": actor["id"]}})
    await _bump_revision(svc, tenant)
    await audit.record(svc, tenant, actor["id"], "item.withdrawn", {"code": code, "reason": reason.strip()})
    return await item_detail(svc, tenant, code)


async def _head(svc: Services, tenant: str, code: str) -> dict:
    head = await svc.db.item_heads.find_one({"_id": f"{tenant}:{code}"})
    if not head:
        raise NotFound("未找到该事项", code="item_not_found")
    return head


async def item_detail(svc: Services, tenant: str, code: str) -> dict:
    """The head, every version (newest first) and the latest version's full content, for staff."""
    head = await _head(svc, tenant, code)
    ids = [item_key(tenant, code, v) for v in range(head["latest_version"], 0, -1)]
    docs = {d["_id"]: d async for d in svc.db.item_versions.find({"_id": {"$in": ids}})}
    versions = [{"version": docs[i]["version"], "status": docs[i]["status"], "created_at": docs[i]["created_at"],
                 "created_by": docs[i]["created_by"], "effective_date": docs[i].get("effective_date", ""),
                 "status_label": {"superseded": "已替换", **STATUSES}.get(docs[i]["status"], docs[i]["status"])}
                for i in ids if i in docs]
    latest = Item.from_dict(docs[ids[0]]).to_dict() if ids and ids[0] in docs else None
    return {"head": _head_view(head), "versions": versions, "latest": latest}


async def version_content(svc: Services, tenant: str, code: str, version: int) -> Item:
    doc = await svc.db.item_versions.find_one({"_id": item_key(tenant, code, version)})
    if not doc:
        raise NotFound(f"未找到事项 {code} 的第 {version} 版")
    return Item.from_dict(doc)


async def list_for_staff(svc: Services, tenant: str, *, q: str = "", status: str = "", department: str = "",
                         page: int = 1, page_size: int = 20, sort: str = "code") -> dict:
    """Every item head, drafts and withdrawn included; filter, search by name or code, sort, paginate."""
    start, end = page_bounds(page, page_size)
    query: dict = {"tenant": tenant}
    if status:
        query["status"] = status
    if department:
        query["department"] = department
    heads = [h async for h in svc.db.item_heads.find(query)]
    needle = q.strip().lower()
    if needle:
        heads = [h for h in heads if needle in h["name"].lower() or needle in h["code"].lower()]
    key = {"code": lambda h: h["code"], "name": lambda h: h["name"],
           "updated": lambda h: h["updated_at"]}.get(sort.lstrip("-"), lambda h: h["code"])
    heads.sort(key=key, reverse=sort.startswith("-"))
    return {"items": [_head_view(h) for h in heads[start:end]], "total": len(heads), "page": page, "page_size": page_size}


async def import_items(svc: Services, tenant: str, rows: list[dict], actor: dict, *, publish_now: bool = True,
                       progress=None) -> dict:
    """Import validated rows: unchanged items are skipped, changed ones get a new version.

    Every row is validated (and every code checked) before the first write. Writes go in
    batches: version documents first (idempotent by ``_id``), then superseded marks, then
    heads, so re-running an interrupted import completes it and never duplicates a version.
    """
    items = [Item.from_dict(row) for row in rows]
    departments, townships = await reference_data(svc, tenant)
    validate_items(items, departments, set(townships))
    heads = {h["code"]: h async for h in svc.db.item_heads.find({"tenant": tenant})}
    latest = await _latest_contents(svc, tenant, [heads[i.code] for i in items if i.code in heads])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    plan = []
    for item in items:
        item.department_name = departments.get(item.department, item.department_name)
        head = heads.get(item.code)
        if head and _content(latest[item.code]) == _content(item):
            counts["unchanged"] += 1
            if publish_now and head["status"] != "published":
                plan.append((replace(item, version=head["latest_version"]), head, False))
            continue
        counts["updated" if head else "created"] += 1
        plan.append((replace(item, version=head["latest_version"] + 1 if head else 1), head, True))
    for done in range(0, len(plan), IMPORT_BATCH):
        await _write_batch(svc, tenant, plan[done:done + IMPORT_BATCH], actor, publish_now)
        if progress:
            progress(min(done + IMPORT_BATCH, len(plan)), len(plan))
    if publish_now:
        await _bump_revision(svc, tenant)
    await audit.record(svc, tenant, actor["id"], "items.imported", dict(counts))
    return counts


IMPORT_BATCH = 100


def _content(item: Item) -> dict:
    data = item.to_dict()
    for key in ("version", "status", "effective_date", "department_name"):
        data.pop(key, None)
    return data


async def _latest_contents(svc: Services, tenant: str, heads: list[dict]) -> dict[str, Item]:
    ids = [item_key(tenant, h["code"], h["latest_version"]) for h in heads]
    found = {}
    for start in range(0, len(ids), 200):
        async for doc in svc.db.item_versions.find({"_id": {"$in": ids[start:start + 200]}}):
            found[doc["code"]] = Item.from_dict(doc)
    return found


async def _write_batch(svc: Services, tenant: str, batch: list, actor: dict, publish_now: bool) -> None:
    now = svc.now()
    status = "published" if publish_now else "draft"
    new_versions = [{**item.to_dict(), "_id": item_key(tenant, item.code, item.version), "tenant": tenant,
                     "status": status, "created_at": now, "created_by": actor["id"],
                     **({"published_at": now, "published_by": actor["id"]} if publish_now else {})}
                    for item, _, is_new in batch if is_new]
    if new_versions:
        try:
            await svc.db.item_versions.insert_many(new_versions, ordered=False)
        except BulkWriteError as exc:  # versions written by an earlier, interrupted run
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
    if publish_now:
        await svc.db.item_versions.update_many(
            {"_id": {"$in": [item_key(tenant, i.code, i.version) for i, _, is_new in batch if not is_new]}},
            {"$set": {"status": "published", "published_at": now, "published_by": actor["id"]}})
        superseded = [item_key(tenant, i.code, h["published_version"]) for i, h, _ in batch
                      if h and h.get("published_version") and h["published_version"] != i.version]
        if superseded:
            await svc.db.item_versions.update_many({"_id": {"$in": superseded}}, {"$set": {"status": "superseded"}})
    operations = [_head_write(tenant, item, head, actor, now, publish_now) for item, head, _ in batch]
    if operations:
        await svc.db.item_heads.bulk_write(operations, ordered=False)


def _head_write(tenant: str, item: Item, head: dict | None, actor: dict, now, publish_now: bool):
    fields = {"tenant": tenant, "code": item.code, "name": item.name, "department": item.department, "kind": item.kind,
              "latest_version": item.version, "updated_at": now, "updated_by": actor["id"]}
    if publish_now:
        fields.update(status="published", published_version=item.version)
    elif not head:
        fields.update(status="draft", published_version=None)
    return UpdateOne({"_id": f"{tenant}:{item.code}"}, {"$set": fields}, upsert=True)


async def _set_published(svc, tenant, code, version, actor, effective_date: str = "") -> None:
    """Mark one version published, the previous one superseded, and move the head; the caller bumps the revision."""
    now = svc.now()
    head = await svc.db.item_heads.find_one({"_id": f"{tenant}:{code}"})
    stamp = {"status": "published", "published_at": now, "published_by": actor["id"]}
    if effective_date:
        stamp["effective_date"] = effective_date
    await svc.db.item_versions.update_one({"_id": item_key(tenant, code, version)}, {"$set": stamp})
    previous = head.get("published_version")
    if previous and previous != version:
        await svc.db.item_versions.update_one({"_id": item_key(tenant, code, previous)}, {"$set": {"status": "superseded"}})
    doc = await svc.db.item_versions.find_one({"_id": item_key(tenant, code, version)})
    await svc.db.item_heads.update_one({"_id": head["_id"]}, {"$set": {
        "status": "published", "published_version": version, "name": doc["name"], "department": doc["department"],
        "kind": doc["kind"], "updated_at": now, "updated_by": actor["id"]}})


async def export_items(svc: Services, tenant: str, *, include_drafts: bool = False) -> list[dict]:
    """Items as they import again: the published version (or, with drafts, the latest of each)."""
    out = []
    async for head in svc.db.item_heads.find({"tenant": tenant}):
        if include_drafts:
            version = head["latest_version"]
        elif head["status"] == "published":
            version = head["published_version"]
        else:
            continue
        item = await version_content(svc, tenant, head["code"], version)
        out.append(item.to_dict())
    out.sort(key=lambda d: d["code"])
    return out
