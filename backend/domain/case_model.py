"""Case model (办件快照): the snapshot every case event is folded into.

Holds the vocabulary of the pipeline (kinds, channels, states, labels), the
frozen snapshot dataclasses (``Application``, ``Task``, ``Pause``, ``Case``,
``Step``), the fold (``apply`` / ``replay``) and the BSON-friendly documents
(``case_to_document``, ``case_from_document``, ``step_update``). The commands
that produce events live in ``backend.domain.cases``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cache
from datetime import datetime
from enum import StrEnum
from typing import Mapping, Sequence

from backend.domain.errors import ValidationFailed
from backend.domain.numbering import case_id
from backend.domain.roles import ROLE_LABELS
from backend.domain.trail import Event, event_from_document, event_to_document


class Kind(StrEnum):
    """办件类型."""

    IMMEDIATE = "immediate"  # 即办件
    PROMISED = "promised"  # 承诺件
    JOINT = "joint"  # 联办件
    REPORT_UP = "report_up"  # 上报件


class Channel(StrEnum):
    """受理渠道."""

    WINDOW = "window"  # 中心窗口
    TOWNSHIP_WINDOW = "township_window"  # 镇便民服务中心窗口
    MINIPROGRAM = "miniprogram"  # 阳光365小程序
    PROXY = "proxy"  # 信息员代办
    HOTLINE = "hotline"  # 24小时热线


class DeliveryMethod(StrEnum):
    """送达方式 (统一送达)."""

    WINDOW = "window"  # 窗口领取
    POST = "post"  # EMS 邮寄
    ELECTRONIC = "electronic"  # 电子证照


class State(StrEnum):
    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    IN_REVIEW = "in_review"
    PAUSED = "paused"
    REVIEW_SUPPLEMENT = "review_supplement"  # 审查中补正: the deciding department waits on the applicant
    APPROVED = "approved"
    REFUSED = "refused"
    FORWARDED = "forwarded"
    REPLY_RECORDED = "reply_recorded"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"
    AWAITING_PAYMENT = "awaiting_payment"  # 待缴费: the clock is paused until the slip is paid or exempted


STATE_LABELS = {
    "submitted": "待受理", "supplement_requested": "待补正", "rejected": "不予受理", "accepted": "已受理",
    "in_review": "审批中", "paused": "暂停计时", "review_supplement": "审查中待补正", "approved": "准予办理", "refused": "不予办理",
    "forwarded": "已上报", "reply_recorded": "上级已批复", "delivering": "送达中", "delivered": "已办结",
    "withdrawn": "已撤回", "awaiting_payment": "待缴费",
}
FINISHED_STATES = frozenset({State.REJECTED, State.DELIVERED, State.WITHDRAWN})
PAUSE_KINDS = {"hearing": "听证", "expert_review": "专家评审", "inspection": "现场勘查或检验检测",
               "public_notice": "公示"}
SUPPLEMENT = "supplement"  # pause kind of a wait for missing materials (补正)
REVIEW_SUPPLEMENT = "review_supplement"  # pause kind of a supplement asked during review (审查中补正): stops the promised clock
PAUSE_LABELS = {**PAUSE_KINDS, SUPPLEMENT: "补正", REVIEW_SUPPLEMENT: "审查中补正", "payment": "缴费"}
PAYMENT = "payment"  # pause kind of a wait for the fee (缴费), which the department is not timed for
ROLE_NAMES = {**ROLE_LABELS, "citizen": "申请人", "system": "系统"}
CHANNEL_ROLES = {"window": {"window_clerk"}, "township_window": {"window_clerk"}, "miniprogram": {"citizen"},
                 "proxy": {"info_officer"}, "hotline": {"operator"}}


class TaskState(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


TASK_LABELS = {"open": "办理中", "approved": "同意", "refused": "不同意", "cancelled": "已撤销"}


@dataclass(frozen=True)
class Actor:
    """Who acts: staff id (or openid), name, role, post and department code."""

    staff_id: str
    name: str
    role: str
    post_id: str = ""
    department: str = ""

    def __post_init__(self):
        if self.role not in ROLE_NAMES:
            raise ValidationFailed(f"未知角色「{self.role}」", code="unknown_role")


SYSTEM = Actor("system", "系统", "system")


@dataclass(frozen=True)
class Application:
    """申请: what intake records before anyone decides anything."""

    tenant: str
    number: str
    query_code: str
    item_code: str
    item_name: str
    kind: str
    channel: str
    applicant_name: str
    applicant_id_number: str  # the number's vault reference (``pii:idn:…``, see ``identity.is_reference``) or ""
    applicant_phone: str  # the number's vault reference (``pii:tel:…``) or ""
    departments: tuple[str, ...]
    delivery_method: str
    delivery_address: str = ""
    item_version: int = 1
    promised_days: int = 0
    statutory_days: int = 0
    higher_authority: str = ""
    applicant_openid: str = ""  # WeChat openid when the applicant came through the mini-program
    centre: str = "county"  # where the case is handled: "county" or a township code (镇便民服务中心)
    form_digest: str = ""  # sha256 of the form fields and material files, so the trail covers them
    fee_stage: str = ""  # when the item version charges: "acceptance", "decision" or "" (no fee)
    applicant_phone_masked: str = ""  # 138****1234, shown on the public progress page without opening the vault

    def __post_init__(self):
        for name in ("kind", "channel", "delivery_method"):
            object.__setattr__(self, name, str(getattr(self, name)))
        object.__setattr__(self, "departments", tuple(str(d) for d in self.departments))

    def to_data(self) -> dict:
        return {**plain(self), "departments": ",".join(self.departments)}

    @classmethod
    def from_data(cls, data: Mapping) -> Application:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        return cls(**{**values, "departments": tuple(d for d in str(data["departments"]).split(",") if d)})


@dataclass(frozen=True)
class Task:
    """部门审批任务: one department's part, addressed to a post (岗位), not a person."""

    department: str
    post_id: str
    assignee_id: str
    state: str = "open"
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    decided_by_id: str = ""
    decided_by_name: str = ""
    opinion: str = ""


