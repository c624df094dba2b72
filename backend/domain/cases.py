"""Case pipeline (办件流程): one state machine for every channel and item kind.

Kinds: immediate 即办件 (decided at the window in the same visit), promised 承诺件
(one department decides within the promised days), joint 联办件 (并联审批: every
department gets its task at once; approved when all approve, refused when one
refuses), report_up 上报件 (the county does its part, forwards it to the higher
authority and records the reply).

Each command (``accept``, ``approve_task`` ...) checks who may do it and when,
and returns a ``Step``: the new case and the hash-chained events it appended.
``apply`` folds one event into a case, so ``replay(events)`` rebuilds any case.
The state machine computes no deadlines; it records the facts the clock needs
(accepted_at, task opened/closed, pauses with start/end/reason, decided_at ...).

The snapshot, the fold and the stored documents live in ``case_model``; A/B posts in
``posts``. Every public name of both is re-exported here, so ``cases.Case``,
``cases.apply``, ``cases.Post`` ... keep working.

    submitted --accept--> accepted --start_review--> in_review --(all approve)--> approved
      |--reject--> rejected                            |  \\--(one refuses)--> refused
      |--request_supplement--> supplement_requested --resubmit--> submitted
    in_review <--pause / resume--> paused
    in_review --request_review_supplement (once per case)--> review_supplement --resubmit--> in_review
    accepted (immediate) --decide_at_window--> approved | refused
    approved (report_up) --forward--> forwarded --record_reply--> reply_recorded
    approved | refused | reply_recorded --dispatch_result--> delivering --confirm_delivery--> delivered
      (window delivery may be confirmed straight from the decision)
    submitted .. paused --withdraw--> withdrawn
"""

from __future__ import annotations

# Besides what the commands use, this block re-exports every public name the module had
# before it was split (the model, the posts, and incidental helpers such as ``replace``).
from dataclasses import asdict, dataclass, field, fields, replace  # noqa: F401
from datetime import datetime, timezone
from enum import StrEnum  # noqa: F401
from typing import Mapping, Sequence

from backend.domain import trail
from backend.domain.case_model import (  # noqa: F401
    CHANNEL_ROLES, FINISHED_STATES, PAUSE_KINDS, PAUSE_LABELS, PAYMENT, REVIEW_SUPPLEMENT, ROLE_NAMES, STATE_LABELS,
    SUPPLEMENT, SYSTEM, TASK_LABELS,
    Actor, Application, Case, Channel, DeliveryMethod, Kind, Pause, State, Step, Task, TaskState,
    apply, case_from_document, case_to_document, replay, step_update,
)
from backend.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed  # noqa: F401
from backend.domain.fees import slip_number
from backend.domain.numbering import CHINA_TIME, case_id, is_query_code, parse_case_number  # noqa: F401
from backend.domain.posts import Absence, Post, mark_away, mark_back, route_task  # noqa: F401
from backend.domain.roles import ROLE_LABELS  # noqa: F401
from backend.domain.trail import Event, event_from_document, event_to_document  # noqa: F401


# -- building steps ------------------------------------------------------------------------

def _spec(type_: str, to_state: str, reason: str = "", **data) -> tuple:
    return type_, str(to_state), reason, data


def _commit(case: Case | None, actor: Actor, now: datetime, specs: Sequence[tuple],
            number: str = "") -> Step:
    """Turns specs into chained events, applies them and returns the step."""
    state = case.state if case else ""
    drafts = []
    for type_, to_state, reason, data in specs:
        drafts.append(Event(type=type_, at=now, actor_id=actor.staff_id, actor_name=actor.name,
                            actor_role=actor.role, actor_post=actor.post_id,
                            actor_department=actor.department, from_state=state, to_state=to_state,
                            reason=reason, data=data))
        state = to_state
    events = trail.chain(number or case.number, drafts, case.events[-1] if case and case.events else None)
    for event in events:
        case = apply(case, event)
    return Step(case, events)


def _need_role(actor: Actor, roles: set[str], action: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"{ROLE_NAMES[actor.role]}无权{action}", code="role_not_allowed")


def _need_state(case: Case, states: set[str], action: str) -> None:
    if case.state in states:
        return
    before_acceptance = {State.SUBMITTED, State.SUPPLEMENT_REQUESTED}
    if case.state in before_acceptance and not states & before_acceptance:
        raise IllegalTransition(f"办件尚未受理，不能{action}")
    raise IllegalTransition(f"办件当前状态为“{STATE_LABELS[case.state]}”，不能{action}")


