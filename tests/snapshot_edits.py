"""Editing stored case snapshots and steps the way someone with access to the store would: read the
stored document, change what is inside it, write it back in the same layout (packed or not)."""

from backend.store import snapshots


async def edit_snapshot(collection, doc_id: str, change, pack=snapshots.pack) -> dict:
    """``change(doc)`` edits the unpacked snapshot in place; it is written back whole. Returns it."""
    stored = await collection.find_one({"_id": doc_id})
    doc = snapshots.unpack(stored)
    change(doc)
    await collection.replace_one({"_id": doc_id}, pack(doc) if snapshots.PACKED in stored else doc)
    return doc


async def edit_step(collection, doc_id: str, change) -> dict:
    """``change(doc)`` edits the unpacked step document (its ``events``) in place; written back whole."""
    return await edit_snapshot(collection, doc_id, change, snapshots.pack_step)
