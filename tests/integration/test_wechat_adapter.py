"""WeChatMiniProgram drives the real wechatpy SDK against the fake WeChat server."""

import pytest

from backend.integrations.wechat import InvalidLoginCode, Session, WeChatError, WeChatMiniProgram
from tests.fakes.fixtures import fake_wechat  # noqa: F401  (until tests/conftest.py loads the plugin)
from tests.fakes.wechat import FakeWeChat

TEMPLATE = "tmpl-case-progress"


@pytest.fixture
def mini_program(fake_wechat):  # noqa: F811
    fake_wechat.register_template(TEMPLATE, ["character_string1", "thing2", "time3"])
    program = WeChatMiniProgram(fake_wechat.appid, fake_wechat.secret, fake_wechat.base_url)
    yield program
    program.close()


def progress(case_number="ZY20250101001"):
    return {"character_string1": case_number, "thing2": "已受理", "time3": "2025-01-01 09:30"}


@pytest.mark.asyncio
async def test_login_code_becomes_openid_unionid_and_session_key(fake_wechat, mini_program):  # noqa: F811
    key = fake_wechat.register_code("code-1", "openid-zhang", unionid="union-zhang")

    session = await mini_program.code_to_session("code-1")

    assert session == Session(openid="openid-zhang", session_key=key, unionid="union-zhang")


@pytest.mark.asyncio
async def test_user_without_unionid_gets_a_session_without_one(fake_wechat, mini_program):  # noqa: F811
    fake_wechat.register_code("code-2", "openid-li")

    session = await mini_program.code_to_session("code-2")

    assert (session.openid, session.unionid) == ("openid-li", None)


@pytest.mark.asyncio
async def test_wrong_app_secret_is_refused_and_is_not_a_login_problem(fake_wechat):  # noqa: F811
    fake_wechat.register_code("code-3", "openid-wang")
    program = WeChatMiniProgram(fake_wechat.appid, "not-the-secret", fake_wechat.base_url)
    try:
        with pytest.raises(WeChatError) as refused:
            await program.code_to_session("code-3")
    finally:
        program.close()

    assert refused.value.errcode == 40125
    assert not isinstance(refused.value, InvalidLoginCode)


@pytest.mark.asyncio
async def test_login_code_cannot_be_used_twice(fake_wechat, mini_program):  # noqa: F811
    fake_wechat.register_code("code-4", "openid-zhao")
    await mini_program.code_to_session("code-4")

    with pytest.raises(InvalidLoginCode) as reused:
        await mini_program.code_to_session("code-4")

    assert reused.value.errcode == 40163
    assert reused.value.message == "微信登录凭证无效或已过期，请重新登录"


@pytest.mark.asyncio
async def test_unknown_login_code_asks_the_user_to_log_in_again(mini_program):
    with pytest.raises(InvalidLoginCode) as unknown:
        await mini_program.code_to_session("never-issued")

    assert unknown.value.errcode == 40029


@pytest.mark.asyncio
async def test_subscribe_message_reaches_the_user_with_data_and_page(fake_wechat, mini_program):  # noqa: F811
    fake_wechat.add_user("openid-zhang")

    await mini_program.send_subscribe_message("openid-zhang", TEMPLATE, progress(), page="pages/case/detail?id=1")

    [sent] = fake_wechat.sent
    assert (sent.touser, sent.template_id, sent.page) == ("openid-zhang", TEMPLATE, "pages/case/detail?id=1")
    assert sent.data["thing2"] == {"value": "已受理"}


@pytest.mark.asyncio
async def test_one_access_token_serves_many_messages(fake_wechat, mini_program):  # noqa: F811
    fake_wechat.add_user("openid-zhang")

    for number in ("ZY1", "ZY2", "ZY3"):
        await mini_program.send_subscribe_message("openid-zhang", TEMPLATE, progress(number))

    assert len(fake_wechat.sent) == 3
    assert fake_wechat.tokens_issued == 1


@pytest.mark.asyncio
async def test_expired_access_token_is_renewed_and_the_message_still_goes_out():
    now = [1_700_000_000.0]
    with FakeWeChat(clock=lambda: now[0]) as fake:
        fake.register_template(TEMPLATE, ["thing2"])
        fake.add_user("openid-zhang")
        program = WeChatMiniProgram(fake.appid, fake.secret, fake.base_url)
        await program.send_subscribe_message("openid-zhang", TEMPLATE, {"thing2": "已受理"})
        now[0] += 7200
        await program.send_subscribe_message("openid-zhang", TEMPLATE, {"thing2": "已办结"})
        program.close()

    assert [m.data["thing2"]["value"] for m in fake.sent] == ["已受理", "已办结"]
    assert fake.tokens_issued == 2


@pytest.mark.asyncio
async def test_rate_limited_send_is_retryable_and_the_next_try_succeeds(fake_wechat, mini_program):  # noqa: F811
    fake_wechat.add_user("openid-zhang")
    fake_wechat.fail_next(1, errcode=45009)

    with pytest.raises(WeChatError) as limited:
        await mini_program.send_subscribe_message("openid-zhang", TEMPLATE, progress())
    await mini_program.send_subscribe_message("openid-zhang", TEMPLATE, progress())

    assert (limited.value.errcode, limited.value.retryable) == (45009, True)
    assert len(fake_wechat.sent) == 1


@pytest.mark.asyncio
async def test_wechat_server_error_is_retryable_without_errcode(fake_wechat, mini_program):  # noqa: F811
    fake_wechat.add_user("openid-zhang")
    fake_wechat.fail_next(2, http_status=500)

    for _ in range(2):
        with pytest.raises(WeChatError) as broken:
            await mini_program.send_subscribe_message("openid-zhang", TEMPLATE, progress())
        assert (broken.value.errcode, broken.value.retryable) == (None, True)

    assert fake_wechat.sent == []


@pytest.mark.asyncio
async def test_unknown_template_is_refused_for_good(fake_wechat, mini_program):  # noqa: F811
    fake_wechat.add_user("openid-zhang")

    with pytest.raises(WeChatError) as refused:
        await mini_program.send_subscribe_message("openid-zhang", "no-such-template", progress())

    assert (refused.value.errcode, refused.value.retryable) == (40037, False)
