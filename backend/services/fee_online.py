"""Paying a slip online with WeChat Pay v3 (小程序支付): JSAPI orders, notifications, order queries.

The applicant asks for an order on a slip of their own case (:func:`order`): the order number is
the slip number and the amount its total, so WeChat Pay can only collect that exact amount for that
slip. The order is noted in ``fee_orders/{t}:{slip}`` and in ``work/{t}:wxorder:{slip}`` (what the fee
checks query when no notification came). A notification is believed only with WeChat Pay's signature
(:func:`notified`); its slip must exist and be payable and its amount must be the slip's total, else
nothing is recorded. Settling is the same insert as at the bank, so a replayed or duplicated
notification, or a query after the notification, changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from backend.domain import fees
from backend.domain.case_model import SYSTEM
from backend.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from backend.domain.numbering import CHINA_TIME
from backend.integrations.wechatpay import PayConfig, WeChatPayError, WeChatPayV3
from backend.services import casework, fee_slips, fee_window
from backend.services.citizens import ServiceUnavailable
from backend.services.context import Services
from backend.store import work

log = logging.getLogger("sunshine.fees")
ORDERS = "fee_orders"
_ADAPTER = "wechat_pay"
ORDER_MINUTES = 30


def order_key(tenant: str, slip: str) -> str:
    return work.key(tenant, "wxorder", slip)


def adapter(svc: Services) -> WeChatPayV3:
    """The WeChat Pay adapter from settings, built once per process. Without a merchant, paying online is
    switched off and answers 404 (as a mini-program login or a CTI webhook that is not configured does)."""
    pay = svc.extras.get(_ADAPTER)
    if pay is None:
        s = svc.settings
        if not (s.wechatpay_mchid and s.wechatpay_private_key and s.wechatpay_apiv3_key and s.wechat_appid):
            raise NotFound("微信支付未开通，请到银行收费窗口缴费", code="wechatpay_not_configured")
        pay = WeChatPayV3(PayConfig(s.wechatpay_mchid, s.wechat_appid, s.wechatpay_private_key,
                                    s.wechatpay_cert_serial_no, s.wechatpay_apiv3_key, s.wechatpay_api_base,
                                    s.wechatpay_cert_dir))
        svc.extras[_ADAPTER] = pay
    return pay


def notify_url(svc: Services, tenant: str) -> str:
    return f"{svc.settings.public_url.rstrip('/')}/api/v1/fees/wechatpay/notify/{tenant}"


async def order(svc: Services, tenant: str, principal: dict, slip: str) -> dict:
    """统一下单 for the applicant's own slip; returns what ``wx.requestPayment`` needs."""
    doc = await fee_window.payable(svc, tenant, slip)
    case, _ = await casework.load(svc, tenant, doc["number"], catch_up=False)
    if case.app.applicant_openid != principal["id"]:
        raise Forbidden("只能为本人的办件缴费", code="not_your_case")
    if case.fee_slip != slip:
        raise Conflict("该缴款单已作废，请使用新开具的缴款单", code="slip_voided")
    pay, now = adapter(svc), svc.now()
    expire = (now + timedelta(minutes=ORDER_MINUTES)).astimezone(CHINA_TIME).isoformat(timespec="seconds")
    try:
        prepay = await pay.jsapi_order(slip, f"{doc['item_name']}缴款单{slip}", doc["total_fen"], principal["id"],
                                       notify_url(svc, tenant), expire)
    except WeChatPayError as error:
        if error.code == "ORDERPAID":
            raise Conflict("该缴款单已通过微信支付缴费，请稍后刷新", code="slip_paid") from None
        log.warning("wechat pay order for %s failed: %s", slip, error)
        raise ServiceUnavailable("暂时无法连接微信支付，请稍后再试或到银行收费窗口缴费", code="wechatpay_unavailable") from None
    entry = {"tenant": tenant, "slip": slip, "number": doc["number"], "openid": principal["id"], "ordered_at": now,
             "total_fen": doc["total_fen"]}
    try:
        await svc.db[ORDERS].insert_one({"_id": fee_slips.slip_id(tenant, slip), **entry})
    except DuplicateKeyError:
        pass  # ordered before: WeChat Pay answered the same order
    await work.insert_once(svc.db, {"_id": order_key(tenant, slip), **entry})
    return {"slip": slip, "total_fen": doc["total_fen"], "total_yuan": fees.yuan(doc["total_fen"]),
            "payment": pay.payment_params(prepay)}


