"""Satisfaction (好差评) in headless Chromium: the kiosk rating pad paired to a window, bad reviews, survey
callbacks, the results page, and the citizen's link and public results pages; axe on every state, with data."""

from datetime import datetime, timezone

from backend.domain import satisfaction as sat
from tests.e2e.axe import Sweep
from tests.e2e.conftest import sign_in
from tests.integration.test_case_pipeline import staff, walk_in


async def finished_marriage(api) -> str:
    clerk = await staff(api, "clerk2_a")
    number = (await walk_in(api, clerk, "结婚登记"))["number"]
    await clerk.post(f"/api/v1/cases/{number}/decide-at-window", {"approve": True})
    await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "本人"})
    return number


async def test_the_pad_pairs_with_a_code_and_rates_the_case_the_clerk_calls_up_by_keyboard(page, browser, api, seeded):
    sweep = Sweep()
    number = await finished_marriage(api)
    await sign_in(page, api, "clerk2_a")
    await page.click("nav >> text=窗口评价器")
    await page.click("#make-code")
    code = await page.text_content("[data-testid=pairing-code]")
    await sweep.check(page, "rating: pairing code shown")

    kiosk = await (await browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})).new_page()
    await kiosk.goto(api.base_url + "/console/pad")
    await kiosk.wait_for_selector("#pair-form:not([hidden])")
    await sweep.check(kiosk, "pad: pairing form")
    await kiosk.fill("#pair-code", "000000")
    await kiosk.press("#pair-code", "Enter")
    await kiosk.wait_for_selector("#pad-message.error")
    await kiosk.fill("#pair-code", code)
    await kiosk.press("#pair-code", "Enter")
    await kiosk.wait_for_selector("#pad-idle:not([hidden])")
    assert "已与" in await kiosk.text_content("#pad-message")
    await sweep.check(kiosk, "pad: paired and idle")

    await page.fill("#call-number", number)
    await page.press("#call-number", "Enter")
    await page.wait_for_selector("#flash.ok")
    assert "办结环节" in await page.text_content("#flash")

    await kiosk.wait_for_selector("#rate-form:not([hidden])")
    assert number in await kiosk.text_content("#pad-case")
    assert await kiosk.evaluate("document.activeElement.dataset.level") == "5"  # focus lands on the first choice
    await kiosk.keyboard.press("Tab")
    await kiosk.keyboard.press("Tab")
    await kiosk.keyboard.press("Tab")
    await kiosk.keyboard.press("Enter")  # 不满意
    assert await kiosk.get_attribute("[data-level='2']", "aria-pressed") == "true"
    await kiosk.locator("#pad-reasons button:text-is('等候时间长')").press("Enter")
    await kiosk.fill("#pad-text", "排队太久")
    await sweep.check(kiosk, "pad: a bad review being given")
    height = await kiosk.evaluate("document.querySelector('[data-level=\"2\"]').getBoundingClientRect().height")
    assert height >= 64  # large buttons for a kiosk
    await kiosk.locator("#pad-submit").press("Enter")
    await kiosk.wait_for_selector("#pad-message.ok")
    assert "整改" in await kiosk.text_content("#pad-message")
    await sweep.check(kiosk, "pad: thanks")
    rating = await api.app.settings["services"].db.ratings.find_one({"_id": f"ziyang:{number}:finished"})
    assert (rating["source"], rating["level"], rating["reasons"], rating["staff_name"]) == ("window", "不满意", ["等候时间长"], "刘芳")
    assert not sweep.findings, sweep.report()


