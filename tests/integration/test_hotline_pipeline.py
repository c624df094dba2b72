"""The 12345 hotline end to end over HTTP on the real store: one numbering, one clock, one trail."""

from datetime import datetime

from backend.domain.trail import event_from_document, verify_chain
from backend.services import casework
from backend.store import snapshots
from tests.conftest import ApiClient

CALLER = "13800001234"
APPLICANT = {"name": "张三丰", "id_number": "610924199001011233"}


async def staff(api, username) -> ApiClient:
    client = api.as_anonymous()
    await client.login(username)
    return client


async def register(client, **body):
    payload = {"caller_phone": CALLER, "caller_name": "张三丰", "type": "complaint", "channel": "phone",
               "content": "城关镇新桥社区门口的饭店油烟直排，熏得居民没法开窗", "township": "chengguan", **body}
    response = await client.post("/api/v1/hotline/tickets", payload)
    assert response.status == 201, response.json
    return response.json


async def act(client, number, action, body=None, status=200):
    response = await client.post(f"/api/v1/hotline/tickets/{number}/{action}", body or {})
    assert response.status == status, response.json
    return response.json


def labels(view):
    return [event["label"] for event in view["timeline"]]


async def test_a_consultation_is_answered_from_the_knowledge_base_and_the_article_is_recorded(api, seeded, svc):
    operator = await staff(api, "operator")
    found = (await operator.get("/api/v1/hotline/kb?q=政务中心周末办公时间")).json["results"]
    assert found[0]["id"] == "kb-hours" and found[0]["kind"] == "article"
    ticket = await register(operator, type="consult", content="请问县政务服务中心周末开不开门？")
    number = ticket["number"]
    assert ticket["state"] == "registered" and number.startswith("610924-20261123-")
    assert ticket["suggestion"]["department"] == "zwfw"
    answered = await act(operator, number, "answer", {"source": "article", "id": "kb-hours"})
    assert answered["state"] == "answered"
    assert answered["answer"] == {"source": "article", "id": "kb-hours", "title": "县政务服务中心办公时间与节假日安排"}
    await act(operator, number, "callback", {"satisfaction": "非常满意"})
    closed = await act(operator, number, "close", {})
    assert labels(closed) == ["受理登记", "当场答复", "回访", "办结"]
    rating = await svc.db.ratings.find_one({"_id": f"ziyang:{number}"})
    assert rating["source"] == "hotline" and rating["level"] == "非常满意"


async def test_a_guide_from_the_power_list_answers_as_you_type(api, seeded):
    operator = await staff(api, "operator")
    found = (await operator.get("/api/v1/hotline/kb?q=营业执照")).json["results"]
    assert any(r["kind"] == "guide" and r["title"] == "个体工商户设立登记" for r in found[:3])
    ticket = await register(operator, type="consult", content="开个体小店要办什么照")
    guide = next(r for r in found if r["kind"] == "guide")
    answered = await act(operator, ticket["number"], "answer", {"source": "guide", "id": guide["id"]})
    assert answered["answer"]["source"] == "guide" and answered["answer"]["title"] == guide["title"]


