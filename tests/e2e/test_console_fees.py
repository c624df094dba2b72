"""The fee window's console pages in headless Chromium: find by QR, take the payment and print, by keyboard;
an exemption asked at the window and approved by the centre manager; a statement file reconciled and a
mismatch resolved; a fee card on the supervision console."""

from backend.domain.case_model import Actor
from backend.domain.cases import _commit, _spec
from backend.services import casework
from tests.e2e.conftest import sign_in
from tests.integration.test_case_pipeline import staff
from tests.integration.test_fees import estate_case
from tests.integration.test_supervision import sweep_now


async def test_the_fee_window_scans_a_slip_takes_the_payment_and_prints_the_receipt_by_keyboard(page, api, seeded):
    case = await estate_case(api, await staff(api, "clerk3_a"))
    slip = case["fee"]["slip"]
    await sign_in(page, api, "fee")
    await page.goto(api.base_url + "/console/fees")
    await page.wait_for_selector(f"#open-slips button[data-slip='{slip}']")
    await page.focus("#find input[name=q]")
    await page.keyboard.type(case["fee"]["qr"])  # the scanner types what the QR code holds
    await page.keyboard.press("Enter")
    await page.wait_for_selector("[data-testid=slip-state]:text-is('待缴费')")
    assert await page.text_content("[data-testid=total]") == "80.00"
    assert await page.evaluate("document.activeElement.name") == "reference"  # straight to the one field to fill
    await page.keyboard.press("Enter")  # nothing typed: the error is tied to the field
    await page.wait_for_selector("#pay input[name=reference][aria-invalid=true]")
    await page.keyboard.type("BK20261123777")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#flash.ok:has-text('已收款')")
    assert await page.text_content("[data-testid=slip-state]") == "已缴费"
    href = await page.get_attribute("a[data-doc=receipt]", "href")
    receipt = await page.request.get(api.base_url + href)
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    assert await page.locator("#open-slips button[data-slip]").count() == 0
    assert await page.locator("input[name=amount], input[name=amount_fen]").count() == 0


async def test_an_exemption_is_asked_at_the_window_and_approved_by_the_manager(page, api, seeded):
    case = await estate_case(api, await staff(api, "clerk3_a"))
    slip = case["fee"]["slip"]
    await sign_in(page, api, "clerk3_a")
    await page.goto(api.base_url + "/console/fee-exemptions")
    await page.fill("#request input[name=slip]", slip)
    await page.fill("#request input[name=reason]", "申请人为低保户")
    await page.press("#request input[name=reason]", "Enter")
    await page.wait_for_selector("#flash.ok:has-text('等待中心管理人员审批')")
    assert await page.locator(f"#pending tr[data-slip='{slip}'] form").count() == 0  # the asker cannot decide
    await sign_in(page, api, "manager")
    await page.goto(api.base_url + "/console/fee-exemptions")
    row = page.locator(f"#pending tr[data-slip='{slip}']")
    await row.locator("button[value=true]").click()
    await page.wait_for_selector(f"#flash.ok:has-text('减免申请已批准：{slip}')")
    assert "已批准" in await page.text_content("#all-exemptions")
    assert (await (await staff(api, "clerk3_a")).get(f"/api/v1/cases/{case['number']}")).json["state"] == "in_review"


async def test_a_bank_statement_is_imported_and_a_mismatch_resolved(page, api, seeded, tmp_path):
    case = await estate_case(api, await staff(api, "clerk3_a"))
    await (await staff(api, "fee")).post(f"/api/v1/fees/slips/{case['fee']['slip']}/pay", {"reference": "BK20261123555"})
    statement = tmp_path / "bank.csv"
    statement.write_text("交易日期,交易时间,银行流水号,缴款单号,金额\n"
                         f"2026-11-23,10:00:00,BK20261123555,{case['fee']['slip']},80.00\n"
                         "2026-11-23,10:30:00,BK20261123999,610924-20261123-07777-01,50.00\n", encoding="utf-8")
    await sign_in(page, api, "fee")
    await page.goto(api.base_url + "/console/fee-reconcile")
    await page.fill("#day input[name=day]", "2026-11-23")
    await page.press("#day input[name=day]", "Enter")
    await page.wait_for_selector("#facts tbody tr")
    await page.fill("#import input[name=day]", "2026-11-23")
    await page.set_input_files("#import input[name=file]", str(statement))
    await page.click("#import button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('相符 1 笔，差错 1 笔')")
    row = page.locator("#mismatches tr[data-id]")
    assert "对账单有此笔，本系统无缴费记录" in await row.text_content()
    await row.locator("input[name=reason]").fill("银行误入账，已通知银行冲正")
    await row.locator("input[name=reason]").press("Enter")
    await page.wait_for_selector("#flash.ok:has-text('差错已处理')")
    await page.select_option("#mismatch-status", "all")
    await page.wait_for_selector("#mismatches td:has-text('已处理：银行误入账')")


async def test_a_fee_card_appears_on_the_supervision_console(page, api, seeded, clock):
    svc = api.app.settings["services"]
    case = await estate_case(api, await staff(api, "clerk3_a"))
    cashier = Actor("ziyang:fee", "银行收费员", "fee_window")
    await casework.run(svc, "ziyang", case["number"], lambda c, d: _commit(c, cashier, svc.now(), [_spec(
        "FeePaid", "accepted", slip=case["fee"]["slip"], amount_fen=100, channel="bank", reference="BK-FORGED")]))
    clock.advance(minutes=5)
    await sweep_now(svc)
    await sign_in(page, api, "supervisor")
    await page.goto(api.base_url + "/console/supervision")
    card = page.locator(f"#cards tr[data-card='ziyang:{case['number']}:fee:{case['fee']['slip']}:amount:red']")
    await card.wait_for()
    assert "收费不符合标准" in await card.text_content()
