"""Item maintenance in the console, in headless Chromium: find, edit, see errors, publish."""

import pytest

from tests.e2e.conftest import sign_in, wait_for_sample


# Both tests share one server process: only the manager edits an item (one, to a version 2 no other
# test reads) and the clerk only reads the list.
@pytest.fixture
def console_server(module_console_server):
    return module_console_server


async def test_a_manager_finds_an_item_edits_it_and_publishes_the_new_version(page, console_server, output_dir):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "manager")
    await page.click("nav >> text=权力清单")
    await page.fill("#filters input[name=q]", "个体工商户")
    await page.click("#filters button[type=submit]")
    await page.wait_for_selector("#items-table td:text('个体工商户设立登记')")
    await page.screenshot(path=str(output_dir / "console-items.png"), full_page=True)
    await page.click("#items-table a >> nth=0")
    await page.wait_for_selector("#versions tbody tr")
    assert await page.input_value("#item-form input[name=name]") == "个体工商户设立登记"

    await page.fill("#item-form input[name=promised_days]", "99")
    await page.click("#save")
    await page.wait_for_selector("#problems:not([hidden])")
    assert "承诺时限不能大于法定时限" in await page.text_content("#problems")

    await page.fill("#item-form input[name=promised_days]", "1")
    await page.fill("#item-form input[name=phone]", "0915-4300000")
    await page.click("#save")
    await page.wait_for_selector("text=已保存为第 2 版草稿")
    await page.click("[data-publish='2']")
    await page.wait_for_selector("text=第 2 版已发布")
    await page.screenshot(path=str(output_dir / "console-item-edit.png"), full_page=True)
    code = (await page.input_value("#item-form input[name=code]"))
    guide = await page.request.get(f"{console_server.base_url}/api/v1/items/{code}")
    assert (await guide.json())["phone"] == "0915-4300000"


async def test_a_window_clerk_reads_items_but_gets_no_new_item_button(page, console_server):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "clerk_a")
    await page.goto(console_server.base_url + "/console/items")
    await page.wait_for_selector("#items-table tbody tr")
    assert await page.locator("text=新建事项").count() == 0
