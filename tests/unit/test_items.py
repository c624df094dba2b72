"""Power-list items: validation, public views, storage shape, versions and time-limit compression."""

import json
from pathlib import Path

import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.items import Item, compression_report, new_version, validate_item, validate_items

CATALOGUE = Path(__file__).resolve().parents[2] / "backend" / "seed" / "catalogue.json"
DEPARTMENTS = {
    "zwfw": "紫阳县政务服务中心", "fgj": "紫阳县发展和改革局", "jyj": "紫阳县教育体育和科技局",
    "gaj": "紫阳县公安局", "mzj": "紫阳县民政局", "rsj": "紫阳县人力资源和社会保障局",
    "zrzyj": "紫阳县自然资源局", "sthj": "安康市生态环境局紫阳分局", "zjj": "紫阳县住房和城乡建设局",
    "cgj": "紫阳县城市管理执法局", "jtj": "紫阳县交通运输局", "slj": "紫阳县水利局",
    "nyncj": "紫阳县农业农村局", "swj": "紫阳县商务局", "wlj": "紫阳县文化和旅游广电局",
    "wjj": "紫阳县卫生健康局", "yjglj": "紫阳县应急管理局", "scjgj": "紫阳县市场监督管理局",
    "ylbzj": "紫阳县医疗保障局", "lyj": "紫阳县林业局",
}
TOWNSHIPS = {"chengguan", "haoping", "hanwang", "huangu", "xiangyang", "donghe", "huishui", "shuangqiao",
             "gaoqiao", "hongchun", "gaotan", "maoba", "wamiao", "maliu", "shuangan", "dongmu", "jieling"}
SUMMARY_KEYS = {"code", "base_code", "name", "item_type", "kind", "kind_label", "department", "level",
                "townships", "promised_days", "statutory_days", "charged", "online", "life_events",
                "themes", "version", "effective_date"}
GUIDE_KEYS = SUMMARY_KEYS | {"legal_basis", "conditions", "materials", "steps", "fees", "fee_stage", "fee_stage_label", "prerequisites",
                             "joint_departments", "report_to", "result", "delivery_methods", "places",
                             "phone", "complaint_phone", "compression"}


def load_catalogue() -> dict:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


def sample_items() -> list[Item]:
    return [Item.from_dict(d) for d in load_catalogue()["items"]]


def licence(**changes) -> dict:
    """A valid promised approval item (行政许可), changed as the test needs."""
    base = {
        "code": "610924-000105001000-01", "base_code": "000105001000", "name": "个体工商户设立登记",
        "item_type": "行政许可", "kind": "promised", "department": "scjgj", "level": "county",
        "promised_days": 1, "statutory_days": 15, "effective_date": "2026-01-01", "status": "published",
        "materials": [{"name": "个体工商户登记申请书", "requirement": "required", "form": "original", "copies": 1}],
        "steps": [{"order": 1, "name": "受理", "role": "window_clerk"}, {"order": 2, "name": "审查", "role": "dept_approver", "days": 1}],
        "fees": [], "internal_notes": "内部：窗口张三负责", "result": {"name": "营业执照", "type": "证照"},
    }
    base.update(changes)
    return base


def problems_of(data: dict) -> list[dict]:
    with pytest.raises(ValidationFailed) as caught:
        validate_item(Item.from_dict(data), DEPARTMENTS, TOWNSHIPS)
    return caught.value.details["errors"]


def fields_of(data: dict) -> set[str]:
    return {p["field"] for p in problems_of(data)}


def test_a_complete_licence_passes_validation():
    validate_item(Item.from_dict(licence()), DEPARTMENTS, TOWNSHIPS)


def test_unknown_department_is_rejected_naming_the_department():
    problems = problems_of(licence(department="xyz"))
    assert problems == [{"field": "department", "message": "未知的实施部门「xyz」"}]


def test_promised_days_above_statutory_days_are_rejected():
    assert problems_of(licence(promised_days=20, statutory_days=15)) == [
        {"field": "promised_days", "message": "承诺时限不能大于法定时限"}]


