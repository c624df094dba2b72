"""Notices to applicants on the real store, sent by the real SDKs to the fake WeChat and Aliyun."""

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from backend.domain import cases as c
from backend.domain.cases import Actor, Application
from backend.domain.errors import Conflict, NotFound
from backend.ops import migration_0009, migrations
from backend.services import notifications as notices
from backend.services import notify_worker, vault
from backend.services.notify_worker import Senders, deliver_due
from backend.store import schema

CLERK = Actor("ck-li", "李窗口", "window_clerk", "zwfw-ck-01", "zwfw")
CITIZEN = Actor("o-citizen", "张小三", "citizen")
OPENID = "oCitizenZhang0001"
PHONE = "13812341234"
WECHAT_TEMPLATE = "tmpl-case-progress"
WECHAT_FIELDS = ["thing1", "character_string2", "phrase3", "thing4", "time5"]
SMS_ACCEPTED, SMS_OTHER = "SMS_465000001", "SMS_465000009"


@pytest.fixture
def settings(settings, fake_wechat, fake_aliyun):
    fake_wechat.register_template(WECHAT_TEMPLATE, WECHAT_FIELDS)
    fake_wechat.add_user(OPENID)
    fake_aliyun.sms.add_template(SMS_ACCEPTED, ["item", "number", "state", "note"])
    fake_aliyun.sms.add_template(SMS_OTHER, ["number", "state", "note"])
    return replace(
        settings, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
        wechat_api_base=fake_wechat.base_url, wechat_notify_templates=f"default={WECHAT_TEMPLATE}",
        aliyun_access_key_id=fake_aliyun.access_key_id, aliyun_access_key_secret=fake_aliyun.access_key_secret,
        aliyun_sms_endpoint=f"http://{fake_aliyun.host}",
        aliyun_sms_templates=f"accepted={SMS_ACCEPTED},default={SMS_OTHER}")


@pytest.fixture(autouse=True)
async def county(svc):
    """The county these cases belong to (the worker reads each county's notices in turn)."""
    await svc.db.tenants.insert_one({"_id": "ziyang", "name": "紫阳县"})


@pytest.fixture
def senders(settings):
    built = Senders.from_settings(settings)
    yield built
    built.close()


def application(serial: int, channel: str, **extra) -> Application:
    values = dict(tenant="ziyang", number=f"610924-20261123-{serial:05d}", query_code="7KQ3MX9C",
                  item_code="SC-001", item_name="食品经营许可（仅销售预包装食品）", kind="promised",
                  channel=channel, applicant_name="张小三", applicant_id_number="61092419900307123X",
                  applicant_phone=PHONE, departments=("scjgj",), delivery_method="window",
                  promised_days=10, statutory_days=20)
    if channel == "miniprogram":
        values["applicant_openid"] = OPENID
    return Application(**{**values, **extra})


async def stored_case(svc, clock, serial: int, channel: str = "miniprogram", **extra) -> c.Case:
    """A submitted case as the case service stores it (one document keyed tenant:number, the applicant's
    numbers in the vault and their references in the case)."""
    app = application(serial, channel, **extra)
    refs = await vault.seal_and_keep(svc, "ziyang", {"applicant_phone": ("tel", app.applicant_phone),
                                                     "applicant_id_number": ("idn", app.applicant_id_number)})
    case = c.submit(replace(app, **refs), CITIZEN if channel == "miniprogram" else CLERK, clock()).case
    await svc.db.cases.insert_one({**c.case_to_document(case), "tenant": "ziyang"})
    return case


async def take_step(svc, step: c.Step) -> c.Case:
    """Store a step like the case service does, then file its notices."""
    query, update = c.step_update(step)
    assert (await svc.db.cases.update_one(query, update)).modified_count == 1
    await notices.enqueue_for_events(svc, step.case, step.events)
    return step.case


async def accepted(svc, clock, serial: int, channel: str = "miniprogram", **extra) -> c.Case:
    case = await stored_case(svc, clock, serial, channel, **extra)
    return await take_step(svc, c.accept(case, CLERK, clock()))


async def queued(svc) -> list[dict]:
    return await notices.queued_for(svc, "ziyang")


