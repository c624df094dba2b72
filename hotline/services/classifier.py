"""Hotline routing classifier (热线工单智能分派): department, township and power-list item.

A multinomial naive Bayes model over jieba tokens (binary per ticket), seeded with
each department's duty keywords (职责关键词) so it routes sensibly before any ticket is
labelled. Operators' corrections (人工改派) are added with a higher weight. Townships
are found by name, short form, or village names learned from labelled tickets.
The model is stored as one document: flat rows, no dotted or '$' keys, no nested arrays.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from backend.domain.errors import ValidationFailed

DATA_DIR = Path(__file__).resolve().parents[1] / "data"  # hotline/data
SCHEMA = 1
ALPHA = 1.0  # Laplace smoothing of token counts
PRIOR_WEIGHT = 16.0  # pseudo-count of one duty keyword (prior knowledge outweighs a few tickets)
SEED_WEIGHT = 1.0  # one labelled ticket
CORRECTION_WEIGHT = 3.0  # one operator correction outweighs seed data
TYPE_PRIOR_WEIGHT = 16.0  # pseudo-count of one ticket-type cue word
TEMPERATURES = (0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
APPLICATION = "办事申请"  # items are suggested for applications, and for consultations on a clear match
CONSULTATION = "咨询"

TOWNSHIPS = {
    "chengguan": "城关镇", "haoping": "蒿坪镇", "hanwang": "汉王镇", "huangu": "焕古镇",
    "xiangyang": "向阳镇", "donghe": "洞河镇", "huishui": "洄水镇", "shuangqiao": "双桥镇",
    "gaoqiao": "高桥镇", "hongchun": "红椿镇", "gaotan": "高滩镇", "maoba": "毛坝镇",
    "wamiao": "瓦庙镇", "maliu": "麻柳镇", "shuangan": "双安镇", "dongmu": "东木镇",
    "jieling": "界岭镇",
}

_PLACE = re.compile(
    "(?:" + "|".join(sorted([*TOWNSHIPS.values(), *(n[:-1] for n in TOWNSHIPS.values())], key=len, reverse=True))
    + r"|我们|我是|住在|在)([\u4e00-\u9fff]{2,3}?(?:村|社区))"
)
_PLACE_STOP_CHARS = frozenset("我你他她们这那个本该每各全同邻隔在到进去回的了农乡和跟给是从住来自")
_WORDY = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_words: set[str] = set()


def segmenter(extra_words=()) -> jieba.Tokenizer:
    """A private jieba tokenizer, initialised once and quietly; learns ``extra_words``."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _tokenizer = tokenizer
        for word in extra_words:
            if word and word not in _words:
                _tokenizer.add_word(word, freq=50000)
                _words.add(word)
        return _tokenizer


def clean_token(token: str) -> str:
    """Storable form of a token: trimmed, lower case, no '.', never starting with '$'."""
    return token.strip().lower().replace(".", "_").lstrip("$")


