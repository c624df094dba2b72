"""Exemptions (减免): requested at the window with a reason, approved by a centre manager.

Only a slip whose every standard allows exemption can be exempted (``fees.check_exemptable``). The
request is ``fee_exemptions/{t}:{slip}`` (one per slip, decided by its insert) and waits in
``work/{t}:exemption:{slip}`` for a decision. The decision must come from a different person in a
different role (the centre manager); an approval settles the slip as ``exempted`` (the same referee
as a payment, so a slip is never both paid and exempted) and the case moves on by itself.
Supervisors read every request and its decision.
"""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from backend.domain import fees
from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.services import audit, casework, fee_slips, fee_window
from backend.services.case_actions import check_scope
from backend.services.context import Services
from backend.store import work

EXEMPTIONS = "fee_exemptions"
STATUS_LABELS = {"requested": "待审批", "approved": "已批准", "refused": "未批准"}
REQUESTER_ROLES = ("window_clerk",)
APPROVER_ROLE = "centre_manager"


def pending_key(tenant: str, slip: str) -> str:
    return work.key(tenant, "exemption", slip)


def _reason(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(message, code="reason_required")
    return text


async def request(svc: Services, tenant: str, principal: dict, slip: str, reason: str) -> dict:
    """申请减免: the window asks, with the reason; only where every standard on the slip allows it."""
    reason = _reason(reason, "申请减免必须说明理由")
    doc = await fee_window.payable(svc, tenant, slip)
    fees.check_exemptable(fee_slips.line_dicts(doc["lines"]))
    case, _ = await casework.load(svc, tenant, doc["number"])
    actor = await casework.staff_actor(svc, principal, "window_clerk")
    check_scope(principal, case, "window_clerk")
    entry = {"tenant": tenant, "slip": slip, "number": doc["number"], "item_name": doc["item_name"],
             "payer": doc["payer"], "total_fen": doc["total_fen"], "reason": reason, "status": "requested",
             "requested_by": actor.staff_id, "requested_by_name": actor.name, "requested_role": actor.role,
             "requested_at": svc.now(), "centre": case.app.centre}
    try:
        await svc.db[EXEMPTIONS].insert_one({"_id": fee_slips.slip_id(tenant, slip), **entry})
    except DuplicateKeyError:
        raise Conflict(f"缴款单 {slip} 已申请过减免", code="exemption_requested") from None
    await work.insert_once(svc.db, {"_id": pending_key(tenant, slip), **entry})
    await audit.record(svc, tenant, principal["id"], "fee.exemption_requested", {"slip": slip, "reason": reason})
    return view(entry)


async def decide(svc: Services, tenant: str, principal: dict, slip: str, approve: bool, note: str) -> dict:
    """审批减免: a centre manager who did not ask; an approval settles the slip and moves the case on."""
    found = await svc.db[EXEMPTIONS].find_one({"_id": fee_slips.slip_id(tenant, slip)})
    if found is None:
        raise NotFound("未找到该减免申请", code="exemption_not_found")
    if found["status"] != "requested":
        raise Conflict(f"该减免申请已{STATUS_LABELS[found['status']]}", code="exemption_decided")
    actor = await casework.staff_actor(svc, principal, APPROVER_ROLE)
    if actor.staff_id == found["requested_by"] or found["requested_role"] == APPROVER_ROLE:
        raise Forbidden("减免须由申请人以外的中心管理人员审批", code="same_person")
    note = _reason(note, "不批准减免必须说明理由") if not approve else (note or "").strip()
    case, _ = await casework.load(svc, tenant, found["number"])
    check_scope(principal, case, APPROVER_ROLE)
    if approve:
        doc = await fee_window.payable(svc, tenant, slip)
        settlement = await fee_window.claim(svc, doc, "exempted", actor, channel="exemption",
                                            reference=f"exemption:{slip}", reason=found["reason"])
        await fee_window.apply_settlement(svc, settlement)
    decided = {"status": "approved" if approve else "refused", "decided_by": actor.staff_id,
               "decided_by_name": actor.name, "decided_at": svc.now(), "note": note}
    await svc.db[EXEMPTIONS].update_one({"_id": found["_id"]}, {"$set": decided})
    await svc.db[work.WORK].delete_one({"_id": pending_key(tenant, slip)})
    await audit.record(svc, tenant, principal["id"], "fee.exemption_decided", {"slip": slip, "approve": approve})
    return view({**found, **decided})


def view(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["status_label"] = STATUS_LABELS[doc["status"]]
    out["total_yuan"] = fees.yuan(doc["total_fen"])
    return out


async def listing(svc: Services, tenant: str, pending_only: bool) -> dict:
    """待审批的减免 (the working set), or every request with its decision (for supervisors)."""
    if pending_only:
        found = await work.read_prefix(svc.db, work.key(tenant, "exemption", ""))
    else:
        found = await svc.db[EXEMPTIONS].find({"_id": work.prefix_range(f"{tenant}:")}).to_list(None)
    items = sorted((view(d) for d in found), key=lambda d: d["requested_at"], reverse=True)
    return {"items": items, "total": len(items)}


async def approved_for(svc: Services, tenant: str, slip: str) -> dict | None:
    """The approved request behind an exemption (the fee checks look for it)."""
    doc = await svc.db[EXEMPTIONS].find_one({"_id": fee_slips.slip_id(tenant, slip)})
    return doc if doc and doc["status"] == "approved" else None