# -- what the applicant hears -----------------------------------------------------------------

async def test_a_mini_program_applicant_gets_a_wechat_message_when_the_case_is_accepted(
        svc, clock, senders, fake_wechat, fake_aliyun):
    case = await accepted(svc, clock, 1)

    counts = await deliver_due(svc, senders, clock())

    assert counts["sent"] == 1
    [message] = fake_wechat.sent
    assert (message.touser, message.template_id) == (OPENID, WECHAT_TEMPLATE)
    assert {key: value["value"] for key, value in message.data.items()} == {
        "thing1": "食品经营许可（仅销售预包装食品）", "character_string2": case.number, "phrase3": "已受理",
        "thing4": "承诺2026-12-07前办结", "time5": "2026-11-23 09:30"}
    assert fake_aliyun.sent_sms == []
    assert await queued(svc) == []
    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (row["status"], row["status_label"], row["attempts"]) == ("sent", "已发送", 1)
    assert row["sent_at"] == clock() and row["to"] == "oCit****0001"


async def test_a_walk_in_applicant_gets_a_text_message_signed_for_aliyun(svc, clock, senders, fake_aliyun):
    case = await accepted(svc, clock, 2, channel="window")

    assert (await deliver_due(svc, senders, clock()))["sent"] == 1

    [sms] = fake_aliyun.sent_sms
    assert (sms.phone_numbers, sms.sign_name, sms.template_code) == ((PHONE,), "阳光365", SMS_ACCEPTED)
    assert sms.params["number"] == case.number and sms.params["state"] == "已受理"
    assert sms.params["item"] == "食品经营许可（仅销售预包装食品）"
    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert row["channel_label"] == "短信" and row["to"] == "138****1234"
    [logged] = await svc.db.notification_log.find({}).to_list(None)
    assert logged["to"] == case.app.applicant_phone and PHONE not in str(logged)  # the reference, not the number


async def test_supplement_rejection_decision_dispatch_and_delivery_are_each_told_once(
        svc, clock, senders, fake_wechat):
    first = await stored_case(svc, clock, 3)
    await take_step(svc, c.request_supplement(first, CLERK, clock(), ["营业执照副本", "食品安全管理制度"]))
    second = await stored_case(svc, clock, 4, kind="immediate", delivery_method="post",
                               delivery_address="紫阳县城关镇新民街1号")
    second = await take_step(svc, c.accept(second, CLERK, clock()))
    second = await take_step(svc, c.decide_at_window(second, CLERK, clock(), approve=False,
                                                     reason="经营场所与住宅未有效隔离"))
    second = await take_step(svc, c.dispatch_result(second, CLERK, clock(), tracking_number="1190123456789"))
    second = await take_step(svc, c.confirm_delivery(second, c.SYSTEM, clock()))
    third = await stored_case(svc, clock, 5)
    await take_step(svc, c.reject(third, CLERK, clock(), reason="不属于本中心受理范围"))

    assert (await deliver_due(svc, senders, clock()))["sent"] == 6

    told = sorted((m.data["character_string2"]["value"], m.data["phrase3"]["value"], m.data["thing4"]["value"])
                  for m in fake_wechat.sent)
    assert told == sorted([
        (first.number, "待补正", "请补正：营业执照副本、食品安全管理制度"),
        (second.number, "已受理", "请留意后续办理进度"),
        (second.number, "不予办理", "经营场所与住宅未有效隔离"),
        (second.number, "送达中", "EMS运单号1190123456789"),
        (second.number, "已办结", "感谢您的办理，欢迎评价"),
        (third.number, "不予受理", "不属于本中心受理范围"),
    ])


async def test_filing_the_same_step_twice_queues_and_sends_it_once(svc, clock, senders, fake_wechat):
    case = await stored_case(svc, clock, 6)
    step = c.accept(case, CLERK, clock())
    await take_step(svc, step)

    assert await notices.enqueue_for_events(svc, step.case, step.events) == []
    await deliver_due(svc, senders, clock())
    assert await notices.enqueue_for_events(svc, step.case, step.events) == []
    assert len(fake_wechat.sent) == 1 and await queued(svc) == []


