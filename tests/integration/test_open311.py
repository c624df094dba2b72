"""Machine and citizen channels into the hotline: Open311 GeoReport v2 and 热线留言, over HTTP on the real store."""

import asyncio
import hashlib
import os
import subprocess
import sys
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from backend.config import PROJECT_ROOT
from hotline.services import open311_keys
from tests.integration.test_citizen_cases import citizen
from tests.integration.test_hotline_pipeline import act, register, staff

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def cli_key(store_uri, database_name, name="市城管平台") -> str:
    """`python -m hotline open311-key create NAME` against this test's database; the key it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUNSHINE_", "MONGODB_"))}
    env.update(MONGODB_URI=store_uri, SUNSHINE_DB=database_name)
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "hotline", "open311-key", "create", name],
                                   cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "只显示这一次" in done.stderr
    return done.stdout.strip()


async def post_request(api, **fields):
    return await api.request("POST", "/open311/v2/requests.json", raw=urlencode(fields).encode(), headers=FORM)


def report(key, **extra):
    return {"api_key": key, "service_code": "cgj", "lat": "32.520176", "long": "108.537788",
            "address_string": "紫阳县城关镇新华街12号", "description": "新华街路灯连续三晚不亮，夜里行人看不清路",
            "phone": "13800005678", "first_name": "建国", "last_name": "李",
            "media_url": "https://img.example.cn/lamp.jpg", **extra}


async def test_services_list_ticket_types_and_departments_in_the_georeport_shape(api, seeded):
    services = (await api.get("/open311/v2/services.json")).json
    codes = {s["service_code"]: s for s in services}
    assert {"consult", "complaint", "report", "cgj", "sthj"} <= set(codes)
    lamp = codes["cgj"]
    assert lamp == {**lamp, "service_name": "紫阳县城市管理执法局", "metadata": False, "type": "realtime",
                    "group": "承办部门"}
    assert "路灯" in lamp["keywords"] and "路灯" in lamp["description"]
    assert codes["complaint"]["service_name"] == "投诉" and codes["complaint"]["group"] == "诉求类型"
    assert (await api.get("/open311/v2/services/cgj.json")).json == {"service_code": "cgj", "attributes": []}
    missing = await api.get("/open311/v2/services/nosuch.json")
    assert missing.status == 404 and missing.json == [{"code": 404, "description": "未知的服务代码：nosuch"}]


async def test_a_key_made_on_the_command_line_files_a_ticket_that_is_followed_to_its_reply(
        api, seeded, svc, store_uri, database_name):
    key = await cli_key(store_uri, database_name)
    stored = [d async for d in svc.db.open311_keys.find({})]
    assert [d["_id"] for d in stored] == [hashlib.sha256(key.encode()).hexdigest()]
    assert key not in str(stored)

    filed = await post_request(api, **report(key))
    assert filed.status == 200, filed.json
    answer = filed.json[0]
    number = answer["service_request_id"]
    assert answer["account_id"] is None and number in answer["service_notice"]
    operator = await staff(api, "operator")
    ticket = (await operator.get(f"/api/v1/hotline/tickets/{number}")).json
    assert ticket["channel_label"] == "Open311接口" and ticket["service_code"] == "cgj"
    assert ticket["caller"] == {"phone": "13800005678", "name": "李建国"}
    assert ticket["registered_by"]["name"] == "Open311接口（市城管平台）"
    assert ticket["location"] == {"lat": 32.520176, "lng": 108.537788, "address": "紫阳县城关镇新华街12号"}
    assert "https://img.example.cn/lamp.jpg" in ticket["content"]

    seen = (await api.get(f"/open311/v2/requests/{number}.json")).json[0]
    assert seen == {**seen, "status": "open", "agency_responsible": None, "service_code": "cgj",
                    "service_name": "紫阳县城市管理执法局", "address": "紫阳县城关镇新华街12号", "lat": 32.520176,
                    "long": 108.537788, "media_url": "https://img.example.cn/lamp.jpg", "expected_datetime": None}
    assert seen["requested_datetime"].endswith("+08:00") and "13800005678" not in str(seen)

    await act(operator, number, "dispatch", {"department": "cgj"})
    sent = (await api.get(f"/open311/v2/requests/{number}.json")).json[0]
    assert sent["agency_responsible"] == "紫阳县城市管理执法局" and sent["expected_datetime"] > sent["requested_datetime"]
    unit = await staff(api, "cgj_a")
    await act(unit, number, "reply", {"text": "已更换新华街三盏路灯，当晚恢复照明"})
    await act(operator, number, "accept-reply", {})
    await act(operator, number, "callback", {"satisfaction": "满意"})
    await act(operator, number, "close", {})
    closed = (await api.get(f"/open311/v2/requests/{number}.json")).json[0]
    assert closed["status"] == "closed" and "已更换新华街三盏路灯" in closed["status_notes"]
    assert (await api.get(f"/open311/v2/tokens/{answer['token']}.json")).json == [
        {"service_request_id": number, "token": answer["token"]}]


async def test_requests_without_a_valid_key_or_service_or_phone_are_refused_in_chinese(api, seeded, svc):
    key = await open311_keys.create_key(svc, "ziyang", "市城管平台")
    assert (await post_request(api, **report(""))).json == [{"code": 403, "description": "缺少或无效的接口密钥 api_key"}]
    assert (await post_request(api, **report(key + "x"))).status == 403
    unknown = await post_request(api, **report(key, service_code="potholes"))
    assert unknown.status == 400 and unknown.json == [{"code": 400, "description": "未知的服务代码：potholes"}]
    no_phone = await post_request(api, **report(key, phone=""))
    assert no_phone.status == 400 and "联系电话" in no_phone.json[0]["description"]
    nowhere = {k: v for k, v in report(key).items() if k not in ("lat", "long", "address_string")}
    assert "位置" in (await post_request(api, **nowhere)).json[0]["description"]
    bad_phone = await post_request(api, **report(key, phone="12"))
    assert bad_phone.status == 400 and "号码" in bad_phone.json[0]["description"]
    await open311_keys.revoke_key(svc, key)
    assert (await post_request(api, **report(key))).status == 403
    assert await svc.db.hotline_tickets.count_documents({}) == 0


async def test_the_request_list_filters_by_status_service_and_period_and_hides_phone_tickets(api, seeded, svc, clock):
    key = await open311_keys.create_key(svc, "ziyang", "市城管平台")
    lamp = (await post_request(api, **report(key))).json[0]["service_request_id"]
    clock.advance(days=1)
    advice = (await post_request(api, **report(key, service_code="suggestion", description="建议在汉江边多设几处垃圾桶")
                                 )).json[0]["service_request_id"]
    operator = await staff(api, "operator")
    phoned = (await register(operator))["number"]
    listed = (await api.get("/open311/v2/requests.json")).json
    assert [r["service_request_id"] for r in listed] == [advice, lamp] and phoned not in str(listed)
    by_code = (await api.get("/open311/v2/requests.json?service_code=suggestion")).json
    assert [r["service_request_id"] for r in by_code] == [advice]
    early = (await api.get("/open311/v2/requests.json?" + urlencode({"end_date": "2026-11-23T23:59:59+08:00"}))).json
    assert [r["service_request_id"] for r in early] == [lamp]
    assert (await api.get("/open311/v2/requests.json?status=closed")).json == []
    both = (await api.get(f"/open311/v2/requests.json?service_request_id={lamp},{phoned}")).json
    assert [r["service_request_id"] for r in both] == [lamp]
    bad = await api.get("/open311/v2/requests.json?status=pending")
    assert bad.status == 400 and bad.json[0]["code"] == 400


async def test_the_xml_variants_answer_the_same_content(api, seeded):
    services = await api.get("/open311/v2/services.xml")
    assert services.headers["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(services.body)
    assert root.tag == "services" and "cgj" in [s.findtext("service_code") for s in root.findall("service")]
    assert root.find("service").findtext("metadata") == "false"
    error = ElementTree.fromstring((await api.get("/open311/v2/requests/610924-20261123-09999.xml")).body)
    assert error.tag == "errors" and error.find("error").findtext("code") == "404"


@pytest.fixture
def settings(settings, fake_wechat):
    from dataclasses import replace

    return replace(settings, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
                   wechat_api_base=fake_wechat.base_url)


async def test_a_citizen_leaves_a_message_with_a_photo_and_follows_it_while_others_cannot(api, seeded, fake_wechat):
    from tests.integration.test_citizen_cases import png

    me = await citizen(api, fake_wechat, "m1", "oCitizenWang0001")
    photo = await me.request("POST", "/api/v1/uploads?filename=road.png", raw=png(),
                             headers={"Content-Type": "image/png"})
    body = {"content": "洞河镇到县城的村道塌方，车过不去", "phone": "13900001111", "township": "donghe",
            "photos": [photo.json["id"]], "location": {"lat": 32.41, "lng": 108.71, "address": "洞河镇村道"}}
    sent = await me.post("/api/v1/hotline/messages", body)
    assert sent.status == 201, sent.json
    number = sent.json["number"]
    assert sent.json == {**sent.json, "state_label": "已登记", "photos": 1, "reply": None,
                         "township": {"code": "donghe", "name": "洞河镇"}}
    mine = (await me.get("/api/v1/hotline/messages")).json["items"]
    assert [m["number"] for m in mine] == [number]
    assert (await me.get(f"/api/v1/hotline/messages/{number}")).json["state"] == "registered"
    operator = await staff(api, "operator")
    ticket = (await operator.get(f"/api/v1/hotline/tickets/{number}")).json
    assert ticket["channel_label"] == "阳光365小程序" and ticket["photos"] == [photo.json["id"]]
    other = await citizen(api, fake_wechat, "m2", "oCitizenZhao0002")
    assert (await other.get(f"/api/v1/hotline/messages/{number}")).status == 404
    assert (await other.get("/api/v1/hotline/messages")).json["items"] == []
    assert (await operator.post("/api/v1/hotline/messages", body)).status == 403
