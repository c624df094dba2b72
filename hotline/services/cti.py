"""CTI webhook (话务系统事件): live call cards for the operator console, and texts to the caller.

Event format (``POST /api/v1/hotline/cti/events``, JSON, UTF-8)::

    {"event_id": "evt-0001",            # unique per event; a replay is refused
     "type": "ringing" | "answered" | "hungup" | "recording",
     "call_id": "call-20261123-0001",   # one call card per call_id
     "caller": "13800001234",          # the citizen's number (needed on ringing)
     "callee": "12345",                # the number dialled
     "seat": "A01",                    # operator seat (坐席), known from answered on
     "at": "2026-11-23T09:30:00+08:00", # when it happened (ISO 8601 with offset)
     "recording_url": "https://..."}     # recording only

Signature: header ``X-Sunshine-Timestamp`` (Unix seconds) and ``X-Sunshine-Signature``, the hex
HMAC-SHA256 of ``timestamp + "." + raw body`` keyed with ``SUNSHINE_CTI_SECRET``. A timestamp more
than five minutes from the server clock is refused.

Storage (docs/decisions/0003): every accepted event is ONE inserted ``cti_events/{tenant}:{event_id}``
(the unique insert refuses replays and referees concurrent deliveries); the call card
``hotline_calls/{tenant}:{call_id}`` (来电卡片) is folded from all stored events of the call and
rewritten until it reflects every event it saw, so a lost update cannot hide an event. Tickets
registered during a call are linked by inserting ``hotline_call_tickets/{tenant}:{call_id}:{number}``
and keep the ``call_id`` in their registration. Events and cards hold the caller's number as its
vault reference (``hotline.callers``); the operator sees the number, others a masked one.

Texts to the caller (短信告知): ``notify_caller`` files the ticket number on registration and the
answer on closing into the shared notification outbox (``backend.services.notifications``), which
the notification worker sends over Aliyun SMS (template keys ``hotline_registered`` and
``hotline_closed``, else ``default`` of ``ALIYUN_SMS_TEMPLATES``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, time, timedelta, timezone

from pymongo.errors import DuplicateKeyError

from backend.domain.clock import SHANGHAI, to_shanghai
from backend.domain.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from backend.services import notifications, vault
from backend.services.context import Services
from hotline import callers, domain, service

EVENTS = "cti_events"
CALLS = "hotline_calls"
CALL_TICKETS = "hotline_call_tickets"
EVENT_TYPES = {"ringing": "来电振铃", "answered": "接听", "hungup": "挂机", "recording": "录音生成"}
CALL_STATES = {"ringing": "振铃中", "answered": "通话中", "hungup": "已挂机", "missed": "未接听"}
ORDER = {"ringing": 0, "answered": 1, "hungup": 2, "recording": 3}
SKEW = timedelta(minutes=5)
LIVE_WINDOW = timedelta(minutes=30)  # a hung-up call stays on the console this long
_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,100}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
NOTICES = {"TicketRegistered": "hotline_registered", "TicketClosed": "hotline_closed"}


# --- signatures and event checks (pure) --------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 a sender puts in ``X-Sunshine-Signature``."""
    return hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def check_signature(secret: str, timestamp: str, signature: str, body: bytes, now: datetime) -> None:
    if not secret:  # switched off: the address answers as an unknown one does
        raise NotFound("未找到该地址")
    if not timestamp or not timestamp.isdigit() or not signature:
        raise Unauthenticated("缺少签名或时间戳", code="signature_missing")
    sent = datetime.fromtimestamp(int(timestamp), timezone.utc)
    if abs(now - sent) > SKEW:
        raise Unauthenticated("时间戳与服务器时间相差超过 5 分钟", code="stale_timestamp")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip().lower()):
        raise Unauthenticated("签名不正确", code="bad_signature")


def _when(value, now: datetime) -> datetime:
    if value in (None, ""):
        return now
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed("事件时间 at 应为 ISO 8601 时间", code="bad_event_time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).astimezone(timezone.utc)


def _field(data: dict, key: str, limit: int = 100) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool) or len(str(value)) > limit:
        raise ValidationFailed(f"事件字段 {key} 格式不正确", code="bad_event_field")
    return str(value).strip()


