"""The case pipeline screens in headless Chromium: window intake, approval tasks, the case page, A/B posts."""

import re

import pytest

from tests.e2e.conftest import csrf_headers, sign_in, wait_for_sample

BUSINESS = "610924-010001001000-01"  # 个体工商户设立登记 (promised, scjgj)
ELDERLY = "610924-050004001000-01"  # 高龄老人生活补贴申请 (township item)
APPLICANT = {"name": "张晓东", "id_number": "610924199001011233", "phone": "13800001234"}
SECONDS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


# The six tests share one server process. Each works on the cases it opens itself (found by their numbers),
# the haoping queue only ever holds the township test's case, and the one count of another's work, "moved
# 1 open task" when scjgj_a is marked away, holds in this file's order: the walk-in before it finishes its
# task, the supplement request opens none, and the A holder is back on duty at its end.
@pytest.fixture
def console_server(module_console_server):
    return module_console_server


async def submit_via_api(page, server, body: dict) -> dict:
    """A submission made with the signed-in person's session (the browser's cookie)."""
    response = await page.request.post(server.base_url + "/api/v1/cases", data=body, headers=await csrf_headers(page))
    assert response.status == 201, await response.text()
    return await response.json()


async def timeline_steps(page) -> list[str]:
    return [s.strip() for s in await page.locator("#case-timeline td.step").all_text_contents()]


async def test_a_walk_in_application_goes_from_the_window_to_approval_and_delivery(page, console_server, output_dir):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "clerk_a")
    await page.click("nav >> text=窗口受理")
    await page.fill("#item-search input[name=q]", "个体工商户")
    await page.click("#item-search button[type=submit]")
    await page.click("#item-results li:has-text('个体工商户设立登记') button")
    await page.wait_for_selector("[data-testid=chosen-item]:text('个体工商户设立登记')")
    await page.fill("#walkin input[name=name]", APPLICANT["name"])
    await page.fill("#walkin input[name=id_number]", "610924199001011234")  # wrong check digit
    await page.fill("#walkin input[name=phone]", APPLICANT["phone"])
    await page.check("#walkin-materials input[value='个体工商户登记（备案）申请书']")
    await page.check("#walkin-materials input[value='经营者身份证明']")
    await page.click("[data-register=accept]")
    await page.wait_for_selector("#flash.error")
    assert "身份证" in await page.text_content("#flash")

    await page.fill("#walkin input[name=id_number]", APPLICANT["id_number"])
    await page.click("[data-register=accept]")
    number = (await page.text_content("[data-testid=new-number]", timeout=10000)).strip()
    assert re.fullmatch(r"610924-\d{8}-\d{5}", number)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", (await page.text_content("[data-testid=query-code]")).strip())
    assert await page.text_content("[data-testid=new-state]") == "审批中"
    await page.screenshot(path=str(output_dir / "console-intake.png"), full_page=True)
    async with page.expect_popup() as popup_info:
        await page.click("#walkin-result a[data-doc=receipt]")
    receipt = await popup_info.value
    await receipt.wait_for_load_state()
    assert number in await receipt.text_content("body")
    await receipt.screenshot(path=str(output_dir / "console-receipt.png"), full_page=True)
    await receipt.close()

    await sign_in(page, console_server, "scjgj_a")
    await page.click("nav >> text=审批任务")
    row = page.locator(f"#task-table tr[data-number='{number}']")
    await row.wait_for()
    row_text = await row.text_content()
    assert "本人" in row_text and "剩余" in row_text  # the approver's own task, with the time left before the deadline
    await page.screenshot(path=str(output_dir / "console-tasks.png"), full_page=True)
    await row.locator("text=办理").click()
    await page.wait_for_selector("[data-testid=case-state]:text('审批中')")
    await page.fill("#case-actions form[data-block=decision] textarea[name=text]", "材料齐全，符合条件")
    await page.click("#case-actions form[data-block=decision] button:text-is('同意')")
    await page.wait_for_selector("[data-testid=case-state]:text('准予办理')")
    assert "材料齐全，符合条件" in await page.text_content("#case-tasks")

    await sign_in(page, console_server, "clerk_a")
    await page.goto(f"{console_server.base_url}/console/cases/{number}")
    await page.fill("#case-actions form[data-block=confirm] input[name=received_by]", APPLICANT["name"])
    await page.click("#case-actions form[data-block=confirm] button")
    await page.wait_for_selector("[data-testid=case-state]:text('已办结')")
    assert await timeline_steps(page) == [
        "提交申请", "窗口受理", "分派部门审批（紫阳县市场监督管理局）", "部门审批同意（紫阳县市场监督管理局）",
        "准予办理", "已送达，办结"]
    first_row = await page.locator("#case-timeline tbody tr").first.text_content()
    assert SECONDS.search(first_row) and "王晓燕" in first_row and "市场准入窗口" in first_row
    await page.screenshot(path=str(output_dir / "console-case.png"), full_page=True)


