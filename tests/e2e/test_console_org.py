"""机构设置 and 全省概况 in headless Chromium, on one server for the whole module (the sample county loaded)."""

import uuid

import openpyxl
import pytest
from pymongo import MongoClient

from backend.config import load_settings
from backend.services.context import Services
from backend.services.seed import SAMPLE_WORKBOOK
from backend.store.connection import make_client
from tests import second_county as hanyin
from tests.conftest import ServerProcess, backend_env, free_port
from tests.e2e.conftest import sign_in, wait_for_sample


@pytest.fixture(scope="module")
def database(store_uri):
    name = f"e2eorg_{uuid.uuid4().hex[:8]}"
    yield name
    with MongoClient(store_uri) as client:
        client.drop_database(name)


@pytest.fixture(scope="module")
def server(store_uri, database, tmp_path_factory):
    port = free_port()
    process = ServerProcess(backend_env(SUNSHINE_PORT=port, MONGODB_URI=store_uri, SUNSHINE_DB=database,
                                        SUNSHINE_SEED_SAMPLE="true"), port,
                            tmp_path_factory.mktemp("org-server") / "server.log")
    process.wait_ready()
    yield process
    process.stop()


async def open_tab(page, server, username: str, tab: str) -> None:
    await wait_for_sample(page, server)
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
    await page.screenshot(path=str(output_dir / "console-org-import-errors.png"), full_page=True)

    await page.set_input_files("#import-form input[name=file]", str(good))
    await page.click("#import-form button[type=submit]")
    await page.wait_for_selector("#import-result:not([hidden])")
    assert "部门 新增 1" in await page.text_content("#import-summary")
    assert await page.locator("#import-passwords td:text('tj_clerk')").count() == 1
    await page.screenshot(path=str(output_dir / "console-org-imported.png"), full_page=True)


async def test_the_province_supervisor_sees_each_countys_figures_and_nothing_else(page, server, store_uri, database,
                                                                                  tmp_path, output_dir):
    settings = load_settings(env={}, mongodb_uri=store_uri, database=database, seed_sample=False, background=False)
    client = make_client(store_uri, settings)
    try:
        await hanyin.set_up(Services(db=client[database], settings=settings), tmp_path)
    finally:
        await client.close()
    await wait_for_sample(page, server)
    await page.goto(server.base_url + "/console/login")
    await page.fill("input[name=username]", "sx_supervisor")
    await page.fill("input[name=password]", hanyin.PASSWORD)
    await page.fill("input[name=tenant]", "shaanxi")
    await page.click("button[type=submit]")
    await page.wait_for_url(server.base_url + "/console/")
    assert await page.locator(".sidenav a").all_text_contents() == ["工作台", "全省概况", "API 参考"]
    await page.click("nav >> text=全省概况")
    await page.wait_for_selector("#province-table tbody tr[data-tenant=hanyin]")
    names = await page.locator("#province-table tbody td:first-child").all_text_contents()
    assert names == ["汉阴县", "紫阳县"] and "陕西省合计" in await page.text_content("#province-table tfoot")
    await page.screenshot(path=str(output_dir / "console-province.png"), full_page=True)
    assert (await page.goto(server.base_url + "/console/cases")).status == 403
    assert (await page.goto(server.base_url + "/console/org")).status == 403
