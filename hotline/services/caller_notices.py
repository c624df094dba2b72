"""Texts to the caller (短信告知): the ticket number on registration, the answer on closing.

``file_notices`` files them into the shared notification outbox (``backend.services.notifications``),
which the notification worker sends over Aliyun SMS (template keys ``hotline_registered`` and
``hotline_closed``, else ``default`` of ``ALIYUN_SMS_TEMPLATES``). It takes the ticket as stored,
so the ticket service calls it after each step without this module reading tickets back.
"""

from __future__ import annotations

import re

from backend.domain.clock import to_shanghai
from backend.services import notifications, vault
from backend.services.context import Services
from hotline.domain.tickets import STATES, TYPES, Ticket

MOBILE = re.compile(r"^1[3-9]\d{9}$")
NOTICES = {"TicketRegistered": "hotline_registered", "TicketClosed": "hotline_closed"}


def _notice_params(ticket: Ticket, event) -> dict:
    if event.type == "TicketClosed":
        note = ticket.reply_text or (f"已答复：{ticket.answer_title}" if ticket.answer_title else "") \
            or (f"已转为办件{ticket.case_number}" if ticket.case_number else "您反映的问题已办结")
    else:
        note = "我们将按时限办理并回复您"
    return {"item": f"12345热线{TYPES[ticket.reg.type]}", "number": ticket.number,
            "state": STATES[event.to_state], "note": notifications.short(note, 30),
            "time": to_shanghai(event.at).strftime("%Y-%m-%d %H:%M"), "due": ""}


async def file_notices(svc: Services, tenant: str, ticket: Ticket) -> list[str]:
    """File the texts ``ticket`` owes its caller; returns the ids newly queued.

    Idempotent: each notice is keyed ``tenant:number:seq`` in the shared outbox, so calling this
    after every step is harmless. Only mobile numbers get texts.
    """
    if not MOBILE.match(await vault.reveal_one(svc, tenant, ticket.reg.caller_phone)):
        return []
    number, queued = ticket.number, []
    for event in ticket.events:
        key = NOTICES.get(event.type)
        if key is None:
            continue
        qid = notifications.notice_id(tenant, number, event.seq)
        if await svc.db[notifications.LOG].find_one({"_id": qid}, {"_id": 1}):
            continue
        now = svc.now()
        if await notifications.file_now(svc, {
                "_id": qid, "tenant": tenant, "case_number": number, "event_seq": event.seq,
                "event_type": event.type, "channel": "sms", "to": ticket.reg.caller_phone, "template": key,
                "params": _notice_params(ticket, event), "attempts": 0, "next_attempt_at": now,
                "claimed_until": None, "last_error": "", "created_at": now, "fallback_phone": "", "kind": "ticket"}):
            queued.append(qid)
    return queued
