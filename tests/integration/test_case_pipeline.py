"""The case pipeline end to end over HTTP on the real store: every kind, every channel, the timeline."""

import pytest

from backend.services import notifications, notify_worker, vault
from tests.conftest import ApiClient

APPLICANT = {"name": "张三丰", "id_number": "610924199001011233", "phone": "13800001234"}
ITEMS = {
    "promised": "个体工商户设立登记",
    "immediate": "结婚登记",
    "joint": "开办餐饮店一件事",
    "report_up": "采矿权新立登记",
    "township": "高龄老人生活补贴申请",
}


async def code_of(api, name):
    found = (await api.get(f"/api/v1/items?q={name}&page_size=50")).json["items"]
    return next(i["code"] for i in found if i["name"] == name)


async def staff(api, username) -> ApiClient:
    client = api.as_anonymous()
    await client.login(username)
    return client


async def walk_in(api, clerk, item_name, *, delivery=None, accept=True, **extra):
    body = {"item_code": await code_of(api, item_name), "applicant": APPLICANT,
            "materials": [{"name": "身份证", "copies": 1}], "accept": accept, **extra}
    if delivery:
        body["delivery"] = delivery
    response = await clerk.post("/api/v1/cases", body)
    assert response.status == 201, response.json
    return response.json


def labels(view):
    return [event["label"].split("（")[0] for event in view["timeline"]]


async def test_a_promised_item_runs_from_window_to_department_to_delivery(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    case = await walk_in(api, clerk, ITEMS["promised"])
    number = case["number"]
    assert case["state"] == "in_review" and case["tasks"][0]["department"] == "scjgj"
    assert case["due_at"] is not None and case["number"].startswith("610924-")
    queue = (await approver.get("/api/v1/queues/tasks")).json["tasks"]
    assert [t["number"] for t in queue] == [number]
    approved = await approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "材料齐全，符合条件"})
    assert approved.json["state"] == "approved"
    assert (await approver.get("/api/v1/queues/tasks")).json["tasks"] == []
    done = await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "张三丰"})
    assert done.json["state"] == "delivered"
    assert labels(done.json) == ["提交申请", "窗口受理", "分派部门审批", "部门审批同意", "准予办理", "已送达，办结"]
    assert all(e["hash"] for e in done.json["timeline"])


async def test_an_immediate_item_is_finished_at_the_window_in_the_same_visit(api, seeded):
    clerk = await staff(api, "clerk2_a")
    case = await walk_in(api, clerk, ITEMS["immediate"])
    assert case["state"] == "accepted" and case["tasks"] == []
    decided = await clerk.post(f"/api/v1/cases/{case['number']}/decide-at-window", {"approve": True})
    assert decided.json["state"] == "approved"
    done = await clerk.post(f"/api/v1/cases/{case['number']}/confirm-delivery", {"received_by": "本人"})
    assert done.json["state"] == "delivered"


async def test_a_joint_item_goes_to_every_department_at_once_and_one_refusal_refuses_it(api, seeded):
    clerk = await staff(api, "clerk_a")
    case = await walk_in(api, clerk, ITEMS["joint"])
    number = case["number"]
    assert sorted(t["department"] for t in case["tasks"]) == ["cgj", "scjgj", "sthj"]
    assert len({t["opened_at"] for t in case["tasks"]}) == 1  # 并联: the same moment
    market, urban = await staff(api, "scjgj_a"), await staff(api, "cgj_a")
    assert (await market.post(f"/api/v1/cases/{number}/approve", {})).json["state"] == "in_review"
    refused = await urban.post(f"/api/v1/cases/{number}/refuse", {"reason": "门前占道经营，不符合市容要求"})
    body = refused.json
    assert body["state"] == "refused" and body["outcome_reason"] == "门前占道经营，不符合市容要求"
    states = {t["department"]: t["state"] for t in body["tasks"]}
    assert states == {"scjgj": "approved", "cgj": "refused", "sthj": "cancelled"}


async def test_a_joint_item_is_approved_when_all_departments_approve(api, seeded):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, ITEMS["joint"]))["number"]
    for username in ("scjgj_a", "cgj_a", "sthj_a"):
        last = await (await staff(api, username)).post(f"/api/v1/cases/{number}/approve", {})
    assert last.json["state"] == "approved"


