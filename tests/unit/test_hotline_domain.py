"""The hotline ticket state machine (热线工单): pure rules, no store."""

from datetime import datetime, timedelta, timezone

import pytest

from backend.domain.case_model import Actor
from backend.domain.errors import Forbidden, IllegalTransition, ValidationFailed
from backend.domain.trail import verify_chain
from hotline.domain import tickets
from hotline.domain.tickets import Limits, Registration

NUMBER = "610924-20261123-00001"
NOW = datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc)
OPERATOR = Actor("ziyang:operator", "热线话务员小张", "operator")
MARKET = Actor("ziyang:scjgj_a", "周建国", "dept_approver", "d-scjgj", "scjgj")
CLERK = Actor("ziyang:clerk_a", "王晓燕", "window_clerk")


def registration(**changes) -> Registration:
    values = dict(tenant="ziyang", number=NUMBER, type="complaint", urgency="normal", channel="phone",
                  caller_phone="13800001234", content="小区门口的饭店油烟直排，熏得没法开窗")
    values.update(changes)
    return Registration(**values)


def registered(**changes):
    return tickets.register(registration(**changes), OPERATOR, NOW).ticket


def dispatched(ticket=None, code="scjgj", at=NOW, days=15):
    ticket = ticket or registered()
    return tickets.dispatch(ticket, OPERATOR, at, "department", code, "紫阳县市场监督管理局",
                           at + timedelta(days=days), at + timedelta(days=1)).ticket


def test_a_registered_ticket_starts_its_own_hash_chain():
    ticket = registered()
    assert ticket.state == "registered" and ticket.version == 1
    assert ticket.reg.content.startswith("小区门口") and verify_chain(NUMBER, ticket.events) == []


@pytest.mark.parametrize("changes, code", [
    ({"content": "  "}, "content_required"),
    ({"caller_phone": "12345"}, "bad_phone"),
    ({"caller_phone": ""}, "phone_required"),
    ({"type": "gossip"}, "bad_type"),
    ({"urgency": "asap"}, "bad_urgency"),
    ({"channel": "fax"}, "bad_channel"),
])
def test_a_ticket_without_content_or_with_a_bad_phone_or_type_is_refused(changes, code):
    with pytest.raises(ValidationFailed) as caught:
        tickets.register(registration(**changes), OPERATOR, NOW)
    assert caught.value.code == code and caught.value.message


def test_landlines_and_mobiles_with_a_country_prefix_are_accepted():
    assert tickets.normalise_phone("0915-4321001") == "0915-4321001"
    assert tickets.normalise_phone("+86 138 0000 1234") == "13800001234"


def test_a_consultation_is_answered_on_the_spot_and_records_its_source():
    ticket = tickets.answer_on_spot(registered(type="consult"), OPERATOR, NOW, "article", "kb-hours", "办公时间").ticket
    assert ticket.state == "answered" and (ticket.answer_source, ticket.answer_id) == ("article", "kb-hours")


def test_a_complaint_cannot_be_answered_on_the_spot():
    with pytest.raises(IllegalTransition):
        tickets.answer_on_spot(registered(), OPERATOR, NOW, "article", "kb-hours", "办公时间")


def test_the_unit_may_return_within_its_limit_but_not_after():
    ticket = dispatched()
    returned = tickets.return_ticket(ticket, MARKET, "scjgj", NOW + timedelta(hours=3), "油烟属于生态环境部门职责").ticket
    assert returned.state == "returned" and returned.return_count == 1
    with pytest.raises(IllegalTransition) as caught:
        tickets.return_ticket(ticket, MARKET, "scjgj", NOW + timedelta(days=2), "不归我们管")
    assert caught.value.code == "return_too_late"


def test_a_return_needs_a_reason_and_the_right_unit():
    with pytest.raises(ValidationFailed):
        tickets.return_ticket(dispatched(), MARKET, "scjgj", NOW, " ")
    with pytest.raises(Forbidden):
        tickets.return_ticket(dispatched(), MARKET, "sthj", NOW, "不归我们管")


def test_a_returned_ticket_must_go_to_another_unit():
    returned = tickets.return_ticket(dispatched(), MARKET, "scjgj", NOW, "不归我们管").ticket
    with pytest.raises(ValidationFailed):
        dispatched(returned, "scjgj")
    assert dispatched(returned, "sthj").dispatch_count == 2


