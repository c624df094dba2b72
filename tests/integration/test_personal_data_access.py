"""Least privilege for personal data: who sees a caller's number in full, who may open an ID-card scan,
and that each full view is in the audit log (one entry per view, none for the views answering one's own step)."""

from backend.services import accounts
from tests.integration.test_case_pipeline import walk_in
from tests.integration.test_hotline_pipeline import CALLER, act, register, staff
from tests.integration.test_uploads import png_bytes, upload

MASKED = CALLER[:3] + "****" + CALLER[-4:]


async def _audited(svc, action: str) -> list[str]:
    return [e["actor"] for e in await svc.db.audit_log.find({"action": action}).to_list(None)]


async def test_only_the_operator_sees_a_callers_number_and_each_view_is_audited(api, seeded, svc):
    operator = await staff(api, "operator")
    number = (await register(operator))["number"]
    sent = await act(operator, number, "dispatch", {"department": "scjgj"})
    assert sent["caller"]["phone"] == CALLER  # the answer to the operator's own step: not audited
    assert await _audited(svc, "hotline.caller_shown") == []
    seen = {}
    for username in ("operator", "manager", "supervisor", "admin", "scjgj_a"):
        view = (await (await staff(api, username)).get(f"/api/v1/hotline/tickets/{number}")).json
        seen[username] = (view["caller"]["phone"], view["caller"]["name"], view["suggestion"] is not None)
    assert seen == {"operator": (CALLER, "张三丰", True), "manager": (MASKED, "张*丰", True),
                    "supervisor": (MASKED, "张*丰", True), "admin": (MASKED, "张*丰", True),
                    "scjgj_a": (MASKED, "张*丰", False)}
    assert await _audited(svc, "hotline.caller_shown") == ["ziyang:operator"]
    entry = await svc.db.audit_log.find_one({"action": "hotline.caller_shown"})
    assert entry["data"] == {"number": number} and CALLER not in str(entry)


async def test_a_live_call_shows_the_number_to_the_operator_and_masked_to_the_manager(api, seeded, svc, clock):
    from hotline.domain import call_events
    from hotline.services import cti

    await cti.record_event(svc, "ziyang", call_events.parse_event({"event_id": "e1", "type": "ringing", "call_id": "c1",
                                                           "caller": CALLER}, clock()))
    operator, manager = await staff(api, "operator"), await staff(api, "manager")
    assert (await operator.get("/api/v1/hotline/calls/c1")).json["caller"] == CALLER
    assert (await manager.get("/api/v1/hotline/calls/live")).json["calls"][0]["caller"] == MASKED
    stored = await svc.db.hotline_calls.find_one({"_id": "ziyang:c1"})
    assert stored["caller"].startswith("pii:tel:") and CALLER not in str(stored)


async def test_an_id_card_scan_opens_only_for_those_who_see_the_applicant_in_full(api, seeded, svc):
    clerk = await staff(api, "clerk_a")
    scan = (await upload(clerk, png_bytes(), "image/png", "身份证.png")).json["id"]
    approver_elsewhere = await staff(api, "mzj_a")
    assert (await approver_elsewhere.get(f"/api/v1/uploads/{scan}")).status == 404  # not yet on a case
    case = await walk_in(api, clerk, "个体工商户设立登记", materials=[{"name": "身份证", "file_id": scan}])
    opened = {}
    for username in ("clerk_b", "scjgj_a", "mzj_a", "supervisor", "manager", "fee", "survey", "operator",
                     "officer_haoping", "haoping_clerk"):
        opened[username] = (await (await staff(api, username)).get(f"/api/v1/uploads/{scan}")).status
    assert opened == {"clerk_b": 200, "scjgj_a": 200, "mzj_a": 404, "supervisor": 404, "manager": 404, "fee": 404,
                      "survey": 404, "operator": 404, "officer_haoping": 404, "haoping_clerk": 404}
    assert (await clerk.get(f"/api/v1/uploads/{scan}")).status == 200  # the owner: not audited
    shown = await svc.db.audit_log.find({"action": "upload.shown"}).to_list(None)
    assert sorted(e["actor"] for e in shown) == ["ziyang:clerk_b", "ziyang:scjgj_a"]
    assert {e["data"]["number"] for e in shown} == {case["number"]}


async def test_a_tickets_photos_open_for_the_unit_it_was_dispatched_to_and_not_for_others(api, seeded, svc):
    operator = await staff(api, "operator")
    photo = (await upload(operator, png_bytes(), "image/png", "现场.png")).json["id"]
    number = (await register(operator, photos=[photo]))["number"]
    await act(operator, number, "dispatch", {"department": "scjgj"})
    market, ecology = await staff(api, "scjgj_a"), await staff(api, "sthj_a")
    assert (await market.get(f"/api/v1/uploads/{photo}")).status == 200
    assert (await ecology.get(f"/api/v1/uploads/{photo}")).status == 404
    await accounts.create_staff(svc, "ziyang", "night_op", "night-pass-1", "夜班话务员", ["operator"])
    night = api.as_anonymous()
    await night.login("night_op", "night-pass-1")
    assert (await night.get(f"/api/v1/uploads/{photo}")).status == 200