async def test_bad_reviews_callbacks_and_results_are_worked_in_the_console(page, api, seeded, clock):
    sweep = Sweep()
    db = api.app.settings["services"].db
    numbers = [await finished_marriage(api) for _ in range(3)]
    pad = api.as_anonymous()
    clerk = await staff(api, "clerk2_a")
    code = (await clerk.post("/api/v1/satisfaction/pads", {})).json["code"]
    token = {"X-Pad-Token": (await pad.post("/api/v1/satisfaction/pads/pair", {"code": code})).json["token"]}
    for number, level in zip(numbers, (1, 5, 4)):
        await clerk.post("/api/v1/satisfaction/pads/call-up", {"number": number})
        given = await pad.post("/api/v1/satisfaction/pad/ratings",
                               {"number": number, "level": level, "reasons": ["服务态度差"] if level < 3 else []}, headers=token)
        assert given.status == 201, given.json
    await db.ratings.insert_one({"_id": "ziyang:610924-20260302-00001:finished", "tenant": "ziyang", "score": 2,
                                 "level": sat.LEVELS[2], "source": "window", "default": False, "stage": "finished",
                                 "at": datetime(2026, 3, 2, 2, tzinfo=timezone.utc), "staff": "ziyang:clerk2_a",
                                 "post": "w02", "department": "mzj", "number": "610924-20260302-00001"})

    await sign_in(page, api, "supervisor")
    await page.click("nav >> text=差评整改")
    await page.wait_for_selector(f"#reviews tr[data-number='{numbers[0]}']")
    assert "非常不满意" in await page.text_content(f"#reviews tr[data-number='{numbers[0]}']")
    await sweep.check(page, "bad reviews as supervisor")
    await sign_in(page, api, "mzj_a")  # the marriage registry's department rectifies
    await page.goto(api.base_url + "/console/bad-reviews")
    row = page.locator(f"#reviews tr[data-number='{numbers[0]}']")
    await row.locator("textarea[name=measures]").fill("调整婚姻登记窗口排班，高峰期增开窗口")
    await sweep.check(page, "bad reviews: rectification form")
    await row.locator("button[type=submit]").press("Enter")
    await page.wait_for_selector("#flash.ok")
    assert "已整改" in await page.text_content("#flash")

    await sign_in(page, api, "survey")
    await page.goto(api.base_url + "/console/bad-reviews")
    row = page.locator(f"#reviews tr[data-number='{numbers[0]}']")
    await row.locator("select[name=outcome]").select_option("resolved")
    await row.locator("button[type=submit]").click()
    await page.wait_for_selector("#flash.ok")
    assert "已办结" in await page.text_content("#flash")

    await page.click("nav >> text=回访抽样")
    await page.fill("#draw input[name=period]", "2026H2")
    await page.fill("#draw input[name=size]", "2")
    await page.fill("#draw input[name=seed]", "console-seed")
    await page.locator("#draw button[type=submit]").click()
    await page.wait_for_selector("#flash.ok")
    assert "种子 console-seed" in await page.text_content("#flash")
    first = page.locator("#queue article.callback").first
    await first.wait_for()
    assert "138****1234" in await first.text_content()
    await sweep.check(page, "callbacks: sample and queue")
    await first.locator("[data-reveal]").click()
    await first.locator("[data-phone]:text-is('13800001234')").wait_for()
    await page.click("[data-redraw]")
    await page.wait_for_selector("#flash:has-text('完全一致')")
    await first.locator("select[name=outcome]").select_option("answered")
    await first.locator("select[name=level]").select_option("5")
    await first.locator("button[type=submit]").click()
    await page.wait_for_selector("#flash:has-text('已评价')")

    await page.click("nav >> text=满意度结果")
    await page.wait_for_selector("#windows table")
    headline = await page.text_content("#headline")
    assert "2026年下半年" in headline and "评价 4 次" in headline
    assert "刘芳" in await page.text_content("#staff") and "不得提拔" in await page.text_content("#flags")
    await sweep.check(page, "results with flags")
    await page.click("#publish")
    await page.wait_for_selector("#flash.ok")
    await sweep.check(page, "results: published")

    public = await (await page.context.browser.new_context(locale="zh-CN")).new_page()
    await public.goto(api.base_url + "/m/satisfaction")
    assert "2026年下半年" in await public.text_content("main")
    await sweep.check(public, "public results page")
    assert not sweep.findings, sweep.report()


async def test_the_link_in_the_text_message_opens_a_form_that_works_without_scripts(page, api, seeded):
    sweep = Sweep()
    number = (await walk_in(api, await staff(api, "clerk_a"), "个体工商户设立登记"))["number"]
    link = await api.app.settings["services"].db.case_index.find_one({"kind": "rating_link", "number": number})
    await page.goto(f"{api.base_url}/m/rate/{link['_id']}")
    await sweep.check(page, "rating link form")
    await page.check("input[name=level][value='3']")
    await page.check("input[name=reasons][value='指引清楚']")
    await page.click("button[type=submit]")
    await page.wait_for_selector(".ok")
    assert "基本满意" in await page.text_content(".ok")
    await sweep.check(page, "rating link: thanks")
    assert not sweep.findings, sweep.report()
