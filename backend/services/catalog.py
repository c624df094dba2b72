"""The power list (权力清单) in the store: versions, publishing, and the public catalogue.

Documents:
- ``item_versions``: one per version, ``_id`` = ``tenant:code:version``; never changed after
  publication except its status (published -> superseded).
- ``item_heads``: one per item, ``_id`` = ``tenant:code``; which version is published, which is latest.

Public reads, and the item a new case is accepted under, come from an in-process snapshot of the
published items (with its search index), rebuilt when the tenant's ``catalogue`` token moves
(:mod:`backend.services.tenant_config`; every publish and withdrawal marks it changed). Item
versions never change, so a version once read is kept in the process.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
from dataclasses import dataclass, field

from backend.config import PROJECT_ROOT
from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.items import KINDS, Item, compression_report, item_key
from backend.domain.search import SearchIndex
from backend.services import tenant_config
from backend.services.context import Services
from backend.store.work import prefix_range

MAX_PAGE_SIZE = 100


async def reference_data(svc: Services, tenant: str) -> tuple[dict[str, str], dict[str, str]]:
    """(department code -> name, township code -> name) of a tenant."""
    org = await tenant_config.org(svc, tenant)
    return org.department_names(), {code: t.get("name", code) for code, t in org.townships.items()}


# --- the public snapshot ----------------------------------------------------------------------


@dataclass
class Snapshot:
    """The published catalogue of one tenant at one revision."""

    revision: str
    items: list[Item]
    departments: dict[str, str]
    townships: dict[str, str]
    by_code: dict[str, Item] = field(default_factory=dict)
    index: SearchIndex | None = None

    def __post_init__(self):
        self.by_code = {item.code: item for item in self.items}


async def _bump_revision(svc: Services, tenant: str) -> None:
    """Every publish or withdrawal: public readers rebuild their snapshot."""
    await tenant_config.changed(svc, tenant, "catalogue")


ROUTING_FILE = PROJECT_ROOT / "hotline" / "data" / "departments.json"
SIMILAR_LABEL = "相近事项"


@functools.cache
def _hotline_keywords() -> dict[str, tuple[str, ...]]:
    """The hotline's routing words per department code (the sample county's; a tenant may add its own)."""
    rows = json.loads(ROUTING_FILE.read_text(encoding="utf-8")) if ROUTING_FILE.exists() else []
    return {row["code"]: tuple(row.get("keywords") or ()) for row in rows}


def routing_vocabulary(org: tenant_config.Org) -> dict[str, list[str]]:
    """Department code -> words that lead the search fallback to it: its duties, its own keywords
    and the hotline's routing words for the same code."""
    vocabulary = {}
    for code, department in org.departments.items():
        duties = [w for w in re.split(r"[、，,；;\s]+", department.get("duties") or "") if w]
        vocabulary[code] = [*duties, *(department.get("keywords") or ()), *_hotline_keywords().get(code, ())]
    return vocabulary


async def snapshot(svc: Services, tenant: str) -> Snapshot:
    """The current published catalogue, rebuilt only when the tenant's catalogue token has moved."""
    async def build() -> Snapshot:
        items = await _published_items(svc, tenant)
        departments, townships = await reference_data(svc, tenant)
        revision = (await tenant_config.tokens(svc, tenant))["catalogue"] or ""
        built = Snapshot(revision, items, departments, townships)
        vocabulary = routing_vocabulary(await tenant_config.org(svc, tenant))
        built.index = await asyncio.to_thread(SearchIndex, items, vocabulary)
        return built

    return await tenant_config.cached(svc, tenant, "catalogue", build, depends=("org",))


async def _published_items(svc: Services, tenant: str) -> list[Item]:
    heads = [h async for h in svc.db.item_heads.find({"_id": prefix_range(f"{tenant}:")})
             if h.get("tenant") == tenant and h.get("status") == "published"]
    ids = [item_key(tenant, h["code"], h["published_version"]) for h in heads]
    items = []
    for start in range(0, len(ids), 200):
        async for doc in svc.db.item_versions.find({"_id": {"$in": ids[start:start + 200]}}):
            items.append(Item.from_dict(doc))
    items.sort(key=lambda i: (i.department, i.code))
    return items


def _matches(item: Item, department: str, township: str, kind: str, life_event: str, theme: str) -> bool:
    return ((not department or item.department == department or any(j.code == department for j in item.joint_departments))
            and (not township or township in item.townships)
            and (not kind or item.kind == kind)
            and (not life_event or life_event in item.life_events)
            and (not theme or theme in item.themes))


