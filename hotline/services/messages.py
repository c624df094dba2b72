"""Citizens' hotline messages (热线留言) from the mini-program: leave one, list one's own."""

from __future__ import annotations

from backend.domain.errors import ValidationFailed
from backend.services.context import Services
from hotline.domain.tickets import STATES, TYPES
from hotline.services import tickets

CITIZEN_TICKETS = "hotline_citizen_tickets"


def citizen_view(view: dict) -> dict:
    reply = None
    if view.get("reply") and view["state"] in ("reply_accepted", "called_back", "closed"):
        reply = {"text": view["reply"]["text"], "at": view["reply"]["at"]}
    elif view.get("answer"):
        reply = {"text": f"已答复（依据：{view['answer']['title']}）", "at": None}
    return {"number": view["number"], "state": view["state"], "state_label": view["state_label"],
            "type": view["type"], "type_label": view["type_label"], "content": view["content"],
            "township": view["township"], "location": view["location"], "photos": len(view["photos"]),
            "registered_at": view["registered_at"], "closed_at": view["closed_at"], "reply": reply}


async def list_messages(svc: Services, tenant: str, citizen: dict) -> list[dict]:
    """The citizen's messages, newest first."""
    links = [d async for d in svc.db[CITIZEN_TICKETS].find({"tenant": tenant, "citizen": citizen["id"]})]
    ids = [f"{tenant}:{d['number']}" for d in links]
    docs = [d async for d in svc.db[tickets.TICKETS].find({"_id": {"$in": ids}})] if ids else []
    rows = [{"number": d["number"], "state": d["state"], "state_label": STATES[d["state"]],
             "type_label": TYPES.get(d["type"], d["type"]), "summary": d.get("summary", ""),
             "registered_at": d["registered_at"]} for d in docs]
    return sorted(rows, key=lambda r: r["registered_at"], reverse=True)


async def leave_message(svc: Services, tenant: str, citizen: dict, body: dict) -> dict:
    """File a ticket for the citizen; the type is guessed from the content when not given."""
    content = body.get("content") if isinstance(body.get("content"), str) else ""
    ticket_type = body.get("type") or ""
    if ticket_type == "application":
        raise ValidationFailed("办事申请请通过“办事指南”在线申请", code="use_online_application")
    if not ticket_type and content.strip():
        guessed = (await tickets.suggest(svc, tenant, content)).get("type") or {}
        ticket_type = guessed.get("code") if guessed.get("code") in TYPES else "help"
    payload = {"caller_phone": body.get("phone"), "type": ticket_type or "help", "content": content,
               "township": body.get("township") or "", "photos": body.get("photos") or [],
               "location": body.get("location") or {}, "channel": "miniprogram"}
    view = await tickets.register_ticket(svc, tenant, citizen, payload)
    await svc.db[CITIZEN_TICKETS].insert_one({
        "_id": f"{tenant}:{citizen['id']}:{view['number']}", "tenant": tenant, "citizen": citizen["id"],
        "number": view["number"], "at": svc.now()})
    return citizen_view(view)
