"""The open working sets in the ``work`` collection (decision 0005): the open cases and the open or
acknowledged cards, each read by one ``_id`` prefix.

Supervision writes them; the journal's recount and the dashboards read them. They live here, below
both, so that neither has to import the other.
"""

from __future__ import annotations

from backend.services.context import Services
from backend.store import work


def open_key(tenant: str, number: str) -> str:
    return work.key(tenant, "open", number)


async def open_entries(svc: Services, tenant: str, projection: dict | None = None) -> list[dict]:
    """Every open case's working-set entry (what the dashboard and reports count)."""
    return await work.read_prefix(svc.db, work.key(tenant, "open", ""), projection)


def card_key(card_id: str) -> str:
    """The open-card working-set key of a card ``{tenant}:{number}:{scope}:{level}``."""
    tenant, rest = card_id.split(":", 1)
    return work.key(tenant, "card", rest)


async def mirror_cards(db, cards: list[dict], replace: bool = False) -> None:
    """Keep open and acknowledged cards in the working set, so that "my cards" and the open list read
    what is open now, not every card ever raised."""
    changes = work.Changes()
    for card in cards:
        if card.get("status") in ("open", "acknowledged"):
            (changes.put if replace else changes.add)(card_key(card["_id"]), {k: v for k, v in card.items() if k != "_id"}
                                                      | {"card_id": card["_id"]})
        else:
            changes.drop(card_key(card["_id"]))
    await work.apply(db, changes)


async def open_cards(db, tenant: str) -> list[dict]:
    """The tenant's open and acknowledged cards, each with its ``_id`` as in ``cards``."""
    return [{**d, "_id": d["card_id"]} for d in await work.read_prefix(db, work.key(tenant, "card", ""))]
