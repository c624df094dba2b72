"""No ID or phone number is stored in plaintext: cases from every channel, hotline tickets, a CTI call,
an Open311 request and notices sent through the fake WeChat and Aliyun servers, then the store read
back whole (every collection, every document, ids included) and, on the embedded store, byte by byte
in its SQLite files. The trail still verifies without a key, and each value comes back from the vault."""

import json
from dataclasses import replace
from urllib.parse import urlencode

import bson
import pytest

from backend.domain.identity import id_check_char
from backend.services import trail_check, vault
from backend.services.notify_worker import Senders, deliver_due
from backend.store import snapshots
from hotline.domain import call_events
from hotline.services import open311_keys
from tests.integration.test_case_pipeline import code_of, staff
from tests.integration.test_citizen_cases import citizen

SECRET = "cti-secret-for-the-store-scan"
TEMPLATE = "tmpl-progress"


def id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


PEOPLE = {  # who comes through which door, with numbers used nowhere else in the suite
    "walk_in": {"name": "王守仁", "id_number": id_number("61092419850412003"), "phone": "13912340001"},
    "online": {"name": "李清照", "id_number": id_number("61092419920315002"), "phone": "13912340002"},
    "proxy": {"name": "赵大娘", "id_number": id_number("61092419410101004"), "phone": "13912340003"},
    "caller": {"phone": "13912340004"},
    "converted": {"name": "周小燕", "id_number": id_number("61092420000229008"), "phone": "13912340005"},
    "on_the_line": {"phone": "13912340006"},
    "message": {"phone": "13912340007"},
    "open311": {"phone": "13912340008"},
    "landline": {"phone": "0915-4301234"},
}
SECRETS = sorted({v for person in PEOPLE.values() for k, v in person.items() if k in ("id_number", "phone")})


@pytest.fixture
def settings(settings, fake_wechat, fake_aliyun):
    fake_wechat.register_template(TEMPLATE, ["thing1", "character_string2", "phrase3", "thing4", "time5"])
    fake_aliyun.sms.add_template("SMS_ALL", ["item", "number", "state", "note", "time", "due"])
    return replace(settings, cti_secret=SECRET, wechat_appid=fake_wechat.appid, wechat_secret=fake_wechat.secret,
                   wechat_api_base=fake_wechat.base_url, wechat_notify_templates=f"default={TEMPLATE}",
                   aliyun_access_key_id=fake_aliyun.access_key_id,
                   aliyun_access_key_secret=fake_aliyun.access_key_secret,
                   aliyun_sms_endpoint=f"http://{fake_aliyun.host}", aliyun_sms_templates="default=SMS_ALL")


async def _cases_from_every_channel(api, fake_wechat) -> dict:
    clerk, officer, approver = [await staff(api, n) for n in ("clerk_a", "officer_haoping", "scjgj_a")]
    promised, township = await code_of(api, "个体工商户设立登记"), await code_of(api, "高龄老人生活补贴申请")
    walk_in = (await clerk.post("/api/v1/cases", {"item_code": promised, "applicant": PEOPLE["walk_in"],
                                                  "accept": True})).json
    await approver.post(f"/api/v1/cases/{walk_in['number']}/approve", {"opinion": "同意"})
    fake_wechat.add_user("oScanCitizen0001")
    me = await citizen(api, fake_wechat, "scan-code", "oScanCitizen0001")
    online = (await me.post("/api/v1/cases", {"item_code": promised, "applicant": PEOPLE["online"]},
                            headers={"Idempotency-Key": "scan-1"})).json
    await clerk.post(f"/api/v1/cases/{online['number']}/accept", {})
    proxy = (await officer.post("/api/v1/cases", {"item_code": township, "township": "haoping",
                                                  "applicant": PEOPLE["proxy"]})).json
    await me.post("/api/v1/hotline/messages", {"content": "村口的路灯坏了", "phone": PEOPLE["message"]["phone"],
                                               "type": "help"})
    return {"walk_in": walk_in["number"], "online": online["number"], "proxy": proxy["number"]}


