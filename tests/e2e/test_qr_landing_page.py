"""The receipt's QR link in a phone's browser (headless Chromium at phone size): progress, the mini-program
button, the look-up form, and WCAG 2.1 AA by axe."""

import dataclasses

from tests.e2e.axe import Sweep
from tests.integration.test_case_pipeline import ITEMS, staff, walk_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


async def test_a_phone_camera_opens_the_receipt_link_and_sees_the_progress(browser, api, seeded, output_dir):
    services = api.app.settings["services"]
    services.settings = dataclasses.replace(services.settings, wechat_appid="wx1234567890abcdef")
    clerk = await staff(api, "clerk_a")
    case = await walk_in(api, clerk, ITEMS["promised"])
    await (await staff(api, "scjgj_a")).post(f"/api/v1/cases/{case['number']}/review-supplement",
                                             {"materials": ["房屋租赁合同原件"], "reason": "租赁合同为复印件"})
    context = await browser.new_context(**PHONE)
    page, sweep = await context.new_page(), Sweep()
    code = case["query_code"].replace("-", "")
    await page.goto(f"{api.base_url}/m/case?number={case['number']}&code={code}")
    assert await page.text_content("[data-testid=state]") == "审查中待补正"
    assert await page.text_content("[data-testid=applicant]") == "张*丰"
    steps = await page.locator("[data-testid=timeline] li .step-name").all_text_contents()
    assert steps[:3] == ["提交申请", "窗口受理", "分派部门审批（紫阳县市场监督管理局）"] and "审查中一次性告知补正" in steps[-1]
    assert "房屋租赁合同原件" in await page.text_content("#missing-title + ol")
    button = page.locator("[data-testid=open-mp]")
    assert await button.is_visible() and (await button.get_attribute("href")).startswith("weixin://dl/business/?appid=")
    box = await button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a thumb-sized target on a phone
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    await sweep.check(page, "progress")
    await page.screenshot(path=str(output_dir / "qr-landing-phone.png"), full_page=True)
    await context.close()
    assert not sweep.findings, sweep.report()


async def test_the_look_up_form_finds_the_case_and_says_when_the_code_is_wrong(browser, api, seeded):
    case = await walk_in(api, await staff(api, "clerk_a"), ITEMS["promised"])
    context = await browser.new_context(**PHONE)
    page, sweep = await context.new_page(), Sweep()
    await page.goto(f"{api.base_url}/m/case")
    await sweep.check(page, "form")
    await page.fill("#number", case["number"])
    await page.fill("#code", "ABCD-EFGH")
    await page.click("button[type=submit]")
    assert "查询码" in await page.text_content("[data-testid=error]")
    await sweep.check(page, "form with an error")
    await page.fill("#code", case["query_code"])
    await page.click("button[type=submit]")
    assert await page.text_content("[data-testid=state]") == "审批中"
    assert "搜索“阳光365”小程序" in await page.text_content("[data-testid=mp-hint]")
    await context.close()
    assert not sweep.findings, sweep.report()