_STOP_LINES = (DATA_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines()
STOPWORDS = frozenset(w.strip() for w in _STOP_LINES if w.strip() and not w.startswith("#"))


@dataclass(frozen=True)
class Department:
    """A routing target (承办部门) and the duty keywords that describe it."""

    code: str
    name: str
    duties: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Example:
    """One labelled ticket: seed data (weight 1) or an operator correction (heavier)."""

    text: str
    department: str
    township: str | None = None
    type: str | None = None
    item: str | None = None
    weight: float = SEED_WEIGHT


@dataclass(frozen=True)
class PowerItem:
    """A power-list item (权力清单事项) the hotline may suggest for 办事申请 tickets."""

    code: str
    name: str
    keywords: tuple[str, ...] = ()
    department: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """What the classifier proposes; the operator accepts or changes it."""

    department_code: str
    department_name: str
    township: str | None
    township_name: str | None
    item_code: str | None
    item_name: str | None
    ticket_type: str | None
    confidence: float
    evidence: tuple[tuple[str, float], ...]
    alternatives: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict:
        def named(code, name):
            return {"code": code, "name": name} if code else None

        return {
            "department": named(self.department_code, self.department_name),
            "township": named(self.township, self.township_name),
            "item": named(self.item_code, self.item_name),
            "type": self.ticket_type,
            "confidence": self.confidence,
            "evidence": [{"word": w, "weight": x} for w, x in self.evidence],
            "alternatives": [{"code": c, "probability": p} for c, p in self.alternatives],
        }


@dataclass
class _Counts:
    """Weighted token counts per label: the whole of a naive Bayes model."""

    tokens: dict[str, dict[str, float]] = field(default_factory=dict)
    docs: dict[str, float] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)
    _cache: dict = field(default_factory=dict, repr=False)

    def add(self, label: str, tokens, weight: float, docs: float | None = None) -> None:
        self._cache.clear()
        row = self.tokens.setdefault(label, {})
        for token in tokens:
            row[token] = row.get(token, 0.0) + weight
            self.totals[label] = self.totals.get(label, 0.0) + weight
            self.vocabulary.add(token)
        self.docs[label] = self.docs.get(label, 0.0) + (weight if docs is None else docs)

    def log_scores(self, tokens, labels) -> dict[str, float]:
        """log P(label) + sum of log P(token | label) over the known tokens."""
        known = [t for t in tokens if t in self.vocabulary]
        all_docs = sum(self.docs.get(label, 0.0) for label in labels) + len(labels)
        scores = {}
        for label in labels:
            table, unseen = self._table(label)
            score = math.log((self.docs.get(label, 0.0) + 1) / all_docs)
            scores[label] = score + sum(table.get(token, unseen) for token in known)
        return scores

    def token_weight(self, token: str, label: str) -> float:
        table, unseen = self._table(label)
        return table.get(token, unseen)

    def _table(self, label: str) -> tuple[dict[str, float], float]:
        """Smoothed log P(token | label), cached until the next ``add``."""
        if label not in self._cache:
            size = len(self.vocabulary) or 1
            denominator = math.log(self.totals.get(label, 0.0) + ALPHA * size)
            row = self.tokens.get(label, {})
            table = {token: math.log(count + ALPHA) - denominator for token, count in row.items()}
            self._cache[label] = (table, math.log(ALPHA) - denominator)
        return self._cache[label]

    def to_rows(self) -> tuple[list[dict], list[dict]]:
        rows = [{"label": label, "token": token, "count": count}
                for label in sorted(self.tokens) for token, count in sorted(self.tokens[label].items())]
        docs = [{"label": label, "count": count} for label, count in sorted(self.docs.items())]
        return rows, docs

    @classmethod
    def from_rows(cls, rows, docs) -> _Counts:
        counts = cls()
        for row in rows:
            counts.add(row["label"], [row["token"]], row["count"], docs=0.0)
        for row in docs:
            counts.docs[row["label"]] = row["count"]
        return counts


def _softmax(scores: dict[str, float], temperature: float) -> dict[str, float]:
    top = max(scores.values())
    exp = {label: math.exp((s - top) / temperature) for label, s in scores.items()}
    total = sum(exp.values())
    return {label: value / total for label, value in exp.items()}