def _need_text(value: str, message: str, code: str = "reason_required") -> str:
    if not (value or "").strip():
        raise ValidationFailed(message, code=code)
    return value.strip()


def _need_case_department(case: Case, actor: Actor, action: str) -> None:
    if actor.role == "dept_approver" and case.task(actor.department) is None:
        raise Forbidden(f"本办件不涉及您所在部门，不能{action}", code="wrong_department")


def _payment(case: Case, stage: str) -> list[tuple]:
    """缴费: when the item version charges at this stage, the case waits for its first slip (待缴费)."""
    if case.app.fee_stage != stage or case.fee_slip:
        return []
    return [_spec("PaymentRequested", State.AWAITING_PAYMENT, slip=slip_number(case.number, 1), stage=stage)]


def _refund(case: Case, state: str) -> list[tuple]:
    """A case refused or withdrawn after its fee was paid owes the applicant a refund (应退费)."""
    if case.fee_state != "paid" or case.refund_due_fen:
        return []
    return [_spec("RefundDue", state, "办件未获准予或已撤回，已缴费用应予退还", slip=case.fee_slip,
                  amount_fen=case.fee_paid_fen)]


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


# -- intake at the window (一窗受理) ----------------------------------------------------------

def _check_application(app: Application) -> None:
    parse_case_number(app.number)
    if not is_query_code(app.query_code):
        raise ValidationFailed("查询码不正确", code="bad_query_code")
    if app.kind not in set(Kind) or app.channel not in set(Channel):
        raise ValidationFailed("办件类型或受理渠道不正确", code="bad_application")
    if app.delivery_method not in set(DeliveryMethod):
        raise ValidationFailed("送达方式不正确", code="bad_delivery_method")
    _need_text(app.applicant_name, "请填写申请人姓名或名称", "applicant_required")
    if len(set(app.departments)) != len(app.departments) or not all(app.departments):
        raise ValidationFailed("办理部门重复或为空", code="bad_departments")
    if app.kind == Kind.JOINT and len(app.departments) < 2:
        raise ValidationFailed("联办件至少需要两个联办部门", code="bad_departments")
    if app.kind in (Kind.PROMISED, Kind.REPORT_UP) and len(app.departments) != 1:
        raise ValidationFailed("承诺件和上报件由一个部门办理", code="bad_departments")
    if app.kind == Kind.REPORT_UP:
        _need_text(app.higher_authority, "上报件必须写明上报机关", "higher_authority_required")
    if app.delivery_method == DeliveryMethod.POST:
        _need_text(app.delivery_address, "邮寄送达必须填写收件地址", "address_required")


def submit(app: Application, actor: Actor, now: datetime) -> Step:
    """Opens a case; a proxy (代办) submission records the information officer as submitter."""
    if actor.role not in CHANNEL_ROLES[app.channel] | {"system"}:
        raise Forbidden(f"{ROLE_NAMES[actor.role]}不能通过该渠道提交申请", code="role_not_allowed")
    _check_application(app)
    spec = _spec("CaseSubmitted", State.SUBMITTED, **app.to_data())
    return _commit(None, actor, _utc(now), [spec], number=app.number)


def accept(case: Case, actor: Actor, now: datetime) -> Step:
    """受理: the window takes the application; the promised-time clock starts here."""
    _need_role(actor, {"window_clerk"}, "受理")
    _need_state(case, {State.SUBMITTED}, "受理")
    return _commit(case, actor, _utc(now), [_spec("CaseAccepted", State.ACCEPTED), *_payment(case, "acceptance")])


def reject(case: Case, actor: Actor, now: datetime, reason: str) -> Step:
    """不予受理, with the reason the applicant is told."""
    _need_role(actor, {"window_clerk"}, "作出不予受理决定")
    _need_state(case, {State.SUBMITTED}, "作出不予受理决定")
    reason = _need_text(reason, "不予受理必须说明理由")
    return _commit(case, actor, _utc(now), [_spec("CaseRejected", State.REJECTED, reason)])


def _supplement_list(materials: Sequence[str]) -> tuple[str, ...]:
    """The materials to supply, each named once on its own line (一次性告知: one complete list)."""
    wanted = tuple(dict.fromkeys(m.strip() for m in materials if m and m.strip()))
    if not wanted or any("\n" in m for m in wanted):
        raise ValidationFailed("请逐项列出需要补正的材料", code="materials_required")
    return wanted


