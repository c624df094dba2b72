"""审查中补正: the deciding department asks once for missing documents during review; the clock stops meanwhile."""

from datetime import date, datetime, timedelta, timezone

import pytest

from backend.domain import cases as c
from backend.domain.calendar import WorkCalendar
from backend.domain.clock import Pause as ClockPause
from backend.domain.clock import compute_deadline
from backend.domain.errors import Forbidden, IllegalTransition, ValidationFailed
from tests.unit.test_cases import CITIZEN, CLERK, approver, at, in_review

CAL = WorkCalendar.from_chinesecalendar()


def asked(case=None, **kw) -> c.Case:
    case = case or in_review(**kw)
    return c.request_review_supplement(case, approver("scjgj"), at(60), ["房屋租赁合同原件"], "租赁合同为复印件，须核对原件").case


def due_date(case) -> date | None:
    pauses = [ClockPause(p.started_at, p.ended_at, p.reason) for p in case.statutory_pauses]
    return compute_deadline(CAL, case.accepted_at, case.app.promised_days, pauses).due_date


def test_the_deciding_department_asks_for_a_missing_document_and_the_case_waits_on_the_applicant():
    case = asked()
    assert case.state == "review_supplement" and case.missing_materials == ("房屋租赁合同原件",)
    event = case.events[-1]
    assert event.type == "ReviewSupplementRequested" and event.data["department"] == "scjgj"
    assert case.task("scjgj").state == "open"  # the department keeps its task


def test_the_resubmission_resumes_review_and_clears_the_list():
    case = c.resubmit(asked(), CITIZEN, at(60 * 24 * 3), "已补交租赁合同原件").case
    assert case.state == "in_review" and case.missing_materials == ()
    assert case.review_supplement.ended_at == at(60 * 24 * 3)


def test_the_promised_clock_stops_while_the_applicant_supplies():
    running = in_review()
    before = due_date(running)
    waiting = asked(running)
    assert due_date(waiting) is None  # unknown while the applicant has not answered
    back = c.resubmit(waiting, CITIZEN, at(60) + timedelta(days=7), "").case
    assert due_date(back) >= before + timedelta(days=7)  # a week of waiting is not counted


def test_a_supplement_during_review_can_be_asked_only_once_per_case():
    back = c.resubmit(asked(), CITIZEN, at(120), "").case
    with pytest.raises(IllegalTransition, match="一次性告知") as again:
        c.request_review_supplement(back, approver("scjgj"), at(180), ["营业场所照片"], "还缺照片")
    assert again.value.code == "supplement_not_one_time"


def test_in_a_joint_case_a_second_department_cannot_ask_after_the_first():
    case = asked(kind="joint", departments=("scjgj", "sthj"))
    back = c.resubmit(case, CLERK, at(120), "").case
    with pytest.raises(IllegalTransition, match="不能再次要求补正"):
        c.request_review_supplement(back, approver("sthj"), at(180), ["排污说明"], "缺排污说明")


def test_only_an_approver_of_a_department_with_an_open_task_may_ask():
    case = in_review()
    with pytest.raises(Forbidden, match="窗口人员无权要求补正"):
        c.request_review_supplement(case, CLERK, at(60), ["照片"], "缺照片")
    with pytest.raises(Forbidden, match="其他部门"):
        c.request_review_supplement(case, approver("mzj"), at(60), ["照片"], "缺照片")
    decided = c.approve_task(in_review(kind="joint", departments=("scjgj", "sthj")), approver("scjgj"), at(30)).case
    with pytest.raises(IllegalTransition, match="已办结"):
        c.request_review_supplement(decided, approver("scjgj"), at(60), ["照片"], "缺照片")


def test_the_list_and_the_reason_are_required():
    case = in_review()
    with pytest.raises(ValidationFailed, match="逐项列出"):
        c.request_review_supplement(case, approver("scjgj"), at(60), ["  "], "缺材料")
    with pytest.raises(ValidationFailed, match="说明理由"):
        c.request_review_supplement(case, approver("scjgj"), at(60), ["照片"], " ")


def test_no_decision_while_the_applicant_supplies_but_the_applicant_may_withdraw():
    case = asked()
    with pytest.raises(IllegalTransition, match="审查中待补正"):
        c.approve_task(case, approver("scjgj"), at(90))
    withdrawn = c.withdraw(case, CITIZEN, at(90), "不办了").case
    assert withdrawn.state == "withdrawn" and withdrawn.review_supplement.ended_at == at(90)


def test_before_acceptance_the_window_notice_still_sends_the_case_back_to_intake():
    case = c.request_supplement(c.submit(in_review().app, CLERK, at(0)).case, CLERK, at(1), ["户口簿"])
    assert c.resubmit(case.case, CLERK, at(2)).case.state == "submitted"


def test_the_trail_replays_to_the_same_case():
    case = c.resubmit(asked(), CITIZEN, at(120), "").case
    assert c.replay(case.events) == case
    assert datetime.now(timezone.utc) > case.events[-1].at
