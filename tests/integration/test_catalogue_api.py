"""The public power list over HTTP: browse, filter, search, paginate, read a guide."""

from urllib.parse import quote

import pytest


async def test_citizens_page_through_the_published_catalogue(api, seeded):
    first = (await api.get("/api/v1/items?page=1&page_size=10")).json
    assert first["total"] == seeded["items"] and len(first["items"]) == 10 and first["pages"] >= 5
    second = (await api.get("/api/v1/items?page=2&page_size=10")).json
    assert not {i["code"] for i in first["items"]} & {i["code"] for i in second["items"]}
    summary = first["items"][0]
    assert summary["department"]["name"].startswith(("紫阳县", "安康市")) and summary["kind_label"]


@pytest.mark.parametrize("query, expected_name", [
    ("办营业执照", "个体工商户设立登记"),
    ("生孩子要办什么", "出生医学证明"),
    ("结婚", "结婚登记"),
    ("yyzz", "个体工商户设立登记"),
])
async def test_everyday_phrasing_finds_the_right_item_first(api, seeded, query, expected_name):
    from urllib.parse import quote

    found = (await api.get(f"/api/v1/items?q={quote(query)}")).json["items"]
    assert any(i["name"].startswith(expected_name) for i in found[:3]), [i["name"] for i in found[:5]]


async def test_filters_by_department_kind_and_township(api, seeded):
    market = (await api.get("/api/v1/items?department=scjgj&page_size=100")).json["items"]
    assert market and all(i["department"]["code"] == "scjgj" or i["kind"] == "joint" for i in market)
    assert any(i["name"] == "个体工商户设立登记" for i in market)
    joint = (await api.get("/api/v1/items?kind=joint&page_size=100")).json["items"]
    assert joint and {i["kind"] for i in joint} == {"joint"}
    facets = (await api.get("/api/v1/catalogue/facets")).json
    town = next(t for t in facets["townships"] if t["count"])
    local = (await api.get(f"/api/v1/items?township={town['code']}&page_size=100")).json
    assert local["total"] == town["count"] and all(town["code"] in i["townships"] for i in local["items"])


async def test_a_guide_shows_materials_steps_and_promised_next_to_statutory_days(api, seeded):
    code = (await api.get("/api/v1/items?q=个体工商户设立登记")).json["items"][0]["code"]
    guide = (await api.get(f"/api/v1/items/{code}")).json
    assert guide["materials"] and guide["steps"][0]["order"] == 1
    assert guide["promised_days"] <= guide["statutory_days"]
    assert "internal_notes" not in guide and "status" not in guide


async def test_bad_paging_and_kinds_get_chinese_errors(api, seeded):
    assert (await api.get("/api/v1/items?page=0")).error["message"] == "页码须从 1 开始"
    assert (await api.get("/api/v1/items?page=abc")).error["message"] == "参数 page 应为整数"
    assert "办件类型" in (await api.get("/api/v1/items?kind=urgent")).error["message"]
    missing = await api.get("/api/v1/items/nope-000")
    assert missing.status == 404 and missing.error["message"] == "未找到该事项"


async def test_compression_report_compares_promised_with_statutory_days(api, seeded):
    report = (await api.get("/api/v1/catalogue/compression")).json
    assert report["overall"]["count"] == seeded["items"]
    assert 0 < report["overall"]["ratio"] <= 0.5
    assert any(row["code"] == "scjgj" for row in report["departments"])


async def test_a_question_the_words_miss_gets_similar_items_marked_as_such(api, seeded):
    found = (await api.get(f"/api/v1/items?q={quote('开个歌厅')}")).json
    assert found["items"] and found["items"][0]["name"] == "娱乐场所经营许可"
    assert all(i["similar"] and i["similar_label"] == "相近事项" for i in found["items"])
    assert found["similar_total"] == found["total"]
    small = (await api.get(f"/api/v1/items?q={quote('小饭馆')}")).json  # answered with nothing before issue 14
    assert small["items"] and small["items"][0]["name"] == "食品经营许可" and small["items"][0]["similar"] is False


async def test_the_hotline_routing_words_reach_the_search_through_the_tenant(api, seeded):
    found = (await api.get(f"/api/v1/items?q={quote('养猪场要办啥手续')}")).json["items"]
    assert {i["department"]["code"] for i in found[:2]} == {"sthj"}
