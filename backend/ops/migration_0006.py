"""Migration 0006: ratings and cards filed by day (``rating_days``, ``card_days``).

The daily and monthly reports and the province view count the ratings given and the cards raised
in a period. They filtered ``ratings`` on ``at`` and ``cards`` on ``raised_at``, which FerretDB v1
answers by scanning every rating and card ever stored. Each rating and card is now also kept as
``{tenant}:{day}:{its id after the tenant}`` (China time) and a period is read one day's ``_id``
prefix at a time. This files those stored before; a copy already there is left as it is, so a run
that stopped halfway simply runs again.
"""

from __future__ import annotations

from backend.services import supervision
from backend.services.context import Services
from backend.services.tenants import all_ids as tenant_ids
from backend.store import batch, work

IDENT = "0006-ratings-and-cards-by-day"
RAISES = {"ratings": 2, "cards": 2}
PAGE = 500
RATINGS = "ratings"
FILED = ((RATINGS, supervision.RATING_DAYS, "at"), (supervision.CARDS, supervision.CARD_DAYS, "raised_at"))


async def run(svc: Services, progress) -> None:
    for tenant in await tenant_ids(svc):
        for source, days, at_field in FILED:
            key, page = f"{source}:{tenant}", []
            async for doc in svc.db[source].find({"_id": work.prefix_range(f"{tenant}:")}, batch_size=PAGE):
                copy = supervision.day_copy(doc, at_field) if doc.get("tenant") == tenant else None
                if copy is not None:
                    page.append(copy)
                if len(page) >= PAGE:
                    await _file(svc, days, page, progress, key)
                    page = []
            await _file(svc, days, page, progress, key)


async def _file(svc: Services, collection: str, page: list[dict], progress, key: str) -> None:
    if not page:
        return
    await batch.insert_new(svc.db, collection, page)
    for doc in page:
        await progress.item_done(key, doc["source"])