async def test_a_complaint_runs_through_dispatch_return_redispatch_reply_review_callback_and_close(api, seeded, svc, clock):
    operator, market, ecology = await staff(api, "operator"), await staff(api, "scjgj_a"), await staff(api, "sthj_a")
    number = (await register(operator))["number"]
    sent = await act(operator, number, "dispatch", {"department": "scjgj", "note": "请核实处理"})
    assert sent["state"] == "dispatched" and sent["target"]["name"] == "紫阳县市场监督管理局"
    assert datetime.fromisoformat(sent["due_at"]) > datetime.fromisoformat(sent["return_due_at"])
    queue = (await market.get("/api/v1/hotline/queue")).json["entries"]
    assert [e["number"] for e in queue] == [number]
    seen = (await market.get(f"/api/v1/hotline/tickets/{number}")).json
    assert seen["caller"]["phone"] == "138****1234"
    assert (await ecology.get(f"/api/v1/hotline/tickets/{number}")).status == 403
    assert (await act(ecology, number, "reply", {"text": "已处理"}, status=403))["error"]["code"] == "wrong_unit"
    clock.advance(hours=2)
    for client, username in ((operator, "operator"), (market, "scjgj_a")):
        await client.login(username)  # sessions end after 30 idle minutes
    returned = await act(market, number, "return", {"reason": "餐饮油烟污染属于生态环境部门职责"})
    assert returned["state"] == "returned" and returned["timeline"][-1]["reason"] == "餐饮油烟污染属于生态环境部门职责"
    assert (await market.get("/api/v1/hotline/queue")).json["entries"] == []
    again = await act(operator, number, "dispatch", {"department": "sthj"})
    assert again["dispatch_count"] == 2
    clock.advance(days=2)
    for client, username in ((operator, "operator"), (ecology, "sthj_a")):
        await client.login(username)  # sessions last 12 hours
    replied = await act(ecology, number, "reply", {"text": "已现场检查，责令饭店三日内安装油烟净化器"})
    assert replied["state"] == "replied" and replied["reply"]["late"] is False
    reviewed = await act(operator, number, "accept-reply", {})
    assert reviewed["state"] == "reply_accepted"
    called = await act(operator, number, "callback", {"satisfaction": "满意", "note": "来电人表示油烟已减少"})
    assert called["state"] == "called_back" and called["satisfaction"] == "满意"
    closed = await act(operator, number, "close", {})
    assert labels(closed) == ["受理登记", "派单（紫阳县市场监督管理局）", "承办单位退单", "派单（安康市生态环境局紫阳分局）",
                              "承办单位答复", "答复审核通过", "回访", "办结"]
    steps = [s async for s in svc.db.case_steps.find({"number": number})]
    assert {s["kind"] for s in steps} == {"ticket"} and len(steps) == 8
    events = [event_from_document(e) for s in sorted(steps, key=lambda s: s["_id"]) for e in snapshots.unpack(s)["events"]]
    assert verify_chain(number, events) == [] and [e.hash for e in events] == [e["hash"] for e in closed["timeline"]]
    rating = await svc.db.ratings.find_one({"_id": f"ziyang:{number}"})
    assert (rating["department"], rating["level"], rating["staff"]) == ("sthj", "满意", "ziyang:sthj_a")
    figures = (await operator.get("/api/v1/hotline/stats?from=2026-11-23&to=2026-11-23")).json
    assert figures["tickets"] == 1 and figures["by_type"]["complaint"] == 1 and figures["calls_answered"] == 1
    assert figures["on_time_rate"] == 1.0 and figures["callback_rate"] == 1.0 and figures["satisfaction"]["满意"] == 1


async def test_a_unit_cannot_return_a_ticket_after_its_return_limit(api, seeded, clock):
    operator, market = await staff(api, "operator"), await staff(api, "scjgj_a")
    number = (await register(operator))["number"]
    await act(operator, number, "dispatch", {"department": "scjgj"})
    clock.advance(days=3)
    await market.login("scjgj_a")
    refused = await act(market, number, "return", {"reason": "不归我们管"}, status=409)
    assert refused["error"]["code"] == "return_too_late" and "退单时限" in refused["error"]["message"]


