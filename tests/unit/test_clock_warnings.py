"""Warnings (预警): normal, yellow in the last working days, red once the deadline passes."""

from datetime import date, datetime, time, timedelta, timezone

from backend.domain.calendar import WorkCalendar
from backend.domain.clock import SHANGHAI, Pause, compute_deadline, remaining_working_days, warning_level

CAL = WorkCalendar.from_chinesecalendar()


def sh(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


# Accepted Tuesday 03-03; 3 working days -> due at the end of Friday 03-06.
DEADLINE = compute_deadline(CAL, sh(2026, 3, 3, 9), 3)


def test_two_working_days_before_the_deadline_is_normal():
    assert remaining_working_days(CAL, sh(2026, 3, 5, 9), DEADLINE) == 2
    assert warning_level(CAL, sh(2026, 3, 5, 9), DEADLINE) == "normal"


def test_the_last_working_day_is_yellow():
    assert remaining_working_days(CAL, sh(2026, 3, 6, 9), DEADLINE) == 1
    assert warning_level(CAL, sh(2026, 3, 6, 9), DEADLINE) == "yellow"


def test_a_wider_yellow_threshold_warns_earlier():
    assert warning_level(CAL, sh(2026, 3, 5, 9), DEADLINE, yellow_days=2) == "yellow"
    assert warning_level(CAL, sh(2026, 3, 4, 9), DEADLINE, yellow_days=2) == "normal"


def test_a_zero_threshold_never_shows_yellow():
    assert warning_level(CAL, sh(2026, 3, 6, 23, 59, 59), DEADLINE, yellow_days=0) == "normal"


def test_one_second_before_midnight_is_yellow_and_midnight_is_red():
    assert warning_level(CAL, sh(2026, 3, 6, 23, 59, 59), DEADLINE) == "yellow"
    assert warning_level(CAL, sh(2026, 3, 7, 0, 0, 0), DEADLINE) == "red"


def test_utc_now_is_compared_in_shanghai_time():
    assert warning_level(CAL, datetime(2026, 3, 6, 15, 59, 59, tzinfo=timezone.utc), DEADLINE) == "yellow"
    assert warning_level(CAL, datetime(2026, 3, 6, 16, 0, 0, tzinfo=timezone.utc), DEADLINE) == "red"


def test_overdue_days_are_counted_as_negative_remaining_days():
    assert remaining_working_days(CAL, sh(2026, 3, 10, 9), DEADLINE) == -2


def test_a_weekend_before_a_monday_deadline_is_already_yellow():
    monday_due = compute_deadline(CAL, sh(2026, 3, 6, 9), 1)
    assert monday_due.due_date == date(2026, 3, 9)
    assert warning_level(CAL, sh(2026, 3, 8, 12), monday_due) == "yellow"
    assert warning_level(CAL, sh(2026, 3, 6, 12), monday_due) == "normal"


def test_a_holiday_block_is_not_counted_as_time_left():
    # Accepted 09-29 with 3 days: 09-30, 10-08, 10-09. On 09-30 two working days remain after today.
    deadline = compute_deadline(CAL, sh(2026, 9, 29, 9), 3)
    assert deadline.due_date == date(2026, 10, 9)
    assert remaining_working_days(CAL, sh(2026, 10, 5, 9), deadline) == 2
    assert warning_level(CAL, sh(2026, 10, 8, 9), deadline, yellow_days=2) == "yellow"


def test_with_business_hours_the_day_ends_at_closing_time():
    deadline = compute_deadline(CAL, sh(2026, 3, 3, 9), 3, closing_time=time(17, 30))
    assert warning_level(CAL, sh(2026, 3, 6, 17, 29, 59), deadline) == "yellow"
    assert warning_level(CAL, sh(2026, 3, 6, 17, 30), deadline) == "red"
    assert remaining_working_days(CAL, sh(2026, 3, 5, 18), deadline) == 1  # Thursday evening: only Friday left


def test_a_paused_case_shows_no_warning():
    paused = compute_deadline(CAL, sh(2026, 3, 3, 9), 3, [Pause(sh(2026, 3, 5, 9), None, "补正")])
    assert remaining_working_days(CAL, sh(2026, 3, 20, 9), paused) is None
    assert warning_level(CAL, sh(2026, 3, 20, 9), paused) == "normal"


def test_warnings_keep_step_and_case_apart():
    case = compute_deadline(CAL, sh(2026, 3, 2, 9), 5)
    step = compute_deadline(CAL, sh(2026, 3, 2, 9), 1, label="受理环节时限")
    now = sh(2026, 3, 4, 9)
    assert warning_level(CAL, now, step) == "red"
    assert warning_level(CAL, now, case) == "normal"
    assert case.due_at - step.due_at == timedelta(days=6)
