"""Paying online with WeChat Pay v3, end to end through the fake WeChat Pay (real SDK, real signatures)."""

from dataclasses import replace
import pytest

from backend.services import fee_checks
from tests.integration.test_case_pipeline import APPLICANT, code_of, staff
from tests.integration.test_citizen_cases import citizen
from tests.integration.test_fees import ESTATE

NOTIFY = "/api/v1/fees/wechatpay/notify/ziyang"


@pytest.fixture
def settings(settings, fake_wechat, fake_wechatpay):
    return replace(settings, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
                   wechat_api_base=fake_wechat.base_url, wechatpay_mchid=fake_wechatpay.mchid,
                   wechatpay_private_key=fake_wechatpay.merchant_private_pem,
                   wechatpay_cert_serial_no=fake_wechatpay.merchant_serial, wechatpay_apiv3_key=fake_wechatpay.apiv3_key,
                   wechatpay_api_base=fake_wechatpay.api_base, wechatpay_query_after=60)


async def online_case(api, fake_wechat, openid="oPayer0001"):
    """A citizen applies online for the estate transfer; the window accepts; the slip waits."""
    me = await citizen(api, fake_wechat, f"code-{openid}", openid)
    body = {"item_code": await code_of(api, ESTATE), "applicant": APPLICANT, "form": {"房屋类型": "住宅"},
            "materials": [{"name": "不动产权证书"}]}
    number = (await me.post("/api/v1/cases", body, headers={"Idempotency-Key": f"k-{openid}"})).json["number"]
    clerk = await staff(api, "clerk3_a")
    accepted = await clerk.post(f"/api/v1/cases/{number}/accept", {})
    assert accepted.json["state"] == "awaiting_payment", accepted.json
    return me, number, accepted.json["fee"]["slip"]


async def post_notification(api, headers, body):
    return await api.as_anonymous().request("POST", NOTIFY, raw=body, headers={**headers, "Content-Type": "application/json"})


async def test_a_citizen_pays_in_the_mini_program_and_the_case_moves_on(api, seeded, fake_wechat, fake_wechatpay):
    me, number, slip = await online_case(api, fake_wechat)
    progress = (await me.get(f"/api/v1/cases/{number}/progress")).json
    assert progress["fee"]["total_yuan"] == "80.00" and progress["fee"]["state_label"] == "待缴费"
    ordered = await me.post(f"/api/v1/fees/slips/{slip}/wechatpay", {})
    assert ordered.status == 200, ordered.json
    payment = ordered.json["payment"]
    assert payment["package"].startswith("prepay_id=wx") and payment["signType"] == "RSA"
    assert fake_wechatpay.check_pay_sign(payment)  # what wx.requestPayment gets was signed by the merchant
    order = fake_wechatpay.orders[slip]
    assert order["total"] == 8000 and order["openid"] == "oPayer0001" and order["notify_url"].endswith(NOTIFY)

    fake_wechatpay.pay(slip)
    headers, body = fake_wechatpay.notification(slip)
    answered = await post_notification(api, headers, body)
    assert answered.status == 200, answered.json
    progress = (await me.get(f"/api/v1/cases/{number}/progress")).json
    assert progress["state_label"] == "审批中" and progress["fee"]["state_label"] == "已缴费"
    assert progress["fee"]["settlement"]["channel_label"] == "微信支付"
    fee = await staff(api, "fee")
    assert (await fee.post(f"/api/v1/fees/slips/{slip}/pay", {"reference": "BK-AFTER-WX"})).status == 409

    replay = await post_notification(api, headers, body)  # the same notification again
    duplicate = await post_notification(api, *fake_wechatpay.notification(slip))  # a fresh copy of it
    assert replay.status == duplicate.status == 200
    view = (await (await staff(api, "clerk3_a")).get(f"/api/v1/cases/{number}")).json
    assert [e["type"] for e in view["timeline"]].count("FeePaid") == 1
    assert [e["type"] for e in view["timeline"]].count("TaskAssigned") == 1