@dataclass(frozen=True)
class Pause:
    """暂停计时: a wait for supplements (补正) or a statutory pause (听证、专家评审、现场勘查、公示)."""

    kind: str
    reason: str
    started_at: datetime
    ended_at: datetime | None = None
    department: str = ""


@dataclass(frozen=True)
class Case:
    """办件: the snapshot every event is folded into."""

    app: Application
    state: str
    version: int = 0
    head_hash: str = ""
    submitted_at: datetime | None = None
    submitted_by_id: str = ""
    submitted_by_name: str = ""
    submitted_by_role: str = ""
    submitted_at_site: str = ""
    accepted_at: datetime | None = None
    accepted_by_id: str = ""
    decided_at: datetime | None = None
    outcome: str = ""
    outcome_reason: str = ""
    forwarded_at: datetime | None = None
    replied_at: datetime | None = None
    reply_reference: str = ""
    dispatched_at: datetime | None = None
    tracking_number: str = ""
    delivery_reference: str = ""
    delivered_at: datetime | None = None
    received_by: str = ""
    closed_at: datetime | None = None
    paused_from: str = ""
    missing_materials: tuple[str, ...] = ()
    requested_materials: tuple[str, ...] = ()
    fee_slip: str = ""  # the payment slip in force (缴款单号)
    fee_state: str = ""  # "due", "paid", "exempted" ("" before any slip)
    fee_paid_fen: int = 0
    refund_due_fen: int = 0
    refunded_at: datetime | None = None
    tasks: tuple[Task, ...] = ()
    pauses: tuple[Pause, ...] = ()
    events: tuple[Event, ...] = field(default=(), repr=False)

    @property
    def number(self) -> str:
        return self.app.number

    @property
    def kind(self) -> str:
        return self.app.kind

    def task(self, department: str) -> Task | None:
        return next((t for t in self.tasks if t.department == department), None)

    @property
    def open_tasks(self) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if t.state == TaskState.OPEN)

    @property
    def statutory_pauses(self) -> tuple[Pause, ...]:
        """Pauses of the promised-time clock (after acceptance): feed them to ``clock.Pause``."""
        return tuple(p for p in self.pauses if p.kind != SUPPLEMENT)

    @property
    def review_supplement(self) -> Pause | None:
        """The supplement asked during review (审查中补正), if there was one: at most one per case."""
        return next((p for p in self.pauses if p.kind == REVIEW_SUPPLEMENT), None)

    @property
    def supplement_waits(self) -> tuple[Pause, ...]:
        """Waits for missing materials (补正), which stop the acceptance clock."""
        return tuple(p for p in self.pauses if p.kind == SUPPLEMENT)


