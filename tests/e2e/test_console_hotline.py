"""The 热线工单 operator console in headless Chromium: a signed call rings in, a complaint is dispatched
as suggested, a consultation is answered from the knowledge base."""

import json
import time

import pytest

from hotline.domain import call_events
from tests.e2e.conftest import csrf_headers, sign_in, wait_for_sample

SECRET = "e2e-cti-secret"
CALLER = "13800009876"



@pytest.fixture
def hotline_server(start_server, store_uri, database_name):
    server = start_server(MONGODB_URI=store_uri, SUNSHINE_DB=database_name, SUNSHINE_SEED_SAMPLE="true",
                          SUNSHINE_CTI_SECRET=SECRET)
    server.wait_ready()
    return server


async def ring(page, server, call_id: str) -> None:
    """What the switch does when a citizen calls: one signed ringing event."""
    body = json.dumps({"event_id": f"{call_id}-ring", "type": "ringing", "call_id": call_id, "caller": CALLER,
                       "callee": "12345"}).encode()
    stamp = str(int(time.time()))
    response = await page.request.post(server.base_url + "/api/v1/hotline/cti/events", data=body, headers={
        "Content-Type": "application/json", "X-Sunshine-Timestamp": stamp,
        "X-Sunshine-Signature": call_events.sign(SECRET, stamp, body)})
    assert response.status == 200, await response.text()


async def open_console(page, server) -> None:
    await wait_for_sample(page, server)
    await sign_in(page, server, "operator")
    await page.click("nav >> text=热线工单")
    await page.wait_for_selector("#department option[value=cgj]", state="attached")


async def test_a_ringing_call_appears_and_the_complaint_is_dispatched_to_the_suggested_department(
        page, hotline_server, output_dir):
    await open_console(page, hotline_server)
    earlier = await page.request.post(hotline_server.base_url + "/api/v1/hotline/tickets", data={
        "caller_phone": CALLER, "type": "consult", "content": "问一下社保卡在哪里补办"}, headers=await csrf_headers(page))
    assert earlier.status == 201
    await ring(page, hotline_server, "call-e2e-1")
    card = page.locator("[data-testid=call-card][data-call=call-e2e-1]")
    await card.wait_for(timeout=5000)
    assert CALLER in await card.text_content() and "振铃中" in await card.text_content()
    await card.locator("text=受理此来电").click()
    assert await page.input_value("#caller_phone") == CALLER
    assert (await earlier.json())["number"] in await page.text_content("#history")

    await page.select_option("#type", "complaint")
    await page.fill("#content", "城关镇新华街的路灯坏了一个星期都不亮，晚上走路很危险")
    suggestion = page.locator("[data-testid=suggestion]")
    await suggestion.wait_for()
    assert "紫阳县城市管理执法局" in await suggestion.text_content() and "置信度" in await suggestion.text_content()
    assert "路灯" in await page.text_content("#suggestion .evidence")
    await page.click("[data-accept-suggestion]")
    assert await page.input_value("#department") == "cgj"
    await page.screenshot(path=str(output_dir / "console-hotline-call.png"), full_page=True)
    await page.click("[data-do=dispatch]")
    await page.wait_for_selector("[data-testid=ticket-state]:text('已派单')")
    assert await page.text_content("[data-testid=ticket-target]") == "紫阳县城市管理执法局"
    number = (await page.text_content("[data-testid=ticket-number]")).strip()
    ticket = await (await page.request.get(hotline_server.base_url + f"/api/v1/hotline/tickets/{number}")).json()
    assert ticket["call_id"] == "call-e2e-1" and ticket["caller"]["phone"] == CALLER
    await page.locator(f"[data-call=call-e2e-1]:has-text('{number}')").wait_for(timeout=5000)
    await page.screenshot(path=str(output_dir / "console-hotline-dispatched.png"), full_page=True)


async def test_a_consultation_is_answered_on_the_spot_from_the_knowledge_base(page, hotline_server, output_dir):
    await open_console(page, hotline_server)
    await page.fill("#caller_phone", "13900002222")
    await page.wait_for_selector("[data-testid=history]:text('首次来电')")
    await page.select_option("#type", "consult")
    await page.fill("#content", "请问县政务服务中心周末开不开门？")
    hit = page.locator("#kb .kb-hit:has-text('县政务服务中心办公时间与节假日安排')")
    await hit.wait_for()
    await hit.locator("text=据此答复").click()
    await page.click("[data-do=answer]")
    await page.wait_for_selector("[data-testid=ticket-state]:text('已当场答复')")
    assert await page.text_content("[data-testid=ticket-answer]") == "县政务服务中心办公时间与节假日安排"
    number = (await page.text_content("[data-testid=ticket-number]")).strip()
    await page.locator(f"#queue tr[data-number='{number}']").wait_for()  # answered: waits for the callback
    await page.wait_for_function("document.querySelector('[data-figure=tickets]').textContent === '1'")
    await page.screenshot(path=str(output_dir / "console-hotline-answered.png"), full_page=True)