class Classifier:
    """热线分类器: suggest(text) proposes a department, township, item and type."""

    def __init__(self, departments, items=(), ticket_types=()):
        self.ticket_types = {row["type"]: tuple(row.get("keywords", ())) for row in ticket_types}
        self.departments = [d if isinstance(d, Department) else _department(d) for d in departments]
        self.by_code = {d.code: d for d in self.departments}
        self.items = [i if isinstance(i, PowerItem) else _power_item(i) for i in items]
        self.temperature = 1.0
        self.places: dict[str, dict[str, float]] = {}
        self.department_counts = _Counts()
        self.type_counts = _Counts()
        keywords = [k for d in self.departments for k in d.keywords]
        self._keywords = frozenset(clean_token(k) for k in keywords)
        self._type_cues = frozenset(k for cues in self.ticket_types.values() for k in cues)
        self._segment = segmenter(keywords + [w for i in self.items for w in i.keywords])
        self._town_pattern = self._compile_towns()
        self._item_terms = [self._terms(item) for item in self.items]
        self._seed_duties(self.department_counts)
        self._seed_types(self.type_counts)

    # ---- text -------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """Department tokens: words (no places, stopwords, lone characters) plus duty keywords found."""
        return self._features(text)[0]

    def _features(self, text: str) -> tuple[list[str], list[str]]:
        """Department tokens and ticket-type tokens, from one pass of the segmenter."""
        text = self._without_places(text).lower()
        words = set(self._all_tokens(text))
        department = {t for t in words if t not in STOPWORDS and (len(t) > 1 or t in self._keywords)}
        department |= {k for k in self._keywords if k in text}
        cues = {k for k in self._type_cues if k in text}
        return sorted(department), sorted(words | cues)

    def _terms(self, item: PowerItem) -> frozenset[str]:
        words = {t for t in self._all_tokens(item.name) if len(t) > 1 and t not in STOPWORDS}
        return frozenset(words | {clean_token(k) for k in item.keywords if k})

    def _all_tokens(self, text: str) -> list[str]:
        cleaned = (clean_token(t) for t in self._segment.lcut(text))
        return [t for t in cleaned if t and _WORDY.search(t)]

    def _without_places(self, text: str) -> str:
        for place in place_names(text):
            text = text.replace(place, " ")
        return self._town_pattern.sub(" ", text)

    def _compile_towns(self) -> re.Pattern:
        forms = [n for n in TOWNSHIPS.values()] + [n[:-1] for n in TOWNSHIPS.values()]
        forms += [p for p in self.places if self._place_township(p)]
        return re.compile("|".join(sorted(map(re.escape, forms), key=lambda f: (-len(f), f))))

    # ---- training ---------------------------------------------------------------
    def _seed_duties(self, counts: _Counts) -> _Counts:
        for department in self.departments:
            keywords = {clean_token(k) for k in department.keywords}
            counts.add(department.code, sorted(keywords), PRIOR_WEIGHT, docs=1.0)
        return counts

    def _seed_types(self, counts: _Counts) -> None:
        for ticket_type, keywords in self.ticket_types.items():
            counts.add(ticket_type, sorted(set(keywords)), TYPE_PRIOR_WEIGHT, docs=1.0)

    def train(self, examples) -> None:
        """Retrain from scratch: duty keywords plus ``examples`` (seed tickets and corrections)."""
        examples = list(examples)
        self.department_counts, self.type_counts, self.places = _Counts(), _Counts(), {}
        self._town_pattern = self._compile_towns()
        self._seed_duties(self.department_counts)
        self._seed_types(self.type_counts)
        for example in examples:
            self._learn(example)
        self._town_pattern = self._compile_towns()
        self.temperature = self._calibrate(examples)

    def add_correction(self, text: str, department: str, township: str | None = None,
                       ticket_type: str | None = None) -> None:
        """Learn from an operator's correction at once (weighted above seed data)."""
        self._learn(Example(text, department, township, ticket_type, weight=CORRECTION_WEIGHT))
        self._town_pattern = self._compile_towns()

    def _learn(self, example: Example) -> None:
        if example.department not in self.by_code:
            raise ValidationFailed(f"未知的部门：{example.department}", code="unknown_department")
        self.department_counts.add(example.department, self.tokens(example.text), example.weight)
        if example.type:
            self.type_counts.add(example.type, self._features(example.text)[1], example.weight)
        if example.township in TOWNSHIPS:
            for place in place_names(example.text):
                row = self.places.setdefault(place, {})
                row[example.township] = row.get(example.township, 0.0) + example.weight

    def _calibrate(self, examples, folds: int = 5) -> float:
        """Pick the softmax temperature with the best held-out log loss (k-fold, deterministic)."""
        if len(examples) < folds * 2:
            return self.temperature
        labelled = [(i % folds, self.tokens(e.text), e.department, e.weight) for i, e in enumerate(examples)]
        codes = [d.code for d in self.departments]
        held_out = []
        for fold in range(folds):
            counts = self._seed_duties(_Counts())
            for _, tokens, label, weight in (row for row in labelled if row[0] != fold):
                counts.add(label, tokens, weight)
            held_out += [(counts.log_scores(row[1], codes), row[2]) for row in labelled if row[0] == fold]
        return min(TEMPERATURES, key=lambda t: _log_loss(held_out, t))

    # ---- suggesting -------------------------------------------------------------
    def suggest(self, text: str) -> Suggestion:
        """Propose department, township, item and type for one ticket text."""
        tokens, type_tokens = self._features(text)
        codes = [d.code for d in self.departments]
        scores = self.department_counts.log_scores(tokens, codes)
        probabilities = _softmax(scores, self.temperature)
        ranked = sorted(codes, key=lambda c: (-scores[c], codes.index(c)))
        best, runner_up = ranked[0], ranked[min(1, len(ranked) - 1)]
        ticket_type = self._ticket_type(type_tokens)
        item = self._item(text, best, ticket_type)
        township = self.detect_township(text)
        return Suggestion(
            department_code=best, department_name=self.by_code[best].name,
            township=township, township_name=TOWNSHIPS.get(township),
            item_code=item.code if item else None, item_name=item.name if item else None,
            ticket_type=ticket_type, confidence=round(probabilities[best], 4),
            evidence=self._evidence(tokens, best, runner_up),
            alternatives=tuple((c, round(probabilities[c], 4)) for c in ranked[1:4]),
        )

    def _evidence(self, tokens, best: str, runner_up: str, limit: int = 5):
        counts = self.department_counts
        weights = [(t, counts.token_weight(t, best) - counts.token_weight(t, runner_up))
                   for t in tokens if t in counts.vocabulary]
        chosen = sorted((w for w in weights if w[1] > 0), key=lambda w: (-w[1], w[0]))[:limit]
        return tuple((token, round(weight, 3)) for token, weight in chosen)

    def _ticket_type(self, type_tokens: list[str]) -> str | None:
        labels = sorted(self.type_counts.docs)
        if not labels:
            return None
        scores = self.type_counts.log_scores(type_tokens, labels)
        return max(labels, key=lambda label: (scores[label], -labels.index(label)))

    def _item(self, text: str, department: str, ticket_type: str | None) -> PowerItem | None:
        scored = []
        text = text.lower()
        for position, (item, terms) in enumerate(zip(self.items, self._item_terms)):
            score = sum(len(term) for term in terms if term in text)
            if item.department and item.department != department:
                score /= 2
            scored.append((score, -position, item))
        if not scored:
            return None
        score, _, item = max(scored, key=lambda s: (s[0], s[1]))
        threshold = {APPLICATION: 2, None: 2, CONSULTATION: 3}.get(ticket_type, 4)
        return item if score >= threshold else None

    def detect_township(self, text: str) -> str | None:
        """镇: the first township named in ``text`` (full name, short form or a learned village)."""
        match = self._town_pattern.search(text)
        if not match:
            return None
        form = match.group(0)
        for code, name in TOWNSHIPS.items():
            if form in (name, name[:-1]):
                return code
        return self._place_township(form)

    def _place_township(self, place: str) -> str | None:
        townships = self.places.get(place, {})
        return next(iter(townships)) if len(townships) == 1 else None

    # ---- storage ----------------------------------------------------------------
    def to_dict(self) -> dict:
        """The model as one storable document (flat rows; safe keys; no nested arrays)."""
        dept_rows, dept_docs = self.department_counts.to_rows()
        type_rows, type_docs = self.type_counts.to_rows()
        return {
            "schema": SCHEMA, "temperature": self.temperature,
            "ticket_types": [{"type": t, "keywords": list(k)} for t, k in self.ticket_types.items()],
            "departments": [{"code": d.code, "name": d.name, "duties": d.duties, "keywords": list(d.keywords)}
                            for d in self.departments],
            "department_counts": dept_rows, "department_docs": dept_docs,
            "type_counts": type_rows, "type_docs": type_docs,
            "places": [{"place": p, "township": t, "count": c}
                       for p in sorted(self.places) for t, c in sorted(self.places[p].items())],
        }

    @classmethod
    def from_dict(cls, document: dict, items=()) -> Classifier:
        """Rebuild a classifier stored with ``to_dict`` (items come from the power list)."""
        model = cls(document["departments"], items, document["ticket_types"])
        model.temperature = document["temperature"]
        model.department_counts = _Counts.from_rows(document["department_counts"], document["department_docs"])
        model.type_counts = _Counts.from_rows(document["type_counts"], document["type_docs"])
        model.places = {}
        for row in document["places"]:
            model.places.setdefault(row["place"], {})[row["township"]] = row["count"]
        model._town_pattern = model._compile_towns()
        return model


