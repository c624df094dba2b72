"""The CTI webhooks over HTTP on the real store: signed events, live call cards, texts to the caller, Aliyun CCC."""

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

import pytest

from backend.services import notifications
from backend.services.notify_worker import Senders, deliver_due
from hotline.domain import call_events
from hotline.services import cti_aliyun, tickets
from tests.fakes.aliyun import RpcError
from tests.integration.test_hotline_pipeline import CALLER, act, register, staff

SECRET = "cti-shared-secret-for-tests"


@pytest.fixture
def settings(settings, fake_aliyun):
    return replace(settings, cti_secret=SECRET, aliyun_access_key_id=fake_aliyun.access_key_id,
                   aliyun_access_key_secret=fake_aliyun.access_key_secret,
                   aliyun_sms_endpoint=f"http://{fake_aliyun.host}",
                   aliyun_sms_templates="hotline_registered=SMS_H1,hotline_closed=SMS_H2")


async def push(api, clock, event, *, secret=SECRET, skew=timedelta(0), signature=None):
    """POST one event the way the switch does: raw JSON, timestamp and HMAC headers."""
    body = json.dumps(event, ensure_ascii=False).encode()
    stamp = str(int((clock() + skew).timestamp()))
    headers = {"Content-Type": "application/json", "X-Sunshine-Timestamp": stamp,
               "X-Sunshine-Signature": signature or call_events.sign(secret, stamp, body)}
    return await api.request("POST", "/api/v1/hotline/cti/events", raw=body, headers=headers)


def event(kind, n, call="call-0001", **extra):
    return {"event_id": f"evt-{call}-{n}", "type": kind, "call_id": call, "caller": CALLER, "callee": "12345",
            "at": f"2026-11-23T09:30:{n:02d}+08:00", **extra}


async def test_a_ringing_call_shows_its_card_with_the_callers_history_and_follows_the_call(api, seeded, clock):
    operator = await staff(api, "operator")
    earlier = (await register(operator))["number"]
    rang = await push(api, clock, event("ringing", 1))
    assert rang.status == 200, rang.json
    live = (await operator.get("/api/v1/hotline/calls/live")).json
    card = live["calls"][0]
    assert (card["call_id"], card["caller"], card["state_label"]) == ("call-0001", CALLER, "振铃中")
    assert [h["number"] for h in card["history"]] == [earlier]
    await push(api, clock, event("answered", 5, seat="A01"))
    await push(api, clock, event("hungup", 50, seat="A01"))
    await push(api, clock, event("recording", 55, recording_url="https://rec.example.cn/call-0001.mp3"))
    card = (await operator.get("/api/v1/hotline/calls/call-0001")).json
    assert card == {**card, "state": "hungup", "seat": "A01", "duration_s": 45,
                    "recording_url": "https://rec.example.cn/call-0001.mp3"}
    assert (await operator.get("/api/v1/hotline/calls/live")).json["today"] == {"calls": 1, "answered": 1}
    clock.advance(minutes=31)
    await operator.login("operator")
    assert (await operator.get("/api/v1/hotline/calls/live")).json["calls"] == []


async def test_forged_stale_replayed_or_unconfigured_events_are_refused(api, seeded, clock, store, settings):
    assert (await push(api, clock, event("ringing", 1), secret="guessed")).error["code"] == "bad_signature"
    stale = await push(api, clock, event("ringing", 1), skew=timedelta(minutes=6))
    assert stale.status == 401 and stale.error["message"] == "时间戳与服务器时间相差超过 5 分钟"
    assert (await push(api, clock, event("ringing", 1))).status == 200
    replayed = await push(api, clock, event("ringing", 1))
    assert replayed.status == 409 and replayed.error["code"] == "duplicate_event"
    bad = await push(api, clock, {**event("ringing", 2), "type": "transfer"})
    assert bad.status == 422 and "事件类型" in bad.error["message"]
    api.app.settings["services"].settings = replace(settings, cti_secret="", aliyun_access_key_secret="")
    switched_off = await push(api, clock, event("ringing", 3))
    assert switched_off.status == 404 and switched_off.error == {**switched_off.error, "code": "not_found",
                                                                 "message": "未找到该地址"}
    aliyun = await api.post("/api/v1/hotline/cti/aliyun", {"eventType": "RINGING"})
    assert aliyun.status == 404 and aliyun.error["message"] == "未找到该地址"


async def test_events_of_one_call_arriving_together_all_reach_its_card(api, seeded, clock):
    events = [event("ringing", 1, "call-race"), event("answered", 2, "call-race", seat="A02"),
              event("recording", 40, "call-race", recording_url="https://rec.example.cn/r.mp3"),
              event("hungup", 30, "call-race")]
    answers = await asyncio.gather(*(push(api, clock, e) for e in events))
    assert [a.status for a in answers] == [200] * 4
    operator = await staff(api, "operator")
    card = (await operator.get("/api/v1/hotline/calls/call-race")).json
    assert (card["state"], card["seat"], card["duration_s"], card["recording_url"]) == (
        "hungup", "A02", 28, "https://rec.example.cn/r.mp3")


