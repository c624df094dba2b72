"""Keys for personal data at rest (个人信息加密密钥): AES-GCM data keys and the lookup key.

``SUNSHINE_DATA_KEYS`` holds ``id=base64`` pairs, comma-separated, each a 256-bit AES-GCM key (128
and 192 bits are accepted too). The first one encrypts; every one listed decrypts, so a new key is
put first and ``python -m backend rotate-keys`` moves each stored value under it before the old
key is removed. ``SUNSHINE_LOOKUP_KEY`` keys the HMAC-SHA256 pseudonyms (``pii:tel:…``) that stand
for a value in documents and in the hash-chained trail and let equal values be found (a caller's
history); it is set once and never changed (docs/decisions/0007).

Production is a process with ``MONGODB_URI`` set: without keys it refuses to serve, migrate or
rotate (:func:`keyring_for`), while the commands that never read personal data (``config``,
``verify-trail``) still run. The embedded store (no ``MONGODB_URI``) gets development keys,
generated into ``{data_dir}/dev-keys.json`` on first use (:func:`with_development_keys`), and a
loud warning wherever they are loaded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Mapping

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.config import Settings, SettingsError
from backend.key_formats import new_key, parse_data_keys, parse_lookup_key  # noqa: F401 (re-exported)

log = logging.getLogger("sunshine.keys")

DEV_FILE = "dev-keys.json"
DEV_PREFIX = "dev-"
NONCE_BYTES = 12
DEV_WARNING = ("使用开发密钥加密个人信息（{path}）：仅供开发和演示，生产环境必须设置 SUNSHINE_DATA_KEYS 和 "
               "SUNSHINE_LOOKUP_KEY / DEVELOPMENT KEYS in use for personal data ({path}): never use them in production")


class KeysMissing(SettingsError):
    """A production process (``MONGODB_URI`` set) without the keys for personal data."""

    def __init__(self) -> None:
        super().__init__([
            "未设置个人信息加密密钥：使用 MongoDB（MONGODB_URI）时必须设置 SUNSHINE_DATA_KEYS 和 SUNSHINE_LOOKUP_KEY"
            "（python -m backend new-keys 生成）/ MONGODB_URI is set but SUNSHINE_DATA_KEYS and SUNSHINE_LOOKUP_KEY "
            "are not: production refuses to start without them (generate with `python -m backend new-keys`)"])


class UnknownKey(LookupError):
    """A stored value names a data key that is not configured (removed before rotation finished)."""


@dataclass(frozen=True)
class Keyring:
    """The data keys (current first) and the lookup key of one process."""

    keys: Mapping[str, bytes]
    lookup: bytes

    @property
    def current(self) -> str:
        return next(iter(self.keys))

    @property
    def development(self) -> bool:
        return self.current.startswith(DEV_PREFIX)

    def encrypt(self, plaintext: str, context: str) -> dict:
        """``{key, nonce, value}``: AES-GCM under the current key, bound to ``context`` (the document's ``_id``)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return {"key": self.current, "nonce": nonce, "value": sealed}

    def decrypt(self, stored: Mapping, context: str) -> str:
        key = self.keys.get(stored["key"])
        if key is None:
            raise UnknownKey(f"数据密钥 {stored['key']} 未配置 / data key {stored['key']!r} is not configured")
        return AESGCM(key).decrypt(bytes(stored["nonce"]), bytes(stored["value"]), context.encode("utf-8")).decode("utf-8")

    def pseudonym(self, *parts: str) -> str:
        """The keyed hash of ``parts`` (128 bits, hex): equal inputs give equal pseudonyms, nothing else can."""
        message = "\x1f".join(parts).encode("utf-8")
        return hmac.new(self.lookup, message, hashlib.sha256).hexdigest()[:32]


def keyring_for(settings: Settings) -> Keyring:
    """The keys of ``settings``; :class:`KeysMissing` when there are none."""
    if not settings.data_keys or not settings.lookup_key:
        raise KeysMissing()
    return Keyring(parse_data_keys(settings.data_keys), parse_lookup_key(settings.lookup_key))


def _development_file(data_dir: Path) -> dict:
    """Read ``dev-keys.json``, creating it first (exclusively, owner-only) when missing."""
    path = data_dir / DEV_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    fresh = {"data_keys": f"{DEV_PREFIX}{date.today():%Y%m%d}={new_key()}", "lookup_key": new_key()}
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return json.loads(path.read_text(encoding="utf-8"))
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump({**fresh, "note": "development keys of the embedded store; never use them in production"}, out)
    log.warning("generated development keys for personal data in %s", path)
    return fresh


def with_development_keys(settings: Settings) -> Settings:
    """With the embedded store and no keys configured: the development keys of its data folder."""
    if settings.data_keys or settings.lookup_key or not settings.embedded:
        return settings
    keys = _development_file(settings.data_dir)
    log.warning(DEV_WARNING.format(path=settings.data_dir / DEV_FILE))
    return replace(settings, data_keys=keys["data_keys"], lookup_key=keys["lookup_key"])


def development_in_use(settings: Settings) -> bool:
    try:
        return keyring_for(settings).development
    except SettingsError:
        return False
