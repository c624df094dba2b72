"""The case pipeline: every kind, every channel, and the steps it must refuse."""

from datetime import datetime, timedelta, timezone

import pytest

from backend.domain import cases as c
from backend.domain.cases import Actor, Application, Post
from backend.domain.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from backend.domain.trail import verify_chain

T0 = datetime(2026, 11, 30, 1, 0, 0, 123456, tzinfo=timezone.utc)
CLERK = Actor("ck-li", "李窗口", "window_clerk", "zwfw-ck-01", "zwfw")
CITIZEN = Actor("o-openid-1", "张小三", "citizen")
OFFICER = Actor("io-wang", "王信息员", "info_officer", "", "haoping")
MANAGER = Actor("mgr-zhao", "赵主任", "centre_manager", "zwfw-mgr", "zwfw")
DEPTS = ("fgj", "zrzyj", "sthj", "scjgj", "mzj")
POSTS = {d: Post(f"{d}-sp", d, f"{d}审批岗", f"{d}-A", f"{d}-B") for d in DEPTS}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def approver(dept: str, holder: str = "A") -> Actor:
    return Actor(f"{dept}-{holder}", f"{dept}审批{holder}", "dept_approver", f"{dept}-sp", dept)


def application(kind="promised", departments=("scjgj",), channel="window", delivery="window", **extra):
    values = dict(tenant="ziyang", number="610924-20261130-00042", query_code="7KQ3MX9C", item_code="SC-001",
                  item_name="食品经营许可", kind=kind, channel=channel, applicant_name="张小三",
                  applicant_id_number="61092419900307123X", applicant_phone="13812341234",
                  departments=departments, delivery_method=delivery, promised_days=10, statutory_days=20)
    values.update(extra)
    return Application(**values)


def submitted(**kw) -> c.Case:
    app = application(**kw)
    actor = {"window": CLERK, "miniprogram": CITIZEN, "proxy": OFFICER}[app.channel]
    return c.submit(app, actor, at(0)).case


def in_review(**kw) -> c.Case:
    case = c.accept(submitted(**kw), CLERK, at(1)).case
    return c.start_review(case, c.SYSTEM, at(1), POSTS).case


def types(case) -> list[str]:
    return [e.type for e in case.events]


# -- happy paths ------------------------------------------------------------------------------

def test_immediate_item_is_decided_and_handed_over_in_one_visit():
    case = c.accept(submitted(kind="immediate"), CLERK, at(1)).case
    case = c.decide_at_window(case, CLERK, at(3), approve=True).case
    case = c.confirm_delivery(case, CLERK, at(4), received_by="张小三").case
    assert case.state == "delivered" and case.outcome == "approved"
    assert types(case) == ["CaseSubmitted", "CaseAccepted", "CaseApproved", "ResultDelivered"]
    assert case.accepted_at == at(1) and case.decided_at == at(3) and case.closed_at == at(4)
    assert case.received_by == "张小三" and case.tasks == ()


def test_promised_item_goes_to_the_department_post_and_comes_back_by_ems():
    case = in_review(channel="miniprogram", delivery="post", delivery_address="紫阳县城关镇新民街1号")
    assert case.state == "in_review"
    task = case.task("scjgj")
    assert (task.post_id, task.assignee_id, task.opened_at) == ("scjgj-sp", "scjgj-A", at(1))
    case = c.approve_task(case, approver("scjgj"), at(60), opinion="符合条件").case
    assert case.state == "approved" and case.task("scjgj").closed_at == at(60)
    case = c.dispatch_result(case, CLERK, at(70), tracking_number="1190123456789").case
    assert case.state == "delivering" and case.tracking_number == "1190123456789"
    case = c.confirm_delivery(case, c.SYSTEM, at(2000)).case
    assert case.state == "delivered" and case.delivered_at == at(2000)
    assert verify_chain(case.number, case.events) == []


