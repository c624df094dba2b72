"""Reconciliation and fee supervision on the real store: the daily statement, statement files with every kind
of mismatch, malformed files, and the red cards for irregular fee records."""

from dataclasses import replace

import pytest

from backend.domain.case_model import Actor
from backend.domain.cases import _commit, _spec
from backend.services import casework
from tests.integration.test_case_pipeline import staff
from tests.integration.test_fees import estate_case
from tests.integration.test_supervision import sweep_now

DAY = "2026-11-23"  # the test clock's day in Shanghai
BANK_HEADER = "交易日期,交易时间,银行流水号,缴款单号,金额\n"


async def paid_cases(api, count: int) -> list[dict]:
    clerk, fee = await staff(api, "clerk3_a"), await staff(api, "fee")
    paid = []
    for n in range(count):
        case = await estate_case(api, clerk)
        slip = case["fee"]["slip"]
        assert (await fee.post(f"/api/v1/fees/slips/{slip}/pay", {"reference": f"BK2026112300{n}"})).status == 200
        paid.append({"number": case["number"], "slip": slip, "reference": f"BK2026112300{n}"})
    return paid


async def test_the_daily_statement_counts_issued_paid_voided_and_exempted_by_channel(api, seeded):
    clerk, manager, fee = await staff(api, "clerk3_a"), await staff(api, "manager"), await staff(api, "fee")
    await paid_cases(api, 2)
    voided = await estate_case(api, clerk)
    await clerk.post(f"/api/v1/fees/slips/{voided['fee']['slip']}/void", {"reason": "重开", "inputs": {"房屋类型": "住宅"}})
    exempt = await estate_case(api, clerk)
    await clerk.post(f"/api/v1/fees/slips/{exempt['fee']['slip']}/exemption", {"reason": "低保户"})
    await manager.post(f"/api/v1/fees/slips/{exempt['fee']['slip']}/exemption/decide", {"approve": True})
    statement = (await fee.get(f"/api/v1/fees/statement?day={DAY}")).json
    facts = {f["fact"]: (f["count"], f["amount_fen"]) for f in statement["facts"]}
    assert facts["issued"] == (5, 40000) and facts["paid"] == (2, 16000) and facts["voided"] == (1, 0)
    assert facts["exempted"] == (1, 0)
    assert {c["channel"]: c["count"] for c in statement["channels"]} == {"bank": 2, "exemption": 1}
    assert (await fee.get("/api/v1/fees/statement?day=11-23")).status == 422


async def test_a_bank_statement_lists_every_kind_of_mismatch_for_the_fee_window_to_resolve(api, seeded):
    fee, supervisor = await staff(api, "fee"), await staff(api, "supervisor")
    first, second, third = await paid_cases(api, 3)
    content = (BANK_HEADER + f"{DAY},10:00:00,{first['reference']},{first['slip']},80.00\n"
               f"{DAY},10:05:00,{second['reference']},{second['slip']},8.00\n"
               f"{DAY},10:09:00,BK-STRANGE-1,610924-20261123-09999-01,120.00\n")
    imported = await fee.post("/api/v1/fees/statements", {"channel": "bank", "day": DAY, "content": content})
    assert imported.status == 201, imported.json
    kinds = {m["kind"]: m for m in imported.json["mismatches"]}
    assert imported.json["matched"] == 1 and set(kinds) == {"amount_differs", "unknown_transaction", "missing_there"}
    assert kinds["amount_differs"]["ours_yuan"] == "80.00" and kinds["amount_differs"]["theirs_yuan"] == "8.00"
    assert kinds["missing_there"]["slip"] == third["slip"]
    assert kinds["unknown_transaction"]["line"] == 4
    again = await fee.post("/api/v1/fees/statements", {"channel": "bank", "day": DAY, "content": content})
    assert again.status == 409
    open_ones = (await supervisor.get("/api/v1/fees/mismatches")).json["items"]
    assert len(open_ones) == 3
    target = kinds["unknown_transaction"]["id"]
    assert (await fee.post(f"/api/v1/fees/mismatches/{target}/resolve", {"reason": ""})).status == 422
    resolved = await fee.post(f"/api/v1/fees/mismatches/{target}/resolve", {"reason": "银行误记，已联系银行冲正"})
    assert resolved.status == 200 and resolved.json["status"] == "resolved"
    assert (await fee.post(f"/api/v1/fees/mismatches/{target}/resolve", {"reason": "再次"})).status == 409
    assert len((await fee.get("/api/v1/fees/mismatches")).json["items"]) == 2
    everything = (await fee.get("/api/v1/fees/mismatches?status=all")).json["items"]
    assert next(m for m in everything if m["id"] == target)["resolution"] == "银行误记，已联系银行冲正"