async def test_a_notification_is_believed_only_with_a_valid_signature_and_the_exact_amount(
        api, seeded, fake_wechat, fake_wechatpay, svc):
    me, number, slip = await online_case(api, fake_wechat)
    await me.post(f"/api/v1/fees/slips/{slip}/wechatpay", {})
    fake_wechatpay.pay(slip)
    forged = await post_notification(api, *fake_wechatpay.notification(slip, key=fake_wechatpay.merchant_key))
    assert forged.status == 401 and forged.json == {"code": "FAIL", "message": "微信支付通知签名无效"}
    headers, body = fake_wechatpay.notification(slip)
    tampered = await post_notification(api, headers, body.replace(b'"summary"', b'"Summary"'))
    assert tampered.status == 401
    other = await post_notification(api, *fake_wechatpay.notification(slip, total=1))
    assert other.status == 422 and "与缴款单金额 80.00 元不一致" in other.json["message"]
    fake_wechatpay.orders["610924-20261123-99999-01"] = {**fake_wechatpay.orders[slip], "out_trade_no": "610924-20261123-99999-01"}
    unknown = await post_notification(api, *fake_wechatpay.notification("610924-20261123-99999-01"))
    assert unknown.status == 404 and "不存在" in unknown.json["message"]
    assert await svc.db.fee_settlements.count_documents({}) == 0  # nothing recorded by any of them
    progress = (await me.get(f"/api/v1/cases/{number}/progress")).json
    assert progress["state_label"] == "待缴费"


async def test_an_order_query_settles_a_slip_whose_notification_never_came(api, seeded, fake_wechat, fake_wechatpay,
                                                                            svc, clock):
    me, number, slip = await online_case(api, fake_wechat)
    await me.post(f"/api/v1/fees/slips/{slip}/wechatpay", {})
    assert (await fee_checks.fee_round(svc, "ziyang"))["queried"] == 0  # too early to ask
    clock.advance(minutes=2)
    assert (await fee_checks.fee_round(svc, "ziyang"))["settled"] == 0  # asked: not paid yet
    fake_wechatpay.pay(slip)  # paid, but the notification is lost
    counts = await fee_checks.fee_round(svc, "ziyang")
    assert counts["settled"] == 1
    progress = (await me.get(f"/api/v1/cases/{number}/progress")).json
    assert progress["fee"]["state_label"] == "已缴费" and progress["state_label"] == "审批中"
    late = await post_notification(api, *fake_wechatpay.notification(slip))  # the notification turns up after all
    assert late.status == 200
    assert await svc.db.fee_settlements.count_documents({}) == 1


async def test_someone_elses_slip_cannot_be_ordered_and_a_voided_slip_is_closed(api, seeded, fake_wechat,
                                                                                fake_wechatpay, svc, clock):
    me, number, slip = await online_case(api, fake_wechat)
    stranger = await citizen(api, fake_wechat, "code-x", "oStranger01")
    assert (await stranger.post(f"/api/v1/fees/slips/{slip}/wechatpay", {})).status == 403
    await me.post(f"/api/v1/fees/slips/{slip}/wechatpay", {})
    clerk = await staff(api, "clerk3_a")
    voided = await clerk.post(f"/api/v1/fees/slips/{slip}/void", {"reason": "类型错误", "inputs": {"房屋类型": "非住宅"}})
    assert voided.status == 200
    assert (await me.post(f"/api/v1/fees/slips/{slip}/wechatpay", {})).status == 409
    clock.advance(minutes=2)
    assert (await fee_checks.fee_round(svc, "ziyang"))["closed"] == 1
    assert fake_wechatpay.orders[slip]["state"] == "CLOSED"


async def test_a_settlement_left_unrecorded_by_a_dead_process_is_recorded_by_the_fee_checks(api, seeded, fake_wechat,
                                                                                            svc):
    me, number, slip = await online_case(api, fake_wechat)
    await svc.db.fee_settlements.insert_one({  # what the payment wrote before its process died
        "_id": f"ziyang:{slip}", "tenant": "ziyang", "slip": slip, "number": number, "outcome": "paid",
        "amount_fen": 8000, "channel": "bank", "reference": "BK-CRASH-01", "at": svc.now(), "by": "ziyang:fee",
        "by_name": "银行收费员", "by_role": "fee_window", "by_post": "", "reason": "", "inputs": "{}"})
    assert (await fee_checks.fee_round(svc, "ziyang"))["repaired"] == 1
    progress = (await me.get(f"/api/v1/cases/{number}/progress")).json
    assert progress["fee"]["state_label"] == "已缴费" and progress["state_label"] == "审批中"
    assert (await fee_checks.fee_round(svc, "ziyang"))["repaired"] == 0

