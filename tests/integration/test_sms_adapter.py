"""AliyunSms drives the real aliyun-python-sdk-core against the signature-checking fake."""

import pytest

from backend.integrations.sms import AliyunSms, SmsError
from tests.fakes.fixtures import fake_aliyun  # noqa: F401  (until tests/conftest.py loads the plugin)

TEMPLATE = "SMS_465000001"


def sms_for(fake, *, secret=None, key_id=None, sign_name="阳光365"):
    return AliyunSms(
        key_id or fake.access_key_id,
        secret or fake.access_key_secret,
        sign_name,
        endpoint=fake.host,
        protocol="http",
    )


@pytest.fixture
def sms(fake_aliyun):  # noqa: F811
    fake_aliyun.sms.add_template(TEMPLATE, ["number", "status"])
    sender = sms_for(fake_aliyun)
    yield sender
    sender.close()


async def refused(sender, phone="13800138000", template=TEMPLATE, params=None) -> SmsError:
    with pytest.raises(SmsError) as failure:
        await sender.send(phone, template, params or {"number": "ZY1", "status": "已受理"})
    return failure.value


@pytest.mark.asyncio
async def test_text_message_is_accepted_with_a_correct_signature_and_recorded(fake_aliyun, sms):  # noqa: F811
    biz_id = await sms.send("13800138000", TEMPLATE, {"number": "ZY20250101001", "status": "已受理"})

    [sent] = fake_aliyun.sent_sms
    assert sent.biz_id == biz_id
    assert (sent.phone_numbers, sent.sign_name, sent.template_code) == (("13800138000",), "阳光365", TEMPLATE)
    assert sent.params == {"number": "ZY20250101001", "status": "已受理"}


@pytest.mark.asyncio
async def test_each_message_gets_its_own_id(fake_aliyun, sms):  # noqa: F811
    first = await sms.send("13800138000", TEMPLATE, {"number": "ZY1", "status": "已受理"})
    second = await sms.send("13900139000", TEMPLATE, {"number": "ZY2", "status": "已办结"})

    assert first != second
    assert [s.phone_numbers for s in fake_aliyun.sent_sms] == [("13800138000",), ("13900139000",)]


@pytest.mark.asyncio
async def test_client_with_the_wrong_access_key_secret_is_rejected(fake_aliyun):  # noqa: F811
    fake_aliyun.sms.add_template(TEMPLATE, ["number", "status"])
    impostor = sms_for(fake_aliyun, secret="a-guessed-secret")
    try:
        failure = await refused(impostor)
    finally:
        impostor.close()

    assert failure.code == "SignatureDoesNotMatch"
    assert fake_aliyun.sent_sms == []


@pytest.mark.asyncio
async def test_unknown_access_key_id_is_rejected(fake_aliyun):  # noqa: F811
    stranger = sms_for(fake_aliyun, key_id="LTAI5tSomeoneElse")
    try:
        failure = await refused(stranger)
    finally:
        stranger.close()

    assert failure.code == "InvalidAccessKeyId.NotFound"


@pytest.mark.asyncio
async def test_illegal_phone_number_is_refused(fake_aliyun, sms):  # noqa: F811
    failure = await refused(sms, phone="1380013800")

    assert (failure.code, failure.retryable) == ("isv.MOBILE_NUMBER_ILLEGAL", False)
    assert fake_aliyun.sent_sms == []


@pytest.mark.asyncio
async def test_template_the_account_does_not_own_is_refused(sms):
    failure = await refused(sms, template="SMS_000000000")

    assert failure.code == "isv.SMS_TEMPLATE_ILLEGAL"


@pytest.mark.asyncio
async def test_message_missing_a_template_variable_is_refused(sms):
    failure = await refused(sms, params={"number": "ZY1"})

    assert failure.code == "isv.TEMPLATE_MISSING_PARAMETERS"


@pytest.mark.asyncio
async def test_sign_name_the_account_does_not_own_is_refused(fake_aliyun):  # noqa: F811
    fake_aliyun.sms.add_template(TEMPLATE, ["number", "status"])
    other = sms_for(fake_aliyun, sign_name="别人的签名")
    try:
        failure = await refused(other)
    finally:
        other.close()

    assert failure.code == "isv.SMS_SIGNATURE_ILLEGAL"


@pytest.mark.asyncio
async def test_flow_control_is_retryable_and_the_next_send_succeeds(fake_aliyun, sms):  # noqa: F811
    fake_aliyun.sms.fail_next("isv.BUSINESS_LIMIT_CONTROL")

    failure = await refused(sms)
    await sms.send("13800138000", TEMPLATE, {"number": "ZY1", "status": "已受理"})

    assert (failure.code, failure.retryable) == ("isv.BUSINESS_LIMIT_CONTROL", True)
    assert len(fake_aliyun.sent_sms) == 1


@pytest.mark.asyncio
async def test_endpoint_may_be_given_as_a_url_with_its_scheme(fake_aliyun):  # noqa: F811
    fake_aliyun.sms.add_template(TEMPLATE, ["number", "status"])
    sender = AliyunSms(fake_aliyun.access_key_id, fake_aliyun.access_key_secret, "阳光365", f"http://{fake_aliyun.host}")
    try:
        await sender.send("13800138000", TEMPLATE, {"number": "ZY1", "status": "已受理"})
    finally:
        sender.close()

    assert len(fake_aliyun.sent_sms) == 1


@pytest.mark.asyncio
async def test_unreachable_endpoint_is_a_retryable_sms_error(fake_aliyun):  # noqa: F811
    fake_aliyun.sms.add_template(TEMPLATE, ["number", "status"])
    sender = sms_for(fake_aliyun)
    fake_aliyun.stop()
    try:
        failure = await refused(sender)
    finally:
        sender.close()

    assert (failure.code, failure.retryable) == ("SDK.HttpError", True)
