"""The fee steps of a case (办件缴费环节): a slip settled, a slip voided and reissued, a refund made.

A case whose item charges waits in ``awaiting_payment`` (待缴费) from ``PaymentRequested`` (see
``cases.accept`` and the approving commands) with the statutory clock paused. When its slip in force
is paid or exempted, :func:`settle` records it and moves the case on by itself: back to where it
waited from and, when it waited right after acceptance, on to its departments. A payment that
arrives after the case was withdrawn or refused is recorded together with the refund it makes due.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Mapping

from backend.domain.case_model import SYSTEM, Actor, Case, Kind, State, Step
from backend.domain.cases import _commit, _need_role, _need_state, _need_text, _spec, _utc, start_review
from backend.domain.errors import Conflict, IllegalTransition, ValidationFailed
from backend.domain.fees import CHANNELS, slip_number, slip_sequence
from backend.domain.posts import Post

SETTLED_EVENTS = {"paid": "FeePaid", "exempted": "FeeExempted"}


def settle(case: Case, actor: Actor, now: datetime, slip: str, outcome: str, amount_fen: int, channel: str,
           reference: str = "", posts: Mapping[str, Post] | None = None) -> Step:
    """缴费或减免: record the settled slip on the case and move it on; a repeat changes nothing."""
    if outcome not in SETTLED_EVENTS or channel not in CHANNELS:
        raise ValidationFailed("缴费结果或缴费渠道不正确", code="bad_settlement")
    if case.fee_state in ("paid", "exempted") and case.fee_slip == slip:
        return Step(case, ())  # recorded before (a replayed notification, a repair)
    if slip != case.fee_slip:
        raise Conflict(f"缴款单 {slip} 已不是本办件当前的缴款单", code="slip_not_current")
    now = _utc(now)
    data = {"slip": slip, "amount_fen": amount_fen, "channel": channel, "reference": reference}
    if case.state != State.AWAITING_PAYMENT:  # withdrawn or refused while the money was on its way
        specs = [_spec(SETTLED_EVENTS[outcome], case.state, **data)]
        if outcome == "paid":
            specs.append(_spec("RefundDue", case.state, "办件已撤回或未获准予，已缴费用应予退还", slip=slip,
                               amount_fen=amount_fen))
        return _commit(case, actor, now, specs)
    step = _commit(case, actor, now, [_spec(SETTLED_EVENTS[outcome], case.paused_from, **data)])
    if step.case.state == State.ACCEPTED and step.case.kind != Kind.IMMEDIATE:
        if posts is None:
            raise ValueError("the departments' posts are needed to move an accepted case on")
        step = step.then(start_review(step.case, SYSTEM, now, posts))
    return step


def void_slip(case: Case, actor: Actor, now: datetime, reason: str, inputs: Mapping[str, str] | None = None) -> Step:
    """作废缴款单: the slip in force is voided with its reason and the system issues the next one,
    computed again from the standard and the application's facts (``inputs`` corrects those facts)."""
    _need_role(actor, {"window_clerk", "centre_manager"}, "作废缴款单")
    _need_state(case, {State.AWAITING_PAYMENT}, "作废缴款单")
    if case.fee_state != "due":
        raise IllegalTransition("缴款单已结清，不能作废", code="slip_settled")
    reason = _need_text(reason, "作废缴款单必须说明理由")
    facts = {str(k): str(v).strip() for k, v in (inputs or {}).items()}
    following = slip_number(case.number, slip_sequence(case.fee_slip) + 1)
    spec = _spec("SlipVoided", case.state, reason, slip=case.fee_slip, next_slip=following,
                 inputs=json.dumps(facts, ensure_ascii=False, sort_keys=True))
    return _commit(case, actor, _utc(now), [spec])


def complete_refund(case: Case, actor: Actor, now: datetime, reference: str) -> Step:
    """退费完成: the fee window records the bank's reference of the refund it paid out."""
    _need_role(actor, {"fee_window"}, "登记退费")
    if not case.refund_due_fen:
        raise IllegalTransition("本办件没有应退费用", code="no_refund_due")
    if case.refunded_at is not None:
        raise IllegalTransition("本办件的退费已登记，不能重复登记", code="refund_completed")
    reference = _need_text(reference, "请填写退费的银行交易流水号", "reference_required")
    spec = _spec("RefundCompleted", case.state, slip=case.fee_slip, amount_fen=case.refund_due_fen, reference=reference)
    return _commit(case, actor, _utc(now), [spec])


def slip_inputs(case: Case, form: Mapping) -> dict:
    """The application's facts a slip is computed from: the form, corrected by every reissue."""
    facts = dict(form)
    for event in case.events:
        if event.type == "SlipVoided":
            facts.update(json.loads(event.data.get("inputs") or "{}"))
    return facts
