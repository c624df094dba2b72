"""WeChat Pay API v3 adapter (微信支付 v3), via the ``wechatpayv3`` SDK.

JSAPI orders for the mini-program (``jsapi_order`` then ``payment_params`` for ``wx.requestPayment``),
order queries and closing, and payment notifications (``notification``: the ``Wechatpay-Signature``
is checked against the platform certificate and the resource decrypted with AES-256-GCM under the
APIv3 key; ``None`` when the signature is wrong). Responses of the API are signature-checked by the
SDK too. The SDK is blocking: each call runs in the default executor; nothing connects until the
first call (the SDK downloads the platform certificates then). ``api_base`` points it at another
host (tests use a local fake that signs like WeChat Pay).
"""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core

DEFAULT_API_BASE = "https://api.mch.weixin.qq.com"
SIGNED_HEADERS = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial",
                  "Wechatpay-Signature-Type")


class WeChatPayError(Exception):
    """WeChat Pay refused a call or could not be reached; ``code`` is WeChat Pay's (e.g. ORDER_NOT_EXIST)."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"WeChat Pay {status} {code}: {message}")
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class PayConfig:
    """One merchant (商户号) paying into one mini-program's orders."""

    mchid: str
    appid: str
    private_key: str  # PEM text, or a path to the PEM file
    cert_serial_no: str
    apiv3_key: str
    api_base: str = DEFAULT_API_BASE
    cert_dir: str = ""
    timeout: float = 10.0

    def key_pem(self) -> str:
        text = self.private_key.strip()
        return text if text.startswith("-----BEGIN") else Path(text).read_text()


class WeChatPayV3:
    """The merchant's side of WeChat Pay v3 for JSAPI (mini-program) payments."""

    def __init__(self, config: PayConfig) -> None:
        self.config = config
        self._pay: WeChatPay | None = None

    def _build(self) -> WeChatPay:
        if self._pay is None:
            self._pay = _PointedPay(self.config)
        return self._pay

    async def _call(self, method: str, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self._sync, method, *args, **kwargs))

    def _sync(self, method: str, *args, **kwargs):
        try:
            pay = self._build()
            if method == "notification":
                return pay.callback(*args)
            code, text = getattr(pay, method)(*args, **kwargs)
        except WeChatPayError:
            raise
        except Exception as error:  # the SDK raises plain exceptions (network, bad signature)
            raise WeChatPayError("SDK_ERROR", str(error)) from error
        data = json.loads(text) if isinstance(text, str) and text else {}
        if not 200 <= code < 300:
            raise WeChatPayError(data.get("code", "HTTP_ERROR"), data.get("message", str(code)), code)
        return data

    async def jsapi_order(self, out_trade_no: str, description: str, total_fen: int, openid: str, notify_url: str,
                          time_expire: str = "") -> str:
        """统一下单 (JSAPI/mini-program): the ``prepay_id`` for ``wx.requestPayment``."""
        data = await self._call("pay", description=description[:127], out_trade_no=out_trade_no,
                                amount={"total": total_fen, "currency": "CNY"}, payer={"openid": openid},
                                notify_url=notify_url, time_expire=time_expire or None,
                                pay_type=WeChatPayType.MINIPROG)
        return data["prepay_id"]

    def payment_params(self, prepay_id: str) -> dict:
        """What ``wx.requestPayment`` takes, signed with the merchant key (RSA, v3)."""
        stamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        sign = self._build().sign([self.config.appid, stamp, nonce, package])
        return {"timeStamp": stamp, "nonceStr": nonce, "package": package, "signType": "RSA", "paySign": sign}

    async def query(self, out_trade_no: str) -> dict | None:
        """查询订单 by our order number; ``None`` when WeChat Pay has no such order."""
        try:
            return await self._call("query", out_trade_no=out_trade_no)
        except WeChatPayError as error:
            if error.code == "ORDER_NOT_EXIST":
                return None
            raise

    async def close(self, out_trade_no: str) -> None:
        """关闭订单 (so a voided slip can no longer be paid)."""
        await self._call("close", out_trade_no=out_trade_no)

    async def notification(self, headers: Mapping[str, str], body: bytes) -> dict | None:
        """The decrypted notification, or ``None`` when its signature is not WeChat Pay's."""
        plain = {name: headers.get(name, "") for name in SIGNED_HEADERS}
        try:
            return await self._call("notification", plain, body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


class _PointedCore(Core):
    """The SDK's core with every URL (certificates included) starting at ``gateway``."""

    def __init__(self, gateway: str, **kwargs) -> None:
        self._gateway = gateway.rstrip("/")
        super().__init__(**kwargs)

    @property
    def _gate_way(self) -> str:
        return self._gateway

    @_gate_way.setter
    def _gate_way(self, value: str) -> None:  # the SDK sets WeChat Pay's own host: ours stays
        pass


class _PointedPay(WeChatPay):
    """``WeChatPay`` for a direct merchant's mini-program payments, on ``_PointedCore``."""

    def __init__(self, config: PayConfig) -> None:  # noqa: the SDK's own init would build its own core
        self._type, self._mchid, self._appid = WeChatPayType.MINIPROG, config.mchid, config.appid
        self._notify_url, self._partner_mode = None, False
        self._core = _PointedCore(config.api_base, mchid=config.mchid, cert_serial_no=config.cert_serial_no,
                                  private_key=config.key_pem(), apiv3_key=config.apiv3_key,
                                  cert_dir=config.cert_dir or None, timeout=config.timeout)


def notification_reply(ok: bool, message: str = "") -> dict[str, Any]:
    """The body WeChat Pay expects back: nothing on success, ``{code: FAIL, message}`` otherwise."""
    return {} if ok else {"code": "FAIL", "message": message or "失败"}
