"""The fakes themselves speak the real protocols strictly enough to catch mistakes."""

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest, RpcRequest
from wechatpy import WeChatClient

from tests.fakes.aliyun import FakeAliyun, RpcError
from tests.fakes.fixtures import fake_aliyun, fake_wechat  # noqa: F401  (until tests/conftest.py loads the plugin)


def call(url, data=None, method=None, headers=None):
    """Plain HTTP without any SDK: returns (status, JSON body)."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def replay(fake, request, query=None):
    """Send a request the fake received once more, byte for byte (or with another query)."""
    url = f"http://{fake.host}{request.path}?{query if query is not None else request.raw_query}"
    headers = {"Content-Type": request.headers.get("content-type", "application/x-www-form-urlencoded")}
    return call(url, data=request.body or None, method=request.method, headers=headers)


def acs_client(fake, secret=None):
    return AcsClient(fake.access_key_id, secret or fake.access_key_secret, "cn-hangzhou", auto_retry=False)


def sms_request(fake, phone="13800138000"):
    fake.sms.add_template("SMS_1", ["code"])
    request = CommonRequest(domain=fake.host, version="2017-05-25", action_name="SendSms")
    request.set_method("POST")
    request.set_protocol_type("http")
    for name, value in {"PhoneNumbers": phone, "SignName": "阳光365", "TemplateCode": "SMS_1"}.items():
        request.add_query_param(name, value)
    request.add_query_param("TemplateParam", json.dumps({"code": "123456"}))
    return request


def send(fake, request, secret=None):
    client = acs_client(fake, secret)
    try:
        return json.loads(client.do_action_with_exception(request))
    finally:
        client.session.close()


# -- Aliyun ------------------------------------------------------------------


def test_fake_builds_the_same_string_to_sign_as_the_aliyun_sdk(fake_aliyun):  # noqa: F811
    request = RpcRequest("Dysmsapi", "2017-05-25", "SendSms")
    request.set_endpoint(fake_aliyun.host)
    request.set_protocol_type("http")
    request.add_query_param("PhoneNumbers", "13800138000")

    with pytest.raises(ServerException) as refused:
        send(fake_aliyun, request, secret="a-guessed-secret")

    # The SDK turns SignatureDoesNotMatch into InvalidAccessKeySecret only when the
    # server's string-to-sign equals its own: same canonical text, different key.
    assert refused.value.get_error_code() == "InvalidAccessKeySecret"


def test_replayed_request_is_rejected_as_a_used_nonce(fake_aliyun):  # noqa: F811
    assert send(fake_aliyun, sms_request(fake_aliyun))["Code"] == "OK"

    status, body = replay(fake_aliyun, fake_aliyun.requests[-1])

    assert (status, body["Code"]) == (400, "SignatureNonceUsed")
    assert len(fake_aliyun.sent_sms) == 1


def test_changing_a_signed_parameter_breaks_the_signature(fake_aliyun):  # noqa: F811
    send(fake_aliyun, sms_request(fake_aliyun))
    original = fake_aliyun.requests[-1]

    status, body = replay(fake_aliyun, original, original.raw_query.replace("13800138000", "13900139000"))

    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert [s.phone_numbers for s in fake_aliyun.sent_sms] == [("13800138000",)]


def test_form_body_parameters_are_signed_and_checked_too(fake_aliyun):  # noqa: F811
    request = sms_request(fake_aliyun)
    request.add_body_params("OutId", "case-42")

    assert send(fake_aliyun, request)["Code"] == "OK"
    original = fake_aliyun.requests[-1]
    tampered = type(original)(original.method, original.path, original.raw_query, original.headers, b"OutId=case-43")
    assert replay(fake_aliyun, tampered)[1]["Code"] == "SignatureDoesNotMatch"


def test_request_signed_outside_the_fifteen_minute_window_is_rejected():
    with FakeAliyun(clock=lambda: datetime.now(UTC) + timedelta(minutes=20)) as fake:
        with pytest.raises(ServerException) as refused:
            send(fake, sms_request(fake))

    assert refused.value.get_error_code() == "InvalidTimeStamp.Expired"


def test_unregistered_action_is_not_found(fake_aliyun):  # noqa: F811
    request = CommonRequest(domain=fake_aliyun.host, version="2017-05-25", action_name="QuerySendDetails")
    request.set_protocol_type("http")

    with pytest.raises(ServerException) as refused:
        send(fake_aliyun, request)

    assert (refused.value.get_http_status(), refused.value.get_error_code()) == (404, "InvalidAction.NotFound")


class FakeCallCentre:
    """A stand-in product showing how a later issue adds an API to the fake."""

    version = "2020-07-01"

    def actions(self):
        return {"GetCallDetail": self.get_call_detail}

    def get_call_detail(self, params):
        if params.get("CallId") != "call-1":
            raise RpcError("NotExists.CallId", "The specified call does not exist.", 404)
        return {"Code": "OK", "Data": {"CallId": "call-1", "Caller": "13800138000"}}


def test_a_new_product_is_served_after_one_mount_call(fake_aliyun):  # noqa: F811
    fake_aliyun.mount(FakeCallCentre())
    request = CommonRequest(domain=fake_aliyun.host, version="2020-07-01", action_name="GetCallDetail")
    request.set_protocol_type("http")
    request.add_query_param("CallId", "call-1")

    assert send(fake_aliyun, request)["Data"]["Caller"] == "13800138000"


# -- WeChat ------------------------------------------------------------------


def test_token_endpoint_checks_grant_type_and_secret(fake_wechat):  # noqa: F811
    base = f"{fake_wechat.base_url}cgi-bin/token?appid={fake_wechat.appid}"

    wrong_grant = call(f"{base}&secret={fake_wechat.secret}&grant_type=password")[1]
    wrong_secret = call(f"{base}&secret=guess&grant_type=client_credential")[1]
    granted = call(f"{base}&secret={fake_wechat.secret}&grant_type=client_credential")[1]

    assert (wrong_grant["errcode"], wrong_secret["errcode"]) == (40002, 40125)
    assert granted["expires_in"] == 7200 and granted["access_token"]


def test_subscribe_send_needs_a_valid_token(fake_wechat):  # noqa: F811
    url = f"{fake_wechat.base_url}cgi-bin/message/subscribe/send?access_token=forged"

    status, body = call(url, data=b"{}", method="POST")

    assert (status, body["errcode"]) == (200, 40001)


def test_subscribe_data_values_must_be_wrapped_in_value_objects(fake_wechat):  # noqa: F811
    fake_wechat.register_template("tmpl", ["thing1"])
    fake_wechat.add_user("openid-1")
    token = call(
        f"{fake_wechat.base_url}cgi-bin/token?grant_type=client_credential"
        f"&appid={fake_wechat.appid}&secret={fake_wechat.secret}"
    )[1]["access_token"]
    message = {"touser": "openid-1", "template_id": "tmpl", "data": {"thing1": "bare text"}}

    body = call(
        f"{fake_wechat.base_url}cgi-bin/message/subscribe/send?access_token={token}",
        data=json.dumps(message).encode(),
        method="POST",
    )[1]

    assert body["errcode"] == 47003
    assert fake_wechat.sent == []


def test_reset_tokens_make_wechatpy_fetch_a_new_one_and_carry_on(fake_wechat):  # noqa: F811
    fake_wechat.register_template("tmpl", ["thing1"])
    fake_wechat.add_user("openid-1")
    client = WeChatClient(fake_wechat.appid, fake_wechat.secret)
    client.API_BASE_URL = fake_wechat.base_url + "cgi-bin/"
    client.wxa.API_BASE_URL = fake_wechat.base_url
    client.fetch_access_token = lambda: client._fetch_access_token(
        fake_wechat.base_url + "cgi-bin/token",
        {"grant_type": "client_credential", "appid": fake_wechat.appid, "secret": fake_wechat.secret},
    )
    try:
        client.wxa.send_subscribe_message("openid-1", "tmpl", {"thing1": {"value": "一"}})
        fake_wechat.expire_tokens()
        client.wxa.send_subscribe_message("openid-1", "tmpl", {"thing1": {"value": "二"}})
    finally:
        client._http.close()

    assert [m.data["thing1"]["value"] for m in fake_wechat.sent] == ["一", "二"]
    assert fake_wechat.tokens_issued == 2


def test_unknown_path_is_a_404(fake_wechat):  # noqa: F811
    assert call(f"{fake_wechat.base_url}cgi-bin/nothing")[0] == 404