async def _hotline_from_every_door(api, svc, clock) -> None:
    operator = await staff(api, "operator")
    complaint = (await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": PEOPLE["caller"]["phone"], "caller_name": "钱多多", "type": "complaint",
        "content": "城关镇饭店油烟直排", "township": "chengguan"})).json
    await operator.post(f"/api/v1/hotline/tickets/{complaint['number']}/dispatch", {"department": "scjgj"})
    await operator.post("/api/v1/hotline/tickets", {"caller_phone": PEOPLE["landline"]["phone"], "type": "consult",
                                                    "content": "社保卡在哪里补办"})
    application = (await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": PEOPLE["converted"]["phone"], "type": "application", "content": "想办结婚登记"})).json
    marriage = await code_of(api, "结婚登记")
    applicant = {k: PEOPLE["converted"][k] for k in ("name", "id_number")}
    await operator.post(f"/api/v1/hotline/tickets/{application['number']}/convert",
                        {"item_code": marriage, "applicant": applicant})
    body = json.dumps({"event_id": "scan-1", "type": "ringing", "call_id": "scan-call", "callee": "12345",
                       "caller": PEOPLE["on_the_line"]["phone"]}).encode()
    stamp = str(int(clock().timestamp()))
    await api.request("POST", "/api/v1/hotline/cti/events", raw=body, headers={
        "Content-Type": "application/json", "X-Sunshine-Timestamp": stamp,
        "X-Sunshine-Signature": call_events.sign(SECRET, stamp, body)})
    await operator.post("/api/v1/hotline/calls/scan-call/tickets", {"type": "consult", "content": "问办事时间"})
    await operator.get(f"/api/v1/hotline/callers/{PEOPLE['caller']['phone']}/history")
    key = await open311_keys.create_key(svc, "ziyang", "市城管平台")
    await api.request("POST", "/open311/v2/requests.json", headers={"Content-Type": "application/x-www-form-urlencoded"},
                      raw=urlencode({"api_key": key, "service_code": "cgj", "lat": "32.52", "long": "108.53",
                                     "description": "新华街路灯不亮", "phone": PEOPLE["open311"]["phone"]}).encode())


async def _found_in_documents(db) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in await db.list_collection_names():
        async for doc in db[name].find({}):
            raw = bson.encode(doc)
            for value in SECRETS:
                if value.encode() in raw or value.lower().encode() in raw:
                    found.setdefault(value, []).append(f"{name}/{doc['_id']}")
    return found


def _found_in_files(embedded_store, database: str) -> dict[str, list[str]]:
    files = sorted((embedded_store.data_dir / "ferretdb").glob(f"{database}.sqlite*"))
    assert files and sum(f.stat().st_size for f in files) > 100_000, files  # the database is really there
    found: dict[str, list[str]] = {}
    for path in files:
        data = path.read_bytes()
        for value in SECRETS:
            if value.encode() in data:
                found.setdefault(value, []).append(path.name)
    return found


async def test_no_id_or_phone_number_is_stored_in_plaintext_anywhere(api, seeded, svc, clock, settings,
                                                                     fake_wechat, fake_aliyun, embedded_store):
    numbers = await _cases_from_every_channel(api, fake_wechat)
    await _hotline_from_every_door(api, svc, clock)
    senders = Senders.from_settings(settings)
    try:
        sent = await deliver_due(svc, senders, clock())
    finally:
        senders.close()
    assert sent["sent"] >= 6 and sent["failed"] == 0, sent
    assert {m.touser for m in fake_wechat.sent} == {"oScanCitizen0001"}
    texted = {p for sms in fake_aliyun.sent_sms for p in sms.phone_numbers}
    assert {PEOPLE[k]["phone"] for k in ("walk_in", "caller", "message", "open311", "on_the_line")} <= texted

    in_files = _found_in_files(embedded_store, settings.database) if embedded_store is not None else {}
    assert (await _found_in_documents(svc.db), in_files) == ({}, {})

    assert (await trail_check.verify_tenant(svc, "ziyang"))["ok"]  # no key needed to verify the trail
    doc = await snapshots.read(svc.db.cases, f"ziyang:{numbers['walk_in']}")
    revealed = await vault.reveal(svc, "ziyang", [doc["applicant_phone"], doc["applicant_id_number"]])
    assert set(revealed.values()) == {PEOPLE["walk_in"]["phone"], PEOPLE["walk_in"]["id_number"]}
    assert await svc.db[vault.VAULT].count_documents({}) == len(SECRETS)  # each number kept once