@dataclass(frozen=True)
class Step:
    """The outcome of one command: the new case and the events to append atomically."""

    case: Case
    events: tuple[Event, ...]

    def then(self, following: "Step") -> "Step":
        """This step and ``following`` (a command taken on this step's case) stored as one step."""
        if following.events and following.events[0].seq != self.case.version + 1:
            raise ValueError("the following step does not continue this one")
        return Step(following.case, self.events + following.events)


# -- folding events into the snapshot -----------------------------------------------------

def _close_pause(pauses: tuple[Pause, ...], at: datetime) -> tuple[Pause, ...]:
    return tuple(replace(p, ended_at=at) if p.ended_at is None else p for p in pauses)


def _update_task(case: Case, department: str, **changes) -> tuple[Task, ...]:
    return tuple(replace(t, **changes) if t.department == department else t for t in case.tasks)


def _materials(event: Event) -> tuple[str, ...]:
    return tuple(m for m in str(event.data.get("materials", "")).split("\n") if m)


def _on_task_closed(case: Case, e: Event) -> Case:
    state = {"TaskApproved": "approved", "TaskRefused": "refused", "TaskCancelled": "cancelled"}[e.type]
    return replace(case, tasks=_update_task(case, e.data["department"], state=state, closed_at=e.at,
                                            decided_by_id=e.actor_id, decided_by_name=e.actor_name,
                                            opinion=e.reason or str(e.data.get("opinion") or "")))


def _on_fee_settled(case: Case, e: Event, state: str) -> Case:
    waiting = case.state == State.AWAITING_PAYMENT
    return replace(case, fee_state=state, fee_paid_fen=int(e.data.get("amount_fen") or 0) if state == "paid" else 0,
                   paused_from="" if waiting else case.paused_from,
                   pauses=_close_pause(case.pauses, e.at) if waiting else case.pauses)


_HANDLERS = {
    "CaseAccepted": lambda c, e: replace(c, accepted_at=e.at, accepted_by_id=e.actor_id, missing_materials=()),
    "CaseRejected": lambda c, e: replace(c, closed_at=e.at, outcome="rejected", outcome_reason=e.reason),
    "SupplementRequested": lambda c, e: replace(
        c, missing_materials=_materials(e),
        requested_materials=tuple(dict.fromkeys(c.requested_materials + _materials(e))),
        pauses=c.pauses + (Pause(SUPPLEMENT, e.reason or "\n".join(_materials(e)), e.at),)),
    "ReviewSupplementRequested": lambda c, e: replace(c, missing_materials=_materials(e), pauses=c.pauses + (
        Pause(REVIEW_SUPPLEMENT, e.reason, e.at, None, e.actor_department),)),
    "CaseResubmitted": lambda c, e: replace(c, pauses=_close_pause(c.pauses, e.at), missing_materials=()),
    "TaskAssigned": lambda c, e: replace(c, tasks=c.tasks + (
        Task(e.data["department"], e.data["post_id"], e.data["assignee_id"], opened_at=e.at),)),
    "TaskHandedOver": lambda c, e: replace(c, tasks=_update_task(c, e.data["department"],
                                                                 assignee_id=e.data["to_assignee"])),
    "TaskApproved": _on_task_closed,
    "TaskRefused": _on_task_closed,
    "TaskCancelled": _on_task_closed,
    "CaseApproved": lambda c, e: replace(c, decided_at=e.at, outcome="approved", outcome_reason=e.reason),
    "CaseRefused": lambda c, e: replace(c, decided_at=e.at, outcome="refused", outcome_reason=e.reason),
    "CasePaused": lambda c, e: replace(c, paused_from=e.from_state, pauses=c.pauses + (
        Pause(e.data["kind"], e.reason, e.at, None, e.actor_department),)),
    "CaseResumed": lambda c, e: replace(c, paused_from="", pauses=_close_pause(c.pauses, e.at)),
    "CaseForwarded": lambda c, e: replace(c, forwarded_at=e.at),
    "ReplyRecorded": lambda c, e: replace(c, replied_at=e.at, outcome=e.data["outcome"],
                                          outcome_reason=e.reason, reply_reference=e.data["reference"]),
    "ResultDispatched": lambda c, e: replace(c, dispatched_at=e.at, tracking_number=e.data["tracking_number"],
                                             delivery_reference=e.data["reference"]),
    "ResultDelivered": lambda c, e: replace(c, delivered_at=e.at, closed_at=e.at,
                                            received_by=e.data["received_by"]),
    "PaymentRequested": lambda c, e: replace(c, paused_from=e.from_state, fee_slip=e.data["slip"], fee_state="due",
                                             pauses=c.pauses + (Pause(PAYMENT, "等待缴费", e.at),)),
    "SlipVoided": lambda c, e: replace(c, fee_slip=e.data["next_slip"]),
    "FeePaid": lambda c, e: _on_fee_settled(c, e, "paid"),
    "FeeExempted": lambda c, e: _on_fee_settled(c, e, "exempted"),
    "RefundDue": lambda c, e: replace(c, refund_due_fen=e.data["amount_fen"]),
    "RefundCompleted": lambda c, e: replace(c, refunded_at=e.at),
    "CaseWithdrawn": lambda c, e: replace(c, closed_at=e.at, pauses=_close_pause(c.pauses, e.at),
                                          outcome="withdrawn", outcome_reason=e.reason),
}