async def test_a_supplement_request_from_the_queue_lists_the_chosen_materials(page, console_server, output_dir):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "clerk_a")
    case = await submit_via_api(page, console_server, {
        "item_code": BUSINESS, "applicant": APPLICANT, "materials": [{"name": "经营者身份证明"}]})
    await page.click("nav >> text=窗口受理")
    row = page.locator(f"#intake-queue tr[data-number='{case['number']}']")
    await row.locator("[data-do=supplement]").click()
    form = page.locator("#intake-queue form[data-block=supplement]")
    await form.locator("input[name=material]").first.wait_for()
    for box in await form.locator("input[name=material]").all():
        await box.uncheck()
    await form.locator("input[value='经营场所使用证明（房屋产权证明或租赁协议）']").check()
    await form.locator("textarea[name=other]").fill("经营场所照片")
    await page.screenshot(path=str(output_dir / "console-intake-supplement.png"), full_page=True)
    await form.locator("button").click()
    await page.wait_for_selector("#flash.ok:has-text('已一次性告知补正材料')")
    await page.wait_for_selector(f"#intake-queue tr[data-number='{case['number']}'] :text('待补正')")

    await page.goto(f"{console_server.base_url}/console/cases/{case['number']}")
    summary = page.locator("#case-summary")
    await summary.locator("text=待补正材料").wait_for()
    assert "经营场所使用证明（房屋产权证明或租赁协议）、经营场所照片" in await summary.text_content()
    assert "申请书" not in await summary.text_content()
    async with page.expect_popup() as popup_info:
        await page.click("#case-docs a[data-doc=supplement]")
    notice = await popup_info.value
    await notice.wait_for_load_state()
    text = await notice.text_content("body")
    assert "经营场所照片" in text and "经营场所使用证明" in text
    await notice.close()


async def test_marking_the_scjgj_a_holder_away_moves_the_open_task_to_b(page, console_server, output_dir):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "clerk_a")
    case = await submit_via_api(page, console_server, {"item_code": BUSINESS, "applicant": APPLICANT, "accept": True})
    assert case["tasks"][0]["assignee"].endswith(":scjgj_a")

    await sign_in(page, console_server, "manager")
    await page.click("nav >> text=岗位与AB岗")
    post = page.locator("#posts-table tr[data-post='d-scjgj']")
    await post.locator("[data-away=A]").click()
    await page.fill("#posts-table form.away-form input[name=reason]", "参加市局培训")
    await page.click("#posts-table form.away-form button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('已移交 1 件')")
    assert (await post.locator("[data-testid=on-duty]").text_content()).strip() == "吴婷"
    assert await post.locator("[data-back=A]").count() == 1
    await page.screenshot(path=str(output_dir / "console-posts.png"), full_page=True)

    await page.goto(f"{console_server.base_url}/console/cases/{case['number']}")
    await page.wait_for_selector("#case-tasks [data-testid=assignee]:text('吴婷')")
    assert "AB岗顶岗移交（紫阳县市场监督管理局）" in await timeline_steps(page)
    assert "由 周建国 移交 吴婷" in await page.text_content("#case-timeline")

    await page.goto(f"{console_server.base_url}/console/posts")
    await post.locator("[data-back=A]").click()
    await page.wait_for_selector("#flash.ok:has-text('A岗已返岗')")
    await post.locator("[data-testid=on-duty]:text-is('周建国')").wait_for()


