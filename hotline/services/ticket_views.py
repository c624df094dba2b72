"""What people see of a hotline ticket: the ticket view with its timeline, queue rows, history rows."""

from __future__ import annotations

from datetime import datetime

from backend.domain.case_model import STATE_LABELS as CASE_STATE_LABELS
from backend.domain.roles import ROLE_LABELS
from hotline.domain.tickets import CHANNELS, EVENT_LABELS, STATES, TYPES, URGENCIES, Ticket
from hotline.services.classifier import TOWNSHIPS

HOTLINE_VIEWERS = frozenset({"operator", "centre_manager", "supervisor", "admin"})
UNIT_ROLES = ("dept_approver", "window_clerk", "info_officer")
NEXT_STEP = {"registered": "待派单或当场答复", "returned": "被退单，待改派", "replied": "待审核答复",
             "reply_accepted": "待回访", "answered": "待回访或办结", "converted": "待回访或办结",
             "called_back": "待办结", "dispatched": "承办单位办理中"}
_EVENT_DATA = ("target_code", "target_name", "due_at", "source", "ref_id", "title", "case_number", "satisfaction",
               "unit", "late")


def unit_of(principal: dict | None) -> str:
    """The unit a staff member answers for: their department, else their township centre."""
    if not principal or principal.get("kind") != "staff":
        return ""
    if "dept_approver" in principal.get("roles", []) and principal.get("department"):
        return principal["department"]
    centre = principal.get("centre", "")
    return centre if centre and centre != "county" else ""


def _event_view(event, names: dict) -> dict:
    label = EVENT_LABELS.get(event.type, event.type)
    target = event.data.get("target_code") or (event.data.get("unit") if event.type == "TicketSupervised" else "")
    if target:
        label = f"{label}（{names.get(target, target)}）"
    return {"seq": event.seq, "type": event.type, "label": label, "at": event.at, "to_state": event.to_state,
            "state_label": STATES.get(event.to_state, event.to_state), "reason": event.reason,
            "actor_role": ROLE_LABELS.get(event.actor_role, {"citizen": "来电人", "system": "系统"}.get(event.actor_role, "")),
            "actor_name": event.actor_name, "hash": event.hash,
            "data": {k: v for k, v in event.data.items() if k in _EVENT_DATA}}


def ticket_view(ticket: Ticket, doc: dict, names: dict, now: datetime, caller: dict, *, unit: bool = False) -> dict:
    """The ticket with its whole timeline; ``caller`` as the reader may see it (``hotline.services.callers``);
    a ``unit`` the ticket was dispatched to does not see the routing suggestion."""
    reg = ticket.reg
    location = None
    if reg.location_lat or reg.location_address:
        location = {"lat": float(reg.location_lat) if reg.location_lat else None,
                    "lng": float(reg.location_lng) if reg.location_lng else None, "address": reg.location_address}
    return {
        "number": ticket.number, "state": ticket.state, "state_label": STATES[ticket.state],
        "next_step": NEXT_STEP.get(ticket.state, ""),
        "type": reg.type, "type_label": TYPES[reg.type], "urgency": reg.urgency, "urgency_label": URGENCIES[reg.urgency],
        "channel": reg.channel, "channel_label": CHANNELS[reg.channel],
        "caller": caller,
        "content": reg.content,
        "township": {"code": reg.township, "name": names.get(reg.township, TOWNSHIPS.get(reg.township, reg.township))}
        if reg.township else None,
        "village": reg.village, "location": location, "photos": list(reg.photos), "call_id": reg.call_id,
        "service_code": reg.service_code, "registered_at": ticket.registered_at,
        "registered_by": {"id": ticket.registered_by_id, "name": ticket.registered_by_name},
        "target": {"kind": ticket.target_kind, "code": ticket.target_code, "name": ticket.target_name}
        if ticket.target_code else None,
        "dispatched_at": ticket.dispatched_at, "due_at": ticket.due_at, "return_due_at": ticket.return_due_at,
        "overdue": ticket.overdue(now), "dispatch_count": ticket.dispatch_count, "return_count": ticket.return_count,
        "answer": {"source": ticket.answer_source, "id": ticket.answer_id, "title": ticket.answer_title}
        if ticket.answer_id else None,
        "reply": {"text": ticket.reply_text, "at": ticket.replied_at, "by": ticket.replied_by, "late": ticket.replied_late}
        if ticket.replied_at else None,
        "case_number": ticket.case_number, "supervised_count": ticket.supervised_count,
        "satisfaction": ticket.satisfaction, "called_back_at": ticket.called_back_at, "closed_at": ticket.closed_at,
        "suggestion": doc.get("suggestion") if not unit else None, "version": ticket.version,
        "timeline": [_event_view(e, names) for e in ticket.events],
    }


def queue_entry(doc: dict, names: dict, now: datetime) -> dict:
    due = doc.get("due_at")
    return {"number": doc["number"], "state": doc["state"], "state_label": STATES[doc["state"]],
            "next_step": NEXT_STEP.get(doc["state"], ""), "type": doc["type"], "type_label": TYPES[doc["type"]],
            "urgency": doc["urgency"], "summary": doc.get("summary", ""),
            "target": {"code": doc["target_code"], "name": names.get(doc["target_code"], doc.get("target_name", ""))}
            if doc.get("target_code") else None,
            "due_at": due, "overdue": bool(due and doc["state"] == "dispatched" and due <= now),
            "supervised_count": doc.get("supervised_count", 0), "registered_at": doc["registered_at"]}


def history_entry(kind: str, doc: dict) -> dict:
    """One row of a caller's history: a ticket or a case."""
    if kind == "ticket":
        return {"kind": "ticket", "number": doc["number"], "at": doc["registered_at"],
                "title": f"{TYPES.get(doc['type'], doc['type'])}：{doc.get('summary', '')}",
                "state": doc["state"], "state_label": STATES.get(doc["state"], doc["state"])}
    return {"kind": "case", "number": doc["number"], "at": doc.get("submitted_at"), "title": doc.get("item_name", ""),
            "state": doc["state"], "state_label": CASE_STATE_LABELS.get(doc["state"], doc["state"])}