def test_joint_item_gives_every_department_its_task_at_once_and_waits_for_all():
    case = in_review(kind="joint", departments=("fgj", "zrzyj", "sthj"))
    assert [(t.department, t.opened_at) for t in case.tasks] == [("fgj", at(1)), ("zrzyj", at(1)), ("sthj", at(1))]
    case = c.approve_task(case, approver("fgj"), at(10)).case
    case = c.approve_task(case, approver("sthj"), at(20)).case
    assert case.state == "in_review"
    assert {t.department: t.state for t in case.tasks} == {"fgj": "approved", "zrzyj": "open", "sthj": "approved"}
    case = c.approve_task(case, approver("zrzyj"), at(30)).case
    assert case.state == "approved" and case.decided_at == at(30)


def test_joint_item_is_refused_when_one_department_refuses_and_the_others_are_released():
    case = in_review(kind="joint", departments=("fgj", "zrzyj", "sthj"))
    case = c.approve_task(case, approver("fgj"), at(10)).case
    step = c.refuse_task(case, approver("sthj"), at(20), reason="项目选址位于饮用水水源保护区")
    case = step.case
    assert case.state == "refused" and "饮用水水源保护区" in case.outcome_reason
    assert {t.department: t.state for t in case.tasks} == {"fgj": "approved", "zrzyj": "cancelled", "sthj": "refused"}
    assert [e.type for e in step.events] == ["TaskRefused", "TaskCancelled", "CaseRefused"]
    assert c.case_to_document(case)["open_departments"] == []


def test_report_up_item_is_forwarded_after_the_county_part_and_the_reply_is_recorded():
    case = in_review(kind="report_up", departments=("zrzyj",), delivery="electronic",
                     higher_authority="安康市自然资源局")
    case = c.approve_task(case, approver("zrzyj"), at(30), opinion="县级初审同意").case
    assert case.state == "approved" and case.decided_at == at(30)  # the county's part ends here
    case = c.forward(case, approver("zrzyj"), at(40)).case
    assert case.state == "forwarded" and case.events[-1].data["authority"] == "安康市自然资源局"
    case = c.record_reply(case, approver("zrzyj"), at(5000), approved=True, reference="安自然资函〔2026〕88号").case
    assert (case.state, case.outcome, case.reply_reference) == ("reply_recorded", "approved", "安自然资函〔2026〕88号")
    case = c.dispatch_result(case, CLERK, at(5001), reference="EL-2026-000123").case
    case = c.confirm_delivery(case, c.SYSTEM, at(5002)).case
    assert case.state == "delivered" and case.forwarded_at == at(40) and case.replied_at == at(5000)


def test_report_up_result_cannot_be_delivered_before_the_higher_authority_replies():
    case = in_review(kind="report_up", departments=("zrzyj",), higher_authority="安康市自然资源局")
    case = c.approve_task(case, approver("zrzyj"), at(30)).case
    with pytest.raises(IllegalTransition, match="须先报送上级机关"):
        c.dispatch_result(case, CLERK, at(31))
    forwarded = c.forward(case, MANAGER, at(40)).case
    with pytest.raises(ValidationFailed, match="登记理由"):
        c.record_reply(forwarded, MANAGER, at(50), approved=False, reference="安自然资函〔2026〕89号")


# -- acceptance: rejection and the one-time supplement list --------------------------------

def test_rejection_needs_a_reason_and_ends_the_case():
    case = submitted(channel="miniprogram")
    with pytest.raises(ValidationFailed, match="不予受理必须说明理由"):
        c.reject(case, CLERK, at(1), reason="  ")
    case = c.reject(case, CLERK, at(1), reason="申请事项不属于本机关职权范围").case
    assert case.state == "rejected" and case.closed_at == at(1)
    with pytest.raises(IllegalTransition, match="不予受理"):
        c.accept(case, CLERK, at(2))


def test_supplement_stops_the_acceptance_clock_until_resubmission():
    case = submitted(channel="miniprogram")
    case = c.request_supplement(case, CLERK, at(5), ["营业执照副本", "场所平面图"]).case
    assert case.state == "supplement_requested" and case.missing_materials == ("营业执照副本", "场所平面图")
    case = c.resubmit(case, CITIZEN, at(300)).case
    assert case.state == "submitted" and case.missing_materials == ()
    assert [(p.kind, p.started_at, p.ended_at) for p in case.pauses] == [("supplement", at(5), at(300))]
    assert case.supplement_waits == case.pauses and case.statutory_pauses == ()
    case = c.accept(case, CLERK, at(301)).case
    assert case.accepted_at == at(301)


