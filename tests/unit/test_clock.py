"""Statutory clock: deadlines in working days, counted from the day after acceptance."""

from datetime import date, datetime, time, timedelta, timezone

import pytest

from backend.domain.calendar import WorkCalendar
from backend.domain.clock import (SHANGHAI, Pause, compute_deadline, explain_zh, finished_late,
                                  format_deadline_cli, parse_instant, parse_pause_arg)
from backend.domain.errors import ValidationFailed

CAL = WorkCalendar.from_chinesecalendar()


def sh(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)


def due(started_at, n, pauses=(), closing_time=None) -> date:
    return compute_deadline(CAL, started_at, n, pauses, closing_time).due_date


def test_the_worked_example_from_the_issue_is_due_at_the_end_of_october_14():
    # Real 2026 calendar: 10-01..10-07 off, Saturday 10-10 worked (the issue's dates are right).
    supplement = Pause(sh(2026, 10, 8), sh(2026, 10, 10), "补正")
    deadline = compute_deadline(CAL, sh(2026, 9, 29, 9, 12, 3), 5, [supplement], label="承诺时限")
    assert deadline.due_at == sh(2026, 10, 15, 0, 0) == end_of(date(2026, 10, 14))
    assert deadline.due_date == date(2026, 10, 14)
    assert not deadline.provisional


def test_the_worked_example_explains_holidays_makeup_day_and_the_pause_in_chinese():
    supplement = Pause(sh(2026, 10, 8), sh(2026, 10, 10), "补正")
    text = compute_deadline(CAL, sh(2026, 9, 29, 9, 12, 3), 5, [supplement], label="承诺时限").explanation_zh
    assert "承诺时限 5 个工作日" in text
    assert "2026-09-29 09:12:03 受理" in text and "受理当日（2026-09-29）不计入" in text
    assert "2026-10-01 至 2026-10-07 为法定节假日（国庆节）" in text
    assert "2026-10-10（星期六）为调休上班日" in text
    assert "因补正中止计时" in text and "2026-10-08 至 2026-10-09 中的 2 个工作日不计入" in text
    assert text.endswith("期限届满：2026-10-14 24:00。")


def test_without_the_pause_the_same_case_is_due_two_working_days_earlier():
    assert due(sh(2026, 9, 29, 9, 12, 3), 5) == date(2026, 10, 12)


def test_the_facts_rebuild_the_same_explanation_for_other_renderings():
    deadline = compute_deadline(CAL, sh(2026, 2, 12, 10), 10)
    assert explain_zh(deadline.facts) == deadline.explanation_zh
    assert deadline.facts["holidays"] == [
        {"first": "2026-02-15", "last": "2026-02-23", "names": ["春节"], "source": "state_council"}]
    assert [d["date"] for d in deadline.facts["workdays"]] == ["2026-02-14", "2026-02-28"]


def test_spring_festival_2026_pushes_ten_working_days_to_march_4():
    deadline = compute_deadline(CAL, sh(2026, 2, 12, 10), 10)
    assert deadline.due_date == date(2026, 3, 4)
    assert "2026-02-14（星期六）为调休上班日" in deadline.explanation_zh
    assert "2026-02-28（星期六）为调休上班日" in deadline.explanation_zh


def test_national_day_2025_eight_day_break_is_skipped():
    # 09-30 counts, 10-01..10-08 off, Saturday 10-11 worked.
    assert due(sh(2025, 9, 29, 15), 3) == date(2025, 10, 10)
    assert due(sh(2025, 9, 29, 15), 4) == date(2025, 10, 11)


def test_the_acceptance_day_never_counts_even_from_midnight():
    assert due(sh(2026, 3, 2, 0, 0, 0), 1) == date(2026, 3, 3)


def test_one_second_before_midnight_and_midnight_fall_on_different_days():
    assert due(sh(2026, 3, 3, 23, 59, 59), 1) == date(2026, 3, 4)
    assert due(sh(2026, 3, 4, 0, 0, 0), 1) == date(2026, 3, 5)


def test_utc_instants_are_read_in_shanghai_time():
    assert due(datetime(2026, 3, 3, 15, 59, 59, tzinfo=timezone.utc), 1) == date(2026, 3, 4)
    assert due(datetime(2026, 3, 3, 16, 0, 0, tzinfo=timezone.utc), 1) == date(2026, 3, 5)
    deadline = compute_deadline(CAL, datetime(2026, 3, 3, 16, 0, tzinfo=timezone.utc), 1)
    assert deadline.due_at.utcoffset() == timedelta(hours=8)


