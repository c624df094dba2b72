"""Item search: everyday Chinese questions and pinyin find the right power-list item."""

import json
import logging
import time
from pathlib import Path

import pytest

from backend.domain.items import Item
from backend.domain.search import SearchIndex

CATALOGUE = Path(__file__).resolve().parents[2] / "backend" / "seed" / "catalogue.json"
ITEMS = [Item.from_dict(d) for d in json.loads(CATALOGUE.read_text(encoding="utf-8"))["items"]]

GETIHU = "610924-010001001000-01"       # 个体工商户设立登记
COMPANY = "610924-010002001000-01"      # 企业设立登记
FOOD = "610924-010003001000-01"         # 食品经营许可
BIRTH_CERT = "610924-200001001000-01"   # 出生医学证明首次签发及补发
BIRTH_REG = "610924-200002001000-01"    # 生育登记
HUKOU = "610924-070001001000-01"        # 户口登记（新生儿入户）
ID_CARD = "610924-070002001000-01"      # 居民身份证申领（含换领、补领）
DRIVING = "610924-010005001000-01"      # 机动车驾驶证补证、换证
MARRIAGE = "610924-070003001000-01"     # 结婚登记
DIVORCE = "610924-070004001000-01"      # 离婚登记
DIBAO = "610924-050001001000-01"        # 最低生活保障审批
ELDERLY = "610924-050004001000-01"      # 高龄老人生活补贴申请
PENSION_ENROL = "610924-200003001000-01"  # 城乡居民养老保险参保登记
PENSION = "610924-050005001000-01"      # 城乡居民养老保险待遇申领
SOCIAL_CARD = "610924-200004001000-01"  # 社会保障卡补领、换领
JOBLESS = "610924-200005001000-01"      # 失业登记
WAGES = "610924-100001001000-01"        # 劳动保障监察投诉受理
REMOTE_CARE = "610924-200006001000-01"  # 异地就医备案
PLANNING = "610924-010006001000-01"     # 建设工程规划许可证核发
BUILDING = "610924-010007001000-01"     # 建筑工程施工许可证核发
HOMESTEAD = "610924-010008001000-01"    # 农村村民宅基地审批
PROPERTY = "610924-070005001000-01"     # 不动产转移登记
FILING = "610924-100002001000-01"       # 企业投资项目备案
EIA = "610924-010011001000-01"          # 建设项目环境影响评价文件审批（报告表）
WATER = "610924-010013001000-01"        # 取水许可
LOGGING = "610924-010014001000-01"      # 林木采伐许可证核发
MINING = "610924-010016001000-01"       # 采矿权新立登记
FREIGHT = "610924-010017001000-01"      # 道路货物运输经营许可
RIDE_HAIL = "610924-010019001000-01"    # 网络预约出租汽车运输证核发
CLINIC = "610924-010020001000-01"       # 医疗机构执业登记
HYGIENE = "610924-010021001000-01"      # 公共场所卫生许可
FIREWORKS = "610924-010022001000-01"    # 烟花爆竹经营（零售）许可
KTV = "610924-010024001000-01"          # 娱乐场所经营许可
KINDERGARTEN = "610924-010025001000-01"  # 民办幼儿园设立审批
FUEL = "610924-010026001000-01"         # 成品油零售经营资格审批
PESTICIDE = "610924-010027001000-01"    # 农药经营许可
BILLBOARD = "610924-010028001000-01"    # 设置大型户外广告审批
DANGER_HOUSE = "610924-050007001000-01"  # 农村危房改造补助申请


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(ITEMS)


def top(index: SearchIndex, query: str, n: int) -> list[str]:
    return [code for code, _ in index.search(query, n)]