def test_a_second_supplement_request_may_not_add_new_materials():
    case = c.request_supplement(submitted(), CLERK, at(5), ["营业执照副本", "场所平面图"]).case
    case = c.resubmit(case, CITIZEN, at(10)).case
    with pytest.raises(IllegalTransition, match="一次性告知") as caught:
        c.request_supplement(case, CLERK, at(11), ["场所平面图", "健康证明"])
    assert caught.value.code == "supplement_not_one_time"
    again = c.request_supplement(case, CLERK, at(11), ["场所平面图"]).case
    assert again.missing_materials == ("场所平面图",)


# -- pauses, A/B posts, proxy, withdrawal ---------------------------------------------------

def test_statutory_pause_is_recorded_with_kind_reason_start_and_end():
    case = in_review(departments=("fgj",))
    case = c.pause(case, approver("fgj"), at(10), kind="hearing", reason="申请人申请听证").case
    assert case.state == "paused"
    with pytest.raises(IllegalTransition, match="暂停计时"):
        c.approve_task(case, approver("fgj"), at(11))
    case = c.resume(case, approver("fgj"), at(2000)).case
    assert case.state == "in_review"
    assert case.pauses == (c.Pause("hearing", "申请人申请听证", at(10), at(2000), "fgj"),)
    assert case.statutory_pauses == case.pauses
    assert c.approve_task(case, approver("fgj"), at(2001)).case.state == "approved"


def test_pause_needs_a_statutory_kind_and_a_reason():
    case = in_review(departments=("fgj",))
    with pytest.raises(ValidationFailed, match="说明理由"):
        c.pause(case, approver("fgj"), at(10), kind="expert_review", reason="")
    with pytest.raises(ValidationFailed, match="听证、专家评审"):
        c.pause(case, approver("fgj"), at(10), kind="lunch", reason="午休")
    with pytest.raises(Forbidden):
        c.pause(case, approver("sthj"), at(10), kind="inspection", reason="现场勘查")


def test_task_goes_to_the_b_holder_while_a_is_away():
    away = c.mark_away(POSTS["fgj"], "fgj-A", at(0), at(600), reason="出差")
    assert c.route_task(away, at(1)) == "fgj-B"
    assert c.route_task(away, at(600)) == "fgj-A"
    case = c.accept(submitted(departments=("fgj",)), CLERK, at(1)).case
    case = c.start_review(case, c.SYSTEM, at(1), {"fgj": away}).case
    assert case.task("fgj").assignee_id == "fgj-B"


def test_open_tasks_are_handed_over_when_a_goes_away():
    case = in_review(kind="joint", departments=("fgj", "sthj"))
    post = c.mark_away(POSTS["fgj"], "fgj-A", at(30), reason="病假")
    assert c.hand_over(case, POSTS["fgj"], c.SYSTEM, at(31)).events == ()
    step = c.hand_over(case, post, c.SYSTEM, at(31))
    assert [(e.type, e.data["from_assignee"], e.data["to_assignee"]) for e in step.events] == [
        ("TaskHandedOver", "fgj-A", "fgj-B")]
    assert step.case.task("fgj").assignee_id == "fgj-B" and step.case.task("sthj").assignee_id == "sthj-A"
    assert c.approve_task(step.case, approver("fgj", "B"), at(40)).case.task("fgj").decided_by_id == "fgj-B"


def test_post_with_both_holders_away_is_reported():
    post = c.mark_away(c.mark_away(POSTS["fgj"], "fgj-A", at(0)), "fgj-B", at(0))
    with pytest.raises(Conflict, match="A、B岗人员均不在岗"):
        c.route_task(post, at(5))
    assert c.route_task(c.mark_back(post, "fgj-B", at(3)), at(5)) == "fgj-B"