def request_supplement(case: Case, actor: Actor, now: datetime, materials: Sequence[str],
                       reason: str = "") -> Step:
    """一次性告知补正: one complete list; a later request may not add anything new."""
    _need_role(actor, {"window_clerk"}, "要求补正")
    _need_state(case, {State.SUBMITTED}, "要求补正")
    wanted = _supplement_list(materials)
    added = [m for m in wanted if case.requested_materials and m not in case.requested_materials]
    if added:
        raise IllegalTransition(f"补正材料须一次性告知，不能新增“{'、'.join(added)}”",
                                code="supplement_not_one_time")
    spec = _spec("SupplementRequested", State.SUPPLEMENT_REQUESTED, reason.strip(),
                 materials="\n".join(wanted), count=len(wanted))
    return _commit(case, actor, _utc(now), [spec])


def request_review_supplement(case: Case, actor: Actor, now: datetime, materials: Sequence[str],
                              reason: str) -> Step:
    """审查中补正: the deciding department finds a document missing during review.

    Once per case and one complete list (the 一次性告知 rule: nothing can be asked later), by an
    approver of a department whose task is still open; the promised-time clock stops until the
    applicant resubmits (a statutory pause, 行政许可法 art. 45), and review resumes then.
    """
    task = _own_open_task(case, actor, "要求补正")
    earlier = case.review_supplement
    if earlier is not None:
        raise IllegalTransition(f"审查期间的补正已于{_day(earlier.started_at)}一次性告知，不能再次要求补正",
                                code="supplement_not_one_time")
    wanted = _supplement_list(materials)
    reason = _need_text(reason, "审查期间要求补正必须说明理由")
    spec = _spec("ReviewSupplementRequested", State.REVIEW_SUPPLEMENT, reason, department=task.department,
                 materials="\n".join(wanted), count=len(wanted))
    return _commit(case, actor, _utc(now), [spec])


def _day(moment: datetime) -> str:
    return moment.astimezone(CHINA_TIME).strftime("%Y年%m月%d日")


def resubmit(case: Case, actor: Actor, now: datetime, note: str = "") -> Step:
    """补正后重新提交: before acceptance the case waits for acceptance again; during review, review resumes."""
    _need_role(actor, {"citizen", "info_officer", "window_clerk", "operator"}, "提交补正材料")
    _need_state(case, {State.SUPPLEMENT_REQUESTED, State.REVIEW_SUPPLEMENT}, "提交补正材料")
    to_state = State.IN_REVIEW if case.state == State.REVIEW_SUPPLEMENT else State.SUBMITTED
    return _commit(case, actor, _utc(now), [_spec("CaseResubmitted", to_state, note.strip())])


def withdraw(case: Case, actor: Actor, now: datetime, reason: str = "") -> Step:
    """撤回申请 by the applicant (or for them); open tasks are cancelled."""
    _need_role(actor, {"citizen", "window_clerk", "info_officer"}, "撤回申请")
    _need_state(case, {State.SUBMITTED, State.SUPPLEMENT_REQUESTED, State.ACCEPTED, State.IN_REVIEW,
                       State.PAUSED, State.REVIEW_SUPPLEMENT, State.AWAITING_PAYMENT}, "撤回申请")
    specs = [_spec("TaskCancelled", case.state, "申请人撤回", department=t.department) for t in case.open_tasks]
    specs += [_spec("CaseWithdrawn", State.WITHDRAWN, reason.strip()), *_refund(case, State.WITHDRAWN)]
    return _commit(case, actor, _utc(now), specs)


# -- behind the window (内部运作) ------------------------------------------------------------

def start_review(case: Case, actor: Actor, now: datetime, posts: Mapping[str, Post]) -> Step:
    """Gives every department its task at the same moment, each addressed to its post."""
    _need_role(actor, {"window_clerk", "centre_manager", "system"}, "分派审批任务")
    _need_state(case, {State.ACCEPTED}, "分派审批任务")
    if case.kind == Kind.IMMEDIATE:
        raise IllegalTransition("即办件由窗口当场办结，不分派部门审批任务")
    now, specs = _utc(now), []
    for department in case.app.departments:
        post = posts.get(department)
        if post is None or post.department != department:
            raise ValidationFailed(f"部门“{department}”未设置审批岗位", code="post_missing")
        specs.append(_spec("TaskAssigned", State.IN_REVIEW, department=department, post_id=post.post_id,
                           assignee_id=route_task(post, now)))
    return _commit(case, actor, now, specs)