def test_naive_instants_are_taken_as_shanghai_wall_time():
    assert due(datetime(2026, 3, 3, 23, 59, 59), 1) == date(2026, 3, 4)


def test_closing_time_makes_the_deadline_the_close_of_the_last_day():
    deadline = compute_deadline(CAL, sh(2026, 3, 3, 9), 2, closing_time=time(17, 30))
    assert deadline.due_at == sh(2026, 3, 5, 17, 30)
    assert deadline.explanation_zh.endswith("期限届满：2026-03-05 17:30（办事大厅下班时间）。")


def test_zero_working_days_is_due_at_the_end_of_the_acceptance_day():
    assert compute_deadline(CAL, sh(2026, 3, 7, 10), 0).due_at == end_of(date(2026, 3, 7))


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_the_limit_must_be_a_whole_number_of_working_days(bad):
    with pytest.raises(ValidationFailed) as caught:
        compute_deadline(CAL, sh(2026, 3, 3, 9), bad)
    assert "整数个工作日" in caught.value.message


def test_a_deadline_in_2027_is_provisional_and_says_so():
    deadline = compute_deadline(CAL, sh(2026, 12, 28, 9), 5)
    assert deadline.due_date == date(2027, 1, 4)
    assert deadline.provisional and deadline.facts["uncovered_years"] == [2027]
    assert "2027 年的节假日安排尚未录入" in deadline.explanation_zh
    assert "暂定期限届满：2027-01-04 24:00" in deadline.explanation_zh


def test_importing_2027_makes_the_same_deadline_final():
    extended = CAL.with_import([{"start": "2027-01-01", "kind": "放假", "name": "元旦"}], 2027)
    deadline = compute_deadline(extended, sh(2026, 12, 28, 9), 5)
    assert deadline.due_date == date(2027, 1, 5) and not deadline.provisional


def test_cli_output_starts_with_the_iso_due_time_and_then_explains():
    lines = format_deadline_cli(compute_deadline(CAL, sh(2026, 9, 29, 9, 12, 3), 5)).splitlines()
    assert lines[0] == "2026-10-13T00:00:00+08:00"
    assert datetime.fromisoformat(lines[0]) == end_of(date(2026, 10, 12))
    assert lines[1].startswith("时限 5 个工作日")


def test_cli_pause_arguments_read_bare_dates_as_whole_days():
    pause = parse_pause_arg("2026-10-08/2026-10-09")
    assert (pause.start, pause.end, pause.reason) == (sh(2026, 10, 8), sh(2026, 10, 10), "补正")
    hearing = parse_pause_arg("2026-10-08T10:00+08:00/2026-10-09T02:00:00Z/听证")
    assert hearing.end == sh(2026, 10, 9, 10) and hearing.reason == "听证"
    assert parse_pause_arg("2026-10-08T10:00/").end is None


@pytest.mark.parametrize("text", ["2026-10-08", "yesterday/2026-10-09", "2026-10-08/soon"])
def test_cli_refuses_malformed_pauses_in_chinese(text):
    with pytest.raises(ValidationFailed) as caught:
        parse_pause_arg(text)
    assert "格式不正确" in caught.value.message


def test_parse_instant_accepts_offsets_and_bare_dates():
    assert parse_instant("2026-09-29T01:12:03Z") == sh(2026, 9, 29, 9, 12, 3)
    assert parse_instant("2026-09-29", end_of_day=True) == sh(2026, 9, 30)


def test_a_step_can_be_late_while_the_case_is_on_time():
    case = compute_deadline(CAL, sh(2026, 10, 8, 9), 5, label="承诺时限")
    review = compute_deadline(CAL, sh(2026, 10, 9, 11), 1, label="审查环节时限")
    finished_review = sh(2026, 10, 12, 10)  # Saturday 10-10 was a make-up day: review was due then
    assert review.due_date == date(2026, 10, 10)
    assert finished_late(review, finished_review)
    assert not finished_late(case, finished_review)
    assert "审查环节时限 1 个工作日" in review.explanation_zh


def test_a_county_that_counts_to_closing_time_carries_it_on_its_calendar():
    started = sh(2026, 11, 23, 9, 30)
    closing = CAL.with_closing_time(time(17, 30))
    at_closing = compute_deadline(closing, started, 3, label="承诺时限")
    assert at_closing.due_at == sh(2026, 11, 26, 17, 30) and "17:30（办事大厅下班时间）" in at_closing.explanation_zh
    assert compute_deadline(CAL, started, 3).due_at == end_of(date(2026, 11, 26))
    assert CAL.closing_time is None  # the copy carries it; the shared calendar does not