def test_the_full_complaint_loop_ends_closed_with_a_rating():
    ticket = dispatched()
    ticket = tickets.reply(ticket, MARKET, "scjgj", NOW + timedelta(days=3), "已责令饭店安装油烟净化设施").ticket
    assert ticket.state == "replied" and not ticket.replied_late
    ticket = tickets.accept_reply(ticket, OPERATOR, NOW + timedelta(days=3)).ticket
    ticket = tickets.call_back(ticket, OPERATOR, NOW + timedelta(days=4), "满意").ticket
    assert ticket.state == "called_back" and ticket.satisfaction == "满意"
    ticket = tickets.close(ticket, OPERATOR, NOW + timedelta(days=4)).ticket
    assert ticket.state == "closed" and verify_chain(NUMBER, ticket.events) == []
    assert [e.type for e in ticket.events] == ["TicketRegistered", "TicketDispatched", "TicketReplied",
                                               "ReplyAccepted", "TicketCalledBack", "TicketClosed"]


def test_a_sent_back_reply_returns_the_ticket_to_the_unit_under_the_same_deadline():
    ticket = tickets.reply(dispatched(), MARKET, "scjgj", NOW, "已处理").ticket
    again = tickets.send_back(ticket, OPERATOR, NOW, "答复未说明处理结果").ticket
    assert again.state == "dispatched" and again.due_at == ticket.due_at


def test_a_late_reply_is_marked_late():
    ticket = tickets.reply(dispatched(days=2), MARKET, "scjgj", NOW + timedelta(days=3), "已处理").ticket
    assert ticket.replied_late


def test_only_an_overdue_ticket_is_supervised():
    ticket = dispatched(days=2)
    with pytest.raises(IllegalTransition) as caught:
        tickets.supervise(ticket, OPERATOR, NOW + timedelta(days=1))
    assert caught.value.code == "not_overdue"
    later = NOW + timedelta(days=3)
    assert ticket.overdue(later)
    supervised = tickets.supervise(ticket, OPERATOR, later).ticket
    assert supervised.state == "dispatched" and supervised.supervised_count == 1


def test_satisfaction_must_be_one_of_the_five_national_levels():
    answered = tickets.answer_on_spot(registered(type="consult"), OPERATOR, NOW, "guide", "x", "指南").ticket
    with pytest.raises(ValidationFailed):
        tickets.call_back(answered, OPERATOR, NOW, "还行")


def test_an_unsatisfied_caller_gets_the_ticket_dispatched_again():
    ticket = tickets.accept_reply(tickets.reply(dispatched(), MARKET, "scjgj", NOW, "已处理").ticket, OPERATOR, NOW).ticket
    unhappy = tickets.call_back(ticket, OPERATOR, NOW, "不满意").ticket
    assert dispatched(unhappy, "sthj").state == "dispatched"
    happy = tickets.call_back(ticket, OPERATOR, NOW, "满意").ticket
    with pytest.raises(IllegalTransition):
        dispatched(happy, "sthj")


def test_only_an_application_becomes_a_case():
    converted = tickets.convert(registered(type="application"), OPERATOR, NOW, "610924-20261123-00002", "结婚登记").ticket
    assert converted.state == "converted" and converted.case_number == "610924-20261123-00002"
    with pytest.raises(IllegalTransition):
        tickets.convert(registered(), OPERATOR, NOW, "610924-20261123-00002", "结婚登记")


def test_window_clerks_cannot_dispatch_tickets():
    with pytest.raises(Forbidden):
        tickets.dispatch(registered(), CLERK, NOW, "department", "scjgj", "市场监管局", NOW, NOW)


def test_tenant_limits_override_the_defaults_and_ignore_nonsense():
    limits = Limits.from_settings({"limits": {"complaint": 10, "consult": "two", "other": 3}, "urgent_hours": 12})
    assert limits.days["complaint"] == 10 and limits.days["consult"] == 2 and limits.urgent_hours == 12
    assert Limits.from_settings(None).days == tickets.DEFAULT_LIMITS and Limits().return_days == 1


def test_a_ticket_replays_from_its_stored_document():
    ticket = dispatched()
    again = tickets.ticket_from_document(tickets.ticket_to_document(ticket, "ziyang"))
    assert again == ticket