def test_proxy_submission_records_the_officer_and_the_villager():
    case = submitted(channel="proxy", applicant_name="陈大爷")
    assert (case.submitted_by_id, case.submitted_by_role, case.submitted_at_site) == ("io-wang", "info_officer", "haoping")
    assert case.app.applicant_name == "陈大爷" and case.app.channel == "proxy"


def test_hotline_and_township_window_cases_enter_the_same_pipeline():
    operator = Actor("op-9", "刘话务", "operator", "hotline-01", "zwfw")
    township_clerk = Actor("ck-hp", "周窗口", "window_clerk", "haoping-ck", "haoping")
    by_phone = c.submit(application(channel="hotline"), operator, at(0)).case
    in_town = c.submit(application(channel="township_window"), township_clerk, at(0)).case
    assert (by_phone.state, by_phone.submitted_by_role) == ("submitted", "operator")
    assert (in_town.app.channel, in_town.submitted_at_site) == ("township_window", "haoping")


def test_channel_decides_who_may_submit():
    with pytest.raises(Forbidden):
        c.submit(application(channel="window"), CITIZEN, at(0))
    with pytest.raises(Forbidden):
        c.submit(application(channel="proxy"), CLERK, at(0))


def test_withdrawal_during_review_releases_the_departments():
    case = c.pause(in_review(departments=("fgj",)), approver("fgj"), at(5), "public_notice", "公示7日").case
    case = c.withdraw(case, CITIZEN, at(6), reason="不再需要").case
    assert case.state == "withdrawn" and case.task("fgj").state == "cancelled"
    assert case.pauses[0].ended_at == at(6) and case.closed_at == at(6)


# -- delivery --------------------------------------------------------------------------------

def test_window_delivery_names_who_collected_the_result():
    case = c.approve_task(in_review(), approver("scjgj"), at(10)).case
    with pytest.raises(ValidationFailed, match="领取人"):
        c.confirm_delivery(case, CLERK, at(11))
    ready = c.dispatch_result(case, CLERK, at(11)).case
    assert c.confirm_delivery(ready, CLERK, at(12), received_by="张小三（本人）").case.state == "delivered"


def test_post_delivery_needs_a_tracking_number():
    case = c.approve_task(in_review(delivery="post", delivery_address="紫阳县蒿坪镇"), approver("scjgj"), at(10)).case
    with pytest.raises(ValidationFailed, match="EMS"):
        c.dispatch_result(case, CLERK, at(11), tracking_number="")
    with pytest.raises(IllegalTransition, match="准予办理"):
        c.confirm_delivery(case, CLERK, at(11))


def test_electronic_delivery_needs_the_certificate_reference():
    case = c.approve_task(in_review(delivery="electronic"), approver("scjgj"), at(10)).case
    with pytest.raises(ValidationFailed, match="电子证照"):
        c.dispatch_result(case, CLERK, at(11))
    assert c.dispatch_result(case, CLERK, at(11), reference="EL-1").case.delivery_reference == "EL-1"


def test_post_delivery_without_an_address_is_refused_at_intake():
    with pytest.raises(ValidationFailed, match="收件地址"):
        c.submit(application(delivery="post"), CLERK, at(0))


# -- illegal steps ---------------------------------------------------------------------------

def test_an_unaccepted_case_cannot_be_decided():
    with pytest.raises(IllegalTransition, match="办件尚未受理，不能审批"):
        c.approve_task(submitted(), approver("scjgj"), at(1))


def test_resubmitting_without_a_supplement_request_names_the_real_state():
    with pytest.raises(IllegalTransition, match="办件当前状态为“待受理”，不能提交补正材料"):
        c.resubmit(submitted(), CITIZEN, at(1))


def test_a_window_clerk_cannot_approve():
    with pytest.raises(Forbidden, match="窗口人员无权审批"):
        c.approve_task(in_review(), CLERK, at(2))


def test_a_department_cannot_act_on_another_departments_task():
    case = in_review(kind="joint", departments=("fgj", "sthj"))
    with pytest.raises(Forbidden, match="其他部门") as caught:
        c.approve_task(case, approver("mzj"), at(2))
    assert caught.value.code == "wrong_department"


