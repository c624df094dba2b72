"""The fee window (银行收费窗口) and every settlement of a slip: paid, exempted or voided, exactly once.

A slip is settled by inserting ``fee_settlements/{t}:{slip}`` (the referee: paying twice, paying a
voided slip, voiding a paid one all lose to the first insert, on MongoDB and FerretDB alike). The
settlement carries everything needed to record it on the case, so :func:`apply_settlement` can be
run again by the fee checks when a process died between the two writes. The amount is always the
slip's total as the system computed it; no request carries an amount.
"""

from __future__ import annotations

import json
import re

from pymongo.errors import DuplicateKeyError

from backend.domain import case_fees, fees
from backend.domain.case_model import SYSTEM, Actor, Case, Kind, State, Step
from backend.domain.errors import Conflict, ValidationFailed
from backend.services import audit, casework, catalog, fee_slips
from backend.services.context import Services
from backend.store import snapshots, work

SLIP_IN_TEXT = re.compile(r"[0-9]{6}-[0-9]{8}-[0-9]{5,}-[0-9]{2}")
REFERENCE = re.compile(r"^[0-9A-Za-z_-]{4,64}$")


def slip_from_text(text: str) -> str:
    """A slip number typed in, or read by a scanner from the slip's QR code (``S365PAY:tenant:slip``)."""
    found = SLIP_IN_TEXT.search(text or "")
    if not found:
        raise ValidationFailed("请输入或扫描缴款单号", code="slip_required")
    return found.group(0)


def _conflict(existing: dict, wanted: str) -> Conflict:
    slip, outcome = existing["slip"], existing["outcome"]
    if outcome == "paid":
        return Conflict(f"缴款单 {slip} 已于{fee_slips.day_of(existing['at'])}缴费（{fees.CHANNELS.get(existing['channel'], '')}），"
                        "不能重复缴费" if wanted == "paid" else f"缴款单 {slip} 已缴费，不能{_verb(wanted)}", code="slip_paid")
    if outcome == "voided":
        return Conflict(f"缴款单 {slip} 已作废，不能{_verb(wanted)}，请使用新开具的缴款单", code="slip_voided")
    return Conflict(f"缴款单 {slip} 已减免，不能{_verb(wanted)}", code="slip_exempted")


def _verb(outcome: str) -> str:
    return {"paid": "缴费", "voided": "作废", "exempted": "减免"}[outcome]


async def claim(svc: Services, slip_doc: dict, outcome: str, actor: Actor, **fields) -> dict:
    """Insert the settlement; the same settlement again (a replayed notification) is returned as it was."""
    tenant, slip = slip_doc["tenant"], slip_doc["slip"]
    doc = {"_id": fee_slips.slip_id(tenant, slip), "tenant": tenant, "slip": slip, "number": slip_doc["number"],
           "outcome": outcome, "amount_fen": slip_doc["total_fen"] if outcome == "paid" else 0, "channel": "",
           "reference": "", "at": svc.now(), "by": actor.staff_id, "by_name": actor.name, "by_role": actor.role,
           "by_post": actor.post_id, "reason": "", "inputs": "{}", **fields}
    try:
        await svc.db[fee_slips.SETTLEMENTS].insert_one(doc)
        return doc
    except DuplicateKeyError:
        existing = await fee_slips.settlement_of(svc, tenant, slip)
    if existing and existing["outcome"] == outcome and (existing["reference"], existing["by"]) == (doc["reference"], doc["by"]):
        return existing
    raise _conflict(existing, outcome)


def _settling_actor(settlement: dict) -> Actor:
    if settlement["by_role"] == "system":
        return SYSTEM
    return Actor(settlement["by"], settlement["by_name"], settlement["by_role"], settlement.get("by_post", ""))


async def apply_settlement(svc: Services, settlement: dict) -> Case:
    """Record a settlement on its case (idempotent): FeePaid / FeeExempted and moving on, or SlipVoided."""
    tenant, number, slip = settlement["tenant"], settlement["number"], settlement["slip"]
    actor = _settling_actor(settlement)

    async def decide(case: Case, doc: dict):
        if settlement["outcome"] == "voided":
            if case.fee_slip != slip or case.state != State.AWAITING_PAYMENT:
                return Step(case, ())  # voided before, or by the system when the case was withdrawn
            return case_fees.void_slip(case, actor, svc.now(), settlement["reason"], json.loads(settlement["inputs"]))
        posts = None
        if case.state == State.AWAITING_PAYMENT and case.paused_from == State.ACCEPTED and case.kind != Kind.IMMEDIATE:
            posts = await casework.approval_posts(svc, tenant, case.app.departments)
        return case_fees.settle(case, actor, svc.now(), slip, settlement["outcome"], settlement["amount_fen"],
                                settlement["channel"], settlement["reference"], posts)

    case, _ = await casework.run(svc, tenant, number, decide)
    return case


