"""Hotline knowledge base (知识库): written articles plus the power list's published service guides.

Articles come from ``hotline/data/articles.json`` and are seeded into ``kb_articles``
(``_id`` = ``tenant:article id``, one insert each). Guides are the published items of
``catalog.snapshot()``. ``KnowledgeIndex`` is a small weighted inverted index over jieba words
(title above keywords above body, rarer words count more, a phrase inside a title counts most),
rebuilt in memory only when the catalogue revision or the set of articles changes.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import defaultdict

from pymongo.errors import DuplicateKeyError

from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.search import normalise
from backend.services import catalog
from backend.services.context import Services
from hotline.services.classifier import DATA_DIR, STOPWORDS, segmenter

ARTICLES_FILE = DATA_DIR / "articles.json"
FIELD_WEIGHTS = {"title": 8.0, "keywords": 4.0, "body": 1.0}
TITLE_PHRASE_BONUS = 40.0
MAX_QUERY = 200
_CACHE = "hotline_kb"


def load_articles() -> list[dict]:
    """The hotline's own articles: id, title, department, keywords, body."""
    return json.loads(ARTICLES_FILE.read_text(encoding="utf-8"))


def guide_document(item, departments: dict[str, str]) -> dict:
    """A published item as a knowledge entry (办事指南)."""
    materials = "、".join(m.name for m in item.materials[:6])
    department = departments.get(item.department, item.department_name or item.department)
    body = f"办理部门：{department}；承诺时限：{item.promised_days}个工作日；所需材料：{materials}。"
    if item.conditions:
        body += "办理条件：" + "；".join(item.conditions) + "。"
    keywords = [item.result.name, *item.life_events, *item.themes]
    return {"id": item.code, "kind": "guide", "title": item.name, "department": item.department,
            "keywords": [k for k in keywords if k], "body": body}


class KnowledgeIndex:
    """Articles and guides searched by words, best first."""

    def __init__(self, documents: list[dict]):
        self.documents = documents
        keywords = {normalise(k) for d in documents for k in d.get("keywords", []) if len(k) > 1}
        self._segment = segmenter()  # keywords are matched as phrases, not taught to the shared segmenter
        self._keywords = keywords
        self._titles = [normalise(d["title"]) for d in documents]
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        for position, document in enumerate(documents):
            for name, weight in FIELD_WEIGHTS.items():
                text = " ".join(document.get(name) or []) if name == "keywords" else document.get(name, "")
                for term in self._terms(text):
                    postings = self._postings[term]
                    postings[position] = max(postings.get(position, 0.0), weight)
        total = max(len(documents), 1)
        self._idf = {term: math.log(1 + total / len(p)) for term, p in self._postings.items()}

    def _terms(self, text: str) -> set[str]:
        flat = normalise(text)
        words = {w for w in self._segment.cut_for_search(flat) if len(w) > 1 and w not in STOPWORDS}
        return words | {k for k in self._keywords if k in flat}

    def search(self, query: str, limit: int = 10) -> list[tuple[dict, float]]:
        q = normalise(query)
        if not q:
            return []
        scores: dict[int, float] = defaultdict(float)
        for term in self._terms(q):
            for position, weight in self._postings.get(term, {}).items():
                scores[position] += self._idf[term] * weight
        for position, title in enumerate(self._titles):
            if q in title:
                scores[position] += TITLE_PHRASE_BONUS
            elif len(title) > 1 and title in q:
                scores[position] += TITLE_PHRASE_BONUS / 2
        ranked = sorted(((s, p) for p, s in scores.items() if s > 0), key=lambda pair: (-pair[0], pair[1]))
        return [(self.documents[p], round(s, 3)) for s, p in ranked[:limit]]


# --- in the store -------------------------------------------------------------------------------


async def seed_articles(svc: Services, tenant: str) -> int:
    """Insert the bundled articles a tenant does not have yet (one insert each); returns how many."""
    added = 0
    for article in load_articles():
        try:
            await svc.db.kb_articles.insert_one({**article, "_id": f"{tenant}:{article['id']}", "tenant": tenant,
                                                 "kind": "article", "created_at": svc.now()})
            added += 1
        except DuplicateKeyError:
            pass
    return added


async def _articles(svc: Services, tenant: str) -> list[dict]:
    seeded = svc.extras.setdefault("hotline_kb_seeded", set())
    if tenant not in seeded:
        await seed_articles(svc, tenant)
        seeded.add(tenant)
    docs = [d async for d in svc.db.kb_articles.find({"tenant": tenant})]
    return [{"id": d["id"], "kind": "article", "title": d["title"], "department": d.get("department", ""),
             "keywords": d.get("keywords", []), "body": d.get("body", "")} for d in sorted(docs, key=lambda d: d["_id"])]


async def index_for(svc: Services, tenant: str) -> KnowledgeIndex:
    """The tenant's knowledge index, rebuilt when the catalogue or the articles change."""
    snap = await catalog.snapshot(svc, tenant)
    articles = await _articles(svc, tenant)
    key = (snap.revision, tuple((a["id"], a["title"], a["body"]) for a in articles))
    cached = svc.extras.setdefault(_CACHE, {}).get(tenant)
    if cached and cached[0] == key:
        return cached[1]
    documents = articles + [guide_document(item, snap.departments) for item in snap.items]
    index = await asyncio.to_thread(KnowledgeIndex, documents)
    svc.extras[_CACHE][tenant] = (key, index)
    return index


def _view(document: dict, score: float) -> dict:
    return {"kind": document["kind"], "kind_label": "知识库文章" if document["kind"] == "article" else "办事指南",
            "id": document["id"], "title": document["title"], "department": document.get("department", ""),
            "body": document["body"], "score": score}


async def search(svc: Services, tenant: str, q: str, limit: int = 10) -> dict:
    """知识库检索 for as-you-type search: articles and guides, best first."""
    if not isinstance(q, str) or len(q) > MAX_QUERY:
        raise ValidationFailed(f"检索词过长（上限 {MAX_QUERY} 字）", code="bad_query")
    if not 1 <= limit <= 50:
        raise ValidationFailed("条数须在 1-50 之间", code="bad_limit")
    index = await index_for(svc, tenant)
    return {"q": q, "results": [_view(d, s) for d, s in index.search(q, limit)]}


async def find_entry(svc: Services, tenant: str, source: str, ref_id: str) -> dict:
    """The article or guide an answer cites; NotFound when it does not exist for this tenant."""
    index = await index_for(svc, tenant)
    kind = "article" if source == "article" else "guide"
    for document in index.documents:
        if document["kind"] == kind and document["id"] == ref_id:
            return document
    raise NotFound("未找到所引用的知识库文章或办事指南", code="kb_entry_not_found")
