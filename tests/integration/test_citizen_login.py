"""Citizen sign-in for the mini-program over HTTP: the real wechatpy SDK against the fake WeChat."""

from dataclasses import replace
from datetime import timedelta

import pytest

from backend.services.citizens import mask_openid

OPENID = "oZy365citizenZhangSan0001"
INVALID_CODE = "微信登录凭证无效或已过期，请重新登录"


@pytest.fixture
def settings(settings, fake_wechat):
    return replace(settings, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
                   wechat_api_base=fake_wechat.base_url)


@pytest.fixture
async def citizen_api(api, svc):
    """The API of a county that exists; the WeChat adapter it builds is closed afterwards."""
    await svc.db.tenants.insert_one({"_id": "ziyang", "name": "紫阳县"})
    yield api
    program = api.app.settings["services"].extras.get("wechat_mini_program")
    if program is not None:
        program.close()


def app_services(api):
    return api.app.settings["services"]


async def test_a_registered_login_code_gives_a_token_that_opens_the_citizen_profile(citizen_api, fake_wechat):
    fake_wechat.register_code("code-ok", OPENID, unionid="union-zhang")

    login = await citizen_api.post("/api/v1/citizen/login", {"code": "code-ok"})

    assert login.status == 200, login.json
    assert login.json["citizen"]["openid_masked"] == mask_openid(OPENID) != OPENID
    citizen_api.token = login.json["token"]
    me = await citizen_api.get("/api/v1/citizen/me")
    assert me.status == 200
    assert me.json["openid_masked"] == "oZy3****0001"
    assert me.json["tenant"] == "ziyang" and me.json["has_unionid"] is True


async def test_the_citizen_is_remembered_once_and_each_login_is_recorded(citizen_api, fake_wechat, svc, clock):
    fake_wechat.register_code("code-1", OPENID)
    first = await citizen_api.post("/api/v1/citizen/login", {"code": "code-1"})
    clock.advance(days=3)
    fake_wechat.register_code("code-2", OPENID, unionid="union-zhang")
    second = await citizen_api.post("/api/v1/citizen/login", {"code": "code-2"})

    assert first.status == second.status == 200
    docs = await svc.db.citizens.find({"tenant": "ziyang"}).to_list(None)
    assert len(docs) == 1
    [doc] = docs
    assert doc["_id"] == f"ziyang:{OPENID}" and doc["unionid"] == "union-zhang"
    assert doc["last_login_at"] - doc["created_at"] == timedelta(days=3)
    assert second.json["citizen"]["last_login_at"] > first.json["citizen"]["last_login_at"]
    assert second.json["citizen"]["created_at"] == first.json["citizen"]["created_at"]


async def test_a_reused_login_code_is_refused_with_a_chinese_message(citizen_api, fake_wechat):
    fake_wechat.register_code("code-once", OPENID)
    assert (await citizen_api.post("/api/v1/citizen/login", {"code": "code-once"})).status == 200

    again = await citizen_api.post("/api/v1/citizen/login", {"code": "code-once"})

    assert again.status == 401
    assert again.error["message"] == INVALID_CODE and again.error["code"] == "invalid_login_code"
    assert "token" not in (again.json or {})


async def test_an_unknown_login_code_is_refused_with_the_same_message(citizen_api):
    response = await citizen_api.post("/api/v1/citizen/login", {"code": "never-issued"})
    assert response.status == 401 and response.error["message"] == INVALID_CODE


async def test_the_session_key_never_leaves_wechat_and_our_server(citizen_api, fake_wechat, svc):
    session_key = fake_wechat.register_code("code-secret", OPENID, session_key="SeSsIoNkEy-7f3a9c")

    login = await citizen_api.post("/api/v1/citizen/login", {"code": "code-secret"})
    citizen_api.token = login.json["token"]
    me = await citizen_api.get("/api/v1/citizen/me")

    assert login.status == me.status == 200
    for body in (login.body, me.body):
        assert session_key.encode() not in body and b"session_key" not in body
    stored = [doc async for doc in svc.db.citizens.find({})] + [doc async for doc in svc.db.sessions.find({})]
    assert stored and session_key not in repr(stored)


async def test_a_missing_code_is_a_422_before_wechat_is_asked(citizen_api, fake_wechat):
    response = await citizen_api.post("/api/v1/citizen/login", {"code": "  "})
    assert response.status == 422 and response.error["message"] == "缺少微信登录凭证 code"
    assert not [r for r in fake_wechat.requests if r.path == "/sns/jscode2session"]


async def test_wechat_out_of_reach_answers_503_in_chinese(citizen_api, fake_wechat):
    fake_wechat.stop()

    response = await citizen_api.post("/api/v1/citizen/login", {"code": "code-any"})

    assert response.status == 503
    assert response.error["message"] == "暂时无法连接微信服务器，请稍后再试"


async def test_without_an_appid_the_login_says_it_is_not_configured(citizen_api, settings):
    app_services(citizen_api).settings = replace(settings, wechat_appid="")

    response = await citizen_api.post("/api/v1/citizen/login", {"code": "code-any"})

    assert response.status == 404 and response.error["code"] == "wechat_not_configured"
    assert "小程序登录未配置" in response.error["message"]


async def test_the_citizen_profile_needs_a_citizen_session(citizen_api):
    anonymous = await citizen_api.get("/api/v1/citizen/me")
    citizen_api.token = "not-a-real-token"
    forged = await citizen_api.get("/api/v1/citizen/me")

    assert anonymous.status == forged.status == 401
    assert anonymous.error["message"] == "请先登录"
