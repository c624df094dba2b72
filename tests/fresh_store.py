"""Stamping each test's fresh database as current, as a first start does (``migrations.stamp_if_empty``).

The stamp is some ninety small documents (each collection's version, each migration applied) written one
round trip at a time, all with the time of the stamp and nothing else that varies. The first database of
the session is stamped for real with a clock held still; every later fresh database gets the very
documents that wrote, in the same order, with that time replaced by the time of its own stamp.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bson.codec_options import CodecOptions

DECODE = CodecOptions(tz_aware=True, tzinfo=timezone.utc)
_stamp: dict = {}  # "at": the stamp's time as stored, "docs": {collection: [documents]}


def _millis(when: datetime) -> datetime:
    return when.replace(microsecond=when.microsecond // 1000 * 1000)  # what BSON keeps of a time


def _times(value):
    if isinstance(value, datetime):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _times(v)
    elif isinstance(value, list):
        for v in value:
            yield from _times(v)


def _retimed(value, old: datetime, new: datetime):
    if isinstance(value, datetime):
        return new if value == old else value
    if isinstance(value, dict):
        return {k: _retimed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_retimed(v, old, new) for v in value]
    return value


async def stamp(db, settings) -> None:
    """``stamp_if_empty`` on a database that holds nothing yet (the store fixture's, after its indexes)."""
    from backend.ops.migrations import stamp_if_empty
    from backend.services.context import Services

    now = datetime.now(timezone.utc)
    if "docs" in _stamp and _stamp["docs"] is None:  # a stamp holding another time than its own: every database stamps for real
        assert await stamp_if_empty(Services(db=db, settings=settings))
        return
    if _stamp:
        new = _millis(now)
        for name, docs in _stamp["docs"].items():
            await db[name].insert_many([_retimed(d, _stamp["at"], new) for d in docs], ordered=True)
        return
    before = {name: await db.get_collection(name, codec_options=DECODE).count_documents({})
              for name in await db.list_collection_names()}
    assert not any(before.values()), "a fresh database holds nothing before its stamp"
    assert await stamp_if_empty(Services(db=db, settings=settings, clock=lambda: now))
    docs = {}
    for name in await db.list_collection_names():
        found = await db.get_collection(name, codec_options=DECODE).find({}).to_list(None)
        if found:
            docs[name] = found
    at = _millis(now)
    only_now = all(t == at for d in docs.values() for doc in d for t in _times(doc))
    _stamp.update(at=at, docs=docs if only_now else None)
