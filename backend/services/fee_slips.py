"""Payment slips (缴款单) the system issues, and what every fee step of a case derives.

A ``casework.DERIVERS`` entry (:func:`on_step`): when a case reaches its paying step
(``PaymentRequested``) or a slip is voided (``SlipVoided``), the slip in force is computed from the
fee standards of the item version the case was accepted under and the application's facts (the
form, corrected by reissues) and stored once, keyed by its number. Everything is keyed by ``_id``
and idempotent, so a repair derives it again harmlessly:

* ``fee_slips/{t}:{slip}``: the slip as issued (lines, total in fen, payer masked, due date, QR text);
* ``work/{t}:feeslip:{slip}``: the slips awaiting payment (the fee window's and the checks' working set);
* ``work/{t}:refund:{slip}``: refunds owed and not yet paid out;
* ``fee_ledger/{t}:{day}:{slip}:{fact}``: the day's facts (issued, voided, paid, exempted, refund_due,
  refunded) that the daily statement adds up, each from the case event that records it.

A case withdrawn while its slip was due voids that slip by the system (``fee_settlements`` insert,
losing harmlessly to a payment that got there first, which then records the refund owed).
"""

from __future__ import annotations

import logging
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from backend.domain import fees
from backend.domain.case_fees import slip_inputs
from backend.domain.case_model import FINISHED_STATES, Case
from backend.domain.clock import compute_deadline, to_shanghai
from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.identity import mask_name
from backend.services import catalog
from backend.services.calendar import load_calendar
from backend.services.context import Services
from backend.store import timers, work

log = logging.getLogger("sunshine.fees")

SLIPS, SETTLEMENTS, LEDGER = "fee_slips", "fee_settlements", "fee_ledger"
DUE_WORKING_DAYS = 5
QR_PREFIX = "S365PAY"
TIMER_KIND = "supervision"  # the sweep looks at a case when one of its supervision timers falls due
FACTS = {"issued": "开具", "voided": "作废", "paid": "缴费", "exempted": "减免", "refund_due": "应退费",
         "refunded": "已退费"}


def slip_id(tenant: str, slip: str) -> str:
    return f"{tenant}:{slip}"


def open_key(tenant: str, slip: str) -> str:
    return work.key(tenant, "feeslip", slip)


def refund_key(tenant: str, slip: str) -> str:
    return work.key(tenant, "refund", slip)


def qr_text(tenant: str, slip: str) -> str:
    """What a slip's QR code holds: read by the fee window's scanner or the mini-program's scan."""
    return f"{QR_PREFIX}:{tenant}:{slip}"


def day_of(moment: datetime) -> str:
    return to_shanghai(moment).date().isoformat()


def ledger_entry(tenant: str, slip: str, fact: str, at: datetime, number: str, amount_fen: int | None,
                 channel: str = "", reference: str = "") -> dict:
    day = day_of(at)
    return {"_id": f"{tenant}:{day}:{slip}:{fact}", "tenant": tenant, "day": day, "slip": slip, "number": number,
            "fact": fact, "at": at, "amount_fen": amount_fen, "channel": channel, "reference": reference}


async def compute_slip(svc: Services, case: Case, slip: str, form: dict, issued_at: datetime) -> dict:
    """The slip document: lines from the standards and facts, or the problem that keeps it from being paid."""
    tenant = case.app.tenant
    doc = {"_id": slip_id(tenant, slip), "tenant": tenant, "slip": slip, "number": case.number,
           "item_code": case.app.item_code, "item_name": case.app.item_name, "item_version": case.app.item_version,
           "payer": mask_name(case.app.applicant_name), "centre": case.app.centre, "issued_at": issued_at,
           "qr": qr_text(tenant, slip), "lines": [], "total_fen": None, "problem": ""}
    try:
        item = await catalog.item_version(svc, tenant, case.app.item_code, case.app.item_version)
        facts = slip_inputs(case, form)
        lines = fees.slip_lines(item.fees, facts)
    except (NotFound, ValidationFailed) as problem:
        doc["problem"] = f"{problem.message}，请窗口作废本单并按正确信息重新开具"
        return doc
    deadline = compute_deadline(await load_calendar(svc, tenant), issued_at, DUE_WORKING_DAYS, label="缴费期限")
    doc.update(lines=[line.to_doc() for line in lines], total_fen=fees.total_fen(lines),
               inputs={k: str(facts.get(k, "")) for k in fees.fee_inputs(item.fees)},
               due_date=deadline.facts.get("due_date") or "")
    return doc


def _open_entry(doc: dict) -> dict:
    return {k: doc.get(k) for k in ("tenant", "slip", "number", "item_name", "payer", "total_fen", "issued_at",
                                    "due_date", "centre", "problem")}


async def _issue(svc: Services, effects, slip: str, at: datetime) -> None:
    form = effects.extra.get("form") or (effects.before_doc or {}).get("form") or {}
    doc = await compute_slip(svc, effects.case, slip, form, at)
    effects.insert(SLIPS, doc)
    if effects.case.fee_slip == slip and effects.case.fee_state == "due":
        (effects.work.put if effects.repair else effects.work.add)(open_key(effects.tenant, slip), _open_entry(doc))
    effects.insert(LEDGER, ledger_entry(effects.tenant, slip, "issued", at, effects.case.number, doc["total_fen"]))


