"""Rating a case (好差评) on the real store: the mini-program, the window pad, the SMS link, and the default."""

from dataclasses import replace

import pytest

from backend.ops import migration_0008, migrations
from backend.services.notify_worker import Senders, deliver_due
from backend.store import lease as leases
from backend.store import schema
from backend.services import supervision_sweep
from tests.integration.test_case_pipeline import APPLICANT, code_of, staff, walk_in
from tests.integration.test_citizen_cases import citizen

SMS_RATING = "SMS_465000077"


@pytest.fixture
def settings(settings, fake_wechat, fake_aliyun):
    fake_aliyun.sms.add_template(SMS_RATING, ["item", "state", "link"])
    return replace(settings, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
                   wechat_api_base=fake_wechat.base_url, aliyun_access_key_id=fake_aliyun.access_key_id,
                   aliyun_access_key_secret=fake_aliyun.access_key_secret,
                   aliyun_sms_endpoint=f"http://{fake_aliyun.host}", aliyun_sms_templates=f"default={SMS_RATING}",
                   public_url="https://zwfw.example.cn")


async def sweep_now(svc) -> dict:
    held = await leases.acquire(svc.db, "sweep:ziyang", "test-sweeper", 600, svc.now())
    return await supervision_sweep.sweep(svc, "ziyang", held)


async def ratings(svc) -> list[dict]:
    return await svc.db.ratings.find({}).to_list(None)


async def online_case(api, me, clerk) -> str:
    body = {"item_code": await code_of(api, "个体工商户设立登记"), "applicant": APPLICANT,
            "materials": [{"name": "个体工商户登记（备案）申请书"}]}
    number = (await me.post("/api/v1/cases", body, headers={"Idempotency-Key": "rate-1"})).json["number"]
    assert (await clerk.post(f"/api/v1/cases/{number}/accept", {})).status == 200
    return number


