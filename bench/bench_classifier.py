"""Benchmark of the hotline routing classifier (热线分类器): accuracy and speed, one run.

Trains on the train split of hotline/data/tickets.jsonl, then prints department and
township accuracy on the held-out test split, tickets classified per second, and raw
``jieba.lcut`` per second on the same texts (the floor any jieba-based classifier sits on).

    .venv/bin/python bench/bench_classifier.py
"""

import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jieba  # noqa: E402

from hotline.services.classifier import Classifier, load_departments, load_examples  # noqa: E402

MIN_SECONDS = 1.0


def per_second(function, texts) -> float:
    """Texts handled per second, repeating whole passes until MIN_SECONDS have passed."""
    done, started = 0, time.perf_counter()
    while True:
        for text in texts:
            function(text)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= MIN_SECONDS:
            return done / elapsed


def accuracy(model: Classifier, examples) -> tuple[float, float]:
    suggestions = [model.suggest(e.text) for e in examples]
    department = sum(s.department_code == e.department for s, e in zip(suggestions, examples))
    township = sum(s.township == e.township for s, e in zip(suggestions, examples))
    return department / len(examples), township / len(examples)


def main() -> int:
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    train, test = load_examples("train"), load_examples("test")
    model = Classifier(load_departments())
    started = time.perf_counter()
    model.train(train)
    train_seconds = time.perf_counter() - started
    duties_only = Classifier(load_departments())
    dept_acc, town_acc = accuracy(model, test)
    prior_acc, _ = accuracy(duties_only, test)
    texts = [e.text for e in test]
    per_second(model.suggest, texts[:10])  # warm up both paths before timing
    per_second(jieba.lcut, texts[:10])
    classified = per_second(model.suggest, texts)
    segmented = per_second(jieba.lcut, texts)
    rows = [
        ("train / test tickets", f"{len(train)} / {len(test)}"),
        ("train time (incl. calibration)", f"{train_seconds:.2f} s"),
        ("department accuracy (held-out)", f"{dept_acc:.3f}"),
        ("  duty keywords only, no tickets", f"{prior_acc:.3f}"),
        ("township accuracy (held-out)", f"{town_acc:.3f}"),
        ("tickets classified per second", f"{classified:,.0f}"),
        ("raw jieba.lcut per second", f"{segmented:,.0f}"),
        ("classify / lcut ratio", f"{classified / segmented:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    print("hotline classifier benchmark")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
