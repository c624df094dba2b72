"""Pauses (中止计时): only whole working days count, so a pause removes every working day it touches."""

from datetime import date, datetime, time

import pytest

from backend.domain.calendar import WorkCalendar
from backend.domain.clock import SHANGHAI, Pause, compute_deadline, working_days_used
from backend.domain.errors import ValidationFailed

CAL = WorkCalendar.from_chinesecalendar()
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # an ordinary week: 03-02 .. 03-06, 03-09 ..


def sh(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def due(n, pauses=(), closing_time=None) -> date:
    return compute_deadline(CAL, MONDAY, n, pauses, closing_time).due_date


def test_without_pauses_three_working_days_from_monday_end_on_thursday():
    assert due(3) == date(2026, 3, 5)


def test_a_pause_within_one_working_day_removes_that_day():
    assert due(3, [Pause(sh(2026, 3, 3, 10), sh(2026, 3, 3, 15), "专家评审")]) == date(2026, 3, 6)


def test_a_pause_over_a_night_removes_both_days_it_touches():
    assert due(3, [Pause(sh(2026, 3, 3, 16), sh(2026, 3, 4, 9), "补正")]) == date(2026, 3, 9)


def test_a_pause_ending_exactly_at_midnight_does_not_touch_the_next_day():
    assert due(3, [Pause(sh(2026, 3, 3, 0), sh(2026, 3, 4, 0), "补正")]) == date(2026, 3, 6)
    assert due(3, [Pause(sh(2026, 3, 3, 0), sh(2026, 3, 4, 0, 0, 1), "补正")]) == date(2026, 3, 9)


def test_a_pause_starting_after_closing_time_leaves_that_day_counted():
    after_close = Pause(sh(2026, 3, 3, 18), sh(2026, 3, 4, 8), "补正")
    assert due(3, [after_close], closing_time=time(17, 30)) == date(2026, 3, 6)
    assert due(3, [after_close]) == date(2026, 3, 9)  # without business hours the day runs to 24:00


def test_a_pause_on_the_acceptance_day_changes_nothing():
    deadline = compute_deadline(CAL, MONDAY, 3, [Pause(sh(2026, 3, 2, 10), sh(2026, 3, 2, 11), "补正")])
    assert deadline.due_date == date(2026, 3, 5)
    assert "未触及任何计时日，不影响期限" in deadline.explanation_zh


def test_a_pause_over_a_weekend_only_removes_the_working_days_it_touches():
    weekend = Pause(sh(2026, 3, 6, 18), sh(2026, 3, 9, 8), "补正")  # Friday evening to Monday morning
    deadline = compute_deadline(CAL, MONDAY, 5, [weekend])
    assert deadline.due_date == date(2026, 3, 11)
    assert "2026-03-06 至 2026-03-09 中的 2 个工作日不计入" in deadline.explanation_zh


def test_overlapping_pauses_are_counted_once():
    hearing = Pause(sh(2026, 3, 3, 9), sh(2026, 3, 4, 12), "听证")
    notice = Pause(sh(2026, 3, 4, 10), sh(2026, 3, 4, 18), "公告")
    assert due(3, [hearing, notice]) == date(2026, 3, 9)


def test_back_to_back_pauses_join_up():
    assert due(3, [Pause(sh(2026, 3, 3, 10), sh(2026, 3, 4, 9), "补正"),
                   Pause(sh(2026, 3, 4, 9), sh(2026, 3, 5, 10), "检验")]) == date(2026, 3, 10)


def test_a_pause_that_begins_on_the_due_day_moves_the_deadline_past_the_wait():
    # Due Thursday 03-05; the applicant is asked for more on Thursday and answers on Monday 03-09.
    deadline = compute_deadline(CAL, MONDAY, 3, [Pause(sh(2026, 3, 5, 16), sh(2026, 3, 9, 11), "补正")])
    assert deadline.due_date == date(2026, 3, 10)


def test_a_pause_after_the_deadline_does_not_help_and_says_so():
    deadline = compute_deadline(CAL, MONDAY, 3, [Pause(sh(2026, 3, 9, 9), sh(2026, 3, 10, 9), "补正")])
    assert deadline.due_date == date(2026, 3, 5)
    assert "开始于期限届满之后，不影响期限" in deadline.explanation_zh


def test_several_pauses_are_each_explained_with_their_reason():
    deadline = compute_deadline(CAL, MONDAY, 3, [Pause(sh(2026, 3, 3, 9), sh(2026, 3, 3, 17), "补正"),
                                                 Pause(sh(2026, 3, 5, 9), sh(2026, 3, 5, 17), "专家评审")])
    assert deadline.due_date == date(2026, 3, 9)
    assert [p["reason"] for p in deadline.facts["pauses"]] == ["补正", "专家评审"]
    assert "因专家评审中止计时（2026-03-05 09:00:00 至 2026-03-05 17:00:00）" in deadline.explanation_zh


def test_an_open_pause_holds_the_deadline_and_reports_days_used_and_left():
    deadline = compute_deadline(CAL, MONDAY, 5, [Pause(sh(2026, 3, 4, 10), None, "补正")])
    assert deadline.paused and deadline.due_at is None and deadline.due_date is None
    assert deadline.facts["used_working_days"] == 1 and deadline.facts["remaining_working_days"] == 4
    assert "尚未恢复" in deadline.explanation_zh
    assert "已用 1 个工作日，剩余 4 个工作日" in deadline.explanation_zh


def test_an_open_pause_after_the_deadline_leaves_the_deadline_standing():
    deadline = compute_deadline(CAL, MONDAY, 2, [Pause(sh(2026, 3, 5, 10), None, "补正")])
    assert deadline.due_date == date(2026, 3, 4) and not deadline.paused


def test_a_pause_needs_a_reason():
    with pytest.raises(ValidationFailed) as caught:
        Pause(sh(2026, 3, 3, 9), sh(2026, 3, 3, 10), "  ")
    assert caught.value.message == "中止计时必须说明原因"


def test_a_pause_cannot_end_before_it_starts():
    with pytest.raises(ValidationFailed) as caught:
        Pause(sh(2026, 3, 3, 9), sh(2026, 3, 3, 8, 59, 59), "补正")
    assert caught.value.message == "中止计时的结束时间不能早于开始时间"


def test_a_pause_cannot_start_before_acceptance():
    with pytest.raises(ValidationFailed) as caught:
        compute_deadline(CAL, MONDAY, 3, [Pause(sh(2026, 3, 2, 8), sh(2026, 3, 3, 9), "补正")])
    assert caught.value.message == "中止计时的开始时间不能早于受理时间"


def test_working_days_used_counts_the_finish_day_and_leaves_out_pauses():
    pause = Pause(sh(2026, 3, 3, 10), sh(2026, 3, 3, 15), "补正")
    assert working_days_used(CAL, MONDAY, sh(2026, 3, 5, 10)) == 3
    assert working_days_used(CAL, MONDAY, sh(2026, 3, 5, 10), [pause]) == 2
    assert working_days_used(CAL, MONDAY, sh(2026, 3, 2, 16)) == 0


def test_a_case_finished_on_its_due_day_used_exactly_its_limit():
    pause = Pause(sh(2026, 10, 8), sh(2026, 10, 10), "补正")
    started = sh(2026, 9, 29, 9, 12, 3)
    deadline = compute_deadline(CAL, started, 5, [pause])
    assert working_days_used(CAL, started, datetime.combine(deadline.due_date, time(16), SHANGHAI), [pause]) == 5
