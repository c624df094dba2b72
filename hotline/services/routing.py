"""Routing suggestions (智能分派) backed by the stored model, operators' corrections and retraining.

- ``hotline_models/{tenant}``: the tenant's trained classifier (``Classifier.to_dict``) with a random
  ``revision`` token; processes cache the built model and reload it only when the token moves.
- ``hotline_corrections``: one inserted document per correction (人工改派); a correction is also
  applied to the stored model at once. Two processes correcting at the same moment may overwrite
  each other's model update (FerretDB v1 updates are not isolated), but no correction is ever
  lost: retraining rebuilds the model from the seed tickets plus every stored correction.
- Retraining runs on demand (API, ``python -m hotline retrain``) and nightly under a lease
  (``hotline.services.nightly``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets

from backend.domain.errors import ValidationFailed
from backend.domain.org import split_list
from backend.services import catalog, tenant_config
from backend.services.context import Services
from hotline.domain.tickets import TYPE_BY_LABEL, TYPES
from hotline.services import knowledge
from hotline.services.classifier import (
    CORRECTION_WEIGHT, DATA_DIR, Classifier, Department, Example, PowerItem, load_departments, load_examples,
)

log = logging.getLogger("sunshine.hotline")
MODELS = "hotline_models"
CORRECTIONS = "hotline_corrections"
_CACHE = "hotline_model_cache"
MAX_TEXT = 2000


def power_items(items) -> list[PowerItem]:
    """Published items as classifier items: the result's name is the everyday keyword (营业执照, 结婚证)."""
    return [PowerItem(i.code, i.name, (i.result.name,) if i.result.name else (), i.department) for i in items]


def sample_power_items() -> list[PowerItem]:
    """The sample catalogue's items (for the CLI, which runs without a store)."""
    from backend.domain.items import Item
    from backend.services.seed import SEED_DIR

    rows = json.loads((SEED_DIR / "catalogue.json").read_text(encoding="utf-8"))["items"]
    return power_items(Item.from_dict(row) for row in rows)


def ticket_types() -> list[dict]:
    return json.loads((DATA_DIR / "types.json").read_text(encoding="utf-8"))


async def tenant_departments(svc: Services, tenant: str) -> list[Department]:
    """Routing targets: the tenant's departments in use. Their duties (职责, as the county wrote them)
    are the duty keywords, joined by the bundled keywords where the code is one of the sample's."""
    bundled = {d.code: d for d in load_departments()}
    rows = list((await tenant_config.org(svc, tenant)).active("departments").values())
    if not rows:
        return list(bundled.values())
    out = []
    for row in sorted(rows, key=lambda r: r["code"]):
        known = bundled.get(row["code"])
        own = tuple(split_list(row.get("duties", "")))
        keywords = tuple(dict.fromkeys(own + (known.keywords if known else ())))
        out.append(Department(row["code"], row["name"], row.get("duties", ""), keywords))
    return out


async def is_department(svc: Services, tenant: str, code: str) -> dict | None:
    """The tenant's department ``code`` if it is in use."""
    return (await tenant_config.org(svc, tenant)).active("departments").get(code)


async def _items(svc: Services, tenant: str) -> tuple[int, list[PowerItem]]:
    snap = await catalog.snapshot(svc, tenant)
    return snap.revision, power_items(snap.items)


async def model_for(svc: Services, tenant: str) -> Classifier:
    """The tenant's classifier: the stored one, else one trained on the seed tickets."""
    head = await svc.db[MODELS].find_one({"_id": tenant}, {"revision": 1})
    item_revision, items = await _items(svc, tenant)
    key = ((head or {}).get("revision", ""), item_revision, (await tenant_config.tokens(svc, tenant))["org"])
    cache = svc.extras.setdefault(_CACHE, {})
    if tenant in cache and cache[tenant][0] == key:
        return cache[tenant][1]
    if head:
        doc = await svc.db[MODELS].find_one({"_id": tenant})
        model = Classifier.from_dict(doc["model"], items)
    else:
        model = await _default_model(await tenant_departments(svc, tenant), items)
    cache[tenant] = (key, model)
    return model