async def payable(svc: Services, tenant: str, slip: str) -> dict:
    """The slip, if it can be paid now; a clear refusal otherwise."""
    doc = await fee_slips.slip_doc(svc, tenant, slip)
    settled = await fee_slips.settlement_of(svc, tenant, slip)
    if settled:
        raise _conflict(settled, "paid")
    if doc["total_fen"] is None:
        raise ValidationFailed(f"缴款单 {slip} 无法缴费：{doc['problem']}", code="slip_incomplete")
    return doc


async def pay_at_bank(svc: Services, tenant: str, principal: dict, text: str, reference: str) -> dict:
    """银行窗口收款: the slip's own total, recorded with the bank's transaction reference; paid once."""
    reference = (reference or "").strip()
    if not REFERENCE.match(reference):
        raise ValidationFailed("请填写银行交易流水号（4-64 位字母、数字、- 或 _）", code="reference_required")
    actor = await casework.staff_actor(svc, principal, "fee_window")
    doc = await payable(svc, tenant, slip_from_text(text))
    settlement = await claim(svc, doc, "paid", actor, channel="bank", reference=reference)
    await apply_settlement(svc, settlement)
    await audit.record(svc, tenant, principal["id"], "fee.paid", {"slip": doc["slip"], "reference": reference})
    return await slip_with_case(svc, tenant, doc["slip"])


async def void(svc: Services, tenant: str, principal: dict, slip: str, reason: str, inputs: dict[str, str]) -> dict:
    """作废并重开: decided against a payment by the settlement insert; the case then gets the next slip."""
    doc = await fee_slips.slip_doc(svc, tenant, slip)
    case, _ = await casework.load(svc, tenant, doc["number"])
    from backend.services.case_actions import check_scope

    role = "window_clerk" if "window_clerk" in principal.get("roles", []) else "centre_manager"
    actor = await casework.staff_actor(svc, principal, role)
    check_scope(principal, case, role)
    if case.fee_slip != slip:
        raise Conflict(f"缴款单 {slip} 已不是本办件当前的缴款单（当前为 {case.fee_slip}）", code="slip_not_current")
    item = await catalog.item_version(svc, tenant, case.app.item_code, case.app.item_version)
    unknown = sorted(set(inputs) - set(fees.fee_inputs(item.fees)))
    if unknown:
        raise ValidationFailed(f"收费标准不使用这些信息：{'、'.join(unknown)}", code="unknown_fee_input")
    case_fees.void_slip(case, actor, svc.now(), reason, inputs)  # every rule checked before the insert
    settlement = await claim(svc, doc, "voided", actor, reason=reason.strip(),
                             inputs=json.dumps(inputs, ensure_ascii=False, sort_keys=True))
    case = await apply_settlement(svc, settlement)
    await audit.record(svc, tenant, principal["id"], "fee.voided", {"slip": slip, "reason": reason.strip()})
    return await slip_with_case(svc, tenant, case.fee_slip)


async def complete_refund(svc: Services, tenant: str, principal: dict, slip: str, reference: str) -> dict:
    """退费: the fee window records the refund it paid out, with the bank's reference."""
    actor = await casework.staff_actor(svc, principal, "fee_window")
    doc = await fee_slips.slip_doc(svc, tenant, slip)
    case = await casework.act(svc, tenant, doc["number"], case_fees.complete_refund, actor, svc.now(), reference)
    await audit.record(svc, tenant, principal["id"], "fee.refunded", {"slip": slip, "reference": reference})
    return {"number": case.number, "slip": slip, "refund_due_fen": case.refund_due_fen, "refunded_at": case.refunded_at}


async def slip_with_case(svc: Services, tenant: str, slip: str) -> dict:
    """The slip and the state of its case, for the fee window."""
    doc = await fee_slips.slip_doc(svc, tenant, slip)
    view = fee_slips.slip_view(doc, await fee_slips.settlement_of(svc, tenant, slip))
    case_doc = await snapshots.read(svc.db.cases, f"{tenant}:{doc['number']}")
    view["case_state"] = (case_doc or {}).get("state", "")
    view["current_slip"] = (case_doc or {}).get("fee_slip", "")
    return view


async def find(svc: Services, tenant: str, text: str) -> dict:
    return await slip_with_case(svc, tenant, slip_from_text(text))


async def work_list(svc: Services, tenant: str, kind: str) -> list[dict]:
    """The slips awaiting payment (``feeslip``) or the refunds owed (``refund``), oldest first."""
    entries = await work.read_prefix(svc.db, work.key(tenant, kind, ""))
    for entry in entries:
        entry.pop("_id", None)
        for key in ("total_fen", "amount_fen"):
            if entry.get(key) is not None:
                entry[key.replace("_fen", "_yuan")] = fees.yuan(entry[key])
    return sorted(entries, key=lambda e: str(e.get("issued_at") or e.get("due_since")))
