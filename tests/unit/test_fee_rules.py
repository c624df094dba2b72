"""Fees in the domain: standards in integer fen, slips computed from facts, the case waiting to pay."""

from datetime import datetime, timedelta, timezone

import pytest

from backend.domain import case_fees, fees
from backend.domain import cases as c
from backend.domain.calendar import WorkCalendar
from backend.domain.clock import Pause, compute_deadline
from backend.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from backend.domain.items import FeeItem, FeeOption, Item, item_problems
from backend.domain.trail import verify_chain
from tests.unit.test_cases import CLERK, MANAGER, POSTS, application, approver, at

FEE_WINDOW = c.Actor("fee-1", "收费员", "fee_window", "fee-post", "bank")
ID_CARD = FeeItem("居民身份证工本费", "20 元/证；补领 40 元/证", "发改价格规定", True, None, "证", "申领情形",
                  [FeeOption("申领、到期换领", 2000), FeeOption("丢失补领、损坏换领", 4000)], "")
LICENCE = FeeItem("驾驶证工本费", "10 元/证", "价格主管部门核定", False, 1000, "证", "", [], "张数")


def charged(stage: str, kind: str = "promised"):
    return c.submit(application(kind=kind, fee_stage=stage), CLERK, at(0)).case


def test_amounts_are_integer_fen_and_never_floats():
    assert fees.yuan(2050) == "20.50" and fees.parse_yuan("20.5") == 2050 and fees.parse_yuan("7") == 700
    for bad in ("20.505", "-1", "1e3", "", "二十"):
        with pytest.raises(ValueError):
            fees.parse_yuan(bad)
    for bad in (-100, 12.5, "20", True, None):
        assert not fees.is_fen(bad)


def test_a_negative_or_fractional_amount_in_a_standard_is_named_in_chinese():
    item = Item.from_dict({"code": "X-1", "name": "测试", "fees": [
        {"name": "工本费", "standard": "10 元", "amount_fen": -100},
        {"name": "登记费", "standard": "按情形", "choice_input": "类型", "options": [{"label": "住宅", "amount_fen": 80.5}]},
        {"name": "检验费", "standard": "另计"}]})
    messages = [p["message"] for p in item_problems(item, None, None) if p["field"].startswith("fees")]
    assert "收费项目“工本费”的金额必须是不小于 0 的整数（单位：分）" in messages
    assert "收费情形“住宅”的金额必须是不小于 0 的整数（单位：分）" in messages
    assert "收费项目“检验费”须写明金额（分）或按情形的金额" in messages


def test_slip_lines_come_from_the_standard_and_the_application_facts():
    lines = fees.slip_lines([ID_CARD, LICENCE], {"申领情形": "丢失补领、损坏换领", "张数": "2"})
    assert [(l.option, l.unit_fen, l.quantity, l.amount_fen) for l in lines] == [
        ("丢失补领、损坏换领", 4000, 1, 4000), ("", 1000, 2, 2000)]
    assert fees.total_fen(lines) == 6000
    with pytest.raises(ValidationFailed, match="申领情形"):
        fees.slip_lines([ID_CARD], {"申领情形": "随便"})
    with pytest.raises(ValidationFailed, match="张数"):
        fees.slip_lines([LICENCE], {})
    assert fees.fee_inputs([ID_CARD, LICENCE]) == ["申领情形", "张数"]


def test_exemption_only_where_every_standard_on_the_slip_allows_it():
    fees.check_exemptable(fees.slip_lines([ID_CARD], {"申领情形": "申领、到期换领"}))
    with pytest.raises(ValidationFailed, match="驾驶证工本费"):
        fees.check_exemptable(fees.slip_lines([ID_CARD, LICENCE], {"申领情形": "申领、到期换领", "张数": "1"}))


def test_payment_must_be_the_exact_amount():
    fees.check_payment(2000, 2000)
    for bad in (1999, 2001, 20.0):
        with pytest.raises(ValidationFailed, match="不一致"):
            fees.check_payment(2000, bad)


