"""A citizen applies from the mini-program: WeChat sign-in, submission, supplement, claim by QR code."""

import io
from dataclasses import replace

import pytest
from PIL import Image

from tests.integration.test_case_pipeline import APPLICANT, code_of, staff


@pytest.fixture
def settings(settings, fake_wechat):
    return replace(settings, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
                   wechat_api_base=fake_wechat.base_url)


async def citizen(api, fake_wechat, code, openid):
    fake_wechat.register_code(code, openid)
    client = api.as_anonymous()
    login = await client.post("/api/v1/citizen/login", {"code": code})
    assert login.status == 200, login.json
    client.token = login.json["token"]
    return client


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


async def test_a_citizen_applies_online_hands_in_missing_materials_and_follows_progress(api, seeded, fake_wechat):
    me = await citizen(api, fake_wechat, "c1", "oCitizenZhang0001")
    body = {"item_code": await code_of(api, "个体工商户设立登记"), "applicant": APPLICANT,
            "materials": [{"name": "个体工商户登记（备案）申请书"}]}
    assert (await me.post("/api/v1/cases", body)).status == 422  # the idempotency key is required
    first = await me.post("/api/v1/cases", body, headers={"Idempotency-Key": "form-1"})
    assert first.status == 201 and first.json["channel_label"] == "阳光365小程序" and first.json["query_code"]
    retry = await me.post("/api/v1/cases", body, headers={"Idempotency-Key": "form-1"})
    number = first.json["number"]
    assert retry.json["number"] == number
    clerk = await staff(api, "clerk_a")
    waiting = (await clerk.get("/api/v1/queues/intake")).json["entries"]
    assert number in [e["number"] for e in waiting]
    await clerk.post(f"/api/v1/cases/{number}/supplement", {"materials": ["经营场所使用证明"]})
    progress = (await me.get(f"/api/v1/cases/{number}/progress")).json
    assert progress["state_label"] == "待补正" and progress["missing_materials"] == ["经营场所使用证明"]
    upload = await me.request("POST", "/api/v1/uploads?filename=lease.png", raw=png(), headers={"Content-Type": "image/png"})
    resubmitted = await me.post(f"/api/v1/cases/{number}/resubmit",
                                {"note": "已补齐", "materials": [{"name": "经营场所使用证明", "file_id": upload.json["id"]}]})
    assert resubmitted.json["state_label"] == "待受理"
    staff_view = (await clerk.get(f"/api/v1/cases/{number}")).json
    assert any(m["name"] == "经营场所使用证明" and m["file_id"] == upload.json["id"] for m in staff_view["materials"])
    accepted = await clerk.post(f"/api/v1/cases/{number}/accept", {})
    assert accepted.json["state"] == "in_review"
    mine = (await me.get("/api/v1/my/cases")).json
    assert [c["number"] for c in mine["items"]] == [number] and mine["items"][0]["state_label"] == "审批中"


async def test_another_citizen_cannot_see_the_case_until_they_claim_it_with_the_receipt_code(api, seeded, fake_wechat):
    clerk = await staff(api, "clerk_a")
    case = (await clerk.post("/api/v1/cases", {"item_code": await code_of(api, "结婚登记"), "applicant": APPLICANT,
                                               "accept": True})).json
    other = await citizen(api, fake_wechat, "c2", "oCitizenLi0002")
    assert (await other.get(f"/api/v1/cases/{case['number']}/progress")).status == 404
    assert (await other.post(f"/api/v1/cases/{case['number']}/withdraw", {})).status == 403
    claimed = await other.post(f"/api/v1/cases/{case['number']}/claim", {"query_code": case["query_code"]})
    assert claimed.status == 200 and claimed.json["applicant_name"] == "张*丰"
    assert (await other.get(f"/api/v1/cases/{case['number']}/progress")).status == 200
    assert [c["number"] for c in (await other.get("/api/v1/my/cases")).json["items"]] == [case["number"]]