async def test_a_township_clerk_sees_only_their_own_centres_queue(page, console_server, output_dir):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "clerk_a")
    county = await submit_via_api(page, console_server, {"item_code": BUSINESS, "applicant": APPLICANT})
    await sign_in(page, console_server, "officer_haoping")
    haoping = await submit_via_api(page, console_server, {
        "item_code": ELDERLY, "township": "haoping", "applicant": {"name": "李秀英", "phone": "13800001234"}})
    assert haoping["centre"] == "haoping"

    await sign_in(page, console_server, "haoping_clerk")
    await page.click("nav >> text=窗口受理")
    await page.wait_for_selector(f"#intake-queue tr[data-number='{haoping['number']}']")
    assert await page.locator(f"#intake-queue tr[data-number='{county['number']}']").count() == 0
    assert await page.locator("#intake-queue tbody tr").count() == 1
    await page.screenshot(path=str(output_dir / "console-intake-haoping.png"), full_page=True)
    await page.click(f"#intake-queue tr[data-number='{haoping['number']}'] [data-do=accept]")
    await page.wait_for_selector(f"#flash.ok:has-text('{haoping['number']}')")
    await page.wait_for_selector("#intake-queue td:text('暂无待受理的申请')")


async def test_an_immediate_item_is_decided_at_the_window_in_the_same_visit(page, console_server):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "clerk2_a")
    await page.click("nav >> text=窗口受理")
    await page.fill("#item-search input[name=q]", "结婚登记")
    await page.click("#item-search button[type=submit]")
    await page.click("#item-results li:has-text('结婚登记') button")
    await page.fill("#walkin input[name=name]", APPLICANT["name"])
    await page.check("#walkin-materials input[value='本人居民身份证']")
    await page.click("[data-register=accept]")
    await page.wait_for_selector("[data-testid=new-state]:text('已受理')")
    await page.click("#walkin-actions form[data-block=decide] button:text-is('准予办理（当场办结）')")
    await page.wait_for_selector("[data-testid=new-state]:text('准予办理')")


async def test_the_case_lookup_opens_a_case_by_number_and_shows_progress_with_the_query_code(page, console_server, output_dir):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "clerk_a")
    case = await submit_via_api(page, console_server, {"item_code": BUSINESS, "applicant": APPLICANT, "accept": True})
    await page.click("nav >> text=办件查询")
    await page.wait_for_selector(f"#my-cases a:text('{case['number']}')")
    await page.fill("#lookup input[name=number]", case["number"])
    await page.fill("#lookup input[name=code]", case["query_code"])
    await page.click("#lookup button[type=submit]")
    await page.wait_for_selector("#progress:has-text('分派部门审批')")
    assert "张*" in await page.text_content("#progress")  # the applicant's view masks the name
    await page.screenshot(path=str(output_dir / "console-cases.png"), full_page=True)
    await page.fill("#lookup input[name=code]", "")
    await page.click("#lookup button[type=submit]")
    await page.wait_for_selector(f"[data-testid=case-number]:text('{case['number']}')")


async def test_the_case_page_shows_each_notice_to_the_applicant_and_why_a_text_message_failed(page, console_server, output_dir):
    await wait_for_sample(page, console_server)
    await sign_in(page, console_server, "clerk_a")
    case = await submit_via_api(page, console_server, {"item_code": BUSINESS, "applicant": APPLICANT, "accept": True})
    await page.goto(f"{console_server.base_url}/console/cases/{case['number']}")
    accepted = page.locator("#case-notices tr[data-template=accepted]")
    await accepted.wait_for()
    assert "短信" in await accepted.text_content() and "138****1234" in await accepted.text_content()
    # this server has no SMS account: the worker (every ~10 s) gives the text up and the page says why
    for _ in range(40):
        if await accepted.get_attribute("data-status") == "failed":
            break
        await page.wait_for_timeout(1000)
        await page.reload()
        await accepted.wait_for()
    assert await accepted.locator("[data-testid=notice-status]").text_content() == "发送失败"
    reason = await accepted.locator("[data-testid=notice-error]").text_content()
    assert "短信通道未配置" in reason and "请电话告知申请人" in reason
    await page.screenshot(path=str(output_dir / "console-case-notices.png"), full_page=True)
    await accepted.locator("button:text-is('重新发送')").click()  # e.g. once the county has set up its SMS account
    await page.wait_for_selector("#flash.ok:has-text('已重新排队发送')")
    assert await accepted.get_attribute("data-status") == "pending"
    assert "重新发送" in await accepted.text_content()

    await sign_in(page, console_server, "haoping_clerk")  # another centre's window reads only the public progress
    await page.goto(f"{console_server.base_url}/console/cases/{case['number']}")
    await page.wait_for_selector("#case-actions:has-text('仅显示公开进度')")
    assert await page.locator("#case-notices-card").is_hidden()
