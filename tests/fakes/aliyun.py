"""A fake Aliyun RPC endpoint that checks signatures like Aliyun does.

Every request goes through the RPC signature v1 check (HMAC-SHA1 over the
canonicalised parameters, key ``AccessKeySecret + "&"``), the AccessKeyId,
the Timestamp window and SignatureNonce replay, before it reaches an action.

Actions are registered per API version: a product is an object with a
``version`` and an ``actions()`` mapping ``{"ActionName": handler}``; a
handler takes the request parameters and returns the answer's fields or
raises :class:`RpcError`. :class:`FakeDysms` (短信服务, Dysmsapi 2017-05-25)
is mounted by default; a later product (a call centre, say) is one more
:meth:`FakeAliyun.mount` call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Callable, Protocol
from urllib.parse import parse_qsl, quote

from tests.fakes.server import FakeHttpServer, Reply, Request

TIMESTAMP_WINDOW = timedelta(minutes=15)
COMMON_PARAMS = (
    "Action", "Version", "AccessKeyId", "Signature", "SignatureMethod",
    "SignatureVersion", "SignatureNonce", "Timestamp", "Format",
)  # fmt: skip

Handler = Callable[[dict[str, str]], dict]


class RpcError(Exception):
    """An Aliyun error answer: ``{"Code": code, "Message": message}`` with an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status


class RpcProduct(Protocol):
    version: str

    def actions(self) -> dict[str, Handler]: ...


def percent_encode(text: str) -> str:
    """Aliyun's encoding: UTF-8, only ``A-Za-z0-9-_.~`` left bare, upper-case hex, space as %20."""
    return quote(text, safe="-_.~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    """``METHOD&%2F&`` + the encoded, sorted, ``&``-joined ``key=value`` pairs (Signature excluded)."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def sign(text: str, access_key_secret: str) -> str:
    key = (access_key_secret + "&").encode("utf-8")
    return base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha1).digest()).decode()


class FakeAliyun(FakeHttpServer):
    """One endpoint for any number of RPC products, keyed by (Version, Action)."""

    def __init__(
        self,
        access_keys: dict[str, str] | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        products: list[RpcProduct] | None = None,
    ) -> None:
        super().__init__()
        self.access_keys = access_keys or {"LTAI5tFakeSunshine365": "fake-aliyun-access-key-secret"}
        self.clock = clock
        self._actions: dict[tuple[str, str], Handler] = {}
        self._nonces: set[str] = set()
        self.sms = FakeDysms()
        for product in [self.sms, *(products or [])]:
            self.mount(product)

    @property
    def access_key_id(self) -> str:
        return next(iter(self.access_keys))

    @property
    def access_key_secret(self) -> str:
        return self.access_keys[self.access_key_id]

    @property
    def sent_sms(self) -> list["SentSms"]:
        """Text messages the fake accepted, oldest first."""
        return self.sms.sent

    def mount(self, product: RpcProduct) -> None:
        with self._lock:
            for action, handler in product.actions().items():
                self._actions[(product.version, action)] = handler

    def handle(self, request: Request) -> Reply:
        request_id = str(uuid.uuid4()).upper()
        try:
            params = _params_of(request)
            self._authenticate(request.method, params)
            handler = self._actions.get((params["Version"], params["Action"]))
            if handler is None:
                raise RpcError("InvalidAction.NotFound", "Specified api is not found, please check your url and method.", 404)
            return Reply(200, {**handler(params), "RequestId": request_id})
        except RpcError as error:
            return Reply(error.status, {"Code": error.code, "Message": error.message, "RequestId": request_id})

    def _authenticate(self, method: str, params: dict[str, str]) -> None:
        for name in COMMON_PARAMS:
            if name not in params:
                raise RpcError(f"Missing{name}", f"{name} is mandatory for this action.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            raise RpcError("InvalidSignatureMethod", "Specified signature method is not supported.")
        secret = self.access_keys.get(params["AccessKeyId"])
        if secret is None:
            raise RpcError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        self._check_timestamp(params["Timestamp"])
        expected_text = string_to_sign(method, params)
        if not hmac.compare_digest(sign(expected_text, secret), params["Signature"]):
            raise RpcError(
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:" + expected_text,
            )
        if params["SignatureNonce"] in self._nonces:
            raise RpcError("SignatureNonceUsed", "Specified signature nonce was used already.")
        self._nonces.add(params["SignatureNonce"])

    def _check_timestamp(self, value: str) -> None:
        try:
            stamp = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise RpcError("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.") from None
        if abs(self.clock() - stamp) > TIMESTAMP_WINDOW:
            raise RpcError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")


def _params_of(request: Request) -> dict[str, str]:
    """Query parameters plus a form body's (the SDK signs both together)."""
    params = dict(parse_qsl(request.raw_query, keep_blank_values=True))
    if request.body and "x-www-form-urlencoded" in request.headers.get("content-type", ""):
        params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    return params


# --------------------------------------------------------------------------
# Dysmsapi: SendSms

MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


@dataclass(frozen=True)
class SentSms:
    phone_numbers: tuple[str, ...]
    sign_name: str
    template_code: str
    params: dict
    biz_id: str


@dataclass
class FakeDysms:
    """短信服务 (Dysmsapi): signs and templates the account owns, and what it sent."""

    version: str = "2017-05-25"
    sign_names: set[str] = field(default_factory=lambda: {"阳光365"})
    templates: dict[str, frozenset[str]] = field(default_factory=dict)
    sent: list[SentSms] = field(default_factory=list)
    fail_codes: list[str] = field(default_factory=list)

    def add_template(self, template_code: str, variables: list[str]) -> None:
        self.templates[template_code] = frozenset(variables)

    def fail_next(self, *codes: str) -> None:
        """Answer the next sends with these business codes (e.g. isv.BUSINESS_LIMIT_CONTROL)."""
        self.fail_codes.extend(codes)

    def actions(self) -> dict[str, Handler]:
        return {"SendSms": self.send_sms}

    def send_sms(self, params: dict[str, str]) -> dict:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                raise RpcError(f"Missing{name}", f"{name} is mandatory for this action.")
        try:
            phones, variables = self._check(params)
        except _BusinessError as refusal:
            return {"Code": refusal.code, "Message": refusal.message}
        biz_id = f"{secrets.randbelow(10**15):015d}^0"
        self.sent.append(SentSms(phones, params["SignName"], params["TemplateCode"], variables, biz_id))
        return {"Code": "OK", "Message": "OK", "BizId": biz_id}

    def _check(self, params: dict[str, str]) -> tuple[tuple[str, ...], dict]:
        if self.fail_codes:
            raise _BusinessError(self.fail_codes.pop(0), "触发流控")
        phones = tuple(p.strip() for p in params["PhoneNumbers"].split(","))
        if len(phones) > 1000 or not all(MAINLAND_MOBILE.match(p) for p in phones):
            raise _BusinessError("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params["SignName"] not in self.sign_names:
            raise _BusinessError("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        wanted = self.templates.get(params["TemplateCode"])
        if wanted is None:
            raise _BusinessError("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            variables = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            raise _BusinessError("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值") from None
        if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
            raise _BusinessError("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not wanted <= variables.keys():
            raise _BusinessError("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        return phones, variables


class _BusinessError(Exception):
    """Dysmsapi refuses with HTTP 200 and a Code other than OK."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message
