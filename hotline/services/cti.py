"""CTI webhook (话务系统事件): live call cards for the operator console, and texts to the caller.

The events' format and signature: ``hotline.domain.call_events``.

Storage (docs/decisions/0003): every accepted event is ONE inserted ``cti_events/{tenant}:{event_id}``
(the unique insert refuses replays and referees concurrent deliveries); the call card
``hotline_calls/{tenant}:{call_id}`` (来电卡片) is folded from all stored events of the call and
rewritten until it reflects every event it saw, so a lost update cannot hide an event. Tickets
registered during a call are linked by inserting ``hotline_call_tickets/{tenant}:{call_id}:{number}``
and keep the ``call_id`` in their registration. Events and cards hold the caller's number as its
vault reference (``hotline.services.callers``); the operator sees the number, others a masked one.
A ticket registered during a call texts the caller its number (``hotline.services.caller_notices``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pymongo.errors import DuplicateKeyError

from backend.domain.clock import SHANGHAI, to_shanghai
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.services import vault
from backend.services.context import Services
from hotline.domain.call_events import CALL_STATES, fold
from hotline.services import callers, tickets

EVENTS = "cti_events"
CALLS = "hotline_calls"
CALL_TICKETS = "hotline_call_tickets"
LIVE_WINDOW = timedelta(minutes=30)  # a hung-up call stays on the console this long


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
        return await tickets.caller_history(svc, tenant, phone) if phone else []
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
    view = await tickets.register_ticket(svc, tenant, principal, body)
    await svc.db[CALL_TICKETS].insert_one({"_id": f"{tenant}:{call_id}:{view['number']}", "tenant": tenant,
                                           "call_id": call_id, "number": view["number"], "at": svc.now()})
    await tickets.notify_caller(svc, tenant, view["number"])
    return view
