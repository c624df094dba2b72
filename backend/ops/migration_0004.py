"""Migration 0004: case snapshots stored packed (docs/decisions/0011).

Every ``cases`` document written before packing is rewritten as :func:`backend.store.snapshots.pack`
makes it, guarded by its version (a step that rewrote it meanwhile has packed it already). Those
already packed are skipped, so a run that stopped halfway simply runs again. Reading never depended
on it (an unpacked snapshot reads as it is); the store just stops paying for its fields.
"""

from __future__ import annotations

from backend.services.context import Services
from backend.services.tenants import all_ids as tenant_ids
from backend.store import snapshots, work

IDENT = "0004-packed-case-snapshots"
RAISES = {"cases": 3}
PAGE = 500


async def run(svc: Services, progress) -> None:
    tenants = await tenant_ids(svc)
    for tenant in tenants:
        key = f"cases:{tenant}"
        async for stored in svc.db.cases.find({"_id": work.prefix_range(f"{tenant}:")}, batch_size=PAGE):
            if snapshots.PACKED in stored:
                continue
            await svc.db.cases.replace_one({"_id": stored["_id"], "version": stored.get("version")},
                                           snapshots.pack(stored))
            await progress.item_done(key, str(stored.get("number", stored["_id"])))