def test_promised_days_are_free_when_the_law_sets_no_limit():
    validate_item(Item.from_dict(licence(promised_days=3, statutory_days=0)), DEPARTMENTS, TOWNSHIPS)


@pytest.mark.parametrize("departments", [[], ["scjgj"], ["scjgj", "scjgj"]])
def test_joint_item_needs_two_different_departments(departments):
    assert "joint_departments" in fields_of(licence(kind="joint", joint_departments=departments))


def test_joint_item_with_an_unknown_department_is_rejected():
    problems = problems_of(licence(kind="joint", joint_departments=["scjgj", "nope"]))
    assert {"field": "joint_departments", "message": "未知的联办部门「nope」"} in problems


def test_joint_item_accepts_the_public_department_shape():
    joint = [{"code": "scjgj", "name": "紫阳县市场监督管理局"}, {"code": "cgj", "name": "紫阳县城市管理执法局"}]
    validate_item(Item.from_dict(licence(kind="joint", joint_departments=joint)), DEPARTMENTS, TOWNSHIPS)


def test_report_up_item_without_receiving_authority_is_rejected():
    assert problems_of(licence(kind="report_up")) == [{"field": "report_to", "message": "上报件必须填写上报机关"}]


def test_approval_item_without_materials_is_rejected():
    assert problems_of(licence(materials=[])) == [{"field": "materials", "message": "行政许可事项必须列出申请材料"}]


def test_public_service_item_may_have_no_materials():
    validate_item(Item.from_dict(licence(item_type="公共服务", materials=[])), DEPARTMENTS, TOWNSHIPS)


@pytest.mark.parametrize("field, value", [
    ("kind", "urgent"), ("item_type", "行政处罚许可"), ("level", "province"), ("status", "live")])
def test_bad_enumeration_values_are_rejected_with_the_allowed_values(field, value):
    problems = problems_of(licence(**{field: value}))
    assert problems[0]["field"] == field
    assert f"「{value}」无效，应为：" in problems[0]["message"]


@pytest.mark.parametrize("field, label", [("promised_days", "承诺时限"), ("statutory_days", "法定时限")])
def test_negative_days_are_rejected(field, label):
    assert {"field": field, "message": f"{label}不能为负数"} in problems_of(licence(**{field: -1}))


def test_days_that_are_not_numbers_are_rejected():
    assert {"field": "promised_days", "message": "承诺时限必须是整数（工作日）"} in problems_of(licence(promised_days="三天"))


def test_township_item_without_townships_is_rejected():
    assert problems_of(licence(level="township")) == [{"field": "townships", "message": "乡镇事项必须填写办理乡镇"}]


def test_township_item_with_an_unknown_township_is_rejected():
    assert problems_of(licence(level="township", townships=["chengguan", "atlantis"])) == [
        {"field": "townships", "message": "未知的乡镇「atlantis」"}]


def test_material_and_step_problems_name_their_position():
    fields = fields_of(licence(materials=[{"name": "", "copies": -2, "form": "fax"}],
                               steps=[{"order": 1, "name": "受理", "role": "janitor"}]))
    assert {"materials[0].name", "materials[0].copies", "materials[0].form", "steps[0].role"} <= fields


def test_all_problems_are_reported_together_in_one_error():
    with pytest.raises(ValidationFailed) as caught:
        validate_item(Item.from_dict(licence(department="xyz", promised_days=30, kind="report_up", materials=[])),
                      DEPARTMENTS, TOWNSHIPS)
    fields = [p["field"] for p in caught.value.details["errors"]]
    assert fields == ["department", "promised_days", "report_to", "materials"]
    assert "未知的实施部门「xyz」" in caught.value.message and "承诺时限不能大于法定时限" in caught.value.message


def test_duplicated_code_in_a_batch_is_rejected():
    with pytest.raises(ValidationFailed) as caught:
        validate_items([Item.from_dict(licence()), Item.from_dict(licence(name="另一个"))], DEPARTMENTS, TOWNSHIPS)
    assert caught.value.details["errors"] == [{
        "field": "items[1].code", "message": "实施编码「610924-000105001000-01」重复（与第 1 个事项相同）"}]


