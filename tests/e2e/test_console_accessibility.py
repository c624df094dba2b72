"""axe-core over every console page reachable from every role's menu, with data in them, and over the pages
the console opens (printed documents, the API reference): no serious or critical WCAG 2.1 AA violation.

One server and one browser for the module; the pages are visited in sequence and every finding is
collected, so one run names every page that fails and why."""

from __future__ import annotations

import pytest

from backend.domain.roles import navigation_for
from backend.services.seed import sample_book
from tests.e2e.axe import Sweep
from tests.e2e.conftest import sign_in
from tests.integration.test_case_pipeline import code_of, staff, walk_in
from tests.integration.test_fees import estate_case
from tests.integration.test_supervision import PROMISED_1_DAY, shanghai, sweep_now

MARRIAGE = "结婚登记"
SMALLEST_TEXT_PX = """() => Math.min(...[...document.querySelectorAll('body *')]
  .filter(el => !el.closest('svg') && el.getClientRects().length
    && [...el.childNodes].some(node => node.nodeType === 3 && node.textContent.trim()))
  .map(el => parseFloat(getComputedStyle(el).fontSize)))"""


SAMPLE_ACCOUNTS = ("admin", "manager", "clerk_a", "scjgj_a", "supervisor", "operator", "survey", "officer_haoping", "fee")


def one_account_per_role() -> dict[str, str]:
    """A sample account holding each role, role by role (the sample's usual ones first)."""
    staff = sample_book().state.staff
    accounts: dict[str, str] = {}
    for username in (*SAMPLE_ACCOUNTS, *sorted(staff)):
        for role in staff[username]["roles"]:
            accounts.setdefault(role, username)
    return accounts


@pytest.fixture(scope="module")
async def world(module_console):
    """Cases in several states, a red card and its candidate violation, a dispatched hotline ticket, a report."""
    api = module_console
    clerk = await staff(api, "clerk_a")
    late = (await walk_in(api, clerk, PROMISED_1_DAY))["number"]
    waiting = (await walk_in(api, clerk, PROMISED_1_DAY, accept=False))["number"]
    asked = (await walk_in(api, clerk, PROMISED_1_DAY, accept=False))["number"]
    response = await clerk.post(f"/api/v1/cases/{asked}/supplement", {"materials": ["经营场所照片"], "reason": "照片不清晰"})
    assert response.status == 200, response.json
    operator = await staff(api, "operator")
    ticket = (await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": "13800009876", "type": "complaint", "channel": "phone",
        "content": "城关镇新华街的路灯坏了一个星期都不亮"})).json["number"]
    assert (await operator.post(f"/api/v1/hotline/tickets/{ticket}/dispatch", {"department": "cgj"})).status == 200
    api.clock.set(shanghai("2026-11-25 10:00"))
    window = await staff(api, "clerk2_a")
    marriage = (await walk_in(api, window, MARRIAGE))["number"]
    await window.post(f"/api/v1/cases/{marriage}/decide-at-window", {"approve": True})
    await sweep_now(api.app.settings["services"])
    estate = await estate_case(api, await staff(api, "clerk3_a"))  # a slip awaiting payment, and an exemption asked
    await (await staff(api, "clerk3_a")).post(f"/api/v1/fees/slips/{estate['fee']['slip']}/exemption", {"reason": "低保户"})
    supervisor = await staff(api, "supervisor")
    report = await supervisor.post("/api/v1/supervision/reports", {"kind": "daily", "period": "2026-11-24"})
    assert report.status in (200, 201), report.json
    return {"api": api, "estate": estate, "late": late, "waiting": waiting, "asked": asked, "ticket": ticket, "marriage": marriage,
            "report": report.json, "item": await code_of(api, PROMISED_1_DAY)}


async def visit(page, sweep: Sweep, url: str, name: str, ready: str | None = None) -> None:
    await page.goto(url)
    if ready:
        await page.wait_for_selector(ready)
    await page.wait_for_load_state("networkidle")
    await sweep.check(page, name)


