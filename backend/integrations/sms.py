"""Aliyun SMS adapter (阿里云短信, Dysmsapi SendSms) over aliyun-python-sdk-core.

The SDK is blocking, so each send runs in the loop's default thread executor.
Nothing connects until :meth:`AliyunSms.send` is awaited. The SDK's own retry
is off: callers (the notifier) decide whether and when to try again.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Mapping

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"
RETRYABLE_CODES = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "Throttling", "Throttling.User", "ServiceUnavailable", "InternalError", "SDK.HttpError"}
)


class SmsError(Exception):
    """Aliyun refused or could not be reached; ``code`` is Aliyun's (e.g. ``isv.MOBILE_NUMBER_ILLEGAL``)."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(f"Aliyun SMS {code}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id

    @property
    def retryable(self) -> bool:
        """True when trying again later may succeed (flow control, service trouble, network)."""
        return self.code in RETRYABLE_CODES


class AliyunSms:
    """Sends template text messages (模板短信) under one approved sign name (短信签名).

    ``endpoint`` is a host (``dysmsapi.aliyuncs.com``) or a URL such as
    ``http://127.0.0.1:8081``, whose scheme then overrides ``protocol``.
    """

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        endpoint: str = DEFAULT_ENDPOINT,
        protocol: str = "https",
        *,
        region_id: str = "cn-hangzhou",
        timeout: float = 10.0,
    ) -> None:
        self.sign_name = sign_name
        scheme, _, host = endpoint.rpartition("://")
        self.endpoint = host
        self.protocol = scheme or protocol
        self._client = AcsClient(
            access_key_id,
            access_key_secret,
            region_id,
            auto_retry=False,
            connect_timeout=timeout,
            timeout=timeout,
        )

    async def send(self, phone: str, template_code: str, params: Mapping[str, object], out_id: str | None = None) -> str:
        """Send one templated message to ``phone``; returns Aliyun's BizId (the message id)."""
        request = self._request(phone, template_code, params, out_id)
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(None, functools.partial(self._do, request))
        if answer.get("Code") != "OK":
            raise SmsError(answer.get("Code", "Unknown"), answer.get("Message", ""), answer.get("RequestId"))
        return answer["BizId"]

    def close(self) -> None:
        """Release the HTTP connections the SDK holds."""
        self._client.session.close()

    def _request(self, phone: str, template_code: str, params: Mapping[str, object], out_id: str | None) -> CommonRequest:
        request = CommonRequest(domain=self.endpoint, version=API_VERSION, action_name="SendSms")
        request.set_method("POST")
        request.set_protocol_type(self.protocol)
        request.set_accept_format("json")
        request.add_query_param("PhoneNumbers", phone)
        request.add_query_param("SignName", self.sign_name)
        request.add_query_param("TemplateCode", template_code)
        text_params = {key: str(value) for key, value in params.items()}
        request.add_query_param("TemplateParam", json.dumps(text_params, ensure_ascii=False))
        if out_id:
            request.add_query_param("OutId", out_id)
        return request

    def _do(self, request: CommonRequest) -> dict:
        try:
            body = self._client.do_action_with_exception(request)
        except ServerException as error:
            raise SmsError(error.get_error_code(), error.get_error_msg(), error.get_request_id()) from error
        except ClientException as error:
            raise SmsError(error.get_error_code(), error.get_error_msg()) from error
        return json.loads(body)
