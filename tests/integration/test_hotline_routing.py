"""Hotline routing, bad input and operator work on the real store: suggestions, corrections, shifts."""

import json
import subprocess
import sys

from backend.config import PROJECT_ROOT
from tests.conftest import ApiClient

CALLER = "13800001234"
FIRE_EXIT = "快递柜占了消防通道"


async def staff(api, username) -> ApiClient:
    client = api.as_anonymous()
    await client.login(username)
    return client


async def counts(svc) -> dict:
    return {name: await svc.db[name].count_documents({}) for name in
            ("hotline_tickets", "case_steps", "case_numbers", "hotline_open", "hotline_corrections")}


def test_the_classify_command_prints_one_json_object_with_the_routing_keys():
    done = subprocess.run([sys.executable, "-m", "hotline", "classify", "我想开个小饭馆，营业执照怎么办理"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert {"department", "township", "item", "confidence", "evidence"} <= set(result)
    assert result["department"] == {"code": "scjgj", "name": "紫阳县市场监督管理局"}
    assert result["item"]["name"] == "个体工商户设立登记" and 0 < result["confidence"] <= 1
    assert any(e["word"] == "营业执照" for e in result["evidence"])


async def test_an_operators_correction_changes_the_next_suggestion(api, seeded, svc):
    operator = await staff(api, "operator")
    before = (await operator.post("/api/v1/hotline/suggest", {"text": FIRE_EXIT})).json
    assert before["department"]["code"] != "yjglj" and before["evidence"] is not None
    saved = await operator.post("/api/v1/hotline/corrections", {"text": FIRE_EXIT, "department": "yjglj"})
    assert saved.status == 201, saved.json
    after = (await operator.post("/api/v1/hotline/suggest", {"text": FIRE_EXIT})).json
    assert after["department"]["code"] == "yjglj"
    stored = await svc.db.hotline_models.find_one({"_id": "ziyang"})
    assert stored["revision"] and stored["model"]["department_counts"]


async def test_dispatching_against_the_suggestion_is_stored_as_a_correction_and_kept_by_retraining(api, seeded, svc):
    operator, manager = await staff(api, "operator"), await staff(api, "manager")
    ticket = (await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": CALLER, "type": "complaint", "content": FIRE_EXIT})).json
    assert ticket["suggestion"]["department"] != "yjglj"
    await operator.post(f"/api/v1/hotline/tickets/{ticket['number']}/dispatch", {"department": "yjglj"})
    correction = await svc.db.hotline_corrections.find_one({"tenant": "ziyang"})
    assert (correction["department"], correction["number"], correction["suggested"]) == (
        "yjglj", ticket["number"], ticket["suggestion"]["department"])
    retrained = (await manager.post("/api/v1/hotline/model/retrain", {})).json
    assert retrained["corrections"] == 1
    assert (await operator.post("/api/v1/hotline/suggest", {"text": FIRE_EXIT})).json["department"]["code"] == "yjglj"


async def test_a_ticket_without_content_or_with_a_bad_phone_is_refused_and_nothing_is_written(api, seeded, svc):
    operator = await staff(api, "operator")
    before = await counts(svc)
    empty = await operator.post("/api/v1/hotline/tickets", {"caller_phone": CALLER, "type": "complaint", "content": "  "})
    assert empty.status == 422 and empty.error["message"] == "请填写诉求内容"
    phone = await operator.post("/api/v1/hotline/tickets", {"caller_phone": "1380000", "type": "consult", "content": "问"})
    assert phone.status == 422 and "来电号码格式不正确" in phone.error["message"]
    town = await operator.post("/api/v1/hotline/tickets", {"caller_phone": CALLER, "type": "consult", "content": "问",
                                                           "township": "nowhere"})
    assert town.status == 422 and town.error["code"] == "unknown_township"
    assert await counts(svc) == before


async def test_a_dispatch_to_another_tenants_or_an_unknown_department_is_refused_and_nothing_changes(api, seeded, svc):
    await svc.db.departments.insert_one({"_id": "hanbin:hbzj", "tenant": "hanbin", "code": "hbzj", "name": "汉滨区住建局"})
    operator = await staff(api, "operator")
    number = (await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": CALLER, "type": "complaint", "content": "小区物业乱收费"})).json["number"]
    before = await counts(svc)
    for body, code in (({"department": "hbzj"}, "unknown_department"), ({"department": "nosuch"}, "unknown_department"),
                       ({"township": "hanbin:xinjian"}, "unknown_township"), ({}, "target_required")):
        refused = await operator.post(f"/api/v1/hotline/tickets/{number}/dispatch", body)
        assert refused.status == 422 and refused.error["code"] == code, refused.json
        assert "不存在或不属于本县" in refused.error["message"] or code == "target_required"
    assert await counts(svc) == before
    view = (await operator.get(f"/api/v1/hotline/tickets/{number}")).json
    assert view["state"] == "registered" and view["version"] == 1


async def test_a_window_clerk_cannot_register_tickets_and_anonymous_callers_cannot_read_them(api, seeded, svc):
    clerk = await staff(api, "clerk_a")
    refused = await clerk.post("/api/v1/hotline/tickets", {"caller_phone": CALLER, "type": "consult", "content": "问"})
    assert refused.status == 403
    assert (await api.as_anonymous().get("/api/v1/hotline/tickets/610924-20261123-00001")).status == 401
    assert (await counts(svc))["hotline_tickets"] == 0


async def test_shifts_seat_operators_and_the_next_shift_reads_the_handover_notes(api, seeded, svc):
    manager, operator = await staff(api, "manager"), await staff(api, "operator")
    day = await manager.post("/api/v1/hotline/shifts", {"name": "白班", "start": "2026-11-23T08:00", "end": "2026-11-23T20:00",
                                                         "seats": [{"seat": "A01", "operator": "operator"}]})
    assert day.status == 201, day.json
    night = await manager.post("/api/v1/hotline/shifts", {"name": "夜班", "start": "2026-11-23T20:00", "end": "2026-11-24T08:00",
                                                           "seats": [{"seat": "A01", "operator": "operator"}]})
    bad = await manager.post("/api/v1/hotline/shifts", {"start": "2026-11-23T08:00", "end": "2026-11-23T20:00",
                                                         "seats": [{"seat": "A02", "operator": "clerk_a"}]})
    assert bad.status == 422 and bad.error["code"] == "unknown_operator"
    listed = (await operator.get("/api/v1/hotline/shifts?day=2026-11-23")).json
    assert [s["name"] for s in listed["shifts"]] == ["白班", "夜班"] and [s["name"] for s in listed["on_duty"]] == ["白班"]
    day_id, night_id = day.json["id"], night.json["id"]
    note = await operator.post(f"/api/v1/hotline/shifts/{day_id}/notes",
                               {"text": "城关镇停水工单已派水利局，夜班请留意回访", "tickets": ["610924-20261123-00001"]})
    assert note.status == 201, note.json
    handover = (await operator.get(f"/api/v1/hotline/shifts/{night_id}/notes")).json
    assert handover["previous_shift"] == day_id and handover["previous_notes"][0]["text"].startswith("城关镇停水")
    assert await svc.db.hotline_handovers.count_documents({"tenant": "ziyang"}) == 1


async def test_the_operators_queue_lists_what_waits_on_the_hotline_and_stats_count_by_channel(api, seeded):
    operator = await staff(api, "operator")
    for channel in ("phone", "phone", "miniprogram"):
        await operator.post("/api/v1/hotline/tickets", {"caller_phone": CALLER, "type": "suggestion", "channel": channel,
                                                        "content": "建议在城关镇多设几个公交站"})
    queue = (await operator.get("/api/v1/hotline/queue?mine=1")).json["entries"]
    assert len(queue) == 3 and {e["next_step"] for e in queue} == {"待派单或当场答复"}
    figures = (await operator.get("/api/v1/hotline/stats?from=2026-11-23&to=2026-11-23")).json
    assert figures["calls_answered"] == 2 and figures["by_channel"]["miniprogram"] == 1
    assert figures["by_type"]["suggestion"] == 3 and figures["on_time_rate"] is None
    history = (await operator.get(f"/api/v1/hotline/callers/{CALLER}/history")).json["entries"]
    assert len(history) == 3 and all(e["kind"] == "ticket" for e in history)


async def test_the_nightly_round_supervises_overdue_tickets_and_retrains_only_at_night(api, seeded, svc, clock):
    from datetime import datetime, timezone

    from hotline.services import nightly

    operator = await staff(api, "operator")
    number = (await operator.post("/api/v1/hotline/tickets", {"caller_phone": CALLER, "type": "help", "urgency": "urgent",
                                                              "content": "红椿镇有老人走失，家属求助"})).json["number"]
    await operator.post(f"/api/v1/hotline/tickets/{number}/dispatch", {"township": "hongchun"})
    assert (await nightly.nightly_round(svc))["ziyang"] == {"supervised": 0, "retrained": False}
    clock.set(datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc))  # 03:00 in Shanghai, a day and a half later
    assert (await nightly.nightly_round(svc))["ziyang"] == {"supervised": 1, "retrained": True}
    assert (await nightly.nightly_round(svc))["ziyang"] == {"supervised": 0, "retrained": False}
    assert (await svc.db.hotline_models.find_one({"_id": "ziyang"}))["corrections"] == 0
