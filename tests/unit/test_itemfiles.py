"""Power-list files: xlsx/csv/json round trips, row-level Chinese errors, big imports with progress."""

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from backend.domain.errors import ValidationFailed
from backend.domain.items import Item
from backend.itemfiles import read_items, write_items
from tests.unit.test_items import DEPARTMENTS, TOWNSHIPS, licence

CATALOGUE = Path(__file__).resolve().parents[2] / "backend" / "seed" / "catalogue.json"
SAMPLE = [Item.from_dict(d).to_dict() for d in json.loads(CATALOGUE.read_text(encoding="utf-8"))["items"]]


def edit_workbook(path: Path, sheet: str, row: int, header: str, value) -> None:
    wb = load_workbook(path)
    ws = wb[sheet]
    column = [c.value for c in ws[1]].index(header) + 1
    ws.cell(row=row, column=column, value=value)
    wb.save(path)
    wb.close()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".json"])
def test_an_export_imports_again_unchanged(tmp_path, suffix):
    path = tmp_path / f"清单{suffix}"
    write_items(SAMPLE, path)
    assert read_items(path, known_departments=DEPARTMENTS, known_townships=TOWNSHIPS) == SAMPLE


def test_csv_export_has_a_byte_order_mark_so_excel_reads_chinese(tmp_path):
    path = tmp_path / "清单.csv"
    write_items(SAMPLE[:1], path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_csv_saved_by_chinese_excel_in_gbk_still_imports(tmp_path):
    path = tmp_path / "清单.csv"
    write_items(SAMPLE[:3], path)
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode("gb18030"))
    assert read_items(path) == SAMPLE[:3]


def test_csv_nested_values_may_contain_the_separator(tmp_path):
    item = Item.from_dict(licence(materials=[{"name": "申请书|附件 A\\B", "note": "两行\n说明"}])).to_dict()
    path = tmp_path / "清单.csv"
    write_items([item], path)
    assert read_items(path)[0]["materials"] == item["materials"]


def test_workbook_uses_chinese_headers_and_labels_staff_can_edit(tmp_path):
    path = tmp_path / "清单.xlsx"
    write_items(SAMPLE[:1], path)
    wb = load_workbook(path)
    assert wb.sheetnames[:5] == ["事项", "材料", "流程", "收费", "办理地点"]
    header = [c.value for c in wb["事项"][1]]
    row = dict(zip(header, [c.value for c in wb["事项"][2]]))
    assert (row["办件类型"], row["层级"], row["网上办理"]) == ("承诺件", "县级", "是")
    assert [c.value for c in wb["流程"][2]][3] == "窗口人员"
    wb.close()


def test_workbook_with_one_bad_row_names_that_row_and_returns_nothing(tmp_path):
    path = tmp_path / "清单.xlsx"
    write_items(SAMPLE, path)
    edit_workbook(path, "事项", 12, "承诺时限", 99)
    with pytest.raises(ValidationFailed) as caught:
        read_items(path, known_departments=DEPARTMENTS, known_townships=TOWNSHIPS)
    assert caught.value.details["total"] == 1
    assert caught.value.details["errors"][0]["text"] == "「事项」表第 12 行「承诺时限」：承诺时限不能大于法定时限"
    assert "第 12 行「承诺时限」" in caught.value.message


def test_all_bad_rows_are_reported_together(tmp_path):
    path = tmp_path / "清单.xlsx"
    write_items(SAMPLE, path)
    edit_workbook(path, "事项", 3, "办件类型", "加急件")
    edit_workbook(path, "事项", 7, "实施部门", "不存在局")
    edit_workbook(path, "事项", 9, "法定时限", "二十天")
    with pytest.raises(ValidationFailed) as caught:
        read_items(path, known_departments=DEPARTMENTS, known_townships=TOWNSHIPS)
    texts = [e["text"] for e in caught.value.details["errors"]]
    assert texts == [
        "「事项」表第 3 行「办件类型」：「加急件」不是有效值，应为：即办件、承诺件、联办件、上报件",
        "「事项」表第 7 行「实施部门」：未知的实施部门「不存在局」",
        "「事项」表第 9 行「法定时限」：必须填写整数",
    ]


