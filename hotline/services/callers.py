"""A caller's number (来电号码): kept in the vault, shown in full only to the operator, history by keyed hash.

A ticket's registration (and so its trail), the CTI events and call cards, the notices and the
person index hold the number's vault reference (``pii:tel:…``, :mod:`backend.services.vault`), never
the number. Who reads a ticket sees the number as :func:`reading` allows: the operator in full
(each such view written to the audit log as ``hotline.caller_shown``, unless it answers the
operator's own step), hotline managers, supervisors and the administrator masked, the unit a ticket
was dispatched to masked and without the routing suggestion. A caller's history (tickets and cases
of the same number) is found through the number's keyed hash, by ``_id`` prefix.
"""

from __future__ import annotations

from backend.domain.errors import Forbidden, NotFound
from backend.domain.identity import PHONE, is_reference, mask_name, mask_phone
from backend.services import audit, casework, vault
from backend.services.context import Services
from backend.store import snapshots
from hotline.domain.tickets import normalise_phone
from hotline.services.ticket_views import HOTLINE_VIEWERS, history_entry, unit_of

TICKETS = "hotline_tickets"
FULL, MASKED, UNIT = "full", "masked", "unit"
SHOWN_TO = frozenset({"operator"})  # the hotline role that calls people back


def seal(svc: Services, tenant: str, phone: str) -> vault.Sealed:
    """The reference of a checked number and its vault document (keep it before the step names it)."""
    return vault.seal(svc, tenant, {"caller": (PHONE, phone)})


def reference(svc: Services, tenant: str, phone_or_ref: str) -> str:
    """The reference of a number typed in (checked, normalised), or a reference as it is."""
    if is_reference(phone_or_ref):
        return phone_or_ref
    return vault.reference_of(svc, tenant, PHONE, normalise_phone(phone_or_ref))


def reading(ticket, principal: dict | None) -> str:
    """How much of a ticket's caller ``principal`` sees: FULL, MASKED or UNIT; raises when not at all."""
    if principal is None or principal.get("kind") == "system":
        return FULL  # an internal call, or the channel that registered it
    if principal.get("kind") == "citizen":
        if ticket.events[0].actor_id != f"citizen:{principal['id']}":
            raise NotFound("未找到该工单", code="ticket_not_found")
        return FULL
    roles = set(principal.get("roles", []))
    if roles & SHOWN_TO:
        return FULL
    if roles & HOTLINE_VIEWERS:
        return MASKED
    unit = unit_of(principal)
    handled = {e.data.get("target_code") for e in ticket.events if e.type == "TicketDispatched"}
    if unit and unit in handled:
        return UNIT
    raise Forbidden("该工单未派给您所在单位", code="wrong_unit")


async def shown(svc: Services, tenant: str, ticket, principal: dict | None, how: str, *, acted: bool) -> dict:
    """The caller as ``how`` allows; a full number shown to staff is audited unless it answers their own step."""
    phone = await vault.reveal_one(svc, tenant, ticket.reg.caller_phone)
    name = ticket.reg.caller_name
    if how != FULL:
        return {"phone": mask_phone(phone), "name": mask_name(name) if name else ""}
    if principal and principal.get("kind") == "staff" and not acted:
        await audit.record(svc, tenant, principal["id"], "hotline.caller_shown", {"number": ticket.number})
    return {"phone": phone, "name": name}


async def card_callers(svc: Services, tenant: str, cards: list[dict], principal: dict | None) -> dict[str, str]:
    """Each call card's caller reference -> what ``principal`` sees (the operator: the number, others: masked)."""
    numbers = await vault.reveal(svc, tenant, [c.get("caller", "") for c in cards])
    full = principal is None or bool(set(principal.get("roles", [])) & SHOWN_TO)
    return {ref: value if full else mask_phone(value) for ref, value in numbers.items()}


async def history(svc: Services, tenant: str, phone_or_ref: str) -> list:
    """Earlier tickets and cases of this number, newest first (来电历史)."""
    pseudonym = vault.pseudonym_of(reference(svc, tenant, phone_or_ref))
    entries = []
    tickets = await casework.indexed_numbers(svc, tenant, "ticket_phone", pseudonym)
    if tickets:
        async for doc in svc.db[TICKETS].find({"_id": {"$in": [f"{tenant}:{n}" for n in tickets]}}):
            entries.append(history_entry("ticket", doc))
    cases = await casework.indexed_numbers(svc, tenant, "phone", pseudonym)
    if cases:
        for doc in (await snapshots.read_many(svc.db.cases, [f"{tenant}:{n}" for n in cases])).values():
            entries.append(history_entry("case", doc))
    return sorted(entries, key=lambda e: (e["at"], e["number"]), reverse=True)
