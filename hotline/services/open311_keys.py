"""Open311 API keys (接口密钥) of machine channels: created once, stored only as a hash.

``open311_keys/{sha256(key)}`` holds the tenant, the channel's name and when it was made; the key
itself is shown once by ``python -m hotline open311-key create NAME`` and never stored. Documents
are insert-only (docs/decisions/0003): a key is revoked by inserting
``open311_key_revocations/{sha256(key)}``, never by editing the key document.
"""

from __future__ import annotations

import hashlib
import secrets

from pymongo.errors import DuplicateKeyError

from backend.domain.errors import ValidationFailed
from backend.services.context import Services

KEYS = "open311_keys"
REVOCATIONS = "open311_key_revocations"
PREFIX = "s365o311_"
MAX_NAME = 60


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


async def create_key(svc: Services, tenant: str, name: str) -> str:
    """A new key for the channel ``name`` (e.g. 市城管平台); returns the key, which is not kept."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(f"请填写接入方名称（不超过 {MAX_NAME} 字）", code="bad_key_name")
    while True:
        key = PREFIX + secrets.token_urlsafe(30)
        try:
            await svc.db[KEYS].insert_one({"_id": key_hash(key), "tenant": tenant, "name": name,
                                           "hint": key[:len(PREFIX) + 4], "created_at": svc.now()})
            return key
        except DuplicateKeyError:  # practically impossible; try another
            continue


async def revoke_key(svc: Services, key: str) -> bool:
    """Stop a key from working; False when it was unknown or already revoked."""
    digest = key_hash(key)
    if not await svc.db[KEYS].find_one({"_id": digest}, {"_id": 1}):
        return False
    try:
        await svc.db[REVOCATIONS].insert_one({"_id": digest, "at": svc.now()})
    except DuplicateKeyError:
        return False
    return True


async def verify_key(svc: Services, key: str | None) -> dict | None:
    """The key's record ``{tenant, name}`` when ``key`` is a live key, else None."""
    if not key or not isinstance(key, str) or not key.startswith(PREFIX) or len(key) > 200:
        return None
    digest = key_hash(key)
    found = await svc.db[KEYS].find_one({"_id": digest})
    if not found or await svc.db[REVOCATIONS].find_one({"_id": digest}, {"_id": 1}):
        return None
    return {"tenant": found["tenant"], "name": found["name"], "id": digest[:16]}
