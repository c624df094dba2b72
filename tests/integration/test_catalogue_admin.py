"""Staff maintain the power list: drafts, versions, publish, withdraw, and who may do what."""

import copy

import pytest


@pytest.fixture
async def manager(api, seeded):
    await api.login("manager")
    return api


def new_item(code="610924-TEST-0001", **changes):
    item = {
        "code": code, "base_code": "TEST0001", "name": "测试用临时占道许可", "item_type": "行政许可", "kind": "promised",
        "department": "cgj", "level": "county", "promised_days": 3, "statutory_days": 20, "online": True,
        "legal_basis": ["《城市道路管理条例》第三十一条"], "conditions": ["因特殊情况需要临时占用城市道路"],
        "materials": [{"name": "临时占道申请表", "requirement": "required", "form": "original", "copies": 1,
                       "source": "申请人自备"}],
        "steps": [{"order": 1, "name": "受理", "role": "window_clerk", "days": 0},
                  {"order": 2, "name": "审查决定", "role": "dept_approver", "days": 3}],
        "delivery_methods": ["window"], "result": {"name": "临时占道许可决定书", "type": "批文"},
        "internal_notes": "仅供内部：核查现场照片",
    }
    item.update(changes)
    return item


async def test_a_new_item_is_a_draft_that_citizens_cannot_see_until_published(manager):
    created = await manager.post("/api/v1/admin/items", new_item())
    assert created.status == 201 and created.json["head"]["status"] == "draft"
    assert (await manager.get("/api/v1/items/610924-TEST-0001")).status == 404
    published = await manager.post("/api/v1/admin/items/610924-TEST-0001/publish", {"version": 1})
    assert published.json["head"]["status"] == "published"
    guide = (await manager.get("/api/v1/items/610924-TEST-0001")).json
    assert guide["name"] == "测试用临时占道许可" and "internal_notes" not in guide
    assert "核查现场照片" not in str(guide)


async def test_an_edit_makes_a_new_version_and_the_old_one_stays_public_until_the_new_is_published(manager):
    await manager.post("/api/v1/admin/items", new_item())
    await manager.post("/api/v1/admin/items/610924-TEST-0001/publish", {"version": 1})
    edited = await manager.put("/api/v1/admin/items/610924-TEST-0001",
                               {"expected_version": 1, "item": new_item(promised_days=2)})
    assert edited.status == 200 and edited.json["head"]["latest_version"] == 2
    assert (await manager.get("/api/v1/items/610924-TEST-0001")).json["promised_days"] == 3
    await manager.post("/api/v1/admin/items/610924-TEST-0001/publish", {"version": 2})
    assert (await manager.get("/api/v1/items/610924-TEST-0001")).json["promised_days"] == 2
    versions = (await manager.get("/api/v1/admin/items/610924-TEST-0001")).json["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(2, "published"), (1, "superseded")]


async def test_two_editors_of_the_same_version_cannot_overwrite_each_other(manager):
    await manager.post("/api/v1/admin/items", new_item())
    first = await manager.put("/api/v1/admin/items/610924-TEST-0001", {"expected_version": 1, "item": new_item(promised_days=2)})
    second = await manager.put("/api/v1/admin/items/610924-TEST-0001", {"expected_version": 1, "item": new_item(promised_days=1)})
    assert first.status == 200 and second.status == 409 and "已被他人修改" in second.error["message"]


@pytest.mark.parametrize("changes, field, words", [
    ({"department": "nosuch"}, "department", "未知"),
    ({"promised_days": 30, "statutory_days": 20}, "promised_days", "不能大于法定时限"),
    ({"kind": "joint", "joint_departments": ["cgj"]}, "joint_departments", "两个"),
    ({"kind": "report_up", "report_to": ""}, "report_to", "上报"),
    ({"materials": []}, "materials", "材料"),
])
async def test_bad_items_are_rejected_with_a_clear_message(manager, changes, field, words):
    response = await manager.post("/api/v1/admin/items", new_item(**changes))
    assert response.status == 422
    problems = response.error["details"]["errors"]
    assert any(p["field"].startswith(field) and words in p["message"] for p in problems), problems


async def test_a_duplicated_code_is_refused(manager):
    await manager.post("/api/v1/admin/items", new_item())
    again = await manager.post("/api/v1/admin/items", new_item())
    assert again.status == 409 and "已存在" in again.error["message"]


async def test_withdrawn_items_leave_the_public_list_and_need_a_reason(manager):
    await manager.post("/api/v1/admin/items", new_item())
    await manager.post("/api/v1/admin/items/610924-TEST-0001/publish", {"version": 1})
    assert (await manager.post("/api/v1/admin/items/610924-TEST-0001/withdraw", {"reason": " "})).status == 422
    done = await manager.post("/api/v1/admin/items/610924-TEST-0001/withdraw", {"reason": "职能调整"})
    assert done.json["head"]["status"] == "withdrawn"
    assert (await manager.get("/api/v1/items/610924-TEST-0001")).status == 404


async def test_an_approver_edits_only_their_department_and_cannot_publish(api, seeded):
    await api.login("scjgj_a")
    other = await api.post("/api/v1/admin/items", new_item())
    assert other.status == 403 and other.error["message"] == "只能编辑本部门的事项"
    own = await api.post("/api/v1/admin/items", new_item(code="610924-TEST-0002", department="scjgj"))
    assert own.status == 201
    publish = await api.post("/api/v1/admin/items/610924-TEST-0002/publish", {"version": 1})
    assert publish.status == 403


async def test_staff_list_searches_filters_and_sorts_drafts_too(manager):
    await manager.post("/api/v1/admin/items", new_item())
    drafts = (await manager.get("/api/v1/admin/items?status=draft")).json
    assert [i["code"] for i in drafts["items"]] == ["610924-TEST-0001"]
    found = (await manager.get("/api/v1/admin/items?q=占道")).json["items"]
    assert found[0]["name"] == "测试用临时占道许可"
    by_name = (await manager.get("/api/v1/admin/items?sort=-name&page_size=5")).json["items"]
    names = [i["name"] for i in by_name]
    assert names == sorted(names, reverse=True)