async def test_a_report_up_item_is_forwarded_and_the_reply_recorded_before_delivery(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "zrzyj_a")
    number = (await walk_in(api, clerk, ITEMS["report_up"], delivery={"method": "post", "address": "紫阳县城关镇1号"}))["number"]
    await approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "县级初审同意"})
    early = await clerk.post(f"/api/v1/cases/{number}/send-result", {"tracking_number": "EA123456789CN"})
    assert early.status == 409 and "上报" in early.error["message"]
    forwarded = await approver.post(f"/api/v1/cases/{number}/forward", {})
    assert forwarded.json["state"] == "forwarded"
    replied = await approver.post(f"/api/v1/cases/{number}/record-reply", {"approved": True, "reference": "安自然资发〔2026〕12号"})
    assert replied.json["reply_reference"] == "安自然资发〔2026〕12号"
    sent = await clerk.post(f"/api/v1/cases/{number}/send-result", {"tracking_number": "EA123456789CN"})
    assert sent.json["state"] == "delivering" and sent.json["tracking_number"] == "EA123456789CN"
    done = await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {})
    assert done.json["state"] == "delivered"
    assert "报送上级机关" in labels(done.json) and "登记上级批复" in labels(done.json)


async def test_the_window_refuses_to_accept_with_a_reason_and_the_citizen_sees_it(api, seeded):
    clerk = await staff(api, "clerk_a")
    case = await walk_in(api, clerk, ITEMS["promised"], accept=False)
    number = case["number"]
    assert (await clerk.post(f"/api/v1/cases/{number}/reject", {"reason": ""})).status == 422
    rejected = await clerk.post(f"/api/v1/cases/{number}/reject", {"reason": "不属于本中心受理范围"})
    assert rejected.json["state"] == "rejected"
    public = await api.as_anonymous().get(f"/api/v1/cases/{number}/progress?code={case['query_code']}")
    assert public.json["state_label"] == "不予受理" and public.json["timeline"][-1]["reason"] == "不属于本中心受理范围"


async def test_missing_materials_are_asked_for_once_and_the_resubmission_is_accepted(api, seeded):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, ITEMS["promised"], accept=False))["number"]
    asked = await clerk.post(f"/api/v1/cases/{number}/supplement", {"materials": ["经营场所使用证明", "经营者身份证明"]})
    assert asked.json["state"] == "supplement_requested"
    assert asked.json["missing_materials"] == ["经营场所使用证明", "经营者身份证明"]
    more = await clerk.post(f"/api/v1/cases/{number}/supplement", {"materials": ["营业执照"]})
    assert more.status == 409
    await clerk.post(f"/api/v1/cases/{number}/resubmit", {"note": "已补齐"})
    accepted = await clerk.post(f"/api/v1/cases/{number}/accept", {})
    assert accepted.json["state"] == "in_review"
    assert labels(accepted.json)[:5] == ["提交申请", "一次性告知补正", "补正后重新提交", "窗口受理", "分派部门审批"]


async def test_an_information_officer_submits_for_a_villager_and_the_proxy_is_recorded(api, seeded):
    officer = await staff(api, "officer_haoping")
    body = {"item_code": await code_of(api, ITEMS["township"]), "township": "haoping", "applicant": APPLICANT,
            "materials": [{"name": "户口簿"}]}
    response = await officer.post("/api/v1/cases", body, headers={"Idempotency-Key": "proxy-1"})
    assert response.status == 201, response.json
    case = response.json
    assert case["channel"] == "proxy" and case["centre"] == "haoping"
    assert case["submitted_by"]["id"] == "ziyang:officer_haoping" and case["applicant"]["name"] == "张三丰"
    mine = (await officer.get("/api/v1/my/cases")).json
    assert [c["number"] for c in mine["items"]] == [case["number"]]
    town_clerk = await staff(api, "haoping_clerk")
    waiting = (await town_clerk.get("/api/v1/queues/intake")).json["entries"]
    assert [e["number"] for e in waiting] == [case["number"]]
    county_clerk = await staff(api, "clerk_a")
    assert (await county_clerk.post(f"/api/v1/cases/{case['number']}/accept", {})).status == 403
    accepted = await town_clerk.post(f"/api/v1/cases/{case['number']}/accept", {})
    assert accepted.json["state"] == "in_review" and accepted.json["tasks"][0]["department"] == "mzj"