def parse_event(data, now: datetime) -> dict:
    """A checked event: ``{event_id, type, call_id, caller, callee, seat, at, recording_url}``."""
    if not isinstance(data, dict):
        raise ValidationFailed("事件应为 JSON 对象", code="bad_event")
    event = {k: _field(data, k, 500 if k == "recording_url" else 100)
             for k in ("event_id", "type", "call_id", "caller", "callee", "seat", "recording_url")}
    if event["type"] not in EVENT_TYPES:
        raise ValidationFailed(f"事件类型只能是：{'、'.join(EVENT_TYPES)}", code="bad_event_type")
    for key in ("event_id", "call_id"):
        if not _ID.match(event[key]):
            raise ValidationFailed(f"事件字段 {key} 缺失或含非法字符", code="bad_event_field")
    if event["type"] == "ringing" and not event["caller"]:
        raise ValidationFailed("振铃事件须带来电号码 caller", code="caller_required")
    if event["type"] == "recording" and not event["recording_url"].startswith(("http://", "https://")):
        raise ValidationFailed("录音事件须带录音地址 recording_url", code="recording_url_required")
    if event["caller"]:
        try:
            event["caller"] = domain.normalise_phone(event["caller"])
        except ValidationFailed:
            pass  # withheld or odd numbers are shown as they came
    event["at"] = _when(data.get("at"), now)
    return event


def fold(call_id: str, events: list[dict]) -> dict:
    """The call card from the call's events, in time order (pure)."""
    card = {"call_id": call_id, "caller": "", "callee": "", "seat": "", "state": "ringing", "ringing_at": None,
            "answered_at": None, "hungup_at": None, "recording_url": "", "event_ids": []}
    for event in sorted(events, key=lambda e: (e["at"], ORDER[e["type"]], e["event_id"])):
        card["event_ids"].append(event["event_id"])
        for key in ("caller", "callee", "seat"):
            card[key] = event.get(key) or card[key]
        kind = event["type"]
        if kind == "recording":
            card["recording_url"] = event["recording_url"]
            continue
        card[f"{kind}_at"] = card[f"{kind}_at"] or event["at"]
    if card["hungup_at"]:
        card["state"] = "hungup" if card["answered_at"] else "missed"
    elif card["answered_at"]:
        card["state"] = "answered"
    return card


# --- the store ----------------------------------------------------------------------------------


async def record_event(svc: Services, tenant: str, event: dict) -> dict:
    """Store one event (a replay is a 409) and bring its call card up to date; returns the card.

    The caller's number is kept in the vault first; the event and the card hold its reference."""
    if event.get("caller"):
        sealed = callers.seal(svc, tenant, event["caller"])
        await vault.keep(svc, sealed)
        event = {**event, "caller": sealed.refs["caller"]}
    try:
        await svc.db[EVENTS].insert_one({"_id": f"{tenant}:{event['event_id']}", "tenant": tenant, **event,
                                         "received_at": svc.now()})
    except DuplicateKeyError:
        raise Conflict("该事件已处理（event_id 重复）", code="duplicate_event") from None
    await refresh_card(svc, tenant, event["call_id"])
    return await get_call(svc, tenant, event["call_id"])


async def refresh_card(svc: Services, tenant: str, call_id: str) -> dict:
    """Rewrite the card from the stored events until no event arrived meanwhile."""
    card_id = f"{tenant}:{call_id}"
    for _ in range(10):
        events = [e async for e in svc.db[EVENTS].find({"tenant": tenant, "call_id": call_id})]
        card = {**fold(call_id, events), "tenant": tenant, "refreshed_at": svc.now()}
        try:
            await svc.db[CALLS].replace_one({"_id": card_id}, card, upsert=True)
        except DuplicateKeyError:  # two first writers raced on the upsert; the next round replaces
            continue
        seen = await svc.db[EVENTS].count_documents({"tenant": tenant, "call_id": call_id})
        if seen == len(card["event_ids"]):
            return card
    return card


async def _tickets_of(svc: Services, tenant: str, call_id: str) -> list[str]:
    docs = [d async for d in svc.db[CALL_TICKETS].find({"tenant": tenant, "call_id": call_id})]
    return sorted(d["number"] for d in docs)


async def _history(svc: Services, tenant: str, phone: str) -> list:
    try:
        return await service.caller_history(svc, tenant, phone) if phone else []
    except ValidationFailed:
        return []


async def call_view(svc: Services, tenant: str, doc: dict, shown: dict[str, str], *, history: bool = True) -> dict:
    """The card as the console shows it; ``shown``: caller reference -> what the reader sees (``callers.card_callers``)."""
    view = {k: doc.get(k) for k in ("call_id", "callee", "seat", "state", "ringing_at", "answered_at",
                                    "hungup_at", "recording_url")}
    view["caller"] = shown.get(doc.get("caller", ""), "")
    view["state_label"] = CALL_STATES[doc["state"]]
    view["duration_s"] = int((doc["hungup_at"] - doc["answered_at"]).total_seconds()) \
        if doc.get("hungup_at") and doc.get("answered_at") else None
    view["tickets"] = await _tickets_of(svc, tenant, doc["call_id"])
    if history:
        view["history"] = await _history(svc, tenant, doc.get("caller", ""))
    return view