def test_public_summary_has_exactly_the_contract_fields_and_no_internal_ones():
    summary = Item.from_dict(licence()).public_summary(DEPARTMENTS)
    assert set(summary) == SUMMARY_KEYS
    assert summary["department"] == {"code": "scjgj", "name": "紫阳县市场监督管理局"}
    assert summary["kind_label"] == "承诺件" and summary["charged"] is False


def test_public_guide_never_contains_internal_notes_or_status():
    guide = Item.from_dict(licence()).public_guide(DEPARTMENTS)
    assert set(guide) == GUIDE_KEYS
    text = json.dumps(guide, ensure_ascii=False)
    assert "内部：窗口张三负责" not in text and "published" not in text


def test_public_guide_labels_roles_and_reports_compression():
    guide = Item.from_dict(licence()).public_guide(DEPARTMENTS)
    assert [s["role_label"] for s in guide["steps"]] == ["窗口人员", "部门审批人"]
    assert guide["compression"] == 0.07


def test_a_public_guide_read_back_keeps_the_guide_unchanged():
    guide = Item.from_dict(licence()).public_guide(DEPARTMENTS)
    assert Item.from_dict(guide).public_guide() == guide


def _walk(value, inside_list=False):
    if isinstance(value, dict):
        for key, sub in value.items():
            assert "." not in key and not key.startswith("$"), key
            yield from _walk(sub)
    elif isinstance(value, list):
        assert not inside_list, "array inside an array"
        for sub in value:
            yield from _walk(sub, inside_list=True)
    yield value


@pytest.mark.parametrize("item", sample_items(), ids=lambda i: i.name)
def test_stored_documents_have_no_dotted_keys_and_no_nested_arrays(item):
    list(_walk(item.to_dict()))
    assert not any(isinstance(v, list) for m in item.to_dict()["materials"] for v in m.values())


def test_stored_document_reads_back_unchanged():
    item = Item.from_dict(licence())
    assert Item.from_dict(item.to_dict()) == item


def test_an_edit_makes_a_new_draft_version_and_leaves_the_old_one():
    old = Item.from_dict(licence(version=3))
    edited = new_version(old, {"promised_days": 2}, "2026-07-01")
    assert (edited.version, edited.promised_days, edited.status, edited.effective_date) == (4, 2, "draft", "2026-07-01")
    assert (old.version, old.promised_days, old.status) == (3, 1, "published")


def test_compression_report_per_department_and_overall():
    items = [Item.from_dict(licence(code="a", promised_days=5, statutory_days=20)),
             Item.from_dict(licence(code="b", promised_days=15, statutory_days=20)),
             Item.from_dict(licence(code="c", department="gaj", promised_days=0, statutory_days=0))]
    report = compression_report(items, DEPARTMENTS)
    assert report["overall"]["count"] == 3 and report["overall"]["ratio"] == 0.5
    scjgj = next(r for r in report["departments"] if r["code"] == "scjgj")
    assert (scjgj["name"], scjgj["meeting_target"], scjgj["meeting_share"]) == ("紫阳县市场监督管理局", 1, 0.5)
    gaj = next(r for r in report["departments"] if r["code"] == "gaj")
    assert gaj["ratio"] is None and gaj["timed_count"] == 0


def test_sample_catalogue_is_marked_as_sample_data_and_passes_validation():
    doc = load_catalogue()
    assert doc["sample"] is True and "示例数据" in doc["note"]
    validate_items(sample_items(), DEPARTMENTS, TOWNSHIPS)


def test_sample_catalogue_covers_every_kind_and_township_items():
    items = sample_items()
    kinds = [i.kind for i in items]
    assert len(items) >= 40
    assert kinds.count("joint") >= 3 and kinds.count("report_up") >= 2 and kinds.count("immediate") >= 3
    assert sum(i.level == "township" for i in items) >= 3
    assert any(i.fees for i in items) and sum(bool(i.fees) for i in items) < len(items) / 4


def test_sample_catalogue_mostly_meets_the_half_time_target_but_not_all():
    overall = compression_report(sample_items())["overall"]
    assert overall["ratio"] <= 0.5
    assert 0.7 <= overall["meeting_share"] < 1
