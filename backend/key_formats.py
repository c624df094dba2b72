"""The written forms of the personal-data keys (``SUNSHINE_DATA_KEYS``, ``SUNSHINE_LOOKUP_KEY``).

Pure parsing, shared by the settings check (``backend.config``) and the keys themselves
(``backend.keyring``), so neither has to import the other.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def _decode(text: str) -> bytes:
    text = text.strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if ("-" in text or "_" in text) else None,
                                validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("不是有效的 base64 / not valid base64") from None


def parse_data_keys(text: str) -> dict[str, bytes]:
    """``"k2=BASE64,k1=BASE64"`` -> ``{"k2": key, "k1": key}`` (the first encrypts); ValueError naming the problem."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        key_id, sep, encoded = (s.strip() for s in part.partition("="))
        if not sep or not KEY_ID.match(key_id):
            raise ValueError(f"应为 密钥编号=base64 / expected id=base64, got {key_id[:40]!r}")
        if key_id in keys:
            raise ValueError(f"密钥编号重复 / duplicate key id {key_id!r}")
        key = _decode(encoded)
        if len(key) not in (16, 24, 32):
            raise ValueError(f"密钥 {key_id} 应为 32 字节（AES-256）/ key {key_id} must be 32 bytes, got {len(key)}")
        keys[key_id] = key
    if not keys:
        raise ValueError("至少需要一个密钥 / at least one key")
    return keys


def parse_lookup_key(text: str) -> bytes:
    key = _decode(text)
    if len(key) < 32:
        raise ValueError(f"应至少 32 字节 / must be at least 32 bytes, got {len(key)}")
    return key


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()