def place_names(text: str) -> list[str]:
    """Village-like names (…村, …社区) right after a township or "我们/我是/在" in ``text``."""
    names = (m.group(1) for m in _PLACE.finditer(text))
    return [n for n in names if not set(n[:-1]) & _PLACE_STOP_CHARS]


def _log_loss(held_out, temperature: float) -> float:
    return -sum(math.log(max(_softmax(scores, temperature)[label], 1e-12)) for scores, label in held_out)


def _department(row: dict) -> Department:
    return Department(row["code"], row["name"], row.get("duties", ""), tuple(row.get("keywords", ())))


def _power_item(value) -> PowerItem:
    if isinstance(value, dict):
        return PowerItem(value["code"], value["name"], tuple(value.get("keywords", ())), value.get("department"))
    code, name, keywords, *rest = value
    return PowerItem(code, name, tuple(keywords), rest[0] if rest else None)


def load_departments() -> list[Department]:
    """The sample county's departments with their duty keywords (hotline/data/departments.json)."""
    rows = json.loads((DATA_DIR / "departments.json").read_text(encoding="utf-8"))
    return [_department(row) for row in rows]


def load_examples(split: str | None = None) -> list[Example]:
    """Labelled tickets from hotline/data/tickets.jsonl, optionally only one split."""
    examples = []
    for line in (DATA_DIR / "tickets.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if row and (split is None or row["split"] == split):
            examples.append(Example(row["text"], row["department"], row.get("township"),
                                    row.get("type"), row.get("item")))
    return examples


def load_default(items=()) -> Classifier:
    """A classifier trained on the sample departments and the train split of the labelled set."""
    types = json.loads((DATA_DIR / "types.json").read_text(encoding="utf-8"))
    model = Classifier(load_departments(), items, types)
    model.train(load_examples("train"))
    return model


def main(argv: list[str]) -> int:
    """``classify TEXT``: print the suggestion as one JSON object."""
    if len(argv) < 2 or argv[0] != "classify":
        print("用法: python -m hotline classify 工单文本", file=sys.stderr)
        return 2
    suggestion = load_default().suggest(" ".join(argv[1:]))
    print(json.dumps(suggestion.to_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
