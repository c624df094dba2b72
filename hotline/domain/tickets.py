"""Hotline ticket (热线工单) state machine: pure rules, no store, no web.

The 12345 loop (GB/T 33358): 受理 register -> 当场答复 answer on the spot from the knowledge
base, or 派单 dispatch to a department or township with a deadline -> the unit may 退单 return
a wrongly routed ticket within its limit -> re-dispatch -> the unit 答复 replies -> the hotline
审核 accepts the reply or 退回重办 sends it back -> 督办 supervise overdue tickets -> 回访 call
back and record satisfaction (评价) -> 办结 close. A 办事申请 ticket becomes a case (转办件).

    registered --answer--> answered --callback--> called_back --close--> closed
    registered | returned | called_back(unsatisfied) --dispatch--> dispatched
    dispatched --return--> returned          dispatched --reply--> replied
    replied --accept_reply--> reply_accepted  replied --send_back--> dispatched
    dispatched --supervise (overdue only)--> dispatched
    registered --convert--> converted (a case now carries the matter)
    answered | reply_accepted | converted | called_back --close--> closed
    closed --callback--> closed (a call back after closing is still recorded)

Every command returns a ``TicketStep``: the new ticket and the hash-chained events it
appended (``backend.domain.trail``), exactly like a case step, so one trail covers both.
Deadlines are computed by the service on the statutory clock and passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Mapping, Sequence

from backend.domain import trail
from backend.domain.case_model import ROLE_NAMES, Actor
from backend.domain.errors import Forbidden, IllegalTransition, ValidationFailed
from backend.domain.identity import is_reference
from backend.domain.trail import Event

TYPES = {"consult": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "建议",
         "application": "办事申请"}
TYPE_BY_LABEL = {label: code for code, label in TYPES.items()}
URGENCIES = {"normal": "一般", "urgent": "紧急"}
CHANNELS = {"phone": "热线电话", "miniprogram": "阳光365小程序", "officer": "信息员", "open311": "Open311接口",
            "web": "网站"}
STATES = {"registered": "已登记", "answered": "已当场答复", "dispatched": "已派单", "returned": "已退单",
          "replied": "承办单位已答复", "reply_accepted": "答复已审核", "converted": "已转为办件",
          "called_back": "已回访", "closed": "已办结"}
EVENT_LABELS = {
    "TicketRegistered": "受理登记", "TicketAnswered": "当场答复", "TicketDispatched": "派单",
    "TicketReturned": "承办单位退单", "TicketReplied": "承办单位答复", "ReplyAccepted": "答复审核通过",
    "ReplySentBack": "答复退回重办", "TicketSupervised": "督办", "TicketConverted": "转为办件",
    "TicketCalledBack": "回访", "TicketClosed": "办结",
}
SATISFACTION = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
SATISFIED = frozenset(SATISFACTION[:3])
DEFAULT_LIMITS = {"consult": 2, "help": 10, "suggestion": 10, "complaint": 15, "report": 15, "application": 10}
DEFAULT_URGENT_HOURS = 24
DEFAULT_RETURN_DAYS = 1
ON_SPOT_TYPES = frozenset({"consult", "help", "suggestion"})
HOTLINE_ROLES = frozenset({"operator", "centre_manager", "admin", "system"})
OPEN_STATES = frozenset(STATES) - {"closed"}
HOTLINE_ACTION_STATES = frozenset({"registered", "returned", "replied", "reply_accepted", "answered",
                                   "converted", "called_back"})
MAX_CONTENT = 2000

_PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|[2-9]\d{6,7})$")


@dataclass(frozen=True)
class Registration:
    """受理登记: what the operator (or a channel) records before anyone decides anything.

    ``caller_phone`` is checked as typed, then stored as its vault reference (``pii:tel:…``).
    """

    tenant: str
    number: str
    type: str
    urgency: str
    channel: str
    caller_phone: str
    content: str
    caller_name: str = ""
    township: str = ""
    village: str = ""
    call_id: str = ""
    service_code: str = ""
    photos: tuple[str, ...] = ()
    location_lat: str = ""
    location_lng: str = ""
    location_address: str = ""

    def to_data(self) -> dict:
        data = {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "photos"}
        data["photos"] = "\n".join(self.photos)
        return data

    @classmethod
    def from_data(cls, data: Mapping) -> Registration:
        values = {f: data.get(f, "") for f in cls.__dataclass_fields__ if f != "photos"}
        return cls(**values, photos=tuple(p for p in str(data.get("photos", "")).split("\n") if p))


@dataclass(frozen=True)
class Limits:
    """A tenant's hotline time limits (办理时限): working days by type, urgent hours, return days."""

    days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    urgent_hours: int = DEFAULT_URGENT_HOURS
    return_days: int = DEFAULT_RETURN_DAYS

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> Limits:
        """Tenant settings (``tenants.hotline_settings``) over the defaults:
        ``{"limits": {type: working days}, "urgent_hours": h, "return_days": d}``."""
        settings = settings if isinstance(settings, Mapping) else {}
        days = dict(DEFAULT_LIMITS)
        limits = settings.get("limits")
        for key, value in (limits if isinstance(limits, Mapping) else {}).items():
            if key in TYPES and isinstance(value, int) and not isinstance(value, bool) and value > 0:
                days[key] = value
        hours = settings.get("urgent_hours", DEFAULT_URGENT_HOURS)
        back = settings.get("return_days", DEFAULT_RETURN_DAYS)
        return cls(days, hours if isinstance(hours, int) and hours > 0 else DEFAULT_URGENT_HOURS,
                   back if isinstance(back, int) and back > 0 else DEFAULT_RETURN_DAYS)


