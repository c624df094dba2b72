"""A fake of WeChat Pay API v3 (api.mch.weixin.qq.com) that signs and checks like the real one.

- Every request must carry the merchant's ``Authorization: WECHATPAY2-SHA256-RSA2048 ...`` header,
  signed with the merchant's private key over ``method\\npath\\ntimestamp\\nnonce\\nbody\\n``.
- Every answer is signed with the platform private key (``Wechatpay-Signature``, ``-Timestamp``,
  ``-Nonce``, ``-Serial``, ``-Signature-Type``), over ``timestamp\\nnonce\\nbody\\n``.
- ``GET /v3/certificates`` hands out the platform certificate encrypted with AES-256-GCM under the
  merchant's APIv3 key, as WeChat Pay does.
- ``POST /v3/pay/transactions/jsapi``, ``GET /v3/pay/transactions/out-trade-no/{no}``,
  ``POST /v3/pay/transactions/out-trade-no/{no}/close``.

Tests play the payer with :meth:`FakeWeChatPay.pay` (the user completed ``wx.requestPayment``), and
get the notification WeChat Pay would send with :meth:`notification` (signed and encrypted; a test
may tamper with it, change its amount or send it twice). :meth:`trade_bill` writes the day's
trade bill (交易账单) in WeChat Pay's format.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from tests.fakes.server import FakeHttpServer, Reply, Request

CHINA = timezone(timedelta(hours=8))
BILL_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
               "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
               "手续费,费率,订单金额,申请退款金额,费率备注")
BILL_SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(key, name: str) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650)).sign(key, hashes.SHA256()))


def _sign(key, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class FakeWeChatPay(FakeHttpServer):
    """Fake WeChat Pay for one direct merchant (``mchid``) of one mini-program (``appid``)."""

    def __init__(self, appid: str = "wx0fa4e1c0de365sun", mchid: str = "1900009191") -> None:
        super().__init__()
        self.appid, self.mchid = appid, mchid
        self.apiv3_key = secrets.token_hex(16)  # 32 characters, as WeChat Pay requires
        self.merchant_key, self.platform_key = _key(), _key()
        self.merchant_serial = secrets.token_hex(20).upper()
        self.platform_cert = _certificate(self.platform_key, "Tenpay.com Root CA (fake)")
        self.platform_serial = format(self.platform_cert.serial_number, "X")
        self.orders: dict[str, dict] = {}
        self.refused_auth = 0

    @property
    def merchant_private_pem(self) -> str:
        return self.merchant_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()).decode()

    @property
    def api_base(self) -> str:
        return f"http://{self.host}"

    # -- signing ---------------------------------------------------------------------------------
    def _encrypt(self, plaintext: str, associated_data: str) -> dict:
        nonce = secrets.token_hex(6)
        cipher = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
        return {"algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": associated_data,
                "ciphertext": base64.b64encode(cipher).decode()}

    def signed(self, status: int, body: dict | None) -> Reply:
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        return Reply(status, raw=raw, headers=self.signature_headers(raw))

    def signature_headers(self, raw: bytes, key=None) -> dict:
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = _sign(key or self.platform_key, f"{stamp}\n{nonce}\n{raw.decode()}\n")
        return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce, "Wechatpay-Signature": signature,
                "Wechatpay-Serial": self.platform_serial, "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
        if fields.get("mchid") != self.mchid or fields.get("serial_no") != self.merchant_serial:
            return False
        message = (f"{request.method}\n{request.url_path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n"
                   f"{request.body.decode()}\n")
        try:
            self.merchant_key.public_key().verify(base64.b64decode(fields.get("signature", "")), message.encode(),
                                                  padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return False
        return True

    # -- protocol --------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        if not self._authorised(request):
            self.refused_auth += 1
            return self.signed(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        path = request.path
        if (request.method, path) == ("GET", "/v3/certificates"):
            return self.signed(200, {"data": [self._certificate_entry()]})
        if (request.method, path) == ("POST", "/v3/pay/transactions/jsapi"):
            return self._order(json.loads(request.body))
        found = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?", path)
        if found and request.method == "GET" and not found.group(2):
            order = self.orders.get(found.group(1))
            return self.signed(200, self._transaction(order)) if order else \
                self.signed(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        if found and request.method == "POST" and found.group(2):
            return self._close(found.group(1))
        return self.signed(404, {"code": "NOT_FOUND", "message": "fake wechat pay: no such api"})

    def _certificate_entry(self) -> dict:
        pem = self.platform_cert.public_bytes(serialization.Encoding.PEM).decode()
        return {"serial_no": self.platform_serial, "effective_time": "2020-01-01T00:00:00+08:00",
                "expire_time": "2036-01-01T00:00:00+08:00", "encrypt_certificate": self._encrypt(pem, "certificate")}

    def _order(self, body: dict) -> Reply:
        if body.get("appid") != self.appid or body.get("mchid") != self.mchid:
            return self.signed(400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid和mch_id不匹配"})
        total = (body.get("amount") or {}).get("total")
        if not isinstance(total, int) or total <= 0 or not (body.get("payer") or {}).get("openid"):
            return self.signed(400, {"code": "PARAM_ERROR", "message": "参数错误"})
        number = body["out_trade_no"]
        order = self.orders.get(number)
        if order and order["state"] == "SUCCESS":
            return self.signed(400, {"code": "ORDERPAID", "message": "该订单已支付"})
        if order and order["total"] != total:
            return self.signed(400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"})
        if not order:
            order = self.orders[number] = {"out_trade_no": number, "total": total, "openid": body["payer"]["openid"],
                                           "description": body["description"], "notify_url": body["notify_url"],
                                           "prepay_id": "wx" + secrets.token_hex(14), "state": "NOTPAY"}
        return self.signed(200, {"prepay_id": order["prepay_id"]})

    def _close(self, number: str) -> Reply:
        order = self.orders.get(number)
        if order and order["state"] == "SUCCESS":
            return self.signed(400, {"code": "ORDERPAID", "message": "订单已支付"})
        if order:
            order["state"] = "CLOSED"
        return self.signed(204, None)

    def _transaction(self, order: dict, total: int | None = None) -> dict:
        paid = order["state"] == "SUCCESS"
        amount = order["total"] if total is None else total
        out = {"appid": self.appid, "mchid": self.mchid, "out_trade_no": order["out_trade_no"],
               "trade_type": "JSAPI", "trade_state": order["state"], "trade_state_desc": order["state"],
               "payer": {"openid": order["openid"]}, "amount": {"total": amount, "currency": "CNY"}}
        if paid:
            out.update(transaction_id=order["transaction_id"], success_time=order["success_time"], bank_type="OTHERS")
            out["amount"]["payer_total"] = amount
        return out

    # -- the payer and the notifications --------------------------------------------------------------
    def check_pay_sign(self, params: dict) -> bool:
        """Whether ``wx.requestPayment`` params were signed by the merchant for this mini-program."""
        message = f"{self.appid}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
        try:
            self.merchant_key.public_key().verify(base64.b64decode(params["paySign"]), message.encode(),
                                                  padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return False
        return True

    def pay(self, number: str, when: datetime | None = None) -> dict:
        """The payer completes ``wx.requestPayment``: the order is paid; returns it."""
        with self._lock:
            order = self.orders[number]
            order.update(state="SUCCESS", transaction_id="42000" + secrets.token_hex(12)[:23],
                         success_time=(when or datetime.now(CHINA)).astimezone(CHINA).isoformat(timespec="seconds"))
            return order

    def notification(self, number: str, *, total: int | None = None, key=None) -> tuple[dict, bytes]:
        """(headers, body) of the payment notification for a paid order, signed (by ``key``: default the
        platform's) and encrypted; ``total`` claims another amount."""
        resource = self._encrypt(json.dumps(self._transaction(self.orders[number], total), ensure_ascii=False),
                                 "transaction")
        body = json.dumps({"id": str(uuid.uuid4()), "create_time": datetime.now(CHINA).isoformat(timespec="seconds"),
                           "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
                           "summary": "支付成功", "resource": {"original_type": "transaction", **resource}},
                          ensure_ascii=False).encode()
        return self.signature_headers(body, key), body

    def trade_bill(self, orders: list[dict], extra: list[tuple[str, str, int]] = ()) -> str:
        """交易账单 (ALL) of ``orders`` in WeChat Pay's CSV format; ``extra`` adds (transaction, out_trade_no, fen)."""
        rows = [(o["success_time"], o["transaction_id"], o["out_trade_no"], o["openid"], o["total"]) for o in orders]
        rows += [(datetime.now(CHINA).isoformat(timespec="seconds"), t, n, "oUnknown", fen) for t, n, fen in extra]
        lines = [BILL_HEADER]
        for when, transaction, number, openid, fen in rows:
            stamp = datetime.fromisoformat(when).strftime("%Y-%m-%d %H:%M:%S")
            fields = [stamp, self.appid, self.mchid, "0", "", transaction, number, openid, "JSAPI", "SUCCESS", "OTHERS",
                      "CNY", _yuan(fen), "0.00", "0", "0", "0.00", "0.00", "", "", "缴款单", "", "0.00000", "0.60%",
                      _yuan(fen), "0.00", ""]
            lines.append(",".join("`" + f for f in fields))
        total = sum(r[4] for r in rows)
        lines += [BILL_SUMMARY, ",".join("`" + f for f in (str(len(rows)), _yuan(total), "0.00", "0.00", "0.00000",
                                                           _yuan(total), "0.00"))]
        return "\n".join(lines) + "\n"