async def test_a_township_window_cannot_take_county_only_items(api, seeded):
    town_clerk = await staff(api, "haoping_clerk")
    body = {"item_code": await code_of(api, ITEMS["promised"]), "applicant": APPLICANT}
    response = await town_clerk.post("/api/v1/cases", body)
    assert response.status == 403 and "县政务服务中心" in response.error["message"]


async def test_illegal_steps_are_refused_and_change_nothing(api, seeded):
    clerk, approver, other = await staff(api, "clerk_a"), await staff(api, "scjgj_a"), await staff(api, "mzj_a")
    case = await walk_in(api, clerk, ITEMS["promised"], accept=False)
    number = case["number"]
    early = await approver.post(f"/api/v1/cases/{number}/approve", {})
    assert early.status == 409 and "尚未受理" in early.error["message"]
    await clerk.post(f"/api/v1/cases/{number}/accept", {})
    by_clerk = await clerk.post(f"/api/v1/cases/{number}/approve", {})
    assert by_clerk.status == 403
    by_other_department = await other.post(f"/api/v1/cases/{number}/approve", {})
    assert by_other_department.status == 403 and "其他部门" in by_other_department.error["message"]
    after = (await clerk.get(f"/api/v1/cases/{number}")).json
    assert after["state"] == "in_review" and after["version"] == 3


async def test_two_clerks_accepting_at_once_one_wins_and_the_other_is_told(api, seeded):
    import asyncio

    first, second = await staff(api, "clerk_a"), await staff(api, "clerk_b")
    number = (await walk_in(api, first, ITEMS["immediate"], accept=False))["number"]
    results = await asyncio.gather(first.post(f"/api/v1/cases/{number}/accept", {}),
                                   second.post(f"/api/v1/cases/{number}/accept", {}))
    statuses = sorted(r.status for r in results)
    assert statuses == [200, 409]
    loser = next(r for r in results if r.status == 409)
    assert "已被他人处理" in loser.error["message"] or "当前状态" in loser.error["message"]
    timeline = (await first.get(f"/api/v1/cases/{number}")).json["timeline"]
    assert [e["type"] for e in timeline].count("CaseAccepted") == 1


async def test_a_retried_submission_with_the_same_key_creates_one_case(api, seeded):
    officer = await staff(api, "officer_haoping")
    body = {"item_code": await code_of(api, ITEMS["township"]), "township": "haoping", "applicant": APPLICANT}
    first = await officer.post("/api/v1/cases", body, headers={"Idempotency-Key": "same-key"})
    again = await officer.post("/api/v1/cases", body, headers={"Idempotency-Key": "same-key"})
    assert first.json["number"] == again.json["number"]
    assert (await officer.get("/api/v1/my/cases")).json["total"] == 1


@pytest.mark.parametrize("applicant, message", [
    ({"name": "李四", "id_number": "610924199001011234"}, "校验"),
    ({"name": "李四", "phone": "12345"}, "手机"),
    ({"name": ""}, "姓名"),
])
async def test_bad_applicant_details_are_refused_with_a_clear_message(api, seeded, applicant, message):
    clerk = await staff(api, "clerk_a")
    response = await clerk.post("/api/v1/cases", {"item_code": await code_of(api, ITEMS["promised"]), "applicant": applicant})
    assert response.status == 422 and message in response.error["message"]


async def test_the_progress_page_needs_the_query_code_and_shows_only_a_masked_name(api, seeded):
    clerk = await staff(api, "clerk_a")
    case = await walk_in(api, clerk, ITEMS["promised"])
    anonymous = api.as_anonymous()
    assert (await anonymous.get(f"/api/v1/cases/{case['number']}/progress")).status == 404
    from backend.domain.numbering import new_query_code

    wrong = next(c for c in iter(new_query_code, None) if c != case["query_code"].replace(" ", ""))
    assert (await anonymous.get(f"/api/v1/cases/{case['number']}/progress?code={wrong}")).status == 404
    malformed = await anonymous.get(f"/api/v1/cases/{case['number']}/progress?code=!!")
    assert malformed.status == 422 and "查询码" in malformed.error["message"]
    view = (await anonymous.get(f"/api/v1/cases/{case['number']}/progress?code={case['query_code']}")).json
    assert view["applicant_name"] == "张*丰" and APPLICANT["id_number"] not in str(view) and "13800001234" not in str(view)
    assert view["due_at"] and view["timeline"][0]["label"] == "提交申请"
    assert "actor_name" not in view["timeline"][0]