_defaults: dict[tuple, Classifier] = {}


async def _default_model(departments: list[Department], items: list[PowerItem]) -> Classifier:
    """A model trained on the seed tickets only, shared by every tenant with the same departments and items.

    Cached models are never changed in place: a correction teaches a copy (see ``record_correction``).
    """
    key = (tuple(departments), tuple(items))
    if key not in _defaults:
        _defaults[key] = await asyncio.to_thread(_trained, departments, items, [])
    return _defaults[key]


def _trained(departments, items, corrections: list[Example]) -> Classifier:
    model = Classifier(departments, items, ticket_types())
    codes = {d.code for d in departments}
    model.train([e for e in load_examples("train") + corrections if e.department in codes])
    return model


async def _store_model(svc: Services, tenant: str, model: Classifier, **facts) -> str:
    revision = secrets.token_hex(8)
    await svc.db[MODELS].replace_one({"_id": tenant}, {"tenant": tenant, "revision": revision, "model": model.to_dict(),
                                                       "updated_at": svc.now(), **facts}, upsert=True)
    item_revision, _ = await _items(svc, tenant)
    svc.extras.setdefault(_CACHE, {})[tenant] = ((revision, item_revision), model)
    return revision


def _check_text(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed("请填写诉求内容", code="content_required")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"诉求内容过长（上限 {MAX_TEXT} 字）", code="content_too_long")
    return text.strip()


async def suggest(svc: Services, tenant: str, text: str) -> dict:
    """Department, township, item and type for ``text``, with confidence, evidence and matching articles."""
    text = _check_text(text)
    model = await model_for(svc, tenant)
    result = model.suggest(text).to_dict()
    label = result.pop("type")
    code = TYPE_BY_LABEL.get(label)
    result["type"] = {"code": code, "name": TYPES[code]} if code else None
    result["articles"] = (await knowledge.search(svc, tenant, text, 3))["results"]
    return result


async def record_correction(svc: Services, tenant: str, correction_id: str, text: str, department: str, *,
                            township: str = "", ticket_type: str = "", by: str = "", number: str = "",
                            suggested: str = "") -> dict:
    """Store one correction (one insert) and teach the stored model at once."""
    text = _check_text(text)
    if not await is_department(svc, tenant, department):
        raise ValidationFailed(f"承办部门“{department}”不存在或不属于本县", code="unknown_department")
    label = TYPES.get(ticket_type, "")
    doc = {"_id": f"{tenant}:{correction_id}", "tenant": tenant, "text": text, "department": department,
           "township": township, "type": label, "suggested": suggested, "number": number, "by": by, "at": svc.now()}
    await svc.db[CORRECTIONS].insert_one(doc)
    _, items = await _items(svc, tenant)
    model = Classifier.from_dict((await model_for(svc, tenant)).to_dict(), items)  # a copy: cached models stay as they are
    if department in model.by_code:
        model.add_correction(text, department, township or None, label or None)
        await _store_model(svc, tenant, model, corrections_applied=True)
    return {k: v for k, v in doc.items() if k != "_id"}


async def retrain(svc: Services, tenant: str) -> dict:
    """Rebuild the tenant's model from the seed tickets plus every stored correction."""
    corrections = [Example(c["text"], c["department"], c.get("township") or None, c.get("type") or None,
                           weight=CORRECTION_WEIGHT)
                   async for c in svc.db[CORRECTIONS].find({"tenant": tenant})]
    _, items = await _items(svc, tenant)
    departments = await tenant_departments(svc, tenant)
    model = await asyncio.to_thread(_trained, departments, items, corrections)
    trained_at = svc.now()
    revision = await _store_model(svc, tenant, model, trained_at=trained_at, corrections=len(corrections))
    log.info("hotline model of %s retrained with %d corrections", tenant, len(corrections))
    return {"tenant": tenant, "revision": revision, "corrections": len(corrections), "trained_at": trained_at}