@dataclass(frozen=True)
class Ticket:
    """热线工单: the snapshot folded from its events."""

    reg: Registration
    state: str
    registered_at: datetime
    registered_by_id: str
    registered_by_name: str
    target_kind: str = ""  # department | township
    target_code: str = ""
    target_name: str = ""
    dispatched_at: datetime | None = None
    due_at: datetime | None = None
    return_due_at: datetime | None = None
    dispatch_count: int = 0
    return_count: int = 0
    reply_text: str = ""
    replied_at: datetime | None = None
    replied_by: str = ""
    replied_by_id: str = ""
    replied_late: bool = False
    answer_source: str = ""  # article | guide
    answer_id: str = ""
    answer_title: str = ""
    case_number: str = ""
    supervised_count: int = 0
    last_supervised_at: datetime | None = None
    satisfaction: str = ""
    called_back_at: datetime | None = None
    called_back_by: str = ""
    closed_at: datetime | None = None
    events: tuple[Event, ...] = ()

    @property
    def number(self) -> str:
        return self.reg.number

    @property
    def version(self) -> int:
        return self.events[-1].seq if self.events else 0

    def overdue(self, now: datetime) -> bool:
        """超期: still with the unit after its deadline."""
        return self.state == "dispatched" and self.due_at is not None and now >= self.due_at


@dataclass(frozen=True)
class TicketStep:
    ticket: Ticket
    events: tuple[Event, ...]


# -- validation ----------------------------------------------------------------------------------