async def get_call(svc: Services, tenant: str, call_id: str, principal: dict | None = None) -> dict:
    """One call card; the caller's number in full for the operator (and the switch), masked for others."""
    doc = await svc.db[CALLS].find_one({"_id": f"{tenant}:{call_id}"})
    if not doc:
        raise NotFound("未找到该通话", code="call_not_found")
    return await call_view(svc, tenant, doc, await callers.card_callers(svc, tenant, [doc], principal))


async def live_calls(svc: Services, tenant: str, seat: str = "", principal: dict | None = None) -> dict:
    """Calls ringing or in progress, and those hung up in the last 30 minutes, newest first,
    each with the caller's history; plus today's call counts (China time)."""
    now = svc.now()
    since = now - timedelta(hours=12)
    docs = [d async for d in svc.db[CALLS].find({"tenant": tenant, "refreshed_at": {"$gte": since}})]
    live = [d for d in docs if d["state"] in ("ringing", "answered")
            or (d.get("hungup_at") and d["hungup_at"] >= now - LIVE_WINDOW)]
    if seat:
        live = [d for d in live if d.get("seat") in ("", seat)]
    live.sort(key=lambda d: d.get("ringing_at") or d["refreshed_at"], reverse=True)
    midnight = datetime.combine(to_shanghai(now).date(), time(0), SHANGHAI)
    today = [d async for d in svc.db[CALLS].find({"tenant": tenant, "ringing_at": {"$gte": midnight}},
                                                 {"answered_at": 1})]
    shown = await callers.card_callers(svc, tenant, live[:20], principal)
    return {"calls": [await call_view(svc, tenant, d, shown) for d in live[:20]],
            "today": {"calls": len(today), "answered": sum(1 for d in today if d.get("answered_at"))}}


async def register_during_call(svc: Services, tenant: str, principal: dict, call_id: str, payload: dict) -> dict:
    """受理 while on the phone: the ticket keeps the call_id, the card lists the ticket, the caller gets a text."""
    card = await svc.db[CALLS].find_one({"_id": f"{tenant}:{call_id}"})
    if not card:
        raise NotFound("未找到该通话", code="call_not_found")
    if not isinstance(payload, dict):
        raise ValidationFailed("请求内容应为 JSON 对象")
    body = {**payload, "call_id": call_id, "channel": "phone"}
    body["caller_phone"] = payload.get("caller_phone") or await vault.reveal_one(svc, tenant, card.get("caller", ""))
    view = await service.register_ticket(svc, tenant, principal, body)
    await svc.db[CALL_TICKETS].insert_one({"_id": f"{tenant}:{call_id}:{view['number']}", "tenant": tenant,
                                           "call_id": call_id, "number": view["number"], "at": svc.now()})
    await notify_caller(svc, tenant, view["number"])
    return view


# --- texts to the caller ------------------------------------------------------------------------


def _notice_params(ticket, event) -> dict:
    if event.type == "TicketClosed":
        note = ticket.reply_text or (f"已答复：{ticket.answer_title}" if ticket.answer_title else "") \
            or (f"已转为办件{ticket.case_number}" if ticket.case_number else "您反映的问题已办结")
    else:
        note = "我们将按时限办理并回复您"
    return {"item": f"12345热线{domain.TYPES[ticket.reg.type]}", "number": ticket.number,
            "state": domain.STATES[event.to_state], "note": notifications.short(note, 30),
            "time": to_shanghai(event.at).strftime("%Y-%m-%d %H:%M"), "due": ""}


async def notify_caller(svc: Services, tenant: str, number: str) -> list[str]:
    """File the texts a ticket owes its caller (number on registration, answer on closing).

    Idempotent: each notice is keyed ``tenant:number:seq`` in the shared outbox, so calling this
    after every step is harmless. Only mobile numbers get texts. Returns the ids newly queued.
    """
    ticket, _ = await service.load(svc, tenant, number)
    if not MOBILE.match(await vault.reveal_one(svc, tenant, ticket.reg.caller_phone)):
        return []
    queued = []
    for event in ticket.events:
        key = NOTICES.get(event.type)
        if key is None:
            continue
        qid = notifications.notice_id(tenant, number, event.seq)
        if await svc.db[notifications.LOG].find_one({"_id": qid}, {"_id": 1}):
            continue
        now = svc.now()
        try:
            await svc.db[notifications.QUEUE].insert_one({
                "_id": qid, "tenant": tenant, "case_number": number, "event_seq": event.seq,
                "event_type": event.type, "channel": "sms", "to": ticket.reg.caller_phone, "template": key,
                "params": _notice_params(ticket, event), "attempts": 0, "next_attempt_at": now,
                "claimed_until": None, "last_error": "", "created_at": now, "fallback_phone": "", "kind": "ticket"})
            queued.append(qid)
        except DuplicateKeyError:
            pass
    return queued