async def test_a_citizen_rates_their_case_once_per_stage_from_the_mini_program(api, seeded, svc, fake_wechat):
    me = await citizen(api, fake_wechat, "r1", "oRater0001")
    clerk = await staff(api, "clerk_a")
    number = await online_case(api, me, clerk)

    view = (await me.get(f"/api/v1/cases/{number}/ratings")).json
    assert [(s["label"], s["reached"], s["can_rate"]) for s in view["stages"]] == [("受理", True, True), ("办结", False, False)]
    assert [level["label"] for level in view["levels"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]

    rated = await me.post(f"/api/v1/cases/{number}/ratings", {"stage": "accepted", "level": 5, "reasons": ["一次办成"]})
    assert rated.status == 201 and rated.json["level"] == "非常满意" and rated.json["source_label"] == "小程序"
    again = await me.post(f"/api/v1/cases/{number}/ratings", {"stage": "accepted", "level": 1, "text": "改主意了"})
    assert again.status == 409 and "不能重复评价" in again.error["message"]
    early = await me.post(f"/api/v1/cases/{number}/ratings", {"stage": "finished", "level": 4})
    assert early.status == 409 and "尚未办结" in early.error["message"]
    unknown = await me.post(f"/api/v1/cases/{number}/ratings", {"stage": "accepted", "level": 7})
    assert unknown.status == 422 and "评价等级" in unknown.error["message"]
    odd_reason = await me.post(f"/api/v1/cases/{number}/ratings", {"stage": "finished", "level": 4, "reasons": ["随便"]})
    assert odd_reason.status in (409, 422)
    stranger = await citizen(api, fake_wechat, "r2", "oStranger0002")
    refused = await stranger.post(f"/api/v1/cases/{number}/ratings", {"stage": "accepted", "level": 1, "text": "差"})
    assert refused.status == 403 and refused.error["message"] == "只能评价本人的办件"

    [stored] = await ratings(svc)
    assert stored["_id"] == f"ziyang:{number}:accepted" and stored["score"] == 5 and stored["source"] == "miniprogram"
    assert stored["staff"] == "ziyang:clerk_a" and stored["post"] and stored["department"] == "zwfw"
    after = (await me.get(f"/api/v1/cases/{number}/ratings")).json["stages"][0]
    assert after["rated"] and not after["can_rate"] and after["rating"]["reasons"] == ["一次办成"]


async def test_the_window_pad_paired_to_a_window_rates_the_case_the_clerk_calls_up(api, seeded, svc):
    clerk = await staff(api, "clerk2_a")
    case = await walk_in(api, clerk, "结婚登记")
    number = case["number"]
    pairing = await clerk.post("/api/v1/satisfaction/pads", {})
    assert pairing.status == 201 and len(pairing.json["code"]) == 6
    pad = api.as_anonymous()
    assert (await pad.post("/api/v1/satisfaction/pads/pair", {"code": "000000"})).status == 404
    paired = await pad.post("/api/v1/satisfaction/pads/pair", {"code": pairing.json["code"]})
    assert paired.status == 200, paired.json
    reused = await pad.post("/api/v1/satisfaction/pads/pair", {"code": pairing.json["code"]})
    assert reused.status == 404  # a pairing code works once
    token = {"X-Pad-Token": paired.json["token"]}
    assert (await pad.get("/api/v1/satisfaction/pad", headers={"X-Pad-Token": "ziyang.w01.forged"})).status == 401
    assert (await pad.get("/api/v1/satisfaction/pad", headers=token)).json["current"] is None

    too_early = await clerk.post("/api/v1/satisfaction/pads/call-up", {"number": number})
    assert too_early.status == 409  # an immediate item is rated once, when it is finished
    await clerk.post(f"/api/v1/cases/{number}/decide-at-window", {"approve": True})
    await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "本人"})
    called = await clerk.post("/api/v1/satisfaction/pads/call-up", {"number": number})
    assert called.status == 200 and called.json["current"]["stage_label"] == "办结"
    shown = (await pad.get("/api/v1/satisfaction/pad", headers=token)).json
    assert shown["current"]["number"] == number and shown["current"]["applicant"] == "张*丰"

    wrong = await pad.post("/api/v1/satisfaction/pad/ratings", {"number": "610924-20261123-99999", "level": 5}, headers=token)
    assert wrong.status == 422 and await ratings(svc) == []
    given = await pad.post("/api/v1/satisfaction/pad/ratings",
                           {"number": number, "level": 2, "reasons": ["等候时间长"], "text": "排队一个小时"}, headers=token)
    assert given.status == 201 and "整改" in given.json["thanks"]
    [stored] = await ratings(svc)
    assert (stored["source"], stored["stage"], stored["staff"], stored["staff_name"]) == (
        "window", "finished", "ziyang:clerk2_a", "刘芳")
    assert stored["post"] == pairing.json["post"]
    assert (await pad.get("/api/v1/satisfaction/pad", headers=token)).json["current"] is None
    task = await svc.db.rectifications.find_one({"_id": stored["_id"]})
    assert task["status"] == "open" and task["level"] == "不满意"