def decide_at_window(case: Case, actor: Actor, now: datetime, approve: bool, reason: str = "") -> Step:
    """即办件: the window clerk decides in the same visit."""
    _need_role(actor, {"window_clerk"}, "当场办结")
    if case.kind != Kind.IMMEDIATE:
        raise IllegalTransition("只有即办件可以由窗口当场办结，其他办件须由部门审批")
    _need_state(case, {State.ACCEPTED}, "当场办结")
    if approve:
        return _commit(case, actor, _utc(now), [_spec("CaseApproved", State.APPROVED, reason.strip(), at_window=True),
                                                *_payment(case, "decision")])
    reason = _need_text(reason, "不予办理必须说明理由")
    return _commit(case, actor, _utc(now), [_spec("CaseRefused", State.REFUSED, reason, at_window=True),
                                            *_refund(case, State.REFUSED)])


def _own_open_task(case: Case, actor: Actor, action: str) -> Task:
    _need_role(actor, {"dept_approver"}, action)
    _need_state(case, {State.IN_REVIEW}, action)
    task = case.task(actor.department)
    if task is None:
        raise Forbidden("本办件没有分派给您所在部门的审批任务，不能办理其他部门的任务", code="wrong_department")
    if actor.post_id != task.post_id:
        raise Forbidden(f"该任务分派给岗位“{task.post_id}”，您不在该岗位", code="wrong_post")
    if task.state != TaskState.OPEN:
        raise IllegalTransition(f"本部门的审批任务已办结（{TASK_LABELS[task.state]}），不能重复办理",
                                code="task_finished")
    return task


def approve_task(case: Case, actor: Actor, now: datetime, opinion: str = "") -> Step:
    """The department agrees; the case is approved once every department has agreed."""
    task = _own_open_task(case, actor, "审批")
    specs = [_spec("TaskApproved", State.IN_REVIEW, department=task.department, opinion=opinion.strip())]
    if all(t.state == TaskState.APPROVED for t in case.tasks if t.department != task.department):
        specs.append(_spec("CaseApproved", State.APPROVED))
        specs += _payment(case, "decision") if case.kind != Kind.REPORT_UP else []
    return _commit(case, actor, _utc(now), specs)


def refuse_task(case: Case, actor: Actor, now: datetime, reason: str) -> Step:
    """One department refusing refuses the case; the other departments' open tasks are cancelled."""
    task = _own_open_task(case, actor, "审批")
    reason = _need_text(reason, "审批不同意必须说明理由")
    specs = [_spec("TaskRefused", State.IN_REVIEW, reason, department=task.department)]
    specs += [_spec("TaskCancelled", State.IN_REVIEW, "其他部门不同意", department=t.department)
              for t in case.open_tasks if t.department != task.department]
    specs += [_spec("CaseRefused", State.REFUSED, reason, department=task.department), *_refund(case, State.REFUSED)]
    return _commit(case, actor, _utc(now), specs)


def pause(case: Case, actor: Actor, now: datetime, kind: str, reason: str) -> Step:
    """法定暂停: hearing, expert review, inspection or public notice stop the clock."""
    _need_role(actor, {"dept_approver", "centre_manager"}, "暂停计时")
    _need_case_department(case, actor, "暂停计时")
    _need_state(case, {State.IN_REVIEW}, "暂停计时")
    if kind not in PAUSE_KINDS:
        raise ValidationFailed("暂停计时只适用于听证、专家评审、现场勘查或检验检测、公示", code="bad_pause_kind")
    reason = _need_text(reason, "暂停计时必须说明理由")
    return _commit(case, actor, _utc(now), [_spec("CasePaused", State.PAUSED, reason, kind=kind)])


def resume(case: Case, actor: Actor, now: datetime, note: str = "") -> Step:
    _need_role(actor, {"dept_approver", "centre_manager"}, "恢复计时")
    _need_case_department(case, actor, "恢复计时")
    _need_state(case, {State.PAUSED}, "恢复计时")
    return _commit(case, actor, _utc(now), [_spec("CaseResumed", case.paused_from, note.strip())])