async def test_every_menu_page_of_every_role_passes_axe(page, world):
    api, sweep = world["api"], Sweep()
    for role, username in one_account_per_role().items():
        await sign_in(page, api, username)
        for entry in navigation_for([role]):
            await visit(page, sweep, api.base_url + entry.path, f"{entry.path} as {username}")
        for number in (world["late"], world["waiting"], world["asked"]):
            if role in ("window_clerk", "dept_approver", "centre_manager", "supervisor", "info_officer"):
                await visit(page, sweep, f"{api.base_url}/console/cases/{number}", f"case {number} as {username}",
                            "#case-page:not([hidden]), #flash:not([hidden])")
    assert not sweep.findings, sweep.report()


async def test_pages_with_forms_open_and_errors_shown_pass_axe(page, world):
    api, sweep = world["api"], Sweep()
    await sign_in(page, api, "clerk_a")
    await visit(page, sweep, api.base_url + "/console/intake", "intake queue", f"tr[data-number='{world['waiting']}']")
    await page.locator(f"tr[data-number='{world['waiting']}'] [data-do=supplement]").press("Enter")
    await page.wait_for_selector("#intake-queue form[data-block=supplement] input[name=material]")
    await sweep.check(page, "intake: supplement form in the queue")
    await page.fill("#item-search input[name=q]", "个体工商户")
    await page.press("#item-search input[name=q]", "Enter")
    await page.locator("#item-results li:has-text('个体工商户设立登记') button").press("Enter")
    await page.wait_for_selector("#walkin:not([hidden])")
    await page.fill("#walkin input[name=name]", "张晓东")
    await page.fill("#walkin input[name=id_number]", "610924199001011234")  # wrong check digit
    await page.locator("[data-register=accept]").press("Enter")
    await page.wait_for_selector("#walkin input[name=id_number][aria-invalid=true]")
    assert await page.evaluate("document.activeElement.name") == "id_number"  # focus goes to the field in error
    described = await page.get_attribute("#walkin input[name=id_number]", "aria-describedby")
    assert "校验位" in await page.text_content(f"#{described}")  # the message is tied to the field
    await sweep.check(page, "intake: walk-in form with an error")
    await visit(page, sweep, api.base_url + "/console/cases", "case lookup")
    await page.fill("#lookup input[name=number]", "610924-2026")
    await page.press("#lookup input[name=number]", "Enter")
    await page.wait_for_selector("#lookup [aria-invalid=true]")
    await sweep.check(page, "case lookup: malformed number")

    await sign_in(page, api, "manager")
    await visit(page, sweep, f"{api.base_url}/console/items/{world['item']}", "item editor", "#versions-card:not([hidden])")
    await visit(page, sweep, api.base_url + "/console/items/new", "new item")
    await page.locator("#save").press("Enter")
    await page.wait_for_selector("#problems:not([hidden])")
    await sweep.check(page, "new item: problems listed")
    await visit(page, sweep, api.base_url + "/console/posts", "posts", "[data-away=A]")
    await page.locator("tr[data-post='d-scjgj'] [data-away=A]").press("Enter")
    await page.wait_for_selector("form.away-form")
    await sweep.check(page, "posts: away form")

    await sign_in(page, api, "fee")
    await visit(page, sweep, api.base_url + "/console/fees", "fee window", "#open-slips button[data-slip]")
    await page.fill("#find input[name=q]", world["estate"]["fee"]["slip"])
    await page.press("#find input[name=q]", "Enter")
    await page.wait_for_selector("#pay input[name=reference]")
    await page.press("#pay input[name=reference]", "Enter")
    await page.wait_for_selector("#pay input[name=reference][aria-invalid=true]")
    await sweep.check(page, "fee window: slip found, payment form with an error")

    await sign_in(page, api, "supervisor")
    await visit(page, sweep, api.base_url + "/console/supervision", "supervision", "#violations [data-open=confirm]")
    await page.locator("#violations [data-open=confirm]").first.press("Enter")
    await page.wait_for_selector("form[data-decide=confirm]")
    await page.locator("#trail-verify").press("Enter")
    await page.wait_for_selector("[data-testid=trail-verdict]")
    await sweep.check(page, "supervision: decision form and trail verdict")
    assert await page.get_attribute("#chart-cards", "role") == "img"  # charts have words and a table too
    assert "红牌 2 张" in await page.get_attribute("#chart-cards", "aria-label")
    assert await page.locator("#chart-trend-table tbody tr").count() == 30
    await page.locator("#chart-data summary").press("Enter")
    await page.wait_for_selector("#chart-cards-table:visible")
    await sweep.check(page, "supervision: chart data tables open")

    await sign_in(page, api, "operator")
    await visit(page, sweep, api.base_url + "/console/hotline", "hotline", "#queue tbody tr")
    await page.fill("#caller_phone", "13800009876")  # the caller of the dispatched ticket: it shows in the history
    await page.wait_for_selector(f"[data-testid=history] td:text-is('{world['ticket']}')")
    await page.fill("#content", "城关镇的路灯坏了晚上很黑")
    await page.wait_for_selector("[data-testid=suggestion]")
    await page.wait_for_selector("#kb .kb-hit, #kb p")
    await sweep.check(page, "hotline: caller's ticket history, suggestion and knowledge base")
    assert not sweep.findings, sweep.report()