async def test_an_applicant_without_openid_or_phone_is_not_queued(svc, clock):
    await accepted(svc, clock, 7, channel="window", applicant_phone="")
    assert await queued(svc) == []


# -- failures, retries and two workers ------------------------------------------------------------

async def test_a_message_that_fails_twice_is_delivered_on_the_third_try_and_the_case_is_untouched(
        svc, clock, senders, fake_wechat):
    case = await accepted(svc, clock, 8)
    case_before = await svc.db.cases.find_one({"_id": f"ziyang:{case.number}"})
    fake_wechat.fail_next(2)  # 45009: call frequency limit

    assert (await deliver_due(svc, senders, clock()))["retrying"] == 1
    assert (await deliver_due(svc, senders, clock()))["skipped"] == 0  # not due again yet
    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (row["status"], row["attempts"]) == ("retrying", 1) and "45009" in row["last_error"]
    assert row["next_attempt_at"] == clock() + notify_worker.BACKOFF[0]

    clock.advance(minutes=1, seconds=1)
    assert (await deliver_due(svc, senders, clock()))["retrying"] == 1
    clock.advance(minutes=4)
    assert await deliver_due(svc, senders, clock()) == {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    clock.advance(minutes=1)
    assert (await deliver_due(svc, senders, clock()))["sent"] == 1

    assert len(fake_wechat.sent) == 1
    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert await svc.db.cases.find_one({"_id": f"ziyang:{case.number}"}) == case_before


async def test_a_notice_waiting_for_its_retry_before_the_upgrade_is_retried_after_it_with_its_attempts(
        svc, clock, senders, fake_wechat):
    case = await accepted(svc, clock, 21)
    fake_wechat.fail_next(1)
    assert (await deliver_due(svc, senders, clock()))["retrying"] == 1
    [waiting] = await queued(svc)
    # the shape before migration 0009: the notice alone in notification_queue, the store at the versions of then
    await svc.db.work.delete_one({"_id": notices.queue_key(waiting["_id"])})
    await svc.db.notification_queue.insert_one(waiting)
    await schema.record(svc.db, {"work": 3, "notification_queue": 3}, clock(), "test")
    await svc.db[schema.VERSIONS].delete_one({"_id": schema.migration_id(migration_0009.IDENT)})

    assert await migrations.migrate(svc, "test", report=lambda *a: None) == [migration_0009.IDENT]
    assert await svc.db.notification_queue.count_documents({}) == 0 and await queued(svc) == [waiting]
    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (row["status"], row["attempts"]) == ("retrying", 1)
    clock.advance(minutes=1, seconds=1)
    assert (await deliver_due(svc, senders, clock()))["sent"] == 1
    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (row["status"], row["attempts"]) == ("sent", 2) and len(fake_wechat.sent) == 1
    assert await migrations.migrate(svc, "test", report=lambda *a: None) == []  # nothing left to do


async def test_a_backlog_larger_than_one_run_is_sent_over_the_next_runs_each_notice_once(
        svc, clock, senders, fake_wechat):
    waiting = [await accepted(svc, clock, 40 + i) for i in range(7)]
    fake_wechat.fail_next(1)  # the first one tried waits for its next attempt
    runs = [await notify_worker.deliver_due(svc, senders, clock(), limit=3) for _ in range(4)]
    assert [r["sent"] + r["retrying"] for r in runs] == [3, 3, 1, 0]
    assert len(fake_wechat.sent) == 6 and len(await queued(svc)) == 1
    clock.advance(minutes=10)  # past its next attempt, and past whatever minutes the worker has read
    later = await accepted(svc, clock, 50)
    assert (await deliver_due(svc, senders, clock()))["sent"] == 2
    assert len(fake_wechat.sent) == 8 and await queued(svc) == []
    logged = await svc.db.notification_log.find({"status": "sent"}).to_list(None)
    assert sorted(d["case_number"] for d in logged) == sorted(c.number for c in waiting + [later])


async def test_a_backlog_across_an_hours_last_minute_is_sent_oldest_first_a_few_at_a_time(
        svc, clock, senders, fake_wechat):
    start = clock().replace(minute=30, second=0, microsecond=0)
    clock.set(start - timedelta(minutes=5))
    assert (await deliver_due(svc, senders, clock()))["sent"] == 0  # the worker has read up to :20
    waiting = []
    for serial, minutes in zip(range(60, 64), (0, 28, 29, 31)):  # filed at :30, :58, :59, then the next hour
        clock.set(start + timedelta(minutes=minutes))
        waiting.append(await accepted(svc, clock, serial))
    clock.advance(minutes=10)
    runs = [await deliver_due(svc, senders, clock(), limit=1) for _ in range(5)]
    assert [r["sent"] for r in runs] == [1, 1, 1, 1, 0]
    assert [m.data["character_string2"]["value"] for m in fake_wechat.sent] == [c.number for c in waiting]


async def test_an_applicant_who_declined_wechat_messages_gets_a_text_message_instead(
        svc, clock, senders, fake_wechat, fake_aliyun):
    case = await accepted(svc, clock, 20)
    fake_wechat.fail_next(1, errcode=43101)  # user refuses to accept the message

    await deliver_due(svc, senders, clock())
    assert (await deliver_due(svc, senders, clock()))["sent"] == 1

    assert fake_wechat.sent == []
    [sms] = fake_aliyun.sent_sms
    assert sms.phone_numbers == (PHONE,) and sms.params["number"] == case.number
    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (row["channel"], row["status"], row["attempts"]) == ("sms", "sent", 2) and row["to"] == "138****1234"
    assert PHONE not in str(await svc.db.notification_log.find({}).to_list(None))


async def test_a_message_that_keeps_failing_is_given_up_after_six_tries(svc, clock, senders, fake_aliyun):
    case = await accepted(svc, clock, 9, channel="window")
    fake_aliyun.sms.fail_next(*["isv.BUSINESS_LIMIT_CONTROL"] * 10)

    outcomes = []
    for _ in range(6):
        counts = await deliver_due(svc, senders, clock())
        outcomes.append(next(k for k, v in counts.items() if v))
        clock.advance(hours=3)

    assert outcomes == ["retrying"] * 5 + ["failed"]
    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (row["status"], row["status_label"], row["attempts"]) == ("failed", "发送失败", 6)
    assert await queued(svc) == [] and fake_aliyun.sent_sms == []


async def test_a_text_given_up_after_six_tries_can_be_resent_and_gets_six_more(svc, clock, senders, fake_aliyun):
    case = await accepted(svc, clock, 11, channel="window")
    fake_aliyun.sms.fail_next(*["isv.BUSINESS_LIMIT_CONTROL"] * 7)
    for _ in range(6):
        await deliver_due(svc, senders, clock())
        clock.advance(hours=3)
    [failed] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (failed["status"], failed["attempts"]) == ("failed", 6)

    await notices.resend(svc, "ziyang", case.number, failed["id"])
    [waiting] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (waiting["status_label"], waiting["attempts"], waiting["resent_at"]) == ("待发送", 6, clock())
    with pytest.raises(Conflict) as twice:  # a second click (or a colleague's) while it waits
        await notices.resend(svc, "ziyang", case.number, failed["id"])
    assert twice.value.code == "notice_queued"

    assert await deliver_due(svc, senders, clock()) == {"sent": 0, "retrying": 1, "failed": 0, "skipped": 0}
    clock.advance(minutes=2)  # the new round waits as a first retry does, not as a seventh
    assert (await deliver_due(svc, senders, clock()))["sent"] == 1
    [sent] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (sent["status"], sent["attempts"], sent["last_error"]) == ("sent", 8, "")
    assert [s.phone_numbers for s in fake_aliyun.sent_sms] == [(PHONE,)]
    assert await svc.db.notification_log.count_documents({}) == 1 and await queued(svc) == []
    with pytest.raises(Conflict) as done:
        await notices.resend(svc, "ziyang", case.number, failed["id"])
    assert done.value.code == "notice_already_sent"


async def test_a_notice_can_be_resent_only_through_its_own_case(svc, clock, settings):
    case, other = await accepted(svc, clock, 12, channel="window"), await accepted(svc, clock, 13, channel="window")
    off = Senders.from_settings(replace(settings, aliyun_access_key_id="", aliyun_access_key_secret=""))
    try:
        assert (await deliver_due(svc, off, clock()))["failed"] == 2
    finally:
        off.close()
    [notice] = await notices.case_notifications(svc, "ziyang", other.number)
    for number, name in ((case.number, notice["id"]), (other.number, notice["id"] + "0"), (other.number, "x")):
        with pytest.raises(NotFound):
            await notices.resend(svc, "ziyang", number, name)
    assert await queued(svc) == []


async def test_a_refusal_that_retrying_cannot_fix_is_logged_as_failed_at_once(svc, clock, senders, fake_aliyun):
    case = await accepted(svc, clock, 10, channel="window", applicant_phone="12345")

    assert (await deliver_due(svc, senders, clock()))["failed"] == 1

    [row] = await notices.case_notifications(svc, "ziyang", case.number)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in row["last_error"]


async def test_a_county_without_sms_credentials_sees_its_texts_fail_with_the_reason_and_wechat_still_sent(
        svc, clock, settings, fake_wechat, fake_aliyun):
    texted = [await accepted(svc, clock, serial, channel="window") for serial in (21, 22, 23)]
    await accepted(svc, clock, 24)  # a mini-program applicant: WeChat is set up
    senders = Senders.from_settings(replace(settings, aliyun_access_key_id="", aliyun_access_key_secret=""))
    try:
        assert await deliver_due(svc, senders, clock()) == {"sent": 1, "retrying": 0, "failed": 3, "skipped": 0}
        assert await deliver_due(svc, senders, clock()) == {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    finally:
        senders.close()

    for case in texted:
        [row] = await notices.case_notifications(svc, "ziyang", case.number)
        assert (row["status"], row["status_label"], row["attempts"]) == ("failed", "发送失败", 1)
        assert row["last_error"] == "短信通道未配置（ALIYUN_ACCESS_KEY_ID）"
    assert await queued(svc) == [] and fake_aliyun.sent_sms == [] and len(fake_wechat.sent) == 1
    assert await svc.db.work.count_documents({"_id": {"$gte": "ziyang:notice:", "$lt": "ziyang:notice;"}}) == 0


async def test_two_workers_at_once_send_each_notice_exactly_once(svc, clock, senders, fake_wechat, fake_aliyun):
    for serial in range(11, 15):
        await accepted(svc, clock, serial)
    for serial in range(15, 18):
        await accepted(svc, clock, serial, channel="window")

    first, second = await asyncio.gather(deliver_due(svc, senders, clock()), deliver_due(svc, senders, clock()))

    assert first["sent"] + second["sent"] == 7
    assert len(fake_wechat.sent) == 4 and len(fake_aliyun.sent_sms) == 3
    assert sorted(m.data["character_string2"]["value"] for m in fake_wechat.sent) == \
        [f"610924-20261123-{n:05d}" for n in range(11, 15)]
    assert await queued(svc) == [] and await svc.db.notification_claims.count_documents({}) == 0


async def test_a_worker_with_a_stale_copy_of_a_sent_notice_does_not_send_it_again(svc, clock, senders, fake_wechat):
    await accepted(svc, clock, 19)
    [stale] = await queued(svc)
    await deliver_due(svc, senders, clock())

    assert await notify_worker._deliver_one(svc, senders, stale, clock()) == "skipped"
    assert len(fake_wechat.sent) == 1


async def test_the_background_task_sends_under_the_lease_and_stops_cleanly(svc, clock, fake_wechat):
    await accepted(svc, clock, 18)
    stop = asyncio.Event()
    task = asyncio.create_task(notify_worker.notification_task(svc, stop))
    try:
        for _ in range(200):
            if fake_wechat.sent:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        svc.extras["notify_senders"].close()
    assert len(fake_wechat.sent) == 1
    lease = await svc.db.lease_claims.find_one({"lease": notify_worker.LEASE_NAME})
    assert lease is not None and lease["expires_at"] < clock()  # released on stop
