"""Bad reviews (差评整改) on the real store: the task, its yellow and red cards, the callback, one appeal."""

from dataclasses import replace

import pytest

from tests.integration.test_case_pipeline import APPLICANT, code_of, staff
from tests.integration.test_citizen_cases import citizen
from tests.integration.test_satisfaction_ratings import sweep_now


@pytest.fixture
def settings(settings, fake_wechat):
    return replace(settings, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
                   wechat_api_base=fake_wechat.base_url)


async def bad_review(api, fake_wechat):
    me = await citizen(api, fake_wechat, "b1", "oUnhappy0001")
    body = {"item_code": await code_of(api, "个体工商户设立登记"), "applicant": APPLICANT,
            "materials": [{"name": "个体工商户登记（备案）申请书"}]}
    number = (await me.post("/api/v1/cases", body, headers={"Idempotency-Key": "bad-1"})).json["number"]
    await (await staff(api, "clerk_a")).post(f"/api/v1/cases/{number}/accept", {})
    rated = await me.post(f"/api/v1/cases/{number}/ratings",
                          {"stage": "accepted", "level": 1, "reasons": ["服务态度差"], "text": "窗口人员不耐烦"})
    assert rated.status == 201
    return me, number


async def cards(svc, number) -> dict:
    found = await svc.db.cards.find({"number": number}).to_list(None)
    return {c["_id"].split(":", 2)[2]: c["status"] for c in found if c["kind"].startswith("rectification")}


async def test_a_bad_review_needs_a_reason_and_the_rectification_runs_to_yellow_and_red_cards(api, seeded, svc, clock,
                                                                                             fake_wechat):
    me, number = await bad_review(api, fake_wechat)
    supervisor = await staff(api, "supervisor")
    [task] = (await supervisor.get("/api/v1/satisfaction/bad-reviews")).json["items"]
    assert (task["number"], task["department"], task["status_label"]) == (number, "zwfw", "待整改")
    assert task["due_at"].startswith("2026-11-30") and "工作日" in task["due_explanation"]
    mine = (await me.get(f"/api/v1/cases/{number}/ratings")).json["stages"][0]["rectification"]
    assert mine["status_label"] == "待整改" and not mine["can_appeal"]
    approver = await staff(api, "scjgj_a")  # another department: sees none of it
    assert (await approver.get("/api/v1/satisfaction/bad-reviews")).json["items"] == []
    refused = await approver.post(f"/api/v1/satisfaction/bad-reviews/{number}/accepted/rectify", {"measures": "不是我们的"})
    assert refused.status == 403

    clock.advance(days=4)  # Friday 27 November: two working days left
    await sweep_now(svc)
    assert await cards(svc, number) == {}
    clock.advance(days=2)  # Sunday 29 November: only the last working day is left
    await sweep_now(svc)
    assert await cards(svc, number) == {"rectify-accepted:yellow": "open"}
    clock.advance(days=2)  # Tuesday 1 December: overdue
    await sweep_now(svc)
    assert await cards(svc, number) == {"rectify-accepted:yellow": "open", "rectify-accepted:red": "open"}
    violations = await svc.db.violations.find({"number": number}).to_list(None)
    assert "rectification_overdue" in {v["card_kind"] for v in violations}
    supervisor = await staff(api, "supervisor")  # a new day, a new session
    red = (await supervisor.get("/api/v1/supervision/cards?status=open")).json["items"]
    assert any(c["kind_label"] == "差评整改超期" for c in red)

    manager = await staff(api, "manager")
    done = await manager.post(f"/api/v1/satisfaction/bad-reviews/{number}/accepted/rectify",
                              {"measures": "已约谈窗口人员并组织服务礼仪培训"})
    assert done.json["status_label"] == "已整改，待回访"
    assert set((await cards(svc, number)).values()) == {"closed"}
    assert (await manager.post(f"/api/v1/satisfaction/bad-reviews/{number}/accepted/rectify",
                               {"measures": "再报一次"})).status == 409


async def test_the_callback_closes_it_and_the_citizen_may_appeal_once(api, seeded, svc, fake_wechat):
    me, number = await bad_review(api, fake_wechat)
    base = f"/api/v1/satisfaction/bad-reviews/{number}/accepted"
    survey = await staff(api, "survey")
    early = await survey.post(base + "/callback", {"outcome": "resolved"})
    assert early.status == 409
    assert (await me.post(f"/api/v1/cases/{number}/ratings/accepted/appeal", {"reason": "还没整改"})).status == 409
    await (await staff(api, "manager")).post(base + "/rectify", {"measures": "已当面致歉并改进叫号流程"})
    closed = await survey.post(base + "/callback", {"outcome": "unresolved", "note": "群众认为仍需改进"})
    assert closed.json["status_label"] == "已办结" and closed.json["outcome_label"] == "群众仍不满意"
    assert (await me.get(f"/api/v1/cases/{number}/ratings")).json["stages"][0]["rectification"]["can_appeal"]

    appealed = await me.post(f"/api/v1/cases/{number}/ratings/accepted/appeal", {"reason": "整改只是口头道歉"})
    assert appealed.status == 200 and appealed.json["status_label"] == "申诉复核中"
    second = await me.post(f"/api/v1/cases/{number}/ratings/accepted/appeal", {"reason": "再申诉一次"})
    assert second.status == 409 and "只能申诉一次" in second.error["message"]
    assert await svc.db.rectification_appeals.count_documents({}) == 1

    supervisor = await staff(api, "supervisor")
    upheld = await supervisor.post(base + "/appeal-decision", {"upheld": True, "note": "整改不到位，重新整改"})
    assert upheld.json["status_label"] == "待整改" and upheld.json["round"] == 2
    reopened = (await supervisor.get("/api/v1/satisfaction/bad-reviews?status=open")).json["items"]
    assert [t["number"] for t in reopened] == [number]
    after = (await me.get(f"/api/v1/cases/{number}/ratings")).json["stages"][0]["rectification"]
    assert not after["can_appeal"]
