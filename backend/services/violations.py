"""Candidate violations (违规候选) raised by red cards, and the supervisor's decision on each.

Every red card opens one candidate ``violations/{tenant}:{card_id}`` (an insert: a re-run sweep
cannot open it twice) naming the four responsible levels (责任层级): the department, its head,
the approver and the window clerk. A supervisor (电子监察/纪委) confirms it against one level with
a reason, or dismisses it with a reason. The decision is claimed by inserting
``violation_decisions/{violation id}``: of two supervisors deciding at once exactly one wins
(FerretDB v1 gives no isolation to conditional updates; see docs/decisions/0003). Every decision is
written to the audit log.

Violation types (违规类型): the county's accountability list over the four levels, each type linked
to the card kinds that can raise it (``backend.domain.violation_types``). Until a tenant saves its own
list (``tenant_settings/{tenant}.violation_types``, through :func:`save_types`), the sample list of 32
kinds in ``violation_types.json`` applies, labelled as sample data. A candidate starts with the type
linked to its card at the card's level; the supervisor may confirm it as another type of the level chosen.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from backend.domain import violation_types as rules
from backend.domain.cards import KIND_LABELS
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.services import audit, tenant_config
from backend.services.context import Services
from backend.store.indexes import declare

VIOLATIONS = "violations"
DECISIONS = "violation_decisions"
TYPES_FILE = Path(__file__).with_name("violation_types.json")
LEVELS = rules.LEVELS
STATUS_LABELS = {"candidate": "待认定", "confirmed": "已认定违规", "dismissed": "已排除"}

declare(VIOLATIONS, IndexModel([("tenant", ASCENDING), ("status", ASCENDING)], name="tenant_status"))


@functools.cache
def _sample() -> dict:
    return json.loads(TYPES_FILE.read_text(encoding="utf-8"))


def default_types() -> tuple[dict, ...]:
    """The sample list of 32 kinds (示例数据) that applies until a tenant saves its own."""
    return tuple(_sample()["types"])


def _configured(settings: dict) -> list[dict] | None:
    configured = settings.get("violation_types")
    if isinstance(configured, list) and configured and all(
            isinstance(t, dict) and t.get("code") and t.get("name") for t in configured):
        return [{"level": "department", "description": "", "card_kinds": [], **t} for t in configured]
    return None


async def violation_types(svc: Services, tenant: str) -> list[dict]:
    """The tenant's list (cached with its organisation), or the sample list."""
    configured = _configured((await tenant_config.org(svc, tenant)).settings)
    return configured if configured is not None else [dict(t) for t in default_types()]


async def types_view(svc: Services, tenant: str) -> dict:
    """The list with its labels, whether it is the sample, and how many kinds each level has."""
    settings = (await tenant_config.org(svc, tenant)).settings
    sample = _configured(settings) is None
    types = await violation_types(svc, tenant)
    return {"sample": sample, "note": _sample()["note"] if sample else "", "total": len(types),
            "levels": [{"code": k, "label": v, "count": n} for (k, v), n in
                       zip(LEVELS.items(), rules.counts_by_level(types).values())],
            "card_kinds": [{"code": k, "label": KIND_LABELS[k]} for k in rules.RAISING_CARDS],
            "types": [{**t, "level_label": LEVELS.get(t["level"], t["level"]),
                       "card_kind_labels": [KIND_LABELS.get(k, k) for k in t["card_kinds"]]} for t in types],
            "updated_at": settings.get("violation_types_updated_at"),
            "updated_by": settings.get("violation_types_updated_by", "")}


async def save_types(svc: Services, tenant: str, principal: dict, body: dict) -> dict:
    """Replace the tenant's whole list (the sample stops applying); audited, seen by every process."""
    types = rules.check_types(body.get("types"))
    await svc.db.tenant_settings.update_one(
        {"_id": tenant}, {"$set": {"tenant": tenant, "violation_types": types, "violation_types_updated_at": svc.now(),
                                   "violation_types_updated_by": principal.get("name", principal["id"])}}, upsert=True)
    await tenant_config.changed(svc, tenant, "org")
    await audit.record(svc, tenant, principal["id"], "violation_types.saved",
                       {"count": len(types), "by_level": rules.counts_by_level(types)})
    return await types_view(svc, tenant)


def violation_id(tenant: str, card_id: str) -> str:
    return f"{tenant}:{card_id}"


