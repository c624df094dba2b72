"""Benchmark of item search (事项检索) on the suite's own list of everyday questions, one run.

Reads tests/data/citizen_queries.json (questions as citizens say them, each with the item(s) that
answer it) and the sample power list, and prints for three set-ups built in the same run:

- before: the word index alone, items without their aliases (俗称) — search as it was;
- aliases: the word index with the items' aliases, no fallback;
- shipped: aliases and the fallback's 相近事项 (n-grams, pinyin, the hotline's routing words).

For each: the share of questions with a right item in the top three, the share answered with an
empty page, and the time per question. ``--misses`` lists the questions the shipped search misses.

    .venv/bin/python bench/bench_search.py
"""

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.domain.items import Item  # noqa: E402
from backend.domain.search import SearchIndex  # noqa: E402

QUERIES = json.loads((ROOT / "tests" / "data" / "citizen_queries.json").read_text(encoding="utf-8"))["queries"]
CATALOGUE = json.loads((ROOT / "backend" / "seed" / "catalogue.json").read_text(encoding="utf-8"))["items"]
ROUTING = {row["code"]: [*row["keywords"], *row["duties"].split("、")]
           for row in json.loads((ROOT / "hotline" / "data" / "departments.json").read_text(encoding="utf-8"))}


def measure(index: SearchIndex, fallback: bool) -> dict:
    top3 = empty = 0
    times, misses = [], []
    for query in QUERIES:
        started = time.perf_counter()
        hits = index.lookup(query["q"], 20, fallback=fallback)
        times.append(time.perf_counter() - started)
        found = any(hit.code in query["items"] for hit in hits[:3])
        top3 += found
        empty += not hits
        if not found:
            misses.append(query["q"])
    n = len(QUERIES)
    return {"top3": top3 / n, "empty": empty / n, "ms": statistics.mean(times) * 1000, "misses": misses,
            "hits": top3, "empties": empty}


def main() -> None:
    with_aliases = [Item.from_dict(d) for d in CATALOGUE]
    without = [Item.from_dict({**d, "aliases": []}) for d in CATALOGUE]
    setups = [("before (words only, no aliases)", SearchIndex(without), False),
              ("aliases, no fallback", SearchIndex(with_aliases, ROUTING), False),
              ("shipped: aliases + fallback", SearchIndex(with_aliases, ROUTING), True)]
    print(f"{len(QUERIES)} everyday questions, {len(CATALOGUE)} items (tests/data/citizen_queries.json)")
    print(f"{'set-up':34} {'top-3 hits':>14} {'empty answers':>16} {'ms/question':>12}")
    results = {}
    for name, index, fallback in setups:
        r = results[name] = measure(index, fallback)
        print(f"{name:34} {r['top3']:>7.1%} ({r['hits']:>2}) {r['empty']:>9.1%} ({r['empties']:>2}) {r['ms']:>12.2f}")
    if "--misses" in sys.argv:
        for name, r in results.items():
            print(f"missed by {name}: {'、'.join(r['misses']) or '—'}")


if __name__ == "__main__":
    main()
