"""The personal-data vault (个人信息保管库): ID and phone numbers encrypted at rest, each kept once.

A value is kept per tenant in ``pii/{tenant}:{kind}:{pseudonym}``, the pseudonym being the keyed hash
(HMAC-SHA256 under the lookup key) of tenant, kind and value: ``{tenant, kind, key, nonce, value}``,
``value`` the AES-GCM ciphertext under the data key ``key``, bound to the document's ``_id``.
Everything else (snapshots, steps and their hash-chained events, tickets, call cards, notices, the
person index) holds the reference ``pii:{kind}:{pseudonym}`` instead of the value, so an auditor
verifies the trail without keys and rotating the data key rewrites this collection only
(``backend.ops.rotate_keys``; docs/decisions/0007).

Sealing comes in two halves so that nothing is written before a command is decided: :func:`seal`
computes the references and the vault documents (no I/O), :func:`keep` inserts those documents
before the step that names them (one already there holds the same value: its ``_id`` is the
value's keyed hash). :func:`reveal` reads values back, one ``$in`` for any number of references.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from backend import keyring as keys
from backend.domain.identity import ID_NUMBER, PHONE, is_reference, mask_id_number, mask_phone, reference, \
    reference_parts
from backend.services.context import Services
from backend.store import batch, commands

log = logging.getLogger("sunshine.vault")

VAULT = "pii"
_KEYRING = "keyring"
_KEPT = "vault_kept"
MASKS = {PHONE: mask_phone, ID_NUMBER: mask_id_number}
batch.look_first(VAULT)  # returning applicants are common: their values are there already


def keyring(svc: Services) -> keys.Keyring:
    """The process's keys (built from the settings once; ``KeysMissing`` in production without them)."""
    found = svc.extras.get(_KEYRING)
    if found is None:
        found = svc.extras[_KEYRING] = keys.keyring_for(svc.settings)
    return found


def vault_id(tenant: str, ref: str) -> str:
    kind, pseudonym = reference_parts(ref)
    return f"{tenant}:{kind}:{pseudonym}"


def reference_of(svc: Services, tenant: str, kind: str, value: str) -> str:
    """The reference standing for ``value`` (pure: the keyed hash; finds equal values without decrypting)."""
    return reference(kind, keyring(svc).pseudonym(tenant, kind, value))


def pseudonym_of(ref: str) -> str:
    """The keyed hash inside a reference (what the person index is keyed by)."""
    return reference_parts(ref)[1]


@dataclass
class Sealed:
    """References to put into documents, and the vault documents to :func:`keep` before them."""

    refs: dict[str, str] = field(default_factory=dict)
    docs: list[dict] = field(default_factory=list)
    plain: dict[str, str] = field(default_factory=dict, repr=False)  # vault ``_id`` -> value, never stored


def seal(svc: Services, tenant: str, values: Mapping[str, tuple[str, str]]) -> Sealed:
    """``{name: (kind, value)}`` -> the reference of each (an empty value stays "") and the documents to keep."""
    ring, sealed = keyring(svc), Sealed()
    for name, (kind, value) in values.items():
        if not value:
            sealed.refs[name] = ""
            continue
        ref = reference_of(svc, tenant, kind, value)
        doc_id = vault_id(tenant, ref)
        sealed.refs[name] = ref
        sealed.docs.append({"_id": doc_id, "tenant": tenant, "kind": kind, **ring.encrypt(value, doc_id)})
        sealed.plain[doc_id] = value
    return sealed


async def keep(svc: Services, sealed: Sealed) -> None:
    """Insert the vault documents (with other requests' inserts); those already there are left as they are.

    The request that kept them may :func:`reveal` them without reading them back (its answer shows
    what it was just given)."""
    await batch.insert_new(svc.db, VAULT, sealed.docs)
    _kept_in_request().update(sealed.plain)


def _kept_in_request() -> dict[str, str]:
    request = commands.current()
    return request.pinned.setdefault(_KEPT, {}) if request is not None else {}


async def seal_and_keep(svc: Services, tenant: str, values: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    sealed = seal(svc, tenant, values)
    await keep(svc, sealed)
    return sealed.refs


async def reveal(svc: Services, tenant: str, values: Iterable[str]) -> dict[str, str]:
    """Each reference among ``values`` -> its value ("" when the vault no longer holds it); anything
    else (a value stored before the vault, during migration) maps to itself."""
    values = [v for v in values if v]
    refs = sorted({v for v in values if is_reference(v)})
    found = {v: v for v in values if not is_reference(v)}
    if not refs:
        return found
    ids = {vault_id(tenant, ref): ref for ref in refs}
    kept = _kept_in_request()
    found.update({ref: kept[doc_id] for doc_id, ref in ids.items() if doc_id in kept})
    unread = [doc_id for doc_id, ref in ids.items() if ref not in found]
    docs = await svc.db[VAULT].find({"_id": {"$in": unread}}).to_list(None) if unread else []
    ring = keyring(svc)
    for doc in docs:
        found[ids[doc["_id"]]] = ring.decrypt(doc, doc["_id"])
    for ref in refs:
        if ref not in found:
            log.warning("a personal-data reference of tenant %s has no value in the vault", tenant)
            found[ref] = ""
    return found


async def reveal_one(svc: Services, tenant: str, value: str) -> str:
    return (await reveal(svc, tenant, [value])).get(value, "") if value else ""


def masked(kind: str, value: str) -> str:
    return MASKS[kind](value) if value else ""
