"""The fee window on the real store: slips the system issues, the bank window, voids, exemptions, refunds."""

from pypdf import PdfReader
import io

from tests.integration.test_case_pipeline import APPLICANT, code_of, staff

ESTATE = "不动产转移登记"  # charged at acceptance: 住宅 80 元, 非住宅 550 元; exemption allowed
ID_CARD = "居民身份证申领（含换领、补领）"  # charged after approval: 20 元 or 40 元
LICENCE = "机动车驾驶证补证、换证"  # immediate, 10 元, no exemption


async def estate_case(api, clerk, house="住宅", accept=True):
    body = {"item_code": await code_of(api, ESTATE), "applicant": APPLICANT, "form": {"房屋类型": house},
            "materials": [{"name": "不动产权证书"}], "accept": accept}
    response = await clerk.post("/api/v1/cases", body)
    assert response.status == 201, response.json
    return response.json


async def test_a_charged_case_waits_to_pay_then_goes_to_its_department_by_itself(api, seeded):
    clerk, fee, approver = await staff(api, "clerk3_a"), await staff(api, "fee"), await staff(api, "zrzyj_a")
    case = await estate_case(api, clerk)
    slip = case["fee"]["slip"]
    assert case["state"] == "awaiting_payment" and case["state_label"] == "待缴费" and case["tasks"] == []
    assert case["fee"]["total_fen"] == 8000 and case["fee"]["total_yuan"] == "80.00"
    assert case["fee"]["payer"] == "张*丰" and case["fee"]["lines"][0]["option"] == "住宅"
    assert case["pauses"][-1]["kind_label"] == "缴费" and case["pauses"][-1]["ended_at"] is None
    assert (await approver.get("/api/v1/queues/tasks")).json["tasks"] == []
    waiting = (await fee.get("/api/v1/fees/open")).json["items"]
    assert [w["slip"] for w in waiting] == [slip]

    found = await fee.get("/api/v1/fees/find?q=" + case["fee"]["qr"])  # the scanner reads the QR code
    assert found.status == 200 and found.json["slip"] == slip and found.json["state_label"] == "待缴费"
    paid = await fee.post(f"/api/v1/fees/slips/{slip}/pay", {"reference": "BK20261123001"})
    assert paid.status == 200, paid.json
    assert paid.json["state"] == "paid" and paid.json["settlement"]["reference"] == "BK20261123001"
    assert paid.json["case_state"] == "in_review"
    after = (await clerk.get(f"/api/v1/cases/{case['number']}")).json
    assert after["tasks"][0]["department"] == "zrzyj" and after["fee"]["state_label"] == "已缴费"
    assert after["pauses"][-1]["ended_at"] is not None
    assert [e["label"] for e in after["timeline"]][-3:] == ["开具缴款单，等待缴费", "已缴费", "分派部门审批（紫阳县自然资源局）"]
    assert [t["number"] for t in (await approver.get("/api/v1/queues/tasks")).json["tasks"]] == [case["number"]]
    assert (await fee.get("/api/v1/fees/open")).json["items"] == []

    again = await fee.post(f"/api/v1/fees/slips/{slip}/pay", {"reference": "BK20261123002"})
    assert again.status == 409 and "不能重复缴费" in again.error["message"]
    receipt = await fee.get(f"/api/v1/fees/slips/{slip}/receipt.pdf")
    assert receipt.status == 200 and receipt.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt.body)).pages)
    assert "缴费凭证" in text and slip in text and "80.00" in text and "BK20261123001" in text