def test_paying_at_acceptance_waits_then_goes_to_the_departments_by_itself():
    case = c.accept(charged("acceptance"), CLERK, at(1)).case
    assert case.state == "awaiting_payment" and case.fee_slip == "610924-20261130-00042-01"
    assert case.pauses[-1].kind == "payment" and case.pauses[-1].ended_at is None
    with pytest.raises(IllegalTransition):
        c.start_review(case, c.SYSTEM, at(2), POSTS)
    step = case_fees.settle(case, FEE_WINDOW, at(90), case.fee_slip, "paid", 2000, "bank", "BK-1", POSTS)
    case = step.case
    assert [e.type for e in step.events] == ["FeePaid", "TaskAssigned"] and case.state == "in_review"
    assert case.fee_state == "paid" and case.fee_paid_fen == 2000 and case.pauses[-1].ended_at == at(90)
    assert case_fees.settle(case, FEE_WINDOW, at(91), case.fee_slip, "paid", 2000, "bank", "BK-1").events == ()
    assert verify_chain(case.number, case.events) == []


def test_paying_after_approval_holds_delivery_until_paid():
    case = c.accept(charged("decision"), CLERK, at(1)).case
    case = c.start_review(case, c.SYSTEM, at(1), POSTS).case
    case = c.approve_task(case, approver("scjgj"), at(30)).case
    assert case.state == "awaiting_payment" and case.outcome == "approved"
    with pytest.raises(IllegalTransition, match="待缴费"):
        c.confirm_delivery(case, CLERK, at(31), received_by="张小三")
    case = case_fees.settle(case, MANAGER, at(40), case.fee_slip, "exempted", 0, "exemption").case
    assert case.state == "approved" and case.fee_state == "exempted"
    assert c.confirm_delivery(case, CLERK, at(41), received_by="张小三").case.state == "delivered"


def test_the_paying_time_does_not_count_against_the_department():
    calendar = WorkCalendar()
    start = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Monday
    plain = compute_deadline(calendar, start, 5)
    paused = compute_deadline(calendar, start, 5, [Pause(start + timedelta(days=1), start + timedelta(days=3), "等待缴费")])
    assert paused.due_at > plain.due_at


def test_voiding_reissues_the_next_slip_with_corrected_facts_and_a_reason():
    case = c.accept(charged("acceptance"), CLERK, at(1)).case
    with pytest.raises(ValidationFailed, match="理由"):
        case_fees.void_slip(case, CLERK, at(2), " ")
    with pytest.raises(Forbidden):
        case_fees.void_slip(case, FEE_WINDOW, at(2), "填错")
    step = case_fees.void_slip(case, CLERK, at(2), "房屋类型登记错误", {"房屋类型": "非住宅"})
    assert step.case.fee_slip.endswith("-02") and step.events[0].data["slip"].endswith("-01")
    assert case_fees.slip_inputs(step.case, {"房屋类型": "住宅", "面积": 90}) == {"房屋类型": "非住宅", "面积": 90}
    with pytest.raises(Conflict):
        case_fees.settle(step.case, FEE_WINDOW, at(3), case.fee_slip, "paid", 8000, "bank", "BK-2", POSTS)


def test_a_refused_or_withdrawn_case_owes_back_what_was_paid_and_records_the_refund():
    case = c.accept(charged("acceptance"), CLERK, at(1)).case
    case = case_fees.settle(case, FEE_WINDOW, at(2), case.fee_slip, "paid", 8000, "bank", "BK-3", POSTS).case
    refused = c.refuse_task(case, approver("scjgj"), at(9), "不符合条件").case
    assert refused.refund_due_fen == 8000 and refused.events[-1].type == "RefundDue"
    withdrawn = c.withdraw(case, CLERK, at(9), "不办了").case
    assert withdrawn.state == "withdrawn" and withdrawn.refund_due_fen == 8000
    with pytest.raises(Forbidden):
        case_fees.complete_refund(withdrawn, CLERK, at(10), "RF-1")
    done = case_fees.complete_refund(withdrawn, FEE_WINDOW, at(10), "RF-1").case
    assert done.refunded_at == at(10) and done.state == "withdrawn"
    with pytest.raises(IllegalTransition, match="重复"):
        case_fees.complete_refund(done, FEE_WINDOW, at(11), "RF-1")


def test_money_that_arrives_after_a_withdrawal_is_recorded_with_its_refund():
    case = c.accept(charged("acceptance"), CLERK, at(1)).case
    case = c.withdraw(case, CLERK, at(2), "不办了").case
    assert case.refund_due_fen == 0
    late = case_fees.settle(case, c.SYSTEM, at(3), case.fee_slip, "paid", 8000, "wechat", "4200001").case
    assert late.state == "withdrawn" and late.refund_due_fen == 8000


def test_an_item_without_fees_never_waits_to_pay():
    case = c.accept(charged(""), CLERK, at(1)).case
    assert case.state == "accepted" and case.fee_slip == ""