def hand_over(case: Case, post: Post, actor: Actor, now: datetime) -> Step:
    """AB岗: moves the post's open tasks from a holder who is away, or who no longer holds the post
    (调岗), to whoever covers now."""
    _need_role(actor, {"centre_manager", "system"}, "移交任务")
    now, specs = _utc(now), []
    for task in case.open_tasks:
        moved = task.assignee_id not in (post.holder_a, post.holder_b)
        if task.post_id == post.post_id and (moved or post.is_away(task.assignee_id, now)):
            new = route_task(post, now)
            specs.append(_spec("TaskHandedOver", case.state, "人员调岗移交" if moved else "AB岗顶岗",
                               department=task.department, post_id=post.post_id, from_assignee=task.assignee_id,
                               to_assignee=new))
    return _commit(case, actor, now, specs) if specs else Step(case, ())


# -- report-up (上报件) and delivery (统一送达) -----------------------------------------------

def forward(case: Case, actor: Actor, now: datetime, note: str = "") -> Step:
    """报送上级机关: the county part is done; its clock stopped at the county decision."""
    _need_role(actor, {"dept_approver", "centre_manager"}, "报送上级机关")
    _need_case_department(case, actor, "报送上级机关")
    if case.kind != Kind.REPORT_UP:
        raise IllegalTransition("只有上报件需要报送上级机关")
    _need_state(case, {State.APPROVED}, "报送上级机关")
    spec = _spec("CaseForwarded", State.FORWARDED, note.strip(), authority=case.app.higher_authority)
    return _commit(case, actor, _utc(now), [spec])


def record_reply(case: Case, actor: Actor, now: datetime, approved: bool, reference: str,
                 reason: str = "") -> Step:
    """登记上级批复 with its document number; a refusal carries its reason."""
    _need_role(actor, {"dept_approver", "centre_manager"}, "登记上级批复")
    _need_case_department(case, actor, "登记上级批复")
    _need_state(case, {State.FORWARDED}, "登记上级批复")
    reference = _need_text(reference, "请填写上级机关批复文号", "reference_required")
    if not approved:
        reason = _need_text(reason, "上级机关不予批准的，须登记理由")
    spec = _spec("ReplyRecorded", State.REPLY_RECORDED, reason.strip(), reference=reference,
                 outcome="approved" if approved else "refused", authority=case.app.higher_authority)
    follow = _payment(case, "decision") if approved else _refund(case, State.REPLY_RECORDED)
    return _commit(case, actor, _utc(now), [spec, *follow])


def _ready_states(case: Case) -> set[str]:
    if case.kind == Kind.REPORT_UP:
        if case.state == State.APPROVED:
            raise IllegalTransition("上报件须先报送上级机关并登记批复，才能送达结果")
        return {State.REFUSED, State.REPLY_RECORDED}
    return {State.APPROVED, State.REFUSED}


def dispatch_result(case: Case, actor: Actor, now: datetime, tracking_number: str = "",
                    reference: str = "") -> Step:
    """Sends the result by the method chosen at intake: ready at the window, EMS, or electronic."""
    _need_role(actor, {"window_clerk", "centre_manager", "system"}, "送达办理结果")
    _need_state(case, _ready_states(case), "送达办理结果")
    tracking_number = (tracking_number or "").strip().upper()
    if case.app.delivery_method == DeliveryMethod.POST and not (
            tracking_number.isalnum() and tracking_number.isascii() and 10 <= len(tracking_number) <= 20):
        raise ValidationFailed("邮寄送达须填写正确的EMS运单号", code="tracking_number_required")
    if case.app.delivery_method == DeliveryMethod.ELECTRONIC:
        reference = _need_text(reference, "电子送达须填写电子证照编号或文书链接", "reference_required")
    spec = _spec("ResultDispatched", State.DELIVERING, method=case.app.delivery_method,
                 tracking_number=tracking_number, reference=(reference or "").strip())
    return _commit(case, actor, _utc(now), [spec])


def confirm_delivery(case: Case, actor: Actor, now: datetime, received_by: str = "") -> Step:
    """送达: the result reached the applicant; a window hand-over names who collected it."""
    _need_role(actor, {"window_clerk", "centre_manager", "system"}, "确认送达")
    states = {State.DELIVERING}
    if case.app.delivery_method == DeliveryMethod.WINDOW:
        states |= _ready_states(case)
        received_by = _need_text(received_by, "窗口领取须登记领取人", "receiver_required")
    _need_state(case, states, "确认送达")
    spec = _spec("ResultDelivered", State.DELIVERED, method=case.app.delivery_method,
                 received_by=(received_by or "").strip())
    return _commit(case, actor, _utc(now), [spec])