def page_bounds(page: int, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise ValidationFailed("页码须从 1 开始", code="bad_page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"每页条数须在 1-{MAX_PAGE_SIZE} 之间", code="bad_page_size")
    return (page - 1) * page_size, page * page_size


async def list_public(svc: Services, tenant: str, *, q: str = "", department: str = "", township: str = "",
                      kind: str = "", life_event: str = "", theme: str = "", page: int = 1, page_size: int = 20) -> dict:
    """Published items, filtered, searched (best match first) and paginated.

    A search that finds fewer than three items by its words adds the fallback's 相近事项 after them,
    each marked ``similar`` (``similar_label`` 相近事项), so an honest question is never left empty.
    """
    if kind and kind not in KINDS:
        raise ValidationFailed(f"办件类型只能是：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}", code="bad_kind")
    start, end = page_bounds(page, page_size)
    snap = await snapshot(svc, tenant)
    similar: set[str] = set()
    if q.strip():
        hits = snap.index.lookup(q, limit=len(snap.items))
        similar = {hit.code for hit in hits if hit.similar}
        ranked = [snap.by_code[hit.code] for hit in hits]
    else:
        ranked = snap.items
    chosen = [i for i in ranked if _matches(i, department, township, kind, life_event, theme)]
    return {
        "items": [_summary(i, snap.departments, i.code in similar) for i in chosen[start:end]],
        "total": len(chosen), "similar_total": sum(1 for i in chosen if i.code in similar),
        "page": page, "page_size": page_size, "pages": max(1, math.ceil(len(chosen) / page_size)),
    }


def _summary(item: Item, departments: dict[str, str], similar: bool) -> dict:
    summary = item.public_summary(departments)
    summary["similar"] = similar
    if similar:
        summary["similar_label"] = SIMILAR_LABEL
    return summary


async def public_guide(svc: Services, tenant: str, code: str) -> dict:
    snap = await snapshot(svc, tenant)
    item = snap.by_code.get(code)
    if not item:
        raise NotFound("未找到该事项", code="item_not_found")
    return item.public_guide(snap.departments)


async def facets(svc: Services, tenant: str) -> dict:
    snap = await snapshot(svc, tenant)

    def count(values) -> list[dict]:
        tally: dict[str, int] = {}
        for value in values:
            tally[value] = tally.get(value, 0) + 1
        return [{"name": name, "count": n} for name, n in sorted(tally.items(), key=lambda p: (-p[1], p[0]))]

    dept_counts: dict[str, int] = {}
    for item in snap.items:
        dept_counts[item.department] = dept_counts.get(item.department, 0) + 1
    town_counts: dict[str, int] = {}
    for item in snap.items:
        for town in item.townships:
            town_counts[town] = town_counts.get(town, 0) + 1
    return {
        "departments": [{"code": c, "name": snap.departments.get(c, c), "count": n} for c, n in sorted(dept_counts.items())],
        "townships": [{"code": c, "name": n, "count": town_counts.get(c, 0)} for c, n in snap.townships.items()],
        "life_events": count(e for i in snap.items for e in i.life_events),
        "themes": count(t for i in snap.items for t in i.themes),
        "kinds": [{"code": k, "label": label, "count": sum(1 for i in snap.items if i.kind == k)} for k, label in KINDS.items()],
    }


async def compression(svc: Services, tenant: str) -> dict:
    snap = await snapshot(svc, tenant)
    return compression_report(snap.items, snap.departments)


async def published_item(svc: Services, tenant: str, code: str) -> Item:
    """The item as published now (what a new case is accepted under)."""
    item = (await snapshot(svc, tenant)).by_code.get(code)
    if item is None:
        raise NotFound("该事项不存在或未发布", code="item_not_found")
    return item


_VERSIONS = "item_versions_read"


async def item_version(svc: Services, tenant: str, code: str, version: int) -> Item:
    """One version of an item (versions never change once written, so each is read once)."""
    kept = svc.extras.setdefault(_VERSIONS, {})
    key = item_key(tenant, code, version)
    if key not in kept:
        doc = await svc.db.item_versions.find_one({"_id": key})
        if not doc:
            raise NotFound(f"未找到事项 {code} 的第 {version} 版", code="item_version_not_found")
        if len(kept) > 20_000:
            kept.clear()
        kept[key] = Item.from_dict(doc)
    return kept[key]