@pytest.mark.parametrize("query, expected", [
    ("结婚", MARRIAGE), ("离婚", DIVORCE), ("身份证丢了", ID_CARD), ("办身份证", ID_CARD), ("砍树", LOGGING),
    ("低保", DIBAO), ("社保卡丢了", SOCIAL_CARD), ("驾照到期了", DRIVING), ("开诊所", CLINIC),
    ("外地看病", REMOTE_CARE), ("打井", WATER), ("卖鞭炮", FIREWORKS), ("房产证过户", PROPERTY),
    ("环评", EIA), ("开网约车", RIDE_HAIL), ("上户口", HUKOU), ("开公司", COMPANY), ("理发店", HYGIENE),
    ("跑运输", FREIGHT), ("老板欠工资不给", WAGES), ("宅基地", HOMESTEAD), ("施工许可", BUILDING),
    ("做生意", GETIHU), ("开饭店", FOOD), ("出生证明", BIRTH_CERT), ("生育登记", BIRTH_REG),
    ("不动产登记", PROPERTY), ("企业投资项目备案", FILING), ("开KTV", KTV), ("开幼儿园", KINDERGARTEN),
    ("异地就医", REMOTE_CARE), ("给老人领高龄补贴", ELDERLY), ("危房改造", DANGER_HOUSE), ("卖农药", PESTICIDE),
    ("开加油站", FUEL), ("采矿", MINING), ("打广告牌", BILLBOARD), ("外出打工失业了", JOBLESS),
])
def test_everyday_query_finds_the_item_first(index, query, expected):
    assert top(index, query, 1) == [expected]


@pytest.mark.parametrize("query, expected", [
    ("办营业执照", GETIHU), ("生孩子要办什么", BIRTH_CERT), ("生娃", HUKOU), ("盖房子", HOMESTEAD),
    ("盖房子", PLANNING), ("退休领养老金", PENSION), ("开饭馆", FOOD), ("交社保", PENSION_ENROL),
    ("营业执照", GETIHU),
])
def test_everyday_query_finds_the_item_in_the_top_three(index, query, expected):
    assert expected in top(index, query, 3)


@pytest.mark.parametrize("query, expected", [
    ("yyzz", GETIHU), ("sfz", ID_CARD), ("jiehun", MARRIAGE), ("shenfenzheng", ID_CARD),
    ("shigongxuke", BUILDING), ("YYZZ", GETIHU), ("hunyin", MARRIAGE),
])
def test_pinyin_and_initials_find_the_item_in_the_top_three(index, query, expected):
    assert expected in top(index, query, 3)


def test_exact_name_ranks_first_even_when_other_items_share_words(index):
    assert top(index, "企业投资项目备案", 2) == [FILING, "610924-010010001000-01"]


def test_name_match_outranks_a_match_in_the_materials(index):
    # 出生医学证明 is a required material of 户口登记 but the name of the certificate item
    assert top(index, "出生医学证明", 1) == [BIRTH_CERT]


def test_punctuation_and_spaces_do_not_matter(index):
    assert top(index, "  结婚？！ ", 1) == [MARRIAGE]


def test_nonsense_and_empty_queries_find_nothing(index):
    assert index.search("", 10) == [] and index.search("   ", 10) == []
    assert index.search("量子纠缠火箭", 10) == []


def test_scores_are_best_first_and_limit_is_respected(index):
    results = index.search("许可", 5)
    assert len(results) == 5
    assert [s for _, s in results] == sorted((s for _, s in results), reverse=True)


def test_index_of_five_hundred_items_builds_and_answers_quickly():
    many = []
    for copy in range(10):
        for item in ITEMS:
            many.append(Item.from_dict({**item.to_dict(), "code": f"{item.code}-{copy}"}))
    started = time.perf_counter()
    index = SearchIndex(many)
    built = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        index.search("生孩子要办什么", 20)
    per_query = (time.perf_counter() - started) / 20
    assert len(index) >= 500 and built < 5 and per_query < 0.05


def test_search_accepts_stored_dicts_and_skips_nothing():
    index = SearchIndex([i.to_dict() for i in ITEMS])
    assert len(index) == len(ITEMS) and top(index, "结婚", 1) == [MARRIAGE]


def test_building_an_index_logs_nothing_from_jieba(caplog):
    with caplog.at_level(logging.DEBUG, logger="jieba"):
        SearchIndex(ITEMS[:3])
    assert [r for r in caplog.records if r.name == "jieba"] == []
