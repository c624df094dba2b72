"""Candidate violations (违规候选) raised by red cards, and the supervisor's decision on each.

Every red card opens one candidate ``violations/{tenant}:{card_id}`` (an insert: a re-run sweep
cannot open it twice) naming the four responsible levels (责任层级): the department, its head,
the approver and the window clerk. A supervisor (电子监察/纪委) confirms it against one level with
a reason, or dismisses it with a reason. The decision is claimed by inserting
``violation_decisions/{violation id}``: of two supervisors deciding at once exactly one wins
(FerretDB v1 gives no isolation to conditional updates; see docs/decisions/0003). Every decision is
written to the audit log.

Violation types (违规类型) come from ``violation_types.json`` (a selection of the county's list),
or from ``tenant_settings/{tenant}.violation_types`` when a tenant configures its own.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.services import audit
from backend.services.context import Services
from backend.store.indexes import declare

VIOLATIONS = "violations"
DECISIONS = "violation_decisions"
TYPES_FILE = Path(__file__).with_name("violation_types.json")
LEVELS = {"department": "责任部门", "department_head": "部门负责人", "approver": "审批人员", "window_clerk": "窗口人员"}
STATUS_LABELS = {"candidate": "待认定", "confirmed": "已认定违规", "dismissed": "已排除"}
TYPE_OF_CARD = {"overdue": "overdue", "step_overdue": "overdue", "acceptance_waiting": "acceptance_delay",
                "refused_without_reason": "refusal_without_reason", "fee_outside_standard": "illegal_fee",
                "fee_wrong_case": "illegal_fee", "exemption_unapproved": "illegal_fee"}

declare(VIOLATIONS, IndexModel([("tenant", ASCENDING), ("status", ASCENDING)], name="tenant_status"))


@functools.cache
def default_types() -> tuple[dict, ...]:
    return tuple(json.loads(TYPES_FILE.read_text(encoding="utf-8"))["types"])


async def violation_types(svc: Services, tenant: str) -> list[dict]:
    settings = await svc.db.tenant_settings.find_one({"_id": tenant}) or {}
    configured = settings.get("violation_types")
    if isinstance(configured, list) and all(isinstance(t, dict) and t.get("code") and t.get("name") for t in configured):
        return [dict(t) for t in configured]
    return [dict(t) for t in default_types()]


def violation_id(tenant: str, card_id: str) -> str:
    return f"{tenant}:{card_id}"


async def open_candidate(svc: Services, card: dict, responsible: dict) -> bool:
    """Open the candidate for a red card; False when it exists already (a re-run sweep)."""
    types = {t["code"]: t["name"] for t in await violation_types(svc, card["tenant"])}
    type_code = TYPE_OF_CARD.get(card["kind"], "overdue")
    doc = {
        "_id": violation_id(card["tenant"], card["_id"]), "tenant": card["tenant"], "card_id": card["_id"],
        "number": card["number"], "card_kind": card["kind"], "type": type_code, "type_name": types.get(type_code, type_code),
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
            raise ValidationFailed("请选择责任层级：责任部门、部门负责人、审批人员或窗口人员", code="bad_responsible_level")
        decision["responsible_level"] = level
        if body.get("type"):
            codes = {t["code"]: t["name"] for t in await violation_types(svc, tenant)}
            if body["type"] not in codes:
                raise ValidationFailed("未知的违规类型", code="bad_violation_type")
            decision.update(type=body["type"], type_name=codes[body["type"]])
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