async def test_the_citizen_is_told_by_sms_when_a_walk_in_case_is_accepted_and_decided(api, seeded, svc):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    number = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    await approver.post(f"/api/v1/cases/{number}/approve", {})
    queued = await notifications.queued_for(svc, "ziyang", number)
    phone = vault.reference_of(svc, "ziyang", "tel", APPLICANT["phone"])  # the queue holds the number's reference
    assert {(n["channel"], n["to"], n["event_type"]) for n in queued} >= {
        ("sms", phone, "CaseAccepted"), ("sms", phone, "CaseApproved")}
    assert await vault.reveal_one(svc, "ziyang", phone) == APPLICANT["phone"]


async def test_staff_who_may_read_a_case_see_its_notices_and_why_a_text_message_failed(api, seeded, svc, settings):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    number = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    await approver.post(f"/api/v1/cases/{number}/approve", {})

    def rows(answer):
        assert answer.status == 200, answer.error
        return [(n["template_label"], n["channel_label"], n["to"], n["status_label"], n["attempts"], n["last_error"])
                for n in answer.json["notices"]]
    sent = ["受理通知", "评价邀请", "办理结果通知"]  # in event order: accepted (with its rating invitation), approved
    waiting = [(label, "短信", "138****1234", "待发送", 0, "") for label in sent]
    assert rows(await clerk.get(f"/api/v1/cases/{number}/notifications")) == waiting
    watched = await (await staff(api, "supervisor")).get(f"/api/v1/cases/{number}/notifications")
    assert rows(watched) == waiting and watched.json["can_resend"] is False  # the page offers no resend button

    senders = notify_worker.Senders.from_settings(settings)  # this county has set up no SMS account
    try:
        assert (await notify_worker.deliver_due(svc, senders, svc.now()))["failed"] == 3
    finally:
        senders.close()
    failed = "短信通道未配置（ALIYUN_ACCESS_KEY_ID）"
    assert rows(await approver.get(f"/api/v1/cases/{number}/notifications")) == [
        (label, "短信", "138****1234", "发送失败", 1, failed) for label in sent]

    accepted = (await clerk.get(f"/api/v1/cases/{number}/notifications")).json["notices"][0]["id"]
    supervisor = await (await staff(api, "supervisor")).post(f"/api/v1/cases/{number}/notifications/resend",
                                                             {"notice": accepted})
    assert supervisor.status == 403  # supervision watches; it does not send
    assert (await clerk.post(f"/api/v1/cases/{number}/notifications/resend", {})).status == 422
    resent = await clerk.post(f"/api/v1/cases/{number}/notifications/resend", {"notice": accepted})
    assert rows(resent)[0] == ("受理通知", "短信", "138****1234", "待发送", 1, "") and resent.json["can_resend"]
    again = await approver.post(f"/api/v1/cases/{number}/notifications/resend", {"notice": accepted})
    assert again.status == 409 and again.error["message"] == "该通知正在发送，请稍后刷新查看结果"
    [trail] = await svc.db.audit_log.find({"action": "case.notice_resent"}).to_list(None)
    assert trail["actor"] == "ziyang:clerk_a" and trail["data"] == {"number": number, "notice": accepted}

    other_centre = await (await staff(api, "haoping_clerk")).get(f"/api/v1/cases/{number}/notifications")
    assert other_centre.status == 403 and other_centre.error["code"] == "case_out_of_scope"
    assert (await api.as_anonymous().get(f"/api/v1/cases/{number}/notifications")).status == 401
    unknown = await clerk.get("/api/v1/cases/610924-20261123-99999/notifications")
    assert unknown.status == 404 and unknown.error["message"]


