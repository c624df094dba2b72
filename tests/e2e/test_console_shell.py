"""The staff console shell in headless Chromium: sign in, the role's menu, account management."""

import re

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.conftest import wait_for_sample as _wait_for_sample_staff


# The four tests share one server process: each signs in afresh in its own browser context; only one
# adds an account (fee_new) and none counts accounts or sign-ins.
@pytest.fixture
def console_server(module_console_server):
    return module_console_server


async def test_a_clerk_signs_in_and_sees_the_home_page_with_their_menu(page, console_server, output_dir):
    await _wait_for_sample_staff(page, console_server)
    await page.goto(console_server.base_url + "/console/")
    assert "/console/login" in page.url  # not signed in yet
    await sign_in(page, console_server, "clerk_a")
    assert await page.text_content("[data-testid=who]") == "王晓燕（窗口人员）"
    menu = await page.locator(".sidenav a").all_text_contents()
    assert "工作台" in menu and "账号管理" not in menu
    await page.screenshot(path=str(output_dir / "console-home-clerk.png"), full_page=True)


async def test_a_wrong_password_shows_a_chinese_message_on_the_form(page, console_server):
    await _wait_for_sample_staff(page, console_server)
    await page.goto(console_server.base_url + "/console/login")
    await page.fill("input[name=username]", "clerk_a")
    await page.fill("input[name=password]", "not-the-password")
    await page.click("button[type=submit]")
    await page.wait_for_selector("#flash:not([hidden])")
    assert await page.text_content("#flash") == "用户名或密码错误"
    assert page.url.endswith("/console/login")


async def test_an_admin_creates_an_account_that_can_then_sign_in(page, console_server, output_dir):
    await _wait_for_sample_staff(page, console_server)
    await sign_in(page, console_server, "admin")
    await page.click("text=账号管理")
    await page.wait_for_selector("#staff-table tbody tr")
    await page.fill("#new-staff input[name=username]", "fee_new")
    await page.fill("#new-staff input[name=name]", "新收费员")
    await page.fill("#new-staff input[name=password]", "fee-window-pw")
    await page.check("#new-staff input[value=fee_window]")
    await page.click("#new-staff button[type=submit]")
    await page.wait_for_selector("#flash.ok")
    await page.wait_for_selector("#staff-table td:text('新收费员')")
    await page.screenshot(path=str(output_dir / "console-accounts.png"), full_page=True)
    await page.click("#logout")
    await page.wait_for_url(re.compile(r".*/console/login$"))
    await sign_in(page, console_server, "fee_new", "fee-window-pw")
    assert "银行收费窗口" in await page.text_content("[data-testid=who]")


async def test_a_clerk_opening_account_management_gets_a_clear_403_page(page, console_server):
    await _wait_for_sample_staff(page, console_server)
    await sign_in(page, console_server, "clerk_a")
    response = await page.goto(console_server.base_url + "/console/accounts")
    assert response.status == 403
    assert "没有权限访问此页面" in await page.text_content("h1")
