"""Organisation workbooks: the shipped template and sample, round trips, and cell errors by sheet, row and column."""

import openpyxl
import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.org import OrgState
from backend.domain.org_rules import merge, problems
from backend.orgfiles import read_org, write_org
from backend.services.seed import SAMPLE_WORKBOOK, TEMPLATE_WORKBOOK, sample_book


def errors_of(path) -> list[str]:
    return [e["text"] for e in read_org(path).errors]


def test_the_blank_template_has_every_sheet_and_nothing_in_it():
    book = read_org(TEMPLATE_WORKBOOK)
    assert book.state.departments == {} and book.state.staff == {} and book.state.profile == {}
    shipped = openpyxl.load_workbook(TEMPLATE_WORKBOOK)
    assert shipped.sheetnames == ["县区信息", "部门", "乡镇", "服务中心", "窗口与岗位", "人员", "填写说明"]


def test_the_shipped_template_is_what_export_org_template_writes(tmp_path):
    write_org(OrgState(), tmp_path / "fresh.xlsx")
    fresh, shipped = openpyxl.load_workbook(tmp_path / "fresh.xlsx"), openpyxl.load_workbook(TEMPLATE_WORKBOOK)
    for name in fresh.sheetnames:  # regenerate with: python -m backend export-org --template backend/seed/org-template.xlsx
        assert list(fresh[name].values) == list(shipped[name].values), name


def test_the_sample_county_is_whole_and_every_post_has_its_a_holder():
    assert sample_book().errors == []
    after, found = merge(OrgState(), sample_book().state)
    assert found == [] and problems(after) == []
    assert after.profile["area_code"] == "610924" and len(after.townships) == 17
    assert all(post["holder_a"] for post in after.posts.values())
    assert after.posts["w01"]["holder_b"] == "clerk_b" and after.staff["clerk_b"]["name"] == "李明"


def test_an_export_reads_back_as_the_same_organisation(tmp_path):
    state, _ = merge(OrgState(), sample_book().state)
    write_org(state, tmp_path / "again.xlsx")
    again, found = merge(OrgState(), read_org(tmp_path / "again.xlsx").state)
    assert found == [] and again == state


def test_a_missing_sheet_is_named_before_anything_else(tmp_path):
    book = openpyxl.load_workbook(SAMPLE_WORKBOOK)
    del book["乡镇"]
    del book["人员"]
    book.save(tmp_path / "short.xlsx")
    with pytest.raises(ValidationFailed) as caught:
        read_org(tmp_path / "short.xlsx")
    assert caught.value.message == "工作簿缺少「乡镇」「人员」表（可从空白模板复制）"


def test_unreadable_cells_and_duplicated_codes_are_named_by_sheet_row_and_column(tmp_path):
    book = openpyxl.load_workbook(SAMPLE_WORKBOOK)
    departments, posts = book["部门"], book["窗口与岗位"]
    departments.cell(row=4, column=1).value = departments.cell(row=3, column=1).value
    posts.cell(row=2, column=3).value = "值班岗"
    posts.cell(row=3, column=6).value = "暂停"
    book.save(tmp_path / "bad.xlsx")
    assert errors_of(tmp_path / "bad.xlsx") == [
        f"「部门」表第 4 行「部门代码」：部门代码「{departments.cell(row=3, column=1).value}」重复（与第 3 行相同）",
        "「窗口与岗位」表第 2 行「类型」：应为：窗口岗、审批岗",
        "「窗口与岗位」表第 3 行「状态」：「暂停」无效，应填「在用」或「停用」",
    ]


def test_a_rule_broken_across_sheets_is_put_back_on_its_row(tmp_path):
    book = openpyxl.load_workbook(SAMPLE_WORKBOOK)
    staff = book["人员"]
    row = next(r for r in range(2, staff.max_row + 1) if staff.cell(row=r, column=1).value == "clerk_a")
    staff.cell(row=row, column=6).value = ""  # clerk_a no longer holds w01 A
    book.save(tmp_path / "holderless.xlsx")
    parsed = read_org(tmp_path / "holderless.xlsx")
    after, _ = merge(OrgState(), parsed.state)
    located = parsed.report(problems(after))
    w01 = next(r for r in range(2, 60) if book["窗口与岗位"].cell(row=r, column=1).value == "w01")
    assert [e["text"] for e in located] == [f"「窗口与岗位」表第 {w01} 行「岗位代码」：岗位「市场准入窗口」（w01）没有 A 岗人员"]
