"""The staff console for issue 14 in headless Chromium: 相近事项 at the window, a supplement asked during review,
the notices it prints, and the county's violation types (32 sample kinds over four levels)."""

from tests.e2e.axe import Sweep
from tests.e2e.conftest import sign_in
from tests.integration.test_case_pipeline import ITEMS, staff, walk_in


async def test_the_window_search_marks_similar_items(page, api, seeded):
    await sign_in(page, api, "clerk_a")
    await page.click("nav >> text=窗口受理")
    await page.fill("#item-search input[name=q]", "开个歌厅")
    await page.click("#item-search button[type=submit]")
    first = page.locator("#item-results li:has(button)").first
    await first.wait_for()
    assert "娱乐场所经营许可" in await first.text_content()
    assert await first.locator("[data-testid=similar]").text_content() == "相近事项"
    assert "相近事项" in await page.text_content("[data-testid=similar-note]")


async def test_an_approver_asks_once_during_review_and_the_window_prints_the_notice(page, api, seeded):
    number = (await walk_in(api, await staff(api, "clerk_a"), ITEMS["promised"]))["number"]
    await sign_in(page, api, "scjgj_a")
    await page.goto(f"{api.base_url}/console/cases/{number}")
    form = page.locator("#case-actions form[data-block=review_supplement]")
    await form.locator("input[name=material]").first.wait_for()
    for box in await form.locator("input[name=material]").all():
        await box.uncheck()
    await form.locator("textarea[name=other]").fill("房屋租赁合同原件")
    await form.locator("input[name=reason]").fill("租赁合同为复印件，须核对原件")
    await form.locator("button").click()
    await page.wait_for_selector("[data-testid=case-state]:text('审查中待补正')")
    assert "房屋租赁合同原件" in await page.text_content("#case-summary")
    assert await page.locator("#case-actions form[data-block=review_supplement]").count() == 0  # once per case
    await sign_in(page, api, "clerk_a")
    await page.goto(f"{api.base_url}/console/cases/{number}")
    link = page.locator("#case-docs a[data-doc=review-supplement-notice-pdf]")
    await link.wait_for()
    pdf = await page.request.get(api.base_url + await link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    await page.fill("#case-actions form[data-block=resubmit] input[name=note]", "已补交原件")
    await page.click("#case-actions form[data-block=resubmit] button")
    await page.wait_for_selector("[data-testid=case-state]:text('审批中')")


async def test_a_supervisor_edits_the_violation_types_and_a_manager_reads_them(page, api, seeded, output_dir):
    sweep = Sweep()
    await sign_in(page, api, "supervisor")
    await page.click("nav >> text=违规类型")
    await page.wait_for_selector("#types-table tbody tr >> nth=31")
    assert await page.locator("#types-table tbody tr").count() == 32
    assert "示例数据" in await page.text_content("#sample-banner")
    assert "审批部门 8 种、部门负责人 8 种、审批人员 8 种、窗口工作人员 8 种" in await page.text_content("#type-counts")
    await sweep.check(page, "violation types (supervisor)")
    await page.fill("#types-table tbody tr:first-child [data-f=name]", "超期未办结（本县）")
    await page.click("#add-type")
    last = page.locator("#types-table tbody tr:last-child")
    await last.locator("[data-f=code]").fill("seal_misuse")
    await last.locator("[data-f=name]").fill("违规使用审批专用章")
    await last.locator("[data-f=level]").select_option("department")
    await page.click("#types-form button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('共 33 种')")
    assert await page.locator("#sample-banner").is_hidden()
    await page.screenshot(path=str(output_dir / "console-violation-types.png"), full_page=True)
    await sign_in(page, api, "manager")
    await page.goto(f"{api.base_url}/console/violation-types")
    await page.wait_for_selector("#types-table tbody tr >> nth=32")
    assert await page.locator("#types-actions").is_hidden()
    assert await page.locator("#types-table tbody tr:first-child [data-f=name]").is_disabled()
    await sweep.check(page, "violation types (manager)")
    assert not sweep.findings, sweep.report()
