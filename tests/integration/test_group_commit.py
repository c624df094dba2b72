"""Group commit (backend/store/batch.py) on the real store: each request learns its own documents'
fate, and documents already there are reported as such with or without looking first."""

import asyncio

import pytest
from pymongo.errors import DuplicateKeyError

from backend.store import batch


async def _outcomes(db, collection: str, ids: list[str]) -> list[bool]:
    """Insert one document per id, all at once; True where it was stored, False where refused."""
    async def one(doc_id):
        try:
            await batch.insert_one(db, collection, {"_id": doc_id, "by": "new"})
            return True
        except DuplicateKeyError:
            return False
    return list(await asyncio.gather(*(one(i) for i in ids)))


@pytest.mark.parametrize("look_first", [False, True])
async def test_concurrent_inserts_each_learn_their_own_outcome(svc, look_first):
    collection = f"grouped_{int(look_first)}"
    await svc.db[collection].insert_many([{"_id": f"old-{n}", "by": "old"} for n in range(5)])
    if look_first:
        batch.look_first(collection)
    ids = [f"new-{n}" for n in range(25)] + [f"old-{n}" for n in range(5)] + ["new-3"]
    stored = await _outcomes(svc.db, collection, ids)
    assert stored[:25] == [True] * 25
    assert stored[25:30] == [False] * 5  # there already: refused, left as they were
    assert stored[30] is False  # the same new id twice at once: one of them wins
    by = {d["_id"]: d["by"] async for d in svc.db[collection].find({})}
    assert len(by) == 30 and all(by[f"old-{n}"] == "old" for n in range(5))


async def test_the_vault_keeps_a_returning_applicant_once_and_a_new_one_in_the_same_batch(svc):
    from backend.domain.identity import PHONE
    from backend.services import vault

    first = vault.seal(svc, "ziyang", {"phone": (PHONE, "13800001234")})
    await vault.keep(svc, first)
    again = [vault.seal(svc, "ziyang", {"phone": (PHONE, phone)})
             for phone in ("13800001234", "13900005678", "13800001234")]
    await asyncio.gather(*(vault.keep(svc, sealed) for sealed in again))
    assert await svc.db.pii.count_documents({}) == 2
    values = await vault.reveal(svc, "ziyang", [again[0].refs["phone"], again[1].refs["phone"]])
    assert sorted(values.values()) == ["13800001234", "13900005678"]


async def test_reads_at_once_each_get_their_own_document_and_see_what_was_written_before(svc):
    await svc.db.gathered.insert_many([{"_id": f"case-{n}", "items": [n]} for n in range(10)])
    wanted = [f"case-{n}" for n in range(10)] * 2 + ["case-missing"]
    found = await asyncio.gather(*(batch.read_by_id(svc.db, "gathered", i) for i in wanted))
    assert [d["items"] for d in found[:20]] == [[n] for n in range(10)] * 2 and found[20] is None
    found[0]["items"].append("changed by one reader")
    assert found[10]["items"] == [0]  # the same document asked twice: each reader has its own copy
    await batch.insert_one(svc.db, "gathered", {"_id": "case-new", "items": []})
    assert await batch.read_by_id(svc.db, "gathered", "case-new") == {"_id": "case-new", "items": []}
