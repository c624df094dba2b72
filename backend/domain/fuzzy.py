"""The fallback ranking of item search (相近事项): never an empty page for an honest question.

When the word index (``search.SearchIndex``) finds fewer than three items, the search box still
answers with the items that look most alike, marked as 相近事项. ``FallbackIndex`` scores each item
by what it shares with the question, best evidence first:

1. **Character n-grams**: every two-character and one-character piece of the question against the
   item's name, aliases (俗称), result, life events, themes, guide text (conditions, materials,
   steps) and its department's duties; rarer pieces count more (idf) and a name counts more than
   the guide text.
2. **Pinyin**: the same pieces by sound, so a homophone typo ("营业只照") still meets 营业执照.
3. **Department vocabulary**: the words the hotline routes by (``hotline/data/departments.json``,
   the department's duties): "养猪场" belongs to the environment bureau, so its items come up.
4. **Pinyin initials and letters**, last: any question with a meaningful character (a Chinese
   character, a letter or a digit that is not a filler such as 我要/怎么/的) finds something.

Pure: built from plain texts, no store, no web.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import defaultdict
from typing import Iterable, Mapping, Sequence

import jieba
from pypinyin import Style, lazy_pinyin

from backend.domain.synonyms import STOP_WORDS

FIELD_WEIGHTS = {"name": 3.0, "aliases": 2.5, "keywords": 1.5, "department": 1.0, "body": 0.6, "code": 0.2}
BIGRAM, UNIGRAM, SOUND, VOCABULARY, LETTERS = 1.0, 0.35, 0.5, 1.2, 0.05
LIMIT = 8
KEEP_FROM_TOP = 0.2  # drop results scoring under this share of the best one
FILLER = "我你他她们要想去的了吗呢啊吧么办哪里些啥是有在和与及请问能给把被找该还都也很"
_FILLER_WORDS = re.compile(r"个(?![体人税])")  # 开个/办个/一个, but not 个体 or 个人
_CJK = re.compile(r"[\u3400-\u9fff]")
_KEPT = re.compile(r"[\u3400-\u9fffa-z0-9]")


def meaningful(query: str) -> str:
    """The question without fillers and punctuation: what the fallback may match on."""
    text = "".join(_KEPT.findall((query or "").lower()))
    if not text:
        return ""
    jieba.setLogLevel(logging.WARNING)
    text = " ".join(word for word in jieba.lcut(text) if word not in STOP_WORDS)
    text = _FILLER_WORDS.sub(" ", text)
    return "".join(c for c in text if c != " " and c not in FILLER)


def _pieces(text: str) -> tuple[set[str], set[str]]:
    """(bigrams, unigrams) of the Chinese runs of ``text``; letters and digits as unigrams."""
    bigrams, unigrams = set(), set()
    for run in re.findall(r"[\u3400-\u9fff]+|[a-z]+|[0-9]+", text.lower()):
        if _CJK.match(run):
            unigrams.update(run)
            bigrams.update(run[i:i + 2] for i in range(len(run) - 1))
        else:
            unigrams.add(run)
            if run.isdigit():
                unigrams.update(run)  # a digit of an item code
    return bigrams, unigrams


@functools.lru_cache(maxsize=20_000)
def _sound(char: str) -> str:
    return lazy_pinyin(char)[0]


def _sounds(piece: str) -> str:
    """The piece by sound, one syllable a character (the same reading for the question and the items)."""
    return " ".join(_sound(c) for c in piece)


class FallbackIndex:
    """n-gram, pinyin and vocabulary postings over the items' texts (``docs``: field -> text per item)."""

    def __init__(self, docs: Sequence[Mapping[str, str]], vocabulary: Mapping[str, Sequence[int]] | None = None):
        self._size = len(docs)
        self._grams: dict[str, dict[int, float]] = defaultdict(dict)
        self._sound: dict[str, dict[int, float]] = defaultdict(dict)
        self._letters: list[str] = []
        for doc, fields in enumerate(docs):
            self._index(doc, fields)
        for piece, postings in self._grams.items():
            if _CJK.match(piece):
                sound = self._sound[_sounds(piece)]
                for doc, weight in postings.items():
                    sound[doc] = max(sound.get(doc, 0.0), weight)
        self._vocabulary = {w: tuple(d) for w, d in (vocabulary or {}).items() if len(w) > 1 and d}

    def _index(self, doc: int, fields: Mapping[str, str]) -> None:
        for field, text in fields.items():
            weight = FIELD_WEIGHTS[field]
            bigrams, unigrams = _pieces(text)
            for piece in bigrams | unigrams:
                postings = self._grams[piece]
                if postings.get(doc, 0.0) < weight:
                    postings[doc] = weight
        named = " ".join(fields.get(f, "") for f in ("name", "aliases"))
        self._letters.append("".join(lazy_pinyin(named, style=Style.NORMAL)).lower()
                             + "".join(lazy_pinyin(named, style=Style.FIRST_LETTER)).lower())

    def _idf(self, postings: Mapping[int, float]) -> float:
        return math.log(1 + self._size / len(postings))

    def _add(self, scores: dict[int, float], postings: Mapping[int, float] | None, weight: float) -> None:
        if postings:
            idf = self._idf(postings)
            for doc, field_weight in postings.items():
                scores[doc] += weight * idf * field_weight

    def _by_text(self, q: str) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        bigrams, unigrams = _pieces(q)
        for piece, weight in [*((b, BIGRAM) for b in bigrams), *((u, UNIGRAM) for u in unigrams)]:
            exact = self._grams.get(piece)
            self._add(scores, exact, weight)
            if _CJK.match(piece):
                alike = {d: w for d, w in self._sound.get(_sounds(piece), {}).items() if not exact or d not in exact}
                self._add(scores, alike, weight * SOUND)
        for word, docs in self._vocabulary.items():
            if word in q:
                self._add(scores, dict.fromkeys(docs, 1.0), VOCABULARY)
        return scores

    def _by_letters(self, q: str) -> dict[int, float]:
        """Last resort: the letters of the question's pinyin against the items' names and aliases."""
        letters = set("".join(lazy_pinyin(q, style=Style.NORMAL)).lower()) - set(" ")
        letters |= set("".join(lazy_pinyin(q, style=Style.FIRST_LETTER)).lower())
        scores: dict[int, float] = defaultdict(float)
        for doc, text in enumerate(self._letters):
            shared = sum(1 for c in letters if c in text)
            if shared:
                scores[doc] = LETTERS * shared
        return scores

    def rank(self, query: str, limit: int = LIMIT) -> list[tuple[int, float]]:
        """``(item position, score)`` best first; empty only for a question with nothing meaningful in it."""
        q = meaningful(query)
        if not q:
            return []
        scores = {d: s for d, s in self._by_text(q).items() if s > 0} or self._by_letters(q)
        if not scores:
            return []
        best = max(scores.values())
        ranked = sorted(((d, s) for d, s in scores.items() if s >= best * KEEP_FROM_TOP), key=lambda p: (-p[1], p[0]))
        return [(d, round(s, 3)) for d, s in ranked[:limit]]


def vocabulary_postings(departments: Mapping[str, Iterable[str]], item_departments: Sequence[str]) -> dict[str, list[int]]:
    """Routing word -> positions of the items of the departments that word belongs to."""
    by_department: dict[str, list[int]] = defaultdict(list)
    for doc, code in enumerate(item_departments):
        by_department[code].append(doc)
    postings: dict[str, list[int]] = defaultdict(list)
    for code, words in departments.items():
        for word in words:
            postings[word.strip().lower()].extend(by_department.get(code, ()))
    return {w: sorted(set(d)) for w, d in postings.items() if w and d}