def normalise_phone(text: str) -> str:
    """A caller's number: mobile, landline (区号-号码) or a short service number; else ValidationFailed."""
    phone = re.sub(r"[\s()（）]", "", str(text or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone:
        raise ValidationFailed("请填写来电号码", code="phone_required")
    if re.fullmatch(r"1[3-9]\d{9}", phone.replace("-", "")):
        return phone.replace("-", "")
    if not _PHONE.match(phone):
        raise ValidationFailed("来电号码格式不正确（手机号或带区号的固定电话）", code="bad_phone")
    return phone


def check_registration(reg: Registration) -> None:
    if reg.type not in TYPES:
        raise ValidationFailed(f"工单类型只能是：{'、'.join(f'{k}（{v}）' for k, v in TYPES.items())}", code="bad_type")
    if reg.urgency not in URGENCIES:
        raise ValidationFailed("紧急程度只能是 normal（一般）或 urgent（紧急）", code="bad_urgency")
    if reg.channel not in CHANNELS:
        raise ValidationFailed(f"来源渠道只能是：{'、'.join(CHANNELS)}", code="bad_channel")
    if not reg.content.strip():
        raise ValidationFailed("请填写诉求内容", code="content_required")
    if len(reg.content) > MAX_CONTENT:
        raise ValidationFailed(f"诉求内容过长（上限 {MAX_CONTENT} 字）", code="content_too_long")
    if not is_reference(reg.caller_phone):  # a checked number sealed into the vault by the service
        normalise_phone(reg.caller_phone)


# -- building steps ------------------------------------------------------------------------------

def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def _iso(moment: datetime | None) -> str:
    return _utc(moment).isoformat() if moment else ""


def _parse(text) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _commit(ticket: Ticket | None, actor: Actor, now: datetime, type_: str, to_state: str,
            reason: str = "", data: Mapping | None = None, number: str = "") -> TicketStep:
    draft = Event(type=type_, at=_utc(now), actor_id=actor.staff_id, actor_name=actor.name, actor_role=actor.role,
                  actor_post=actor.post_id, actor_department=actor.department,
                  from_state=ticket.state if ticket else "", to_state=to_state, reason=reason, data=data or {})
    last = ticket.events[-1] if ticket and ticket.events else None
    events = trail.chain(number or ticket.number, [draft], last)
    for event in events:
        ticket = apply(ticket, event)
    return TicketStep(ticket, events)


def _need_hotline(actor: Actor, action: str) -> None:
    if actor.role not in HOTLINE_ROLES:
        raise Forbidden(f"{ROLE_NAMES.get(actor.role, actor.role)}无权{action}", code="role_not_allowed")


def _need_state(ticket: Ticket, states: set[str], action: str) -> None:
    if ticket.state not in states:
        raise IllegalTransition(f"工单当前状态为“{STATES[ticket.state]}”，不能{action}")


def _need_text(value: str, message: str, code: str = "reason_required") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, code=code)
    return value[:MAX_CONTENT]


def _need_unit(ticket: Ticket, unit: str, action: str) -> None:
    if not unit or unit != ticket.target_code:
        raise Forbidden(f"该工单未派给您所在单位，不能{action}", code="wrong_unit")


# -- commands ------------------------------------------------------------------------------------

def register(reg: Registration, actor: Actor, now: datetime) -> TicketStep:
    """受理: open a ticket; the trail starts here."""
    check_registration(reg)
    return _commit(None, actor, now, "TicketRegistered", "registered", data=reg.to_data(), number=reg.number)


def answer_on_spot(ticket: Ticket, actor: Actor, now: datetime, source: str, ref_id: str, title: str,
                   note: str = "") -> TicketStep:
    """当场答复: the operator answers from a knowledge article or a service guide."""
    _need_hotline(actor, "答复工单")
    _need_state(ticket, {"registered"}, "当场答复")
    if ticket.reg.type not in ON_SPOT_TYPES:
        raise IllegalTransition(f"{TYPES[ticket.reg.type]}类工单须派单办理，不能当场答复", code="must_dispatch")
    if source not in ("article", "guide") or not ref_id:
        raise ValidationFailed("请选择答复所依据的知识库文章或办事指南", code="answer_source_required")
    return _commit(ticket, actor, now, "TicketAnswered", "answered", note.strip()[:500],
                   {"source": source, "ref_id": ref_id, "title": title})


def dispatch(ticket: Ticket, actor: Actor, now: datetime, target_kind: str, target_code: str, target_name: str,
             due_at: datetime, return_due_at: datetime, note: str = "") -> TicketStep:
    """派单: to a department or a township, with the deadline and the return limit already computed."""
    _need_hotline(actor, "派单")
    allowed = {"registered", "returned"}
    if ticket.state == "called_back" and ticket.satisfaction not in SATISFIED:
        allowed.add("called_back")  # 不满意重办
    _need_state(ticket, allowed, "派单")
    if target_kind not in ("department", "township") or not target_code:
        raise ValidationFailed("请选择承办部门或乡镇", code="target_required")
    if ticket.state == "returned" and target_code == ticket.target_code:
        raise ValidationFailed("该单位已退单，请改派其他单位", code="same_target")
    return _commit(ticket, actor, now, "TicketDispatched", "dispatched", note.strip()[:500],
                   {"target_kind": target_kind, "target_code": target_code, "target_name": target_name,
                    "due_at": _iso(due_at), "return_due_at": _iso(return_due_at)})


def return_ticket(ticket: Ticket, actor: Actor, unit: str, now: datetime, reason: str) -> TicketStep:
    """退单: the unit says the ticket is not theirs, within the return limit, with a reason."""
    _need_state(ticket, {"dispatched"}, "退单")
    _need_unit(ticket, unit, "退单")
    reason = _need_text(reason, "退单须说明理由")
    if ticket.return_due_at and now > ticket.return_due_at:
        raise IllegalTransition("已超过退单时限，请按时办理并答复", code="return_too_late")
    return _commit(ticket, actor, now, "TicketReturned", "returned", reason, {"unit": unit})


def reply(ticket: Ticket, actor: Actor, unit: str, now: datetime, text: str) -> TicketStep:
    """答复: the unit reports what it did."""
    _need_state(ticket, {"dispatched"}, "答复")
    _need_unit(ticket, unit, "答复")
    text = _need_text(text, "请填写答复内容", "reply_required")
    late = bool(ticket.due_at and now > ticket.due_at)
    return _commit(ticket, actor, now, "TicketReplied", "replied", text, {"unit": unit, "late": late})


def accept_reply(ticket: Ticket, actor: Actor, now: datetime, note: str = "") -> TicketStep:
    """审核通过: the hotline accepts the unit's reply."""
    _need_hotline(actor, "审核答复")
    _need_state(ticket, {"replied"}, "审核答复")
    return _commit(ticket, actor, now, "ReplyAccepted", "reply_accepted", note.strip()[:500])


def send_back(ticket: Ticket, actor: Actor, now: datetime, reason: str) -> TicketStep:
    """退回重办: the reply does not answer the caller; the unit must work on, under the same deadline."""
    _need_hotline(actor, "退回答复")
    _need_state(ticket, {"replied"}, "退回答复")
    return _commit(ticket, actor, now, "ReplySentBack", "dispatched", _need_text(reason, "退回重办须说明理由"))


def supervise(ticket: Ticket, actor: Actor, now: datetime, note: str = "") -> TicketStep:
    """督办: urge a unit whose ticket is overdue (only overdue tickets are supervised)."""
    _need_hotline(actor, "督办")
    _need_state(ticket, {"dispatched"}, "督办")
    if not ticket.overdue(now):
        raise IllegalTransition("工单尚未超期，不需督办", code="not_overdue")
    return _commit(ticket, actor, now, "TicketSupervised", "dispatched",
                   note.strip()[:500] or "工单已超过办理时限，请尽快办理并答复",
                   {"unit": ticket.target_code})


def convert(ticket: Ticket, actor: Actor, now: datetime, case_number: str, item_name: str) -> TicketStep:
    """转为办件: a 办事申请 ticket becomes an application case; the ticket keeps its number."""
    _need_hotline(actor, "转为办件")
    _need_state(ticket, {"registered"}, "转为办件")
    if ticket.reg.type != "application":
        raise IllegalTransition("只有办事申请类工单可以转为办件", code="not_application")
    return _commit(ticket, actor, now, "TicketConverted", "converted", "",
                   {"case_number": case_number, "item_name": item_name})


def call_back(ticket: Ticket, actor: Actor, now: datetime, satisfaction: str, note: str = "") -> TicketStep:
    """回访: call the caller back and record satisfaction on the national five levels (评价)."""
    _need_hotline(actor, "回访")
    _need_state(ticket, {"answered", "reply_accepted", "converted", "closed"}, "回访")
    if satisfaction not in SATISFACTION:
        raise ValidationFailed(f"满意度只能是：{'、'.join(SATISFACTION)}", code="bad_satisfaction")
    to_state = "closed" if ticket.state == "closed" else "called_back"
    return _commit(ticket, actor, now, "TicketCalledBack", to_state, note.strip()[:500],
                   {"satisfaction": satisfaction})


def close(ticket: Ticket, actor: Actor, now: datetime, note: str = "") -> TicketStep:
    """办结: the matter is finished for the hotline."""
    _need_hotline(actor, "办结")
    _need_state(ticket, {"answered", "reply_accepted", "converted", "called_back"}, "办结")
    return _commit(ticket, actor, now, "TicketClosed", "closed", note.strip()[:500])


# -- the fold ------------------------------------------------------------------------------------

def _on_registered(_: Ticket | None, e: Event) -> Ticket:
    return Ticket(Registration.from_data(e.data), "registered", e.at, e.actor_id, e.actor_name)


def _on_dispatched(t: Ticket, e: Event) -> Ticket:
    d = e.data
    return replace(t, target_kind=d["target_kind"], target_code=d["target_code"], target_name=d["target_name"],
                   dispatched_at=e.at, due_at=_parse(d["due_at"]), return_due_at=_parse(d["return_due_at"]),
                   dispatch_count=t.dispatch_count + 1, reply_text="", replied_at=None, replied_by="")


_FOLDS = {
    "TicketRegistered": _on_registered,
    "TicketDispatched": _on_dispatched,
    "TicketAnswered": lambda t, e: replace(t, answer_source=e.data["source"], answer_id=e.data["ref_id"],
                                           answer_title=e.data["title"]),
    "TicketReturned": lambda t, e: replace(t, return_count=t.return_count + 1),
    "TicketReplied": lambda t, e: replace(t, reply_text=e.reason, replied_at=e.at, replied_by=e.actor_name,
                                          replied_by_id=e.actor_id, replied_late=bool(e.data.get("late"))),
    "ReplyAccepted": lambda t, e: t,
    "ReplySentBack": lambda t, e: t,
    "TicketSupervised": lambda t, e: replace(t, supervised_count=t.supervised_count + 1, last_supervised_at=e.at),
    "TicketConverted": lambda t, e: replace(t, case_number=e.data["case_number"]),
    "TicketCalledBack": lambda t, e: replace(t, satisfaction=e.data["satisfaction"], called_back_at=e.at,
                                             called_back_by=e.actor_id),
    "TicketClosed": lambda t, e: replace(t, closed_at=e.at),
}


def apply(ticket: Ticket | None, event: Event) -> Ticket:
    """Fold one event into the ticket."""
    folded = _FOLDS[event.type](ticket, event)
    return replace(folded, state=event.to_state, events=(*folded.events, event))


def replay(events: Sequence[Event]) -> Ticket:
    ticket = None
    for event in events:
        ticket = apply(ticket, event)
    if ticket is None:
        raise ValueError("a ticket needs at least its registration event")
    return ticket


def ticket_to_document(ticket: Ticket, tenant: str) -> dict:
    """The stored snapshot: flat fields for queries plus the events (the trail) inside."""
    reg = ticket.reg
    return {
        "_id": f"{tenant}:{ticket.number}", "tenant": tenant, "number": ticket.number, "state": ticket.state,
        "summary": reg.content[:60],
        "type": reg.type, "urgency": reg.urgency, "channel": reg.channel, "caller_phone": reg.caller_phone,
        "township": reg.township, "registered_at": ticket.registered_at, "registered_by": ticket.registered_by_id,
        "target_kind": ticket.target_kind, "target_code": ticket.target_code, "due_at": ticket.due_at,
        "replied_at": ticket.replied_at, "replied_late": ticket.replied_late, "case_number": ticket.case_number,
        "satisfaction": ticket.satisfaction, "called_back_at": ticket.called_back_at, "closed_at": ticket.closed_at,
        "version": ticket.version, "events": [trail.event_to_document(e) for e in ticket.events],
    }


def ticket_from_document(doc: Mapping) -> Ticket:
    return replay([trail.event_from_document(e) for e in doc["events"]])
