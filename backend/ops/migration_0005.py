"""Migration 0005: finished-case summaries filed by day (``finished_days``).

The reports, the supervision trend, the province view and the satisfaction sample read the cases
finished in a period. They filtered ``finished_cases`` on ``day``, which FerretDB v1 answers by
scanning every summary ever stored (measured: 5.6 s for one report at 50,000 cases of history).
Each summary is now also stored as ``finished_days/{tenant}:{day}:{number}`` and a period is one
``_id`` range. This copies the summaries stored before; a copy already there is left as it is, so
a run that stopped halfway simply runs again.
"""

from __future__ import annotations

from backend.services import supervision
from backend.services.context import Services
from backend.services.tenants import all_ids as tenant_ids
from backend.store import batch, work

IDENT = "0005-finished-summaries-by-day"
RAISES = {"finished_cases": 2}
PAGE = 500


async def run(svc: Services, progress) -> None:
    tenants = await tenant_ids(svc)
    for tenant in tenants:
        key = f"finished_cases:{tenant}"
        page: list[dict] = []
        async for doc in svc.db[supervision.FINISHED].find({"_id": work.prefix_range(f"{tenant}:")}, batch_size=PAGE):
            if not doc.get("day") or not doc.get("number"):
                continue
            page.append({**doc, "_id": supervision.finished_day_key(tenant, doc["day"], doc["number"])})
            if len(page) >= PAGE:
                await _file(svc, page, progress, key)
                page = []
        await _file(svc, page, progress, key)


async def _file(svc: Services, page: list[dict], progress, key: str) -> None:
    if not page:
        return
    await batch.insert_new(svc.db, supervision.FINISHED_DAYS, page)
    for doc in page:
        await progress.item_done(key, doc["number"])
