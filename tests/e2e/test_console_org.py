"""机构设置 and 全省概况 in headless Chromium, on one in-process server for the whole module."""

import openpyxl
import pytest

from backend.services.seed import SAMPLE_WORKBOOK
from tests import second_county as hanyin
from tests.e2e.axe import Sweep
from tests.e2e.conftest import sign_in


@pytest.fixture
def server(module_console):
    """One in-process server for the module (tests add to its data and assume nothing empty)."""
    return module_console


async def open_tab(page, server, username: str, tab: str) -> None:
    await sign_in(page, server, username)
    await page.click("nav >> text=机构设置")
    await page.click(f"#org-tabs [data-tab={tab}]")
    await page.wait_for_selector(f"#org-{tab} tbody tr" if tab != "profile" else "#profile-form")


async def test_an_admin_adds_a_department_sees_every_problem_named_and_deactivates_it(page, server, output_dir):
    await open_tab(page, server, "admin", "departments")
    assert await page.locator("#org-departments td:text('紫阳县市场监督管理局')").count() == 1
    await page.fill("#form-departments input[name=code]", "tjj")
    await page.fill("#form-departments input[name=name]", "紫阳县统计局")
    await page.fill("#form-departments textarea[name=duties]", "统计调查、统计执法")
    await page.click("#form-departments button[type=submit]")
    await page.wait_for_selector("#flash.ok")
    await page.wait_for_selector("#org-departments tr[data-code=tjj]")

    await page.click("#org-tabs [data-tab=posts]")
    await page.fill("#form-posts input[name=code]", "w06")
    await page.fill("#form-posts input[name=name]", "统计窗口")
    await page.select_option("#form-posts select[name=centre]", "county")
    await page.fill("#form-posts input[name=departments]", "tjj、nowhere")
    await page.click("#form-posts button[type=submit]")
    await page.wait_for_selector("#flash.error ul.details")
    problems = await page.locator("#flash ul.details li").all_text_contents()
    assert problems == ["岗位「统计窗口」（w06）：部门「nowhere」不存在", "岗位「统计窗口」（w06）没有 A 岗人员"]
    assert await page.get_attribute("#form-posts input[name=departments]", "aria-invalid") == "true"
    sweep = Sweep()
    await sweep.check(page, "org: a post's problems listed and tied to its fields")
    assert not sweep.findings, sweep.report()
    await page.screenshot(path=str(output_dir / "console-org-problems.png"), full_page=True)

    await page.click("#org-tabs [data-tab=departments]")
    await page.click("#org-departments tr[data-code=tjj] [data-active=deactivate]")
    await page.wait_for_selector("#org-departments tr[data-code=tjj] .tag:text('已停用')")
    await page.click("#org-departments tr[data-code=scjgj] [data-active=deactivate]")
    await page.wait_for_selector("#flash.error")
    assert "已发布事项" in await page.text_content("#flash")


async def test_a_centre_manager_moves_a_person_into_the_a_post(page, server, output_dir):
    await open_tab(page, server, "manager", "posts")
    row = "#org-posts tr[data-code=d-mzj]"
    await page.click(f"{row} [data-assign=A]")
    await page.select_option("#org-posts .assign-form select[name=username]", "mzj_b")
    await page.click("#org-posts .assign-form button[type=submit]")
    await page.wait_for_selector("#flash.ok")
    cells = await page.locator(f"{row} td").all_text_contents()
    assert cells[5].startswith("孙强") and cells[6].startswith("未设置")
    await page.screenshot(path=str(output_dir / "console-org-posts.png"), full_page=True)
    assert await page.locator("#org-tabs [data-tab=workbook]").count() == 0  # importing is the admin's


async def test_an_admin_uploads_a_workbook_sees_errors_by_sheet_row_and_column_then_imports_it(
        page, server, output_dir, tmp_path):
    bad, good = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    book = openpyxl.load_workbook(SAMPLE_WORKBOOK)
    book["部门"].append(["sjj", "紫阳县审计局", "审计监督", "在用"])
    book["人员"].append(["tj_clerk", "统计员", "窗口人员", "", "county", "", "", "", "在用"])
    book.save(good)
    book["人员"].append(["bad_one", "外县人员", "部门审批人员", "hbzj", "", "", "", "", "在用"])
    book.save(bad)
    await open_tab(page, server, "admin", "profile")
    await page.wait_for_function("document.querySelector('#profile-form [name=area_code]').value === '610924'")
    await page.fill("#profile-form input[name=hotline]", "0915-4312345")
    await page.click("#profile-form button[type=submit]")
    await page.wait_for_selector("#flash.ok:text('县区信息已保存')")
    await page.click("#org-tabs [data-tab=workbook]")
    await page.set_input_files("#import-form input[name=file]", str(bad))
    await page.click("#import-form button[type=submit]")
    await page.wait_for_selector("#import-errors:not([hidden])")
    row = [await c.text_content() for c in await page.query_selector_all("#import-errors tbody tr:first-child td")]
    assert row[:3] == ["人员", str(book["人员"].max_row), "部门"] and "部门「hbzj」不存在" in row[3]
    sweep = Sweep()
    await sweep.check(page, "org: import errors by sheet, row and column")
    assert not sweep.findings, sweep.report()
    await page.screenshot(path=str(output_dir / "console-org-import-errors.png"), full_page=True)

    await page.set_input_files("#import-form input[name=file]", str(good))
    await page.click("#import-form button[type=submit]")
    await page.wait_for_selector("#import-result:not([hidden])")
    assert "部门 新增 1" in await page.text_content("#import-summary")
    assert await page.locator("#import-passwords td:text('tj_clerk')").count() == 1
    await page.screenshot(path=str(output_dir / "console-org-imported.png"), full_page=True)


async def test_the_province_supervisor_sees_each_countys_figures_and_nothing_else(page, server, tmp_path, output_dir):
    await hanyin.set_up(server.app.settings["services"], tmp_path)
    await sign_in(page, server, "sx_supervisor", hanyin.PASSWORD, tenant="shaanxi")
    assert (await page.locator(".sidenav a").all_text_contents())[:-1] == ["工作台", "全省概况", "账号安全"]  # and the API reference
    await page.click("nav >> text=全省概况")
    await page.wait_for_selector("#province-table tbody tr[data-tenant=hanyin]")
    names = await page.locator("#province-table tbody td:first-child").all_text_contents()
    assert names == ["汉阴县", "紫阳县"] and "陕西省合计" in await page.text_content("#province-table tfoot")
    sweep = Sweep()
    await sweep.check(page, "province view")
    assert not sweep.findings, sweep.report()
    await page.screenshot(path=str(output_dir / "console-province.png"), full_page=True)
    assert (await page.goto(server.base_url + "/console/cases")).status == 403
    assert (await page.goto(server.base_url + "/console/org")).status == 403