async def test_when_the_a_holder_is_away_open_and_new_tasks_go_to_b_and_the_handover_is_recorded(api, seeded):
    clerk, manager = await staff(api, "clerk_a"), await staff(api, "manager")
    first = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    assert (await clerk.get(f"/api/v1/cases/{first}")).json["tasks"][0]["assignee"] == "ziyang:scjgj_a"
    away = await manager.post("/api/v1/posts/d-scjgj/away", {"slot": "A", "reason": "参加培训"})
    assert away.status == 200 and away.json["handed_over"] == 1
    moved = (await clerk.get(f"/api/v1/cases/{first}")).json
    assert moved["tasks"][0]["assignee"] == "ziyang:scjgj_b"
    assert moved["timeline"][-1]["type"] == "TaskHandedOver" and moved["timeline"][-1]["reason"] == "AB岗顶岗"
    second = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    assert (await clerk.get(f"/api/v1/cases/{second}")).json["tasks"][0]["assignee"] == "ziyang:scjgj_b"
    board = {p["code"]: p for p in (await manager.get("/api/v1/posts")).json["posts"]}
    assert board["d-scjgj"]["holder_a"]["away"] is True and board["d-scjgj"]["on_duty"] == "吴婷"
    backup = await staff(api, "scjgj_b")
    assert (await backup.post(f"/api/v1/cases/{first}/approve", {})).json["state"] == "approved"
    await manager.post("/api/v1/posts/d-scjgj/back", {"slot": "A"})
    third = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    assert (await clerk.get(f"/api/v1/cases/{third}")).json["tasks"][0]["assignee"] == "ziyang:scjgj_a"


async def test_the_window_prints_a_receipt_with_the_number_query_code_and_a_qr_code(api, seeded):
    clerk = await staff(api, "clerk_a")
    case = await walk_in(api, clerk, ITEMS["promised"])
    html = await clerk.get(f"/api/v1/cases/{case['number']}/receipt.html")
    text = html.body.decode()
    assert html.status == 200 and case["number"] in text and "<svg" in text and "张*丰" in text
    assert case["query_code"] in text and "微信扫码查看办理进度" in text
    pdf = await clerk.get(f"/api/v1/cases/{case['number']}/receipt.pdf")
    assert pdf.body.startswith(b"%PDF")
    pending = await walk_in(api, clerk, ITEMS["promised"], accept=False)
    assert (await clerk.get(f"/api/v1/cases/{pending['number']}/receipt.html")).status == 409
    await clerk.post(f"/api/v1/cases/{pending['number']}/supplement", {"materials": ["经营场所使用证明"]})
    notice = await clerk.get(f"/api/v1/cases/{pending['number']}/supplement-notice.html")
    assert "经营场所使用证明" in notice.body.decode()


async def test_uploaded_materials_travel_with_the_case_and_unknown_files_stop_the_submission(api, seeded):
    import io

    from PIL import Image

    clerk = await staff(api, "clerk_a")
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, "PNG")
    uploaded = await clerk.request("POST", "/api/v1/uploads?filename=idcard.png", raw=picture.getvalue(),
                                   headers={"Content-Type": "image/png"})
    assert uploaded.status in (200, 201), uploaded.json
    file_id = uploaded.json["id"]
    case = await walk_in(api, clerk, ITEMS["promised"], materials=[{"name": "经营者身份证明", "file_id": file_id}])
    assert case["materials"][0]["file_id"] == file_id
    again = await clerk.post("/api/v1/cases", {"item_code": await code_of(api, ITEMS["promised"]), "applicant": APPLICANT,
                                               "materials": [{"name": "身份证", "file_id": "0" * 32}]})
    assert again.status == 422 and "找不到" in again.error["message"]


async def test_a_township_officer_filing_a_county_item_gets_the_number_and_staff_never_see_a_full_id_number(api, seeded):
    officer = await staff(api, "officer_haoping")
    body = {"item_code": await code_of(api, ITEMS["promised"]), "applicant": APPLICANT}
    filed = await officer.post("/api/v1/cases", body, headers={"Idempotency-Key": "county-item"})
    assert filed.status == 201 and filed.json["centre"] == "county"
    assert APPLICANT["id_number"] not in filed.body.decode()
    assert (await officer.get(f"/api/v1/cases/{filed.json['number']}")).status == 200
