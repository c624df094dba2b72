"""Data-key rotation (密钥轮换): every value in the vault re-encrypted under the current data key.

Put a new key first in ``SUNSHINE_DATA_KEYS`` (keeping the old ones listed), restart, then run
``python -m backend rotate-keys``. It reads the vault values still under another key and rewrites
each under the current one; the update is guarded by the key it read, so a value rewritten meanwhile
is left alone. It is resumable by construction: a run cut off goes on where it stopped (values
already under the current key are not read again) and a finished rotation repeated changes nothing.
Only the vault holds ciphertext, so no hashed event, snapshot or index changes; when no value is
left under an old key, that key can be removed from the setting.
"""

from __future__ import annotations

import logging
from typing import Callable

from cryptography.exceptions import InvalidTag
from pymongo import UpdateOne

from backend.keyring import UnknownKey
from backend.services import vault
from backend.services.context import Services

log = logging.getLogger("sunshine.keys")
BATCH = 200


def _under_old_keys(svc: Services) -> dict:
    return {"key": {"$ne": vault.keyring(svc).current}}


async def left(svc: Services) -> dict[str, int]:
    """How many values each old key still encrypts."""
    counts: dict[str, int] = {}
    async for doc in svc.db[vault.VAULT].find(_under_old_keys(svc), {"key": 1}):
        counts[doc["key"]] = counts.get(doc["key"], 0) + 1
    return counts


async def rotate(svc: Services, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Re-encrypt what is under old keys: ``{rotated, unreadable}`` (unreadable: its key is not configured
    or its ciphertext does not open, named in the log and left as it is)."""
    ring, done, unreadable, pending = vault.keyring(svc), 0, 0, []
    cursor = svc.db[vault.VAULT].find(_under_old_keys(svc)).sort("_id", 1).batch_size(BATCH)
    async for doc in cursor:
        try:
            value = ring.decrypt(doc, doc["_id"])
        except (UnknownKey, InvalidTag):
            log.error("vault value %s cannot be decrypted with the configured keys", doc["_id"])
            unreadable += 1
            continue
        pending.append(UpdateOne({"_id": doc["_id"], "key": doc["key"]}, {"$set": ring.encrypt(value, doc["_id"])}))
        if len(pending) == BATCH:
            done += await _write(svc, pending, progress, done)
    done += await _write(svc, pending, progress, done)
    return {"rotated": done, "unreadable": unreadable}


async def _write(svc: Services, updates: list, progress, done: int) -> int:
    if not updates:
        return 0
    await svc.db[vault.VAULT].bulk_write(list(updates), ordered=False)
    count = len(updates)
    updates.clear()
    if progress:
        progress(done + count)
    return count
