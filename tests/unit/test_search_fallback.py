"""Search that always helps: the suite's own list of everyday questions, and the fallback's 相近事项."""

import json
import random
from pathlib import Path

import pytest

from backend.domain.fuzzy import meaningful
from backend.domain.search import SearchIndex
from tests.unit.test_search import GETIHU, COMPANY, ITEMS, LOGGING, MINING

ROOT = Path(__file__).resolve().parents[2]
QUERIES = json.loads((ROOT / "tests" / "data" / "citizen_queries.json").read_text(encoding="utf-8"))["queries"]
ROUTING = {row["code"]: row["keywords"] for row in
           json.loads((ROOT / "hotline" / "data" / "departments.json").read_text(encoding="utf-8"))}
KTV = "610924-010024001000-01"
EIA, EMISSIONS = "610924-010011001000-01", "610924-010012001000-01"


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(ITEMS, ROUTING)


def codes(hits) -> list[str]:
    return [h.code for h in hits]


def test_the_list_has_at_least_forty_everyday_questions_each_with_its_items():
    assert len(QUERIES) >= 40 and all(q["q"] and q["items"] for q in QUERIES)
    known = {i.code for i in ITEMS}
    assert all(set(q["items"]) <= known for q in QUERIES)


@pytest.mark.parametrize("query", QUERIES, ids=[q["q"] for q in QUERIES])
def test_every_everyday_question_finds_a_right_item_in_the_top_three(index, query):
    assert set(codes(index.lookup(query["q"], 20)[:3])) & set(query["items"])


@pytest.mark.parametrize("question, expected", [("要砍自家山上的树", LOGGING), ("开个石料矿", MINING), ("开个歌厅", KTV)])
def test_questions_the_words_miss_are_answered_with_marked_similar_items(index, question, expected):
    assert index.search(question, 20) == []  # the word index alone leaves the page empty
    hits = index.lookup(question, 20)
    assert hits[0].code == expected and all(h.similar for h in hits)


def test_the_hotline_routing_words_lead_to_the_department_items(index):
    hits = index.lookup("养猪场要办啥手续", 20)
    assert set(codes(hits[:2])) == {EIA, EMISSIONS}  # 养猪场 is the environment bureau's word on the hotline


def test_a_homophone_typo_still_finds_the_licence(index):
    assert {GETIHU, COMPANY} & set(codes(index.lookup("营业只照", 20)[:3]))


def test_word_hits_come_first_and_similar_items_only_fill_a_short_answer(index):
    few = index.lookup("二手房过户", 20)
    assert not few[0].similar and any(h.similar for h in few)
    assert [h.similar for h in few] == sorted(h.similar for h in few)  # exact before similar
    many = index.lookup("许可", 20)
    assert len(many) >= 3 and not any(h.similar for h in many)


def test_no_question_with_a_meaningful_character_comes_back_empty(index):
    rng = random.Random(14)
    questions = ["".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(1, 6))) for _ in range(300)]
    questions += ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 8))) for _ in range(100)]
    questions += [str(rng.randint(0, 10 ** rng.randint(1, 8))) for _ in range(50)]
    questions += ["量子纠缠火箭", "我要办个啥", "火化", "殡葬服务"]
    empty = [q for q in questions if meaningful(q) and not index.lookup(q, 20)]
    assert empty == []


@pytest.mark.parametrize("question", ["", "   ", "？！。", "我要办", "怎么办理", "☃☃"])
def test_a_question_with_nothing_meaningful_finds_nothing(index, question):
    assert index.lookup(question, 20) == []


def test_the_fallback_can_be_turned_off_for_measuring(index):
    assert index.lookup("开个歌厅", 20, fallback=False) == []