async def on_step(svc: Services, effects) -> None:
    """Issue the slip a paying step asks for; keep the fee window's working sets and the day's ledger."""
    case, tenant = effects.case, effects.tenant
    if not case.fee_slip:
        return
    for event in effects.events:
        data, number = event.data, case.number
        if event.type == "PaymentRequested":
            await _issue(svc, effects, data["slip"], event.at)
        elif event.type == "SlipVoided":
            effects.work.drop(open_key(tenant, data["slip"]))
            effects.insert(LEDGER, ledger_entry(tenant, data["slip"], "voided", event.at, number, None))
            await _issue(svc, effects, data["next_slip"], event.at)
        elif event.type in ("FeePaid", "FeeExempted"):
            fact = "paid" if event.type == "FeePaid" else "exempted"
            effects.work.drop(open_key(tenant, data["slip"]))
            effects.insert(LEDGER, ledger_entry(tenant, data["slip"], fact, event.at, number, data["amount_fen"],
                                                data["channel"], data["reference"]))
            timers.plan_schedule(effects.work, tenant, effects.now, f"{number}:check:fee:{event.seq}", TIMER_KIND,
                                 {"number": number, "scope": "check"}, not_before=effects.now)
        elif event.type == "RefundDue":
            effects.work.put(refund_key(tenant, data["slip"]), {
                "tenant": tenant, "slip": data["slip"], "number": number, "item_name": case.app.item_name,
                "payer": mask_name(case.app.applicant_name), "amount_fen": data["amount_fen"], "due_since": event.at})
            effects.insert(LEDGER, ledger_entry(tenant, data["slip"], "refund_due", event.at, number, data["amount_fen"]))
        elif event.type == "RefundCompleted":
            effects.work.drop(refund_key(tenant, data["slip"]))
            effects.insert(LEDGER, ledger_entry(tenant, data["slip"], "refunded", event.at, number, data["amount_fen"],
                                                "bank", data["reference"]))
    if case.state in FINISHED_STATES and case.fee_state == "due":
        effects.work.drop(open_key(tenant, case.fee_slip))
        effects.later.append(lambda: void_by_system(svc, case, effects.now))


async def void_by_system(svc: Services, case: Case, now: datetime) -> None:
    """A withdrawn case's slip in force can no longer be paid (a payment that won the race stays)."""
    tenant, slip = case.app.tenant, case.fee_slip
    try:
        await svc.db[SETTLEMENTS].insert_one({
            "_id": slip_id(tenant, slip), "tenant": tenant, "slip": slip, "number": case.number, "outcome": "voided",
            "amount_fen": None, "channel": "", "reference": "", "at": now, "by": "system", "by_name": "系统",
            "by_role": "system", "reason": "申请已撤回"})
    except DuplicateKeyError:
        return
    try:
        await svc.db[LEDGER].insert_one(ledger_entry(tenant, slip, "voided", now, case.number, None))
    except DuplicateKeyError:
        pass


# -- reading slips ------------------------------------------------------------------------------

async def slip_doc(svc: Services, tenant: str, slip: str) -> dict:
    doc = await svc.db[SLIPS].find_one({"_id": slip_id(tenant, slip)}) if fees.is_slip_number(slip) else None
    if doc is None:
        raise NotFound("未找到该缴款单，请核对缴款单号", code="slip_not_found")
    return doc


async def settlement_of(svc: Services, tenant: str, slip: str) -> dict | None:
    return await svc.db[SETTLEMENTS].find_one({"_id": slip_id(tenant, slip)})


def slip_view(doc: dict, settlement: dict | None, with_amounts: bool = True) -> dict:
    """What people see of a slip; without amounts (a stranger's progress lookup) only its state."""
    state = settlement["outcome"] if settlement else "due"
    view = {"slip": doc["slip"], "number": doc["number"], "item_name": doc["item_name"], "state": state,
            "state_label": fees.SLIP_STATES[state], "due_date": doc.get("due_date", "")}
    if not with_amounts:
        return view
    view.update(payer=doc["payer"], issued_at=doc["issued_at"], qr=doc["qr"], problem=doc.get("problem", ""),
                total_fen=doc["total_fen"], total_yuan=fees.yuan(doc["total_fen"]) if doc["total_fen"] is not None else "",
                lines=[{**line, "unit_yuan": fees.yuan(line["unit_fen"]), "amount_yuan": fees.yuan(line["amount_fen"])}
                       for line in doc["lines"]], inputs=doc.get("inputs", {}))
    if settlement:
        view["settlement"] = {k: settlement.get(k) for k in ("outcome", "channel", "reference", "at", "by_name", "reason")}
        view["settlement"]["channel_label"] = fees.CHANNELS.get(settlement.get("channel"), "")
    return view


def line_dicts(lines: list[dict]) -> list[fees.SlipLine]:
    return [fees.SlipLine.from_doc(line) for line in lines]