def test_a_bad_material_row_is_named_in_its_own_sheet(tmp_path):
    path = tmp_path / "清单.xlsx"
    write_items(SAMPLE[:2], path)
    edit_workbook(path, "材料", 4, "份数", -1)
    with pytest.raises(ValidationFailed) as caught:
        read_items(path)
    assert [e["text"] for e in caught.value.details["errors"]] == ["「材料」表第 4 行「份数」：份数不能为负数"]


def test_a_material_for_an_unknown_item_code_is_reported(tmp_path):
    path = tmp_path / "清单.xlsx"
    write_items(SAMPLE[:2], path)
    edit_workbook(path, "材料", 2, "实施编码", "610924-不存在")
    with pytest.raises(ValidationFailed) as caught:
        read_items(path)
    assert "「材料」表第 2 行「实施编码」：「事项」表中没有实施编码为「610924-不存在」的事项" in caught.value.message


def test_duplicated_codes_in_a_file_are_reported_with_both_rows(tmp_path):
    path = tmp_path / "清单.csv"
    write_items([SAMPLE[0], {**SAMPLE[1], "code": SAMPLE[0]["code"]}], path)
    with pytest.raises(ValidationFailed) as caught:
        read_items(path)
    assert caught.value.details["errors"][0]["text"] == (
        f"第 3 行「实施编码」：实施编码「{SAMPLE[0]['code']}」重复（与第 2 行相同）")


def test_csv_nested_problem_names_the_entry(tmp_path):
    path = tmp_path / "清单.csv"
    write_items([Item.from_dict(licence(materials=[{"name": "申请书"}, {"name": "", "copies": 1}])).to_dict()], path)
    with pytest.raises(ValidationFailed) as caught:
        read_items(path)
    assert caught.value.details["errors"][0]["text"] == "第 2 行「申请材料（第 2 条·材料名称）」：材料名称不能为空"


def test_json_problems_name_the_item_by_position(tmp_path):
    path = tmp_path / "清单.json"
    path.write_text(json.dumps([licence(), licence(code="x-2", kind="report_up")], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        read_items(path)
    assert caught.value.details["errors"][0]["text"] == "第 2 个事项「上报机关」：上报件必须填写上报机关"


def test_errors_are_capped_with_the_full_count(tmp_path):
    bad = [Item.from_dict(licence(code=f"c-{n}", promised_days=30)).to_dict() for n in range(60)]
    path = tmp_path / "清单.csv"
    write_items(bad, path)
    with pytest.raises(ValidationFailed) as caught:
        read_items(path)
    assert caught.value.details["total"] == 60 and len(caught.value.details["errors"]) == 50
    assert "共 60 处问题（仅列出前 50 处）" in caught.value.message


def test_five_hundred_item_workbook_imports_with_progress(tmp_path):
    many = [{**item, "code": f"{item['code']}-{copy}"} for copy in range(10) for item in SAMPLE]
    path = tmp_path / "全县清单.xlsx"
    write_items(many, path)
    calls = []
    items = read_items(path, progress=lambda done, total: calls.append((done, total)),
                       known_departments=DEPARTMENTS, known_townships=TOWNSHIPS)
    assert len(items) == len(many) >= 500
    assert calls[0] == (1, len(many)) and calls[-1] == (len(many), len(many)) and len(calls) == len(many)


def test_staff_may_write_department_and_township_names(tmp_path):
    item = Item.from_dict(licence(level="township", townships=["chengguan"])).to_dict()
    path = tmp_path / "清单.xlsx"
    write_items([item], path)
    edit_workbook(path, "事项", 2, "实施部门", "紫阳县市场监督管理局")
    edit_workbook(path, "事项", 2, "办理乡镇", "城关镇")
    towns = {code: name for code, name in [("chengguan", "城关镇"), ("haoping", "蒿坪镇")]}
    [read] = read_items(path, known_departments=DEPARTMENTS, known_townships=towns)
    assert (read["department"], read["townships"]) == ("scjgj", ["chengguan"])


def test_missing_main_sheet_and_unknown_suffix_are_explained(tmp_path):
    with pytest.raises(ValidationFailed, match="不支持的文件类型"):
        read_items(tmp_path / "清单.txt")
    path = tmp_path / "空.xlsx"
    write_items([], path)
    wb = load_workbook(path)
    wb["事项"].title = "Sheet1"
    wb.save(path)
    with pytest.raises(ValidationFailed, match="工作簿中没有「事项」表"):
        read_items(path)