def _from_submission(e: Event) -> Case:
    return Case(app=Application.from_data(e.data), state=e.to_state, submitted_at=e.at,
                submitted_by_id=e.actor_id, submitted_by_name=e.actor_name,
                submitted_by_role=e.actor_role, submitted_at_site=e.actor_department)


def apply(case: Case | None, event: Event) -> Case:
    """Folds one event into the snapshot (``None`` before ``CaseSubmitted``)."""
    if case is None:
        if event.type != "CaseSubmitted" or event.seq != 1:
            raise ValueError("a case starts with CaseSubmitted as event 1")
        case = _from_submission(event)
    elif event.seq != case.version + 1:
        raise ValueError(f"event {event.seq} does not follow version {case.version}")
    else:
        case = _HANDLERS.get(event.type, lambda c, e: c)(case, event)
    return replace(case, state=event.to_state, version=event.seq, head_hash=event.hash,
                   events=case.events + (event,))


def replay(events: Sequence[Event]) -> Case:
    case = None
    for event in events:
        case = apply(case, event)
    if case is None:
        raise ValueError("no events to replay")
    return case


# -- documents for MongoDB / FerretDB -------------------------------------------------------

@cache
def _field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def plain(obj) -> dict:
    """The fields of a flat dataclass (scalars, datetimes, tuples of text) as a dict: what ``asdict``
    gives for these, without its deep copy of every value (one step asks for several of them)."""
    return {name: getattr(obj, name) for name in _field_names(type(obj))}


def _flat(obj) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in plain(obj).items()}


def case_to_document(case: Case, with_events: bool = True) -> dict:
    """A BSON-friendly dict keyed ``tenant:number``: UTC datetimes, no dots, no arrays in arrays."""
    doc = {"_id": case_id(case.app.tenant, case.number), **_flat(case.app)}
    for name in _field_names(Case):
        if name not in ("app", "tasks", "pauses", "events"):
            value = getattr(case, name)
            doc[name] = list(value) if isinstance(value, tuple) else value
    doc["tasks"] = [plain(t) for t in case.tasks]
    doc["pauses"] = [plain(p) for p in case.pauses]
    doc["open_departments"] = [t.department for t in case.open_tasks]
    doc["open_posts"] = [t.post_id for t in case.open_tasks]
    doc["finished"] = case.state in FINISHED_STATES
    if with_events:
        doc["events"] = [event_to_document(e) for e in case.events]
    return doc


def case_from_document(doc: Mapping) -> Case:
    """Rebuilds the case from its stored events (the trail is the source of truth)."""
    return replay([event_from_document(e) for e in doc["events"]])


def step_update(step: Step) -> tuple[dict, dict]:
    """``(filter, update)`` for one atomic, version-checked ``update_one`` of an existing case."""
    before = step.case.version - len(step.events)
    query = {"_id": case_id(step.case.app.tenant, step.case.number), "version": before}
    update = {"$set": case_to_document(step.case, with_events=False),
              "$push": {"events": {"$each": [event_to_document(e) for e in step.events]}}}
    del update["$set"]["_id"]
    return query, update