async def test_a_walk_in_applicant_rates_through_the_link_in_a_text_message(api, seeded, svc, clock, fake_aliyun):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, "个体工商户设立登记"))["number"]
    senders = Senders.from_settings(svc.settings)
    try:
        await deliver_due(svc, senders, clock())
    finally:
        senders.close()
    invitation = next(sms for sms in fake_aliyun.sent_sms if "link" in sms.params)
    assert invitation.phone_numbers == (APPLICANT["phone"],) and invitation.params["state"] == "受理环节请评价"
    link = invitation.params["link"]
    assert link.startswith("https://zwfw.example.cn/m/rate/")
    token = link.rsplit("/", 1)[1]

    anonymous = api.as_anonymous()
    view = (await anonymous.get(f"/api/v1/satisfaction/links/{token}")).json
    assert view["number"] == number and view["stage"]["label"] == "受理" and view["applicant"] == "张*丰"
    assert (await anonymous.post("/api/v1/satisfaction/links/nosuchtoken", {"level": 5})).status == 404
    page = await anonymous.get(f"/m/rate/{token}")
    assert page.status == 200 and "非常满意" in page.body.decode()
    posted = await anonymous.request("POST", f"/m/rate/{token}", raw="level=4&reasons=指引清楚".encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert posted.status == 200 and "感谢您的评价" in posted.body.decode()
    [stored] = await ratings(svc)
    assert (stored["source"], stored["score"], stored["reasons"]) == ("sms", 4, ["指引清楚"])
    twice = await anonymous.post(f"/api/v1/satisfaction/links/{token}", {"level": 1, "text": "再评一次"})
    assert twice.status == 409


async def test_a_link_texted_before_the_links_moved_still_opens_after_the_upgrade(api, seeded, svc, clock):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, "个体工商户设立登记"))["number"]
    link = await svc.db.case_index.find_one({"kind": "rating_link", "number": number})
    assert link is not None and link["stage"] == "accepted"
    # the shape before migration 0008: the link alone in rating_links, the store at the versions of then
    await svc.db.case_index.delete_one({"_id": link["_id"]})
    await svc.db.rating_links.insert_one({k: v for k, v in link.items() if k != "kind"})
    await schema.record(svc.db, {"case_index": 2, "rating_links": 1}, clock(), "test")
    await svc.db[schema.VERSIONS].delete_one({"_id": schema.migration_id(migration_0008.IDENT)})

    assert await migrations.migrate(svc, "test", report=lambda *a: None) == [migration_0008.IDENT]
    assert await svc.db.rating_links.count_documents({}) == 0
    anonymous = api.as_anonymous()
    view = await anonymous.get(f"/api/v1/satisfaction/links/{link['_id']}")
    assert view.status == 200 and view.json["number"] == number and view.json["stage"]["label"] == "受理"
    posted = await anonymous.post(f"/api/v1/satisfaction/links/{link['_id']}", {"level": 5})
    assert posted.status == 201
    assert await migrations.migrate(svc, "test", report=lambda *a: None) == []  # nothing left to do


async def test_the_default_rating_applies_when_nobody_rates_in_time_and_is_shown_apart(api, seeded, svc, clock):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, "个体工商户设立登记"))["number"]
    clock.advance(days=6, hours=23)
    await sweep_now(svc)
    assert await ratings(svc) == []
    clock.advance(hours=2)
    await sweep_now(svc)
    [stored] = await ratings(svc)
    assert stored["default"] and stored["source"] == "default" and stored["level"] == "满意"
    assert stored["_id"] == f"ziyang:{number}:accepted"
    await sweep_now(svc)  # a second sweep finds the default already there
    assert len(await ratings(svc)) == 1

    results = (await (await staff(api, "survey")).get("/api/v1/satisfaction/results?period=2026H2")).json
    assert results["county"]["rated"] == 1 and results["county"]["defaults"] == 1
    assert results["county"]["rate_without_defaults"] is None and results["county"]["sources"] == {"default": 1}


async def test_pairing_codes_cannot_be_walked_from_one_address(api, seeded, svc):
    clerk = await staff(api, "clerk_a")
    code = (await clerk.post("/api/v1/satisfaction/pads", {})).json["code"]
    guesser = api.as_anonymous()
    answers = []
    for guess in range(8):
        wrong = f"{(int(code) + 1 + guess) % 1_000_000:06d}"
        answers.append(await guesser.post("/api/v1/satisfaction/pads/pair", {"code": wrong}))
    assert [a.status for a in answers[:5]] == [404] * 5
    refused = answers[-1]
    assert refused.status == 429 and "秒后再试" in refused.error["message"]
    late = await guesser.post("/api/v1/satisfaction/pads/pair", {"code": code})
    assert late.status == 429, "the right code is no help while the address must wait"
    assert await svc.db.rating_pads.count_documents({}) == 0