async def test_a_slip_changes_only_by_voiding_it_and_the_system_issuing_the_next(api, seeded):
    clerk, fee = await staff(api, "clerk3_a"), await staff(api, "fee")
    case = await estate_case(api, clerk, "住宅")
    first = case["fee"]["slip"]
    no_reason = await clerk.post(f"/api/v1/fees/slips/{first}/void", {"reason": ""})
    assert no_reason.status == 422
    by_fee_window = await fee.post(f"/api/v1/fees/slips/{first}/void", {"reason": "填错"})
    assert by_fee_window.status == 403
    unknown = await clerk.post(f"/api/v1/fees/slips/{first}/void", {"reason": "更正", "inputs": {"面积": "90"}})
    assert unknown.status == 422 and "面积" in unknown.error["message"]
    voided = await clerk.post(f"/api/v1/fees/slips/{first}/void",
                              {"reason": "房屋实为商铺，类型登记错误", "inputs": {"房屋类型": "非住宅"}})
    assert voided.status == 200, voided.json
    second = voided.json["slip"]
    assert second.endswith("-02") and voided.json["total_fen"] == 55000 and voided.json["state"] == "due"
    old = (await fee.get(f"/api/v1/fees/slips/{first}")).json
    assert old["state_label"] == "已作废" and old["settlement"]["reason"] == "房屋实为商铺，类型登记错误"
    refused = await fee.post(f"/api/v1/fees/slips/{first}/pay", {"reference": "BK-VOIDED-1"})
    assert refused.status == 409 and "已作废" in refused.error["message"]
    assert [w["slip"] for w in (await fee.get("/api/v1/fees/open")).json["items"]] == [second]
    view = (await clerk.get(f"/api/v1/cases/{case['number']}")).json
    assert view["fee"]["slip"] == second and view["timeline"][-1]["reason"] == "房屋实为商铺，类型登记错误"
    slip_pdf = await clerk.get(f"/api/v1/fees/slips/{second}/slip.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(slip_pdf.body)).pages)
    assert "缴款单" in text and "550.00" in text and "张*丰" in text
    assert (await fee.post(f"/api/v1/fees/slips/{second}/pay", {"reference": "BK-NEW-0001"})).status == 200


async def test_an_exemption_is_asked_with_a_reason_and_approved_by_a_manager_not_the_asker(api, seeded):
    clerk, manager, fee = await staff(api, "clerk3_a"), await staff(api, "manager"), await staff(api, "fee")
    supervisor = await staff(api, "supervisor")
    case = await estate_case(api, clerk)
    slip = case["fee"]["slip"]
    assert (await clerk.post(f"/api/v1/fees/slips/{slip}/exemption", {"reason": ""})).status == 422
    asked = await clerk.post(f"/api/v1/fees/slips/{slip}/exemption", {"reason": "申请人为低保户，持有效低保证"})
    assert asked.status == 201 and asked.json["status_label"] == "待审批"
    assert (await clerk.post(f"/api/v1/fees/slips/{slip}/exemption/decide", {"approve": True})).status == 403
    pending = (await manager.get("/api/v1/fees/exemptions")).json["items"]
    assert [p["slip"] for p in pending] == [slip]
    approved = await manager.post(f"/api/v1/fees/slips/{slip}/exemption/decide", {"approve": True, "note": "核实无误"})
    assert approved.status == 200 and approved.json["status_label"] == "已批准"
    after = (await clerk.get(f"/api/v1/cases/{case['number']}")).json
    assert after["state"] == "in_review" and after["fee"]["state_label"] == "已减免"
    assert (await fee.post(f"/api/v1/fees/slips/{slip}/pay", {"reference": "BK-EXEMPT-1"})).status == 409
    listed = (await supervisor.get("/api/v1/fees/exemptions?status=all")).json["items"]
    assert listed[0]["decided_by_name"] == "陈主任" and listed[0]["requested_by_name"] == "陈静"


async def test_no_exemption_on_a_fee_that_allows_none(api, seeded):
    clerk = await staff(api, "clerk4_a")
    body = {"item_code": await code_of(api, LICENCE), "applicant": APPLICANT, "accept": True}
    case = (await clerk.post("/api/v1/cases", body)).json
    decided = await clerk.post(f"/api/v1/cases/{case['number']}/decide-at-window", {"approve": True})
    assert decided.json["state"] == "awaiting_payment" and decided.json["fee"]["total_fen"] == 1000
    refused = await clerk.post(f"/api/v1/fees/slips/{decided.json['fee']['slip']}/exemption", {"reason": "困难"})
    assert refused.status == 422 and "不允许减免" in refused.error["message"]
    assert (await clerk.post(f"/api/v1/cases/{case['number']}/confirm-delivery", {"received_by": "张三丰"})).status == 409


async def test_paying_after_approval_releases_the_result(api, seeded):
    clerk, police, fee = await staff(api, "clerk4_a"), await staff(api, "gaj_a"), await staff(api, "fee")
    body = {"item_code": await code_of(api, ID_CARD), "applicant": APPLICANT, "accept": True,
            "form": {"申领情形": "丢失补领、损坏换领"}}
    case = (await clerk.post("/api/v1/cases", body)).json
    assert case["state"] == "in_review" and case["fee"] is None
    approved = (await police.post(f"/api/v1/cases/{case['number']}/approve", {})).json
    assert approved["state"] == "awaiting_payment" and approved["fee"]["total_fen"] == 4000
    await fee.post(f"/api/v1/fees/slips/{approved['fee']['slip']}/pay", {"reference": "BK-IDCARD-01"})
    done = await clerk.post(f"/api/v1/cases/{case['number']}/confirm-delivery", {"received_by": "张三丰"})
    assert done.status == 200 and done.json["state"] == "delivered"


async def test_a_fee_standard_needs_its_facts_on_the_application(api, seeded):
    clerk = await staff(api, "clerk3_a")
    body = {"item_code": await code_of(api, ESTATE), "applicant": APPLICANT, "accept": True}
    refused = await clerk.post("/api/v1/cases", body)
    assert refused.status == 422 and "房屋类型" in refused.error["message"]


async def test_a_refused_or_withdrawn_case_records_the_refund_due_and_its_completion(api, seeded):
    clerk, fee, approver = await staff(api, "clerk3_a"), await staff(api, "fee"), await staff(api, "zrzyj_a")
    refused = await estate_case(api, clerk)
    await fee.post(f"/api/v1/fees/slips/{refused['fee']['slip']}/pay", {"reference": "BK-REFUSE-1"})
    decision = await approver.post(f"/api/v1/cases/{refused['number']}/refuse", {"reason": "权属不清"})
    assert decision.json["timeline"][-1]["label"] == "应退费" and decision.json["fee"]["refund_due_fen"] == 8000
    withdrawn = await estate_case(api, clerk)
    await fee.post(f"/api/v1/fees/slips/{withdrawn['fee']['slip']}/pay", {"reference": "BK-WITHDRAW-1"})
    gone = await clerk.post(f"/api/v1/cases/{withdrawn['number']}/withdraw", {"reason": "申请人不再办理"})
    assert gone.json["state"] == "withdrawn" and gone.json["fee"]["refund_due_fen"] == 8000
    owed = (await fee.get("/api/v1/fees/open?kind=refunds")).json["items"]
    assert {o["slip"] for o in owed} == {refused["fee"]["slip"], withdrawn["fee"]["slip"]}
    assert (await clerk.post(f"/api/v1/fees/slips/{withdrawn['fee']['slip']}/refund", {"reference": "RF-1"})).status == 403
    done = await fee.post(f"/api/v1/fees/slips/{withdrawn['fee']['slip']}/refund", {"reference": "RF20261123001"})
    assert done.status == 200 and done.json["refunded_at"]
    twice = await fee.post(f"/api/v1/fees/slips/{withdrawn['fee']['slip']}/refund", {"reference": "RF20261123001"})
    assert twice.status == 409
    view = (await clerk.get(f"/api/v1/cases/{withdrawn['number']}")).json
    assert view["timeline"][-1]["label"] == "已退费" and view["fee"]["refunded"] is True
    owed = (await fee.get("/api/v1/fees/open?kind=refunds")).json["items"]
    assert [o["slip"] for o in owed] == [refused["fee"]["slip"]]


async def test_a_case_withdrawn_while_its_slip_is_due_voids_the_slip(api, seeded):
    clerk, fee = await staff(api, "clerk3_a"), await staff(api, "fee")
    case = await estate_case(api, clerk)
    gone = await clerk.post(f"/api/v1/cases/{case['number']}/withdraw", {"reason": "不办了"})
    assert gone.json["state"] == "withdrawn" and gone.json["fee"]["state_label"] == "已作废"
    paying = await fee.post(f"/api/v1/fees/slips/{case['fee']['slip']}/pay", {"reference": "BK-LATE-01"})
    assert paying.status == 409 and "已作废" in paying.error["message"]


async def test_strangers_see_the_fee_state_without_amounts(api, seeded):
    clerk = await staff(api, "clerk3_a")
    case = await estate_case(api, clerk)
    progress = await api.as_anonymous().get(f"/api/v1/cases/{case['number']}/progress?code={case['query_code']}")
    fee = progress.json["fee"]
    assert progress.json["state_label"] == "待缴费" and fee["state_label"] == "待缴费"
    assert "total_fen" not in fee and "lines" not in fee and "payer" not in fee


async def test_unknown_slips_and_bad_references_get_clear_chinese_errors(api, seeded):
    fee = await staff(api, "fee")
    missing = await fee.get("/api/v1/fees/find?q=610924-20261123-99999-01")
    assert missing.status == 404 and missing.error["message"] == "未找到该缴款单，请核对缴款单号"
    assert (await fee.get("/api/v1/fees/find?q=hello")).status == 422
    clerk = await staff(api, "clerk3_a")
    case = await estate_case(api, clerk)
    bad = await fee.post(f"/api/v1/fees/slips/{case['fee']['slip']}/pay", {"reference": "银行"})
    assert bad.status == 422 and "流水号" in bad.error["message"]


async def test_editing_a_fee_makes_a_new_version_and_a_case_keeps_the_standard_it_was_accepted_under(api, seeded):
    manager, clerk, fee = await staff(api, "manager"), await staff(api, "clerk4_a"), await staff(api, "fee")
    code = await code_of(api, LICENCE)
    body = {"item_code": code, "applicant": APPLICANT, "accept": True}
    before = (await clerk.post("/api/v1/cases", body)).json
    item = (await manager.get(f"/api/v1/admin/items/{code}")).json["latest"]
    for amount, words in ((-100, "不小于 0 的整数"), (12.5, "不小于 0 的整数"), ("十元", "不小于 0 的整数")):
        wrong = {**item, "fees": [{**item["fees"][0], "amount_fen": amount}]}
        refused = await manager.put(f"/api/v1/admin/items/{code}", {"expected_version": 1, "item": wrong})
        assert refused.status == 422 and words in refused.error["message"], refused.json
    dearer = {**item, "fees": [{**item["fees"][0], "amount_fen": 1500, "standard": "15 元/证"}]}
    edited = await manager.put(f"/api/v1/admin/items/{code}", {"expected_version": 1, "item": dearer})
    assert edited.status == 200 and edited.json["head"]["latest_version"] == 2
    assert (await manager.post(f"/api/v1/admin/items/{code}/publish", {"version": 2})).status == 200
    after = (await clerk.post("/api/v1/cases", body)).json
    old = await clerk.post(f"/api/v1/cases/{before['number']}/decide-at-window", {"approve": True})
    new = await clerk.post(f"/api/v1/cases/{after['number']}/decide-at-window", {"approve": True})
    assert old.json["fee"]["total_fen"] == 1000 and new.json["fee"]["total_fen"] == 1500
    paid = await fee.post(f"/api/v1/fees/slips/{old.json['fee']['slip']}/pay", {"reference": "BK-OLDVER-1"})
    assert paid.json["total_yuan"] == "10.00"
