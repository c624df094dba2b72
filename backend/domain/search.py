"""Item search (事项检索): Chinese words, everyday phrases and pinyin initials to item codes.

``SearchIndex(items, vocabulary)`` is built once (the lead rebuilds it when the list is published);
``search(query, limit)`` returns ``[(code, score), ...]`` best first, and ``lookup(query, limit)``
the same hits followed, when fewer than three were found, by the fallback's 相近事项
(``backend.domain.fuzzy``), so an honest question never gets an empty page. A match in the item
name outranks one in its result, life events or themes, which outranks one in the guide
text (materials, conditions, steps). Everyday phrases ("生孩子", "开饭馆") are expanded to
official terms from ``synonyms.COLLOQUIAL``; a query of Latin letters is read as pinyin
("yyzz" -> 营业执照) or pinyin initials.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import defaultdict
from typing import Iterable, Mapping

import jieba
from pypinyin import Style, lazy_pinyin

from dataclasses import dataclass

from backend.domain.fuzzy import FallbackIndex, vocabulary_postings
from backend.domain.items import Item
from backend.domain.synonyms import COLLOQUIAL, EXTRA_WORDS, STOP_WORDS

FIELD_WEIGHTS = {"name": 8.0, "keywords": 4.0, "department": 1.5, "body": 1.0, "basis": 0.3}
EXPANSION_WEIGHT = 0.9
ENOUGH_HITS = 3  # fewer word hits than this: the fallback adds its 相近事项
SIMILAR_LIMIT = 5
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_LATIN = re.compile(r"^[a-z]+$")

_jieba_lock = threading.Lock()
_jieba_words: set[str] = set()
_jieba_ready = False


def _segmenter_add(words: Iterable[str]) -> None:
    """Initialise jieba once, quietly, and teach it the official words it lacks."""
    global _jieba_ready
    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True
        for word in words:
            if word and word not in _jieba_words and len(word) <= 12:
                jieba.add_word(word)
                _jieba_words.add(word)


def _official_terms() -> set[str]:
    terms = set(EXTRA_WORDS)
    for targets in COLLOQUIAL.values():
        terms.update(targets)
    return terms


def normalise(text: str) -> str:
    """Lower-case and drop spaces and punctuation (full and half width)."""
    return _NOISE.sub("", (text or "").lower())


def _tokens(text: str) -> set[str]:
    words = jieba.cut_for_search(normalise(text))
    return {w for w in words if len(w) > 1 and w not in STOP_WORDS}


def _initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


def _full_pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).lower()


def _fields(item: Item) -> dict[str, str]:
    body = [*item.conditions, item.report_to]
    body += [f"{m.name} {m.condition}" for m in item.materials]
    body += [f"{s.name} {s.description}" for s in item.steps]
    body += [f.name for f in item.fees]
    return {
        "name": item.name,
        "keywords": " ".join([item.result.name, item.item_type, *item.aliases, *item.life_events, *item.themes]),
        "department": item.department_name,
        "body": " ".join(body),
        "basis": " ".join(item.legal_basis),
    }


@dataclass(frozen=True)
class Hit:
    """One search result; ``similar`` when it comes from the fallback (相近事项), not from the words."""

    code: str
    score: float
    similar: bool = False


def _fallback_fields(item: Item) -> dict[str, str]:
    body = [*item.conditions, *(m.name for m in item.materials), *(f"{s.name} {s.description}" for s in item.steps),
            *(f.name for f in item.fees)]
    return {"name": item.name, "aliases": " ".join(item.aliases),
            "keywords": " ".join([item.result.name, *item.life_events, *item.themes]),
            "department": item.department_name, "body": " ".join(body), "code": item.code}


class SearchIndex:
    """An in-memory inverted index over one tenant's published items.

    ``vocabulary``: department code -> the words the hotline routes to it (its duties), which lead
    the fallback to that department's items.
    """

    def __init__(self, items: Iterable[Item | Mapping], vocabulary: Mapping[str, Iterable[str]] | None = None):
        self._items = [i if isinstance(i, Item) else Item.from_dict(i) for i in items]
        official = _official_terms()
        self._vocabulary = {normalise(t) for t in official} | self._item_words()
        _segmenter_add(sorted(official | {i.result.name for i in self._items} | {a for i in self._items for a in i.aliases}))
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._names = [normalise(i.name) for i in self._items]
        for doc, item in enumerate(self._items):
            self._index(doc, item)
        total = max(len(self._items), 1)
        self._idf = {t: math.log(1 + total / len(p)) for t, p in self._postings.items()}
        self._name_pinyin = [(_initials(i.name), _full_pinyin(i.name)) for i in self._items]
        self._pinyin_words = self._pinyin_vocabulary()
        routing = vocabulary_postings(vocabulary or {}, [i.department for i in self._items])
        self._fallback = FallbackIndex([_fallback_fields(i) for i in self._items], routing)

    def __len__(self) -> int:
        return len(self._items)

    def _item_words(self) -> set[str]:
        words = set()
        for item in self._items:
            words.update(w for w in [item.result.name, *item.aliases, *item.life_events, *item.themes] if len(w) > 1)
        return {normalise(w) for w in words}

    def _index(self, doc: int, item: Item) -> None:
        for field, text in _fields(item).items():
            terms = _tokens(text)
            if field in ("name", "keywords"):
                flat = normalise(text)
                terms |= {w for w in self._vocabulary if w in flat}
            weight = FIELD_WEIGHTS[field]
            for term in terms:
                postings = self._postings[term]
                postings[doc] = max(postings.get(doc, 0.0), weight) + (0.1 if doc in postings else 0.0)

    def _pinyin_vocabulary(self) -> dict[str, set[str]]:
        table: dict[str, set[str]] = defaultdict(set)
        words = self._vocabulary | set(COLLOQUIAL) | set(self._names)
        for word in words:
            if not word or not re.search(r"[\u4e00-\u9fff]", word):
                continue
            table[_initials(word)].add(word)
            table[_full_pinyin(word)].add(word)
        return table

    def search(self, query: str, limit: int = 20) -> list[tuple[str, float]]:
        """Item codes best first, with a score (higher is better); [] when nothing matches."""
        q = normalise(query)
        if not q:
            return []
        scores = self._pinyin_scores(q) if _LATIN.match(q) else self._text_scores(q)
        ranked = sorted(((s, doc) for doc, s in scores.items() if s > 0), key=lambda p: (-p[0], p[1]))
        return [(self._items[doc].code, round(s, 3)) for s, doc in ranked[:limit]]

    def lookup(self, query: str, limit: int = 20, fallback: bool = True) -> list[Hit]:
        """Word hits best first; with fewer than three, the fallback's 相近事项 after them (marked similar)."""
        exact = [Hit(code, score) for code, score in self.search(query, limit)]
        if not fallback or len(exact) >= ENOUGH_HITS:
            return exact
        found = {hit.code for hit in exact}
        similar = [Hit(self._items[doc].code, score, True) for doc, score in self._fallback.rank(query)
                   if self._items[doc].code not in found]
        return exact + similar[:max(0, min(SIMILAR_LIMIT, limit - len(exact)))]

    def _query_terms(self, q: str) -> dict[str, float]:
        terms = {t: 1.0 for t in _tokens(q)}
        terms.update({w: 1.0 for w in self._vocabulary if len(w) > 1 and w in q})
        phrases = [p for p in COLLOQUIAL if p.lower() in q]
        for phrase in phrases:
            if any(phrase != other and phrase in other for other in phrases):
                continue  # "社保卡" wins over "社保"
            for target in COLLOQUIAL[phrase]:
                target = normalise(target)
                terms[target] = max(terms.get(target, 0.0), EXPANSION_WEIGHT)
        return terms

    def _text_scores(self, q: str) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for term, weight in self._query_terms(q).items():
            idf = self._idf.get(term, 0.0)
            for doc, field_weight in self._postings.get(term, {}).items():
                scores[doc] += weight * idf * field_weight
        for doc, name in enumerate(self._names):
            if name == q:
                scores[doc] += 1000.0
            elif len(q) > 1 and (q in name or name in q):
                scores[doc] += 40.0
        return scores

    def _pinyin_prefix(self, q: str) -> set[str]:
        """Words whose pinyin starts with q ("hunyin" -> 婚姻登记); none for very short q."""
        if len(q) < 4:
            return set()
        keys = [k for k in self._pinyin_words if k.startswith(q)][:10]
        return set().union(*(self._pinyin_words[k] for k in keys)) if keys else set()

    def _pinyin_scores(self, q: str) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for doc, (initials, full) in enumerate(self._name_pinyin):
            if q in (initials, full):
                scores[doc] += 100.0
            elif initials.startswith(q) or full.startswith(q):
                scores[doc] += 60.0
            elif (len(q) > 1 and q in initials) or (len(q) > 2 and q in full):
                scores[doc] += 30.0
        words = self._pinyin_words.get(q) or self._pinyin_prefix(q)
        for word in words:
            for doc, score in self._text_scores(word).items():
                scores[doc] += score / len(words)
        return scores