async def test_a_malformed_statement_names_its_lines_and_imports_nothing(api, seeded, svc):
    fee = await staff(api, "fee")
    (first,) = await paid_cases(api, 1)
    content = (BANK_HEADER + f"{DAY},10:00:00,{first['reference']},{first['slip']},80.00\n"
               f"{DAY},10:05:00,BK-2,610924-2026,8O.00\n{DAY},10:06:00\n")
    refused = await fee.post("/api/v1/fees/statements", {"channel": "bank", "day": DAY, "content": content})
    assert refused.status == 422
    message = refused.error["message"]
    assert "第 3 行" in message and "8O.00" in message and "第 4 行" in message and "未导入任何记录" in message
    assert await svc.db.fee_statements.count_documents({}) == 0 and await svc.db.fee_mismatches.count_documents({}) == 0
    wrong_file = await fee.post("/api/v1/fees/statements", {"channel": "wechat", "day": DAY, "content": content})
    assert wrong_file.status == 422 and "不是微信支付交易账单" in wrong_file.error["message"]


@pytest.fixture
def settings(settings, fake_wechat, fake_wechatpay):
    return replace(settings, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
                   wechat_api_base=fake_wechat.base_url, wechatpay_mchid=fake_wechatpay.mchid,
                   wechatpay_private_key=fake_wechatpay.merchant_private_pem,
                   wechatpay_cert_serial_no=fake_wechatpay.merchant_serial, wechatpay_apiv3_key=fake_wechatpay.apiv3_key,
                   wechatpay_api_base=fake_wechatpay.api_base)


async def test_a_wechat_pay_trade_bill_is_reconciled_in_its_own_format(api, seeded, fake_wechat, fake_wechatpay):
    from tests.integration.test_fees_wechatpay import online_case, post_notification

    me, number, slip = await online_case(api, fake_wechat)
    await me.post(f"/api/v1/fees/slips/{slip}/wechatpay", {})
    order = fake_wechatpay.pay(slip)
    await post_notification(api, *fake_wechatpay.notification(slip))
    bill = fake_wechatpay.trade_bill([order], extra=[("4200009999", "610924-20261123-08888-01", 5000)])
    fee = await staff(api, "fee")
    result = await fee.post("/api/v1/fees/statements", {"channel": "wechat", "day": DAY, "content": bill})
    assert result.status == 201, result.json
    assert result.json["matched"] == 1 and [m["kind"] for m in result.json["mismatches"]] == ["unknown_transaction"]


async def test_irregular_fee_records_raise_red_cards_on_the_supervision_console(api, seeded, svc, clock):
    clerk, fee, supervisor = await staff(api, "clerk3_a"), await staff(api, "fee"), await staff(api, "supervisor")
    honest = (await paid_cases(api, 1))[0]
    forged_amount, wrong_case, unapproved = [await estate_case(api, clerk) for _ in range(3)]
    cashier = Actor("ziyang:fee", "银行收费员", "fee_window")
    window = Actor("ziyang:clerk3_a", "陈静", "window_clerk", "w03")

    def forge(slip: str, event_type: str, amount: int, actor: Actor):
        def decide(case, doc):
            return _commit(case, actor, svc.now(), [_spec(event_type, "accepted", slip=slip, amount_fen=amount,
                                                          channel="bank", reference="FORGED")])
        return decide

    await casework.run(svc, "ziyang", forged_amount["number"], forge(forged_amount["fee"]["slip"], "FeePaid", 800, cashier))
    await casework.run(svc, "ziyang", wrong_case["number"], forge(honest["slip"], "FeePaid", 8000, cashier))
    await casework.run(svc, "ziyang", unapproved["number"], forge(unapproved["fee"]["slip"], "FeeExempted", 0, window))
    clock.advance(minutes=5)  # the sweep leaves the current minute for its next round
    await sweep_now(svc)
    cards = (await supervisor.get("/api/v1/supervision/cards?level=red")).json["items"]
    found = {(c["number"], c["kind"]) for c in cards}
    assert (forged_amount["number"], "fee_outside_standard") in found
    assert (wrong_case["number"], "fee_wrong_case") in found
    assert (unapproved["number"], "exemption_unapproved") in found
    assert not any(c["number"] == honest["number"] for c in cards)
    labels = {c["kind"]: c["kind_label"] for c in cards}
    assert labels["exemption_unapproved"] == "减免未经批准" and "实收 8.00 元" in next(
        c["detail"] for c in cards if c["kind"] == "fee_outside_standard")
    violations = (await supervisor.get("/api/v1/supervision/violations")).json
    assert any(v.get("type") == "illegal_fee" or v.get("type_code") == "illegal_fee" for v in violations["items"])
    assert fee  # the fee window's own honest payment raised nothing
