"""Migration 0007: queued notices filed on the notices' wheel (``work``, decision 0005).

The notification worker found what was due by filtering ``notification_queue`` on
``next_attempt_at``, which FerretDB v1 answers by reading every queued notice: while a channel is
down, thousands of them every ten seconds. Each notice now names its entry on the ``notice`` wheel
(``due_key``, ``{tenant}:notice:{minute}:{notice id}``) and the worker reads the minutes since its
cursor. This files the notices queued before: the entry first, then the notice's ``due_key``, so
a run that stopped halfway files the same entry again and goes on.
"""

from __future__ import annotations

from backend.services import notifications
from backend.services.context import Services
from backend.services.tenants import all_ids as tenant_ids
from backend.store import work

IDENT = "0007-notices-on-the-wheel"
QUEUE = "notification_queue"  # where notices were queued until migration 0009
RAISES = {QUEUE: 3}


async def run(svc: Services, progress) -> None:
    for tenant in await tenant_ids(svc):
        key = f"notices:{tenant}"
        async for doc in svc.db[QUEUE].find({"_id": work.prefix_range(f"{tenant}:")}):
            if doc.get("tenant") != tenant or doc.get("due_key"):
                continue
            entry_id, entry = notifications.due_entry(notifications.with_due(doc))
            await work.insert_once(svc.db, {"_id": entry_id, **entry})
            await svc.db[QUEUE].update_one({"_id": doc["_id"], "due_key": {"$exists": False}},
                                           {"$set": {"due_key": entry_id}})
            await progress.item_done(key, doc["_id"])
