"""Our FerretDB build answers `_id` lookups, `$in` lists and `_id` prefix ranges from its `_id` index
(docs/decisions/0005), and still answers them exactly as MongoDB would."""

import os
import random
import time

import pytest

from backend.store.work import prefix_range

pytestmark = pytest.mark.skipif(bool(os.environ.get("SUNSHINE_TEST_MONGODB_URI")),
                                reason="the plan checks concern our FerretDB build, not MongoDB")
DOCS = 20_000


def _plan(explained: dict) -> str:
    return " ".join(explained["queryPlanner"].get("Plan") or [])


async def _filled(store, name: str):
    collection = store.db[name]
    for start in range(0, DOCS, 2_000):
        await collection.insert_many([{"_id": f"ziyang:{n // 100:04d}:{n:06d}", "n": n, "pad": "x" * 120}
                                      for n in range(start, start + 2_000)])
    return collection


async def _seconds(coro_factory, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        await coro_factory()
        best = min(best, time.perf_counter() - started)
    return best


async def test_an_id_lookup_uses_the_index_and_beats_a_scan_of_the_same_collection(store):
    docs = await _filled(store, "big")
    by_id = await _seconds(lambda: docs.find_one({"_id": "ziyang:0123:012345"}))
    with_more_keys = await _seconds(lambda: docs.find_one({"_id": "ziyang:0123:012345", "n": 12345}))
    scan = await _seconds(lambda: docs.find_one({"n": 12345}), repeats=2)
    assert scan > 20 * by_id and scan > 20 * with_more_keys
    for query in ({"_id": "ziyang:0123:012345"}, {"_id": "ziyang:0123:012345", "n": 12345},
                  {"_id": {"$in": ["ziyang:0001:000100", "ziyang:0002:000200"]}}, {"_id": prefix_range("ziyang:0123:")}):
        explained = await store.db.command("explain", {"find": "big", "filter": query})
        assert "USING INDEX" in _plan(explained), (query, explained)
    assert "USING INDEX" not in _plan(await store.db.command("explain", {"find": "big", "filter": {"n": 5}}))


async def test_a_prefix_range_reads_its_prefix_only_and_answers_what_the_filter_says(store):
    docs = await _filled(store, "ranged")
    assert [d["n"] for d in await docs.find({"_id": prefix_range("ziyang:0123:")}).to_list(None)] == \
        list(range(12300, 12400))
    assert await docs.count_documents({"_id": {"$in": ["ziyang:0001:000100", "nobody", "ziyang:0001:000101"]}}) == 2
    assert await docs.count_documents({"_id": {"$gte": "ziyang:0123:012350", "$lte": "ziyang:0123:012359"}}) == 10


async def test_ranges_over_ids_with_characters_json_escapes_match_byte_order_exactly(store):
    alphabet = list('ab:;"\\<>&-\u2028é0~\x01')
    rng = random.Random(7)
    ids = {"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(1500)}
    await store.db.odd.insert_many([{"_id": i} for i in ids] + [{"_id": 5}])
    for _ in range(60):
        low = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3)))
        high = low[:-1] + chr(ord(low[-1]) + 1) if rng.random() < 0.5 else low[:1] + rng.choice(alphabet)
        found = sorted(d["_id"] for d in await store.db.odd.find({"_id": {"$gte": low, "$lt": high}}).to_list(None))
        expected = sorted(i for i in ids if low.encode() <= i.encode() < high.encode())
        assert found == expected, (low, high)
