"""The supervision console (电子监察) and the calendar page in headless Chromium, on an in-process server
whose clock the test moves: live counts, ECharts charts served locally, a red card's case, a violation
confirmed, the trail checked, a report generated; a year's holiday notice imported."""

import json

from tests.e2e.conftest import sign_in
from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_supervision import PROMISED_1_DAY, TENANT, shanghai, sweep_now

MARRIAGE = "结婚登记"



async def an_overdue_case_and_a_finished_one(api, clock) -> str:
    clerk = await staff(api, "clerk_a")
    late = (await walk_in(api, clerk, PROMISED_1_DAY))["number"]  # due end of Tuesday
    clock.set(shanghai("2026-11-25 10:00"))
    window = await staff(api, "clerk2_a")
    marriage = (await walk_in(api, window, MARRIAGE))["number"]
    await window.post(f"/api/v1/cases/{marriage}/decide-at-window", {"approve": True})
    await window.post(f"/api/v1/cases/{marriage}/confirm-delivery", {"received_by": "本人"})
    await sweep_now(api.app.settings["services"])
    return late


async def test_a_supervisor_follows_a_red_card_to_its_case_and_confirms_the_violation(page, api, seeded, clock, output_dir):
    number = await an_overdue_case_and_a_finished_one(api, clock)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    await sign_in(page, api, "supervisor")
    await page.click("nav >> text=电子监察")
    await page.wait_for_selector("#live-counts [data-count=overdue] b:text-is('1')")
    counts = {key: await page.text_content(f"#live-counts [data-count={key}] b")
              for key in ("open", "due_soon", "overdue", "suspended", "cards_red")}
    assert counts == {"open": "1", "due_soon": "0", "overdue": "1", "suspended": "0", "cards_red": "2"}
    assert await page.evaluate("typeof window.echarts.init") == "function"
    await page.wait_for_selector("#chart-on-time canvas")
    await page.wait_for_selector("#chart-trend canvas")
    assert "2027" in await page.text_content("#calendar-banner")  # next year's notice is not imported yet
    assert all(url.startswith(api.base_url) for url in requested)  # nothing from a CDN
    assert "紫阳县民政局" in await page.text_content("#figures")

    await page.select_option("#card-filters select[name=level]", "red")
    await page.click("#card-filters button[type=submit]")
    card = page.locator(f"#cards tr[data-card='{TENANT}:{number}:case:red']")
    assert "超期未办结" in await card.text_content()
    await card.locator(f"a[data-case='{number}']").click()
    await page.wait_for_selector("[data-testid=case-state]:text('审批中')")
    assert await page.locator("#case-timeline tbody tr").count() >= 3
    await page.go_back()

    violation = page.locator(f"#violations tr[data-violation='{TENANT}:{TENANT}:{number}:case:red']")
    await violation.locator("[data-open=confirm]").click()
    form = page.locator("form[data-decide=confirm]")
    await form.locator("select[name=responsible_level]").select_option("approver")
    await form.locator("textarea[name=reason]").fill("审批人员无正当理由超期一日")
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector("#flash.ok:has-text('已认定违规')")
    await violation.wait_for(state="detached")  # decided: gone from the candidates
    assert await page.locator("#violations tr[data-violation]").count() == 1  # the step card's candidate remains
    decided = await (await page.request.get(api.base_url + "/api/v1/supervision/violations?status=confirmed")).json()
    assert [(v["number"], v["responsible_level"], v["reason"]) for v in decided["items"]] == [
        (number, "approver", "审批人员无正当理由超期一日")]

    await page.click("#trail-verify")
    await page.wait_for_selector("[data-testid=trail-verdict]:has-text('未发现篡改')")
    await page.fill("#report-form input[name=period]", "2026-11-24")
    await page.click("#report-form button[type=submit]")
    report = page.locator(f"#reports tr[data-report='{TENANT}:daily:2026-11-24']")
    await report.wait_for()
    pdf = await page.request.get(api.base_url + await report.locator("a[data-format=pdf]").get_attribute("href"))
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
    await page.screenshot(path=str(output_dir / "console-supervision.png"), full_page=True)


async def test_a_manager_imports_next_years_notice_after_fixing_the_row_it_names(page, api, seeded, output_dir):
    await sign_in(page, api, "manager")
    await page.click("nav >> text=工作日历")
    await page.wait_for_selector("#calendar-banner:has-text('2027')")
    rows = [{"start": "2027-01-01", "end": "2027-01-03", "kind": "放假", "name": "元旦"},
            {"start": "2027-10-01", "end": "2027-10-07", "kind": "放假", "name": "国庆节"},
            {"start": "2027-10-11", "kind": "上班", "name": "国庆节"}]  # a Monday: wrong
    await page.fill("#notice input[name=year]", "2027")
    await page.fill("#notice textarea[name=rows]", json.dumps(rows, ensure_ascii=False))
    await page.click("#notice button[type=submit]")
    await page.wait_for_selector("#flash.error:has-text('第 3 行')")
    rows[2]["start"] = "2027-10-09"  # a Saturday
    await page.fill("#notice textarea[name=rows]", json.dumps(rows, ensure_ascii=False))
    await page.click("#notice button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('已导入 2027 年节假日安排')")
    await page.wait_for_selector("#calendar-status:has-text('2027 年')")
    assert await page.locator("#calendar-banner").is_hidden()
    await page.fill("#local-day input[name=date]", "2026-12-01")
    await page.fill("#local-day input[name=note]", "县庆放假")
    await page.click("#local-day button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('已添加 2026-12-01：本地放假（县庆放假）')")
    await page.screenshot(path=str(output_dir / "console-calendar.png"), full_page=True)
