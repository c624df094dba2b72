"""Migration 0002: open and acknowledged cards are kept in the ``work`` collection too.

"My cards" (the home page of every staff member) and the list of open cards read the working set
``work/{tenant}:card:{number}:{scope}:{level}`` instead of every card ever raised. Cards raised
before this change are mirrored once; closed ones stay in ``cards`` only.
"""

from __future__ import annotations

from backend.services import supervision
from backend.services.context import Services
from backend.services.tenants import all_ids as tenant_ids
from backend.store import work


async def run(svc: Services, progress) -> None:
    tenants = await tenant_ids(svc)
    for tenant in tenants:
        cards = await svc.db[supervision.CARDS].find({"_id": work.prefix_range(f"{tenant}:"),
                                                      "status": {"$in": ["open", "acknowledged"]}}).to_list(None)
        await supervision.mirror_cards(svc.db, cards, replace=True)