async def open_candidate(svc: Services, card: dict, responsible: dict) -> bool:
    """Open the candidate for a red card; False when it exists already (a re-run sweep)."""
    types = await violation_types(svc, card["tenant"])
    chosen = rules.type_for_card(types, card["kind"], card.get("detail", "")) or {
        "code": card["kind"], "name": card["kind"], "level": rules.card_level(card["kind"])}
    doc = {
        "_id": violation_id(card["tenant"], card["_id"]), "tenant": card["tenant"], "card_id": card["_id"],
        "number": card["number"], "card_kind": card["kind"], "type": chosen["code"], "type_name": chosen["name"],
        "type_level": chosen["level"],
        "department": card["department"], "item_name": card.get("item_name", ""), "raised_at": card["raised_at"],
        "responsible": responsible, "status": "candidate",
    }
    try:
        await svc.db[VIOLATIONS].insert_one(doc)
        return True
    except DuplicateKeyError:
        return False


def view(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["id"] = doc["_id"]
    out["status_label"] = STATUS_LABELS.get(doc.get("status"), doc.get("status"))
    out["responsible"] = [{"level": level, "level_label": label, **(doc.get("responsible") or {}).get(level, {})}
                          for level, label in LEVELS.items()]
    return out


async def list_violations(svc: Services, tenant: str, status: str = "", department: str = "",
                          page: int = 1, page_size: int = 20) -> dict:
    query = {"tenant": tenant}
    if status:
        query["status"] = status
    if department:
        query["department"] = department
    found = await svc.db[VIOLATIONS].find(query).to_list(None)
    found.sort(key=lambda d: (d["raised_at"], d["_id"]), reverse=True)
    start = (page - 1) * page_size
    return {"items": [view(d) for d in found[start:start + page_size]], "total": len(found), "page": page,
            "page_size": page_size, "types": await violation_types(svc, tenant),
            "levels": [{"code": k, "label": v} for k, v in LEVELS.items()]}


def _reason(body: dict) -> str:
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise ValidationFailed("认定或排除违规必须说明理由", code="reason_required")
    if len(reason) > 1000:
        raise ValidationFailed("理由不能超过 1000 字", code="reason_too_long")
    return reason


async def _decision(svc: Services, tenant: str, ident: str, body: dict, confirm: bool) -> dict:
    reason = _reason(body)
    decision = {"status": "confirmed" if confirm else "dismissed", "reason": reason}
    if confirm:
        level = str(body.get("responsible_level") or "")
        if level not in LEVELS:
            raise ValidationFailed("请选择责任层级：审批部门、部门负责人、审批人员或窗口工作人员", code="bad_responsible_level")
        decision["responsible_level"] = level
        if body.get("type"):
            known = {t["code"]: t for t in await violation_types(svc, tenant)}
            chosen = known.get(body["type"])
            if chosen is None:
                raise ValidationFailed("未知的违规类型", code="bad_violation_type")
            if chosen["level"] != level:
                raise ValidationFailed(f"“{chosen['name']}”属于{LEVELS[chosen['level']]}层级，与所选责任层级不一致",
                                       code="violation_level_mismatch")
            decision.update(type=chosen["code"], type_name=chosen["name"], type_level=chosen["level"])
    return decision


async def decide(svc: Services, tenant: str, ident: str, principal: dict, body: dict, confirm: bool) -> dict:
    """Confirm (认定) or dismiss (排除) a candidate; exactly one decision per candidate."""
    if not ident.startswith(f"{tenant}:"):
        raise NotFound("未找到该违规候选", code="violation_not_found")
    doc = await svc.db[VIOLATIONS].find_one({"_id": ident})
    if doc is None:
        raise NotFound("未找到该违规候选", code="violation_not_found")
    decision = await _decision(svc, tenant, ident, body, confirm)
    decision.update(decided_by=principal["id"], decided_by_name=principal.get("name", ""), decided_at=svc.now())
    try:
        await svc.db[DECISIONS].insert_one({"_id": ident, "tenant": tenant, **decision})
    except DuplicateKeyError:
        earlier = await svc.db[DECISIONS].find_one({"_id": ident}) or {}
        await _apply(svc, ident, {k: v for k, v in earlier.items() if k not in ("_id", "tenant")})
        raise Conflict("该违规候选已被认定或排除，请刷新后查看", code="violation_decided") from None
    await _apply(svc, ident, decision)
    await audit.record(svc, tenant, principal["id"], f"violation.{decision['status']}",
                       {"violation": ident, "number": doc["number"], "reason": decision["reason"],
                        "responsible_level": decision.get("responsible_level", "")})
    return view(await svc.db[VIOLATIONS].find_one({"_id": ident}))


async def _apply(svc: Services, ident: str, decision: dict) -> None:
    await svc.db[VIOLATIONS].update_one({"_id": ident}, {"$set": decision})