async def test_an_overdue_ticket_is_found_by_its_due_time_and_supervised(api, seeded, clock):
    operator, manager = await staff(api, "operator"), await staff(api, "manager")
    late = (await register(operator))["number"]
    urgent = (await register(operator, type="help", urgency="urgent", content="洞河镇有老人走失，家属求助"))["number"]
    await act(operator, late, "dispatch", {"department": "scjgj"})
    sent = await act(operator, urgent, "dispatch", {"township": "donghe"})
    assert sent["target"] == {"kind": "township", "code": "donghe", "name": "洞河镇"}
    assert (datetime.fromisoformat(sent["due_at"]) - datetime.fromisoformat(sent["registered_at"])).total_seconds() == 24 * 3600
    early = await act(operator, late, "supervise", {}, status=409)
    assert early["error"]["code"] == "not_overdue"
    clock.advance(hours=25)
    await operator.login("operator")
    assert (await operator.get("/api/v1/hotline/overdue")).json["numbers"] == [urgent]
    clock.advance(days=30)
    await operator.login("operator")
    await manager.login("manager")
    assert sorted((await operator.get("/api/v1/hotline/overdue")).json["numbers"]) == sorted([late, urgent])
    supervised = await act(operator, late, "supervise", {"note": "请于今日内答复"})
    assert supervised["timeline"][-1]["label"] == "督办（紫阳县市场监督管理局）" and supervised["supervised_count"] == 1
    swept = await manager.post("/api/v1/hotline/overdue", {})
    assert swept.json == {"supervised": 1}  # the other one was supervised by hand today already
    assert (await manager.post("/api/v1/hotline/overdue", {})).json == {"supervised": 0}  # once a day
    system = (await operator.get(f"/api/v1/hotline/tickets/{urgent}")).json["timeline"][-1]
    assert system["type"] == "TicketSupervised" and system["actor_role"] == "系统"
    queue = (await operator.get("/api/v1/hotline/queue")).json
    assert queue["overdue"] == 2 and all(e["overdue"] for e in queue["entries"][:2])


async def test_an_application_ticket_becomes_a_case_that_links_back(api, seeded, svc):
    operator = await staff(api, "operator")
    ticket = await register(operator, type="application", content="我和未婚妻想申请结婚登记，怎么办理")
    number = ticket["number"]
    code = next(i["code"] for i in (await operator.get("/api/v1/items?q=结婚登记")).json["items"] if i["name"] == "结婚登记")
    converted = await act(operator, number, "convert", {"item_code": code, "applicant": APPLICANT})
    case_number = converted["case_number"]
    assert converted["state"] == "converted" and case_number != number
    assert labels(converted)[-1] == "转为办件"
    case = (await operator.get(f"/api/v1/cases/{case_number}")).json
    assert case["links"] == {"ticket": number} and case["channel"] == "hotline"
    assert case["applicant"]["phone"] == CALLER and case["item_name"] == "结婚登记"
    history = (await operator.get(f"/api/v1/hotline/callers/{CALLER}/history")).json["entries"]
    assert {(e["kind"], e["number"]) for e in history} == {("ticket", number), ("case", case_number)}
    again = await act(operator, number, "convert", {"item_code": code, "applicant": APPLICANT}, status=409)
    assert again["error"]["code"] == "illegal_transition"
    assert await svc.db.cases.count_documents({"tenant": "ziyang"}) == 1


async def test_the_supervisor_reads_but_cannot_act(api, seeded):
    operator, supervisor = await staff(api, "operator"), await staff(api, "supervisor")
    number = (await register(operator))["number"]
    assert (await supervisor.get(f"/api/v1/hotline/tickets/{number}")).status == 200
    refused = await act(supervisor, number, "dispatch", {"department": "scjgj"}, status=403)
    assert refused["error"]["message"]


async def test_a_step_stored_by_a_writer_that_died_is_repaired_on_the_next_read(api, seeded, svc):
    from hotline.domain import tickets as ticket_rules
    from hotline.services import tickets

    operator = await staff(api, "operator")
    number = (await register(operator))["number"]
    ticket, _ = await tickets.load(svc, "ziyang", number)
    actor = await casework.staff_actor(svc, (await operator.get("/api/v1/auth/me")).json, "operator")
    step = ticket_rules.dispatch(ticket, actor, svc.now(), "department", "scjgj", "紫阳县市场监督管理局", svc.now(), svc.now())
    await svc.db.case_steps.insert_one({"_id": casework.step_id("ziyang", number, 2), "tenant": "ziyang", "number": number,
                                        "first_seq": 2, "kind": "ticket",
                                        "events": [ticket_rules.trail.event_to_document(e) for e in step.events]})
    view = (await operator.get(f"/api/v1/hotline/tickets/{number}")).json
    assert view["state"] == "dispatched" and view["version"] == 2
    assert (await svc.db.hotline_tickets.find_one({"_id": f"ziyang:{number}"}))["version"] == 2