async def test_a_ticket_filed_during_the_call_keeps_it_and_the_caller_is_texted_the_number_and_the_answer(
        api, seeded, clock, svc, settings, fake_aliyun):
    fake_aliyun.sms.add_template("SMS_H1", ["number"])
    fake_aliyun.sms.add_template("SMS_H2", ["number", "note"])
    await push(api, clock, event("ringing", 1))
    operator = await staff(api, "operator")
    filed = await operator.post("/api/v1/hotline/calls/call-0001/tickets",
                                {"type": "consult", "content": "请问县政务服务中心周末开不开门？"})
    assert filed.status == 201, filed.json
    number = filed.json["number"]
    assert filed.json["call_id"] == "call-0001" and filed.json["caller"]["phone"] == CALLER
    assert (await operator.get("/api/v1/hotline/calls/call-0001")).json["tickets"] == [number]
    senders = Senders.from_settings(settings)
    try:
        assert (await deliver_due(svc, senders, clock()))["sent"] == 1
        first = fake_aliyun.sent_sms[-1]
        assert (first.phone_numbers, first.template_code, first.params["number"]) == ((CALLER,), "SMS_H1", number)
        await act(operator, number, "answer", {"source": "article", "id": "kb-hours"})
        await act(operator, number, "close", {})
        queued = await notifications.queued_for(svc, "ziyang", number)
        assert "hotline_closed" in {n["template"] for n in queued}  # queued by the core when the ticket closed
        assert await tickets.notify_caller(svc, "ziyang", number) == []  # filed once
        assert (await deliver_due(svc, senders, clock()))["sent"] == 1
    finally:
        senders.close()
    last = fake_aliyun.sent_sms[-1]
    assert last.template_code == "SMS_H2" and last.params["state"] == "已办结" and "办公时间" in last.params["note"]


async def test_a_call_without_a_card_or_by_someone_else_cannot_carry_a_ticket(api, seeded):
    operator, clerk = await staff(api, "operator"), await staff(api, "clerk_a")
    missing = await operator.post("/api/v1/hotline/calls/call-none/tickets", {"type": "consult", "content": "问"})
    assert missing.status == 404 and missing.error["message"] == "未找到该通话"
    assert (await clerk.get("/api/v1/hotline/calls/live")).status == 403


class FakeContactCentre:
    """Aliyun CCC 2020-07-01: GetMonoRecording for the contacts it knows."""

    version = "2020-07-01"

    def __init__(self):
        self.asked = []

    def actions(self):
        return {"GetMonoRecording": self.get_mono_recording}

    def get_mono_recording(self, params):
        self.asked.append((params.get("InstanceId"), params.get("ContactId")))
        if params.get("ContactId") != "job-7781":
            raise RpcError("NotExists.ContactId", "The specified contact does not exist.", 404)
        return {"Code": "OK", "Data": {"FileName": "job-7781.wav",
                                       "FileUrl": "https://ccc-rec.example.cn/job-7781.wav"}}


async def relay(api, message, secret):
    body = json.dumps(message).encode()
    return await api.request("POST", "/api/v1/hotline/cti/aliyun", raw=body, headers={
        "Content-Type": "application/json", "X-Ccc-Signature": cti_aliyun.sign(secret, body)})


async def test_aliyun_call_centre_events_drive_the_same_card_and_the_recording_comes_from_its_api(
        api, seeded, fake_aliyun):
    centre = FakeContactCentre()
    fake_aliyun.mount(centre)
    api.app.settings["services"].extras["aliyun_ccc_endpoint"] = f"http://{fake_aliyun.host}"
    secret = fake_aliyun.access_key_secret
    common = {"instanceId": "ziyang-12345", "contactId": "job-7781", "agentId": "A07@ziyang-12345"}
    ringing = {**common, "eventType": "AgentRinging", "eventTime": "2026-11-23T01:29:00.000Z",
               "caller": "13800001234", "callee": "12345"}
    assert (await relay(api, ringing, "wrong")).status == 401
    assert (await relay(api, ringing, secret)).json["call"]["state"] == "ringing"
    assert (await relay(api, ringing, secret)).status == 409  # the same message twice
    await relay(api, {**common, "eventType": "AgentTalk", "eventTime": "2026-11-23T01:29:08.000Z"}, secret)
    await relay(api, {**common, "eventType": "AgentCallReleased", "eventTime": "2026-11-23T01:31:08.000Z"}, secret)
    ignored = await relay(api, {**common, "eventType": "AgentReady", "eventTime": "2026-11-23T01:31:09.000Z"}, secret)
    assert ignored.json == {"ignored": True, "event_type": "AgentReady"}
    done = await relay(api, {**common, "eventType": "RecordingReady", "eventTime": "2026-11-23T01:31:20.000Z"}, secret)
    card = done.json["call"]
    assert (card["seat"], card["caller"], card["duration_s"]) == ("A07", "13800001234", 120)
    assert card["recording_url"] == "https://ccc-rec.example.cn/job-7781.wav"
    assert centre.asked == [("ziyang-12345", "job-7781")]


async def test_a_ticket_filed_at_the_console_texts_its_number_and_closing_texts_the_answer(api, seeded, svc):
    operator = api.as_anonymous()
    await operator.login("operator")
    filed = await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": "13800005678", "type": "consult", "channel": "phone", "content": "请问政务中心周末上班吗"})
    number = filed.json["number"]
    queued = await notifications.queued_for(svc, "ziyang", number)
    assert [n["template"] for n in queued] == ["hotline_registered"]