async def test_printed_documents_sign_in_and_error_pages_pass_axe(page, world):
    api, sweep = world["api"], Sweep()
    await visit(page, sweep, api.base_url + "/console/login", "login")
    await page.fill("input[name=username]", "clerk_a")
    await page.fill("input[name=password]", "wrong")
    await page.press("input[name=password]", "Enter")
    await page.wait_for_selector("#flash:not([hidden])")
    await sweep.check(page, "login: wrong password")
    await sign_in(page, api, "clerk_a")
    cases = f"{api.base_url}/api/v1/cases"
    printed = {}
    for url, name in ((f"{cases}/{world['late']}/receipt.html", "receipt"),
                      (f"{cases}/{world['asked']}/supplement-notice.html", "supplement notice"),
                      (f"{api.base_url}/api/v1/items/{world['item']}/guide.html", "service guide")):
        await visit(page, sweep, url, name)
        await page.emulate_media(media="print")
        printed[name] = await page.evaluate(SMALLEST_TEXT_PX)
        await page.emulate_media(media="screen")
    assert min(printed.values()) >= 16, printed  # 16 CSS px = 12 pt: large print on paper
    await visit(page, sweep, api.base_url + "/api/v1/catalogue/compression.html", "compression report")
    await visit(page, sweep, api.base_url + "/api/docs", "API reference")
    await visit(page, sweep, api.base_url + "/console/posts", "403 page")
    await sign_in(page, api, "supervisor")
    await visit(page, sweep, api.base_url + world["report"]["html_url"], "daily report")
    assert not sweep.findings, sweep.report()


async def test_satisfaction_pages_with_data_pass_axe(page, browser, world):
    """The rating pad (kiosk, no sign-in) showing a case, bad reviews, the callback queue and the results."""
    api, sweep = world["api"], Sweep()
    clerk = await staff(api, "clerk2_a")
    number = world["marriage"]
    await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "本人"})
    code = (await clerk.post("/api/v1/satisfaction/pads", {})).json["code"]
    kiosk = await (await browser.new_context(locale="zh-CN")).new_page()
    await kiosk.goto(f"{api.base_url}/console/pad?code={code}")
    await kiosk.wait_for_selector("#pad-idle:not([hidden])")
    assert (await clerk.post("/api/v1/satisfaction/pads/call-up", {"number": number})).status == 200
    await kiosk.wait_for_selector("#rate-form:not([hidden])")
    await kiosk.locator("[data-level='1']").press("Enter")
    await sweep.check(kiosk, "rating pad with a case and bad-review reasons")
    await kiosk.locator("#pad-reasons button").first.press("Enter")
    await kiosk.locator("#pad-submit").press("Enter")
    await kiosk.wait_for_selector("#pad-message.ok")
    survey = await staff(api, "survey")
    sample = await survey.post("/api/v1/satisfaction/samples", {"period": "2026H2", "size": 5})
    assert sample.status == 201, sample.json
    for username, path, ready in (("supervisor", "/console/bad-reviews", "#reviews tr[data-number]"),
                                  ("manager", "/console/bad-reviews", "#reviews textarea[name=measures]"),
                                  ("survey", "/console/callbacks", "#queue article.callback"),
                                  ("survey", "/console/satisfaction", "#windows table"),
                                  ("clerk2_a", "/console/rating", "#make-code")):
        await sign_in(page, api, username)
        await visit(page, sweep, api.base_url + path, f"{path} as {username}", ready)
    assert not sweep.findings, sweep.report()