def test_a_finished_task_cannot_be_decided_twice():
    case = c.approve_task(in_review(kind="joint", departments=("fgj", "sthj")), approver("fgj"), at(2)).case
    with pytest.raises(IllegalTransition, match="不能重复办理"):
        c.refuse_task(case, approver("fgj"), at(3), reason="改主意")


def test_refusing_needs_a_reason():
    with pytest.raises(ValidationFailed, match="审批不同意必须说明理由"):
        c.refuse_task(in_review(), approver("scjgj"), at(2), reason="")


def test_only_immediate_items_are_decided_at_the_window():
    case = c.accept(submitted(), CLERK, at(1)).case
    with pytest.raises(IllegalTransition, match="只有即办件"):
        c.decide_at_window(case, CLERK, at(2), approve=True)
    with pytest.raises(IllegalTransition, match="即办件由窗口当场办结"):
        c.start_review(c.accept(submitted(kind="immediate"), CLERK, at(1)).case, c.SYSTEM, at(1), POSTS)


def test_a_case_is_accepted_once_and_cannot_be_withdrawn_after_the_decision():
    case = c.accept(submitted(), CLERK, at(1)).case
    with pytest.raises(IllegalTransition, match="已受理"):
        c.accept(case, CLERK, at(2))
    decided = c.decide_at_window(c.accept(submitted(kind="immediate"), CLERK, at(1)).case, CLERK, at(2), False, "不符合条件").case
    with pytest.raises(IllegalTransition, match="不予办理"):
        c.withdraw(decided, CITIZEN, at(3))


# -- trail and documents ----------------------------------------------------------------------

def _finished_joint_case():
    case = in_review(kind="joint", departments=("fgj", "zrzyj", "sthj"))
    for i, dept in enumerate(("fgj", "zrzyj", "sthj")):
        case = c.approve_task(case, approver(dept), at(10 + i)).case
    return c.confirm_delivery(case, CLERK, at(20), received_by="张小三").case


def test_every_event_links_states_actors_and_hashes():
    case = _finished_joint_case()
    assert [e.seq for e in case.events] == list(range(1, len(case.events) + 1))
    for before, after in zip(case.events, case.events[1:]):
        assert after.from_state == before.to_state and after.prev_hash == before.hash
    assert case.events[-1].actor_role == "window_clerk" and case.events[-1].at.microsecond == 123456
    assert verify_chain(case.number, case.events) == []


def _no_dots_no_nested_arrays(value, inside_array=False):
    if isinstance(value, dict):
        return all("." not in k and _no_dots_no_nested_arrays(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return not inside_array and all(_no_dots_no_nested_arrays(v, True) for v in value)
    return True


def test_case_documents_are_bson_friendly_and_round_trip():
    case = c.pause(in_review(kind="joint", departments=("fgj", "sthj")), approver("fgj"), at(5), "inspection", "现场勘查").case
    doc = c.case_to_document(case)
    assert doc["_id"] == "ziyang:610924-20261130-00042" and doc["tenant"] == "ziyang"
    assert _no_dots_no_nested_arrays(doc) and doc["open_posts"] == ["fgj-sp", "sthj-sp"]
    stored = {**doc, "events": [{**e, "at": e["at"].replace(microsecond=e["at"].microsecond // 1000 * 1000, tzinfo=None)}
                                for e in doc["events"]]}
    assert c.case_from_document(stored) == case


def test_step_update_is_version_checked_and_appends_only_new_events():
    case = in_review()
    step = c.approve_task(case, approver("scjgj"), at(9))
    query, update = c.step_update(step)
    assert query == {"_id": "ziyang:610924-20261130-00042", "version": case.version}
    assert [e["seq"] for e in update["$push"]["events"]["$each"]] == [case.version + 1, case.version + 2]
    assert update["$set"]["state"] == "approved" and update["$set"]["version"] == case.version + 2


def test_applying_an_event_out_of_order_is_refused():
    case = _finished_joint_case()
    with pytest.raises(ValueError):
        c.replay([case.events[0], case.events[2]])
