"""Case snapshots and steps stored packed (打包存储): a few keys the store filters on, the rest as one BSON value.

FerretDB v1 turns every stored document into its own JSON form with a type schema, field by field,
on each write and back on each read; a case snapshot has some seventy fields and a list of hash-
chained events, so reading one cost the store three to four times the CPU of reading it packed
(``bench/bench_snapshot_layout.py``; docs/decisions/0011). A snapshot is therefore stored as::

    {_id, tenant, number, version, state, finished, packed: <BSON of every other field>}

The kept keys are the only ones any query filters or projects on (the ``version`` guard of a rewrite,
the open-case scans of migrations, restore's catch-up, the (tenant, state) index on MongoDB). Both
stores see an ordinary document; only this module knows the layout. :func:`unpack` also reads a
snapshot written before packing (no ``packed`` field) as it is, and a key set beside the packed
value (by hand or by an old writer) wins over the packed one, so nothing stored is hidden.

A stored step (``case_steps``, the authority, docs/decisions/0003) is packed the same way
(:func:`pack_step`): its hash-chained events are most of its fields, and only its keys are ever
filtered on. Every reader of a step goes through :func:`unpack`, so steps written before packing
(or by hand) read as they are.

The packed value is zlib-compressed (binary subtype ``0x80``, user-defined): a snapshot's BSON,
with its Chinese text and repeated event keys, shrinks to about a third, and FerretDB parses and
writes every stored byte as JSON (the binary as base64) on each insert, while compressing costs
the server some 20 µs. Packed values written uncompressed (subtype 0, before 2026-12-03) read as
they are.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import timezone

import bson
from bson.codec_options import CodecOptions

from backend.store import batch

PACKED = "packed"
KEPT = ("_id", "tenant", "number", "version", "state", "finished")
STEP_KEPT = ("_id", "tenant", "number", "first_seq", "kind", "idempotency_key")
_OPTIONS = CodecOptions(tz_aware=True, tzinfo=timezone.utc)  # as the client reads the rest


COMPRESSED = 0x80  # binary subtype of a zlib-compressed packed value


def pack(doc: dict, kept: tuple[str, ...] = KEPT) -> dict:
    """The stored form of a whole snapshot ``doc`` (which must hold every field, not a change);
    ``kept``: the keys left beside the packed value."""
    stored = {k: doc[k] for k in kept if k in doc}
    inner = bson.encode({k: v for k, v in doc.items() if k not in kept and k != PACKED})
    stored[PACKED] = bson.Binary(zlib.compress(inner, 1), COMPRESSED)
    return stored


def pack_step(doc: dict) -> dict:
    """The stored form of a whole step document (its events packed)."""
    return pack(doc, STEP_KEPT)


def unpack(stored: dict | None) -> dict | None:
    """The snapshot as written (``None`` stays ``None``; an unpacked document is returned as it is)."""
    if stored is None or PACKED not in stored:
        return stored
    value = stored[PACKED]
    data = zlib.decompress(bytes(value)) if getattr(value, "subtype", 0) == COMPRESSED else bytes(value)
    inner = bson.decode(data, codec_options=_OPTIONS)
    return {**inner, **{k: v for k, v in stored.items() if k != PACKED}}


def stored_form(packed: dict) -> bytes:
    """The BSON of a document as :func:`pack` made it for the store: read back with :func:`as_read`,
    it is what a read from the store would return (times to the millisecond, in UTC)."""
    return bson.encode(packed)


def as_read(data: bytes) -> dict:
    """The stored form as a read from the store returns it, still packed (:func:`unpack` it)."""
    return bson.decode(data, codec_options=_OPTIONS)


async def read(collection, doc_id: str) -> dict | None:
    """One snapshot by ``_id``, unpacked (read together with concurrent reads: ``batch.read_by_id``)."""
    return unpack(await read_stored(collection, doc_id))


async def read_stored(collection, doc_id: str) -> dict | None:
    """One snapshot by ``_id`` as stored (packed; :func:`unpack` it), read as :func:`read` reads it."""
    return await batch.read_by_id(collection.database, collection.name, doc_id)


def fingerprint(stored: dict | None) -> bytes | None:
    """A short fingerprint of a snapshot as stored (every key beside the packed value, and the packed
    bytes): two reads with the same fingerprint read the same snapshot, so what was built from the
    first still holds, without unpacking the second. None for a snapshot stored unpacked."""
    if stored is None or PACKED not in stored:
        return None
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr(sorted((k, v) for k, v in stored.items() if k != PACKED)).encode())
    digest.update(bytes(stored[PACKED]))
    return digest.digest()


async def read_many(collection, ids: list[str]) -> dict[str, dict]:
    """Snapshots by ``_id`` (one ``$in``), unpacked, keyed by ``_id``; missing ones are left out."""
    if not ids:
        return {}
    return {d["_id"]: unpack(d) for d in await collection.find({"_id": {"$in": list(ids)}}).to_list(None)}


async def rewrite(collection, doc: dict, *, version_below: int | None = None, upsert: bool = False,
                  packed: dict | None = None):
    """Replace the stored snapshot with ``doc`` (whole, unpacked), packed (or with ``packed``, its
    packed form made already); with ``version_below`` only while the stored one is older. Returns
    the driver's result."""
    query = {"_id": doc["_id"]}
    if version_below is not None:
        query["version"] = {"$lt": version_below}
    return await collection.replace_one(query, packed or pack(doc), upsert=upsert)