async def notified(svc: Services, tenant: str, headers, body: bytes) -> dict:
    """支付结果通知: believed only with WeChat Pay's signature and the slip's exact amount."""
    message = await adapter(svc).notification(headers, body)
    if message is None:
        raise Unauthenticated("微信支付通知签名无效", code="bad_signature")
    resource = message.get("resource") or {}
    if message.get("event_type") != "TRANSACTION.SUCCESS" or resource.get("trade_state") != "SUCCESS":
        return {"slip": resource.get("out_trade_no", ""), "recorded": False}
    return await settle_transaction(svc, tenant, resource)


async def settle_transaction(svc: Services, tenant: str, transaction: dict) -> dict:
    """Record a successful WeChat Pay transaction against its slip (insert-decided, so only once)."""
    s = svc.settings
    if transaction.get("mchid") != s.wechatpay_mchid or transaction.get("appid") != s.wechat_appid:
        raise ValidationFailed("通知中的商户号或小程序与本系统不符", code="wrong_merchant")
    slip = str(transaction.get("out_trade_no") or "")
    try:
        doc = await fee_slips.slip_doc(svc, tenant, slip)
    except NotFound:
        raise NotFound(f"通知中的缴款单 {slip or '（空）'} 不存在", code="slip_not_found") from None
    amount = (transaction.get("amount") or {}).get("total")
    fees.check_payment(doc["total_fen"] if doc["total_fen"] is not None else -1, amount)
    reference = str(transaction.get("transaction_id") or "")
    settled = await fee_slips.settlement_of(svc, tenant, slip)
    if settled is None or settled["reference"] != reference:
        settled = await fee_window.claim(svc, doc, "paid", SYSTEM, channel="wechat", reference=reference,
                                         paid_at=transaction.get("success_time", ""))
    await fee_window.apply_settlement(svc, settled)
    await svc.db[work.WORK].delete_one({"_id": order_key(tenant, slip)})
    return {"slip": slip, "recorded": True}


async def query_missed(svc: Services, tenant: str, now: datetime) -> dict:
    """Ask WeChat Pay about orders left without a notification for ``wechatpay_query_after`` seconds;
    settle the paid ones, close those of slips no longer payable. Counts of what was done."""
    counts = {"queried": 0, "settled": 0, "closed": 0}
    waited = timedelta(seconds=svc.settings.wechatpay_query_after)
    for entry in await work.read_prefix(svc.db, work.key(tenant, "wxorder", "")):
        if _aware(entry["ordered_at"]) > now - waited:
            continue
        counts["queried"] += 1
        settled = await fee_slips.settlement_of(svc, tenant, entry["slip"])
        try:
            if settled and settled["channel"] != "wechat":  # voided, exempted or paid at the bank: close the order
                await adapter(svc).close(entry["slip"])
                counts["closed"] += 1
            elif settled is None:
                found = await adapter(svc).query(entry["slip"])
                if found and found.get("trade_state") == "SUCCESS":
                    await settle_transaction(svc, tenant, found)
                    counts["settled"] += 1
                    continue
                if found and found.get("trade_state") not in ("CLOSED", "PAYERROR", "REVOKED"):
                    continue  # still open: ask again next round
        except (WeChatPayError, ValidationFailed, Conflict) as error:
            log.warning("wechat pay order %s: %s", entry["slip"], error)
            continue
        await svc.db[work.WORK].delete_one({"_id": entry["_id"]})
    return counts


def _aware(moment: datetime) -> datetime:
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
