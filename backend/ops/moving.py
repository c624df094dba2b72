"""Moving a collection's documents into another one, for migrations that merge collections."""

from __future__ import annotations

from typing import Callable

from backend.services.context import Services
from backend.store import batch

PAGE = 500


async def move_all(svc: Services, progress, old: str, new: str, shape: Callable[[dict], dict]) -> None:
    """Every document of ``old`` into ``new``, as ``shape`` gives it (with its ``_id`` in ``new``).

    A page at a time: the copies first (one already in ``new`` is left as it is), then the originals
    are deleted, so a run that stopped halfway moves the rest when it runs again and nothing is lost
    or moved twice. Each page read is of what is left: what was moved is gone from ``old``.
    """
    while True:
        page = await svc.db[old].find({}).limit(PAGE).to_list(None)
        if not page:
            return
        await batch.insert_new(svc.db, new, [shape(doc) for doc in page])
        await svc.db[old].delete_many({"_id": {"$in": [doc["_id"] for doc in page]}})
        for doc in page:
            await progress.item_done(old, doc["_id"])
