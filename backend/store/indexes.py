"""Index declarations. MongoDB uses them all; FerretDB v1 on SQLite answers `_id` lookups from its
primary key and scans for the rest, which is why hot documents are keyed by `_id` (see ARCHITECTURE)."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel

INDEXES: dict[str, list[IndexModel]] = {
    "staff": [IndexModel([("tenant", ASCENDING), ("username", ASCENDING)], name="tenant_username", unique=True)],
    "sessions": [IndexModel([("expires_at", ASCENDING)], name="expires_at")],
    "audit_log": [IndexModel([("tenant", ASCENDING), ("at", DESCENDING)], name="tenant_at")],
    "departments": [IndexModel([("tenant", ASCENDING)], name="tenant")],
    "townships": [IndexModel([("tenant", ASCENDING)], name="tenant")],
    "posts": [IndexModel([("tenant", ASCENDING), ("centre", ASCENDING)], name="tenant_centre")],
    "case_index": [IndexModel([("tenant", ASCENDING), ("kind", ASCENDING), ("key", ASCENDING)], name="person")],
    "cases": [IndexModel([("tenant", ASCENDING), ("state", ASCENDING)], name="state"),
              IndexModel([("tenant", ASCENDING), ("submitted_at", DESCENDING)], name="submitted")],
    "item_heads": [IndexModel([("tenant", ASCENDING), ("status", ASCENDING)], name="status")],
}

_extra: dict[str, list[IndexModel]] = {}


def declare(collection: str, *models: IndexModel) -> None:
    """Modules declare their collections' indexes at import; ``ensure_indexes`` creates them all."""
    _extra.setdefault(collection, []).extend(models)


async def ensure_indexes(db) -> None:
    """Create the missing indexes one by one (FerretDB v1 panics when a batch repeats existing ones)."""
    for collection, models in list(INDEXES.items()) + list(_extra.items()):
        existing = {index["name"] async for index in await db[collection].list_indexes()}
        for model in models:
            if model.document["name"] not in existing:
                await db[collection].create_indexes([model])
