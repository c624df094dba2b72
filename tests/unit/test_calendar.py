"""Working-day calendar: seeded from chinesecalendar, extendable, fast arithmetic."""

import random
import time
from datetime import date, timedelta

import chinese_calendar
import pytest

from backend.domain.calendar import WorkCalendar, validate_import
from backend.domain.errors import ValidationFailed

CAL = WorkCalendar.from_chinesecalendar()


def days(first: date, last: date):
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def naive_count(calendar, a: date, b: date) -> int:
    return sum(calendar.is_working_day(d) for d in days(a + timedelta(days=1), b))


def test_seed_covers_the_years_chinesecalendar_publishes_and_not_2027():
    assert CAL.first_covered_year == 2004
    assert CAL.last_covered_year == 2026
    assert CAL.covers(date(2026, 12, 31))
    assert not CAL.covers(date(2027, 1, 1))


def test_every_day_of_2024_to_2026_agrees_with_chinesecalendar():
    for day in days(date(2024, 1, 1), date(2026, 12, 31)):
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day


def test_2026_spring_festival_is_off_and_its_two_saturdays_are_worked():
    off = days(date(2026, 2, 15), date(2026, 2, 23))
    assert all(not chinese_calendar.is_workday(d) for d in off)  # the real calendar agrees
    assert all(not CAL.is_working_day(d) for d in off)
    assert CAL.special_day(date(2026, 2, 17)).name == "春节"
    for makeup in (date(2026, 2, 14), date(2026, 2, 28)):
        assert makeup.weekday() == 5 and chinese_calendar.is_workday(makeup)
        assert CAL.is_working_day(makeup)
        assert CAL.special_day(makeup).is_makeup_workday


def test_2025_spring_festival_is_off_with_sunday_and_saturday_worked():
    assert not any(CAL.is_working_day(d) for d in days(date(2025, 1, 28), date(2025, 2, 4)))
    assert CAL.is_working_day(date(2025, 1, 26)) and CAL.is_working_day(date(2025, 2, 8))


def test_national_day_2025_runs_eight_days_with_two_makeup_days():
    assert not any(CAL.is_working_day(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert CAL.special_day(date(2025, 10, 6)).name == "中秋节"
    assert CAL.is_working_day(date(2025, 9, 28))  # Sunday
    assert CAL.is_working_day(date(2025, 10, 11))  # Saturday


def test_national_day_2026_runs_seven_days_with_makeup_sunday_and_saturday():
    assert not any(CAL.is_working_day(d) for d in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert CAL.is_working_day(date(2026, 10, 8)) and CAL.is_working_day(date(2026, 10, 9))
    assert CAL.is_working_day(date(2026, 9, 20)) and date(2026, 9, 20).weekday() == 6
    assert CAL.is_working_day(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    assert not CAL.is_working_day(date(2026, 9, 25))  # Mid-autumn, a Friday


def test_adding_working_days_skips_the_spring_festival_and_uses_makeup_days():
    assert CAL.add_working_days(date(2026, 2, 13), 1) == (date(2026, 2, 14), False)
    assert CAL.add_working_days(date(2026, 2, 13), 2) == (date(2026, 2, 24), False)


def test_adding_working_days_crosses_new_year_into_a_makeup_sunday():
    assert CAL.add_working_days(date(2025, 12, 31), 1) == (date(2026, 1, 4), False)


def test_zero_working_days_is_the_start_day_itself():
    assert CAL.add_working_days(date(2026, 5, 6), 0) == (date(2026, 5, 6), False)


def test_negative_working_days_are_refused():
    with pytest.raises(ValidationFailed):
        CAL.add_working_days(date(2026, 5, 6), -1)


def test_deadline_in_an_uncovered_year_is_weekends_only_and_provisional():
    # 12-29, 12-30, 12-31, then 2027-01-01 (a Friday, unknown holiday) and Monday 01-04.
    assert CAL.add_working_days(date(2026, 12, 28), 5) == (date(2027, 1, 4), True)
    assert CAL.uncovered_years(date(2026, 12, 29), date(2027, 1, 4)) == [2027]


def test_counting_matches_a_day_by_day_count_inside_and_outside_the_calendar():
    rng = random.Random(7)
    for _ in range(300):
        a = date(2002, 1, 1) + timedelta(days=rng.randrange(0, 365 * 28))
        b = a + timedelta(days=rng.randrange(-40, 400))
        expected = naive_count(CAL, a, b) if b >= a else -naive_count(CAL, b, a)
        assert CAL.working_days_between(a, b) == expected, (a, b)


def test_adding_then_counting_gives_back_the_same_number_and_lands_on_a_working_day():
    rng = random.Random(11)
    for _ in range(300):
        start = date(2002, 1, 1) + timedelta(days=rng.randrange(0, 365 * 28))
        n = rng.randrange(1, 120)
        due, _ = CAL.add_working_days(start, n)
        assert CAL.is_working_day(due)
        assert CAL.working_days_between(start, due) == n
        assert CAL.working_days_between(start, due - timedelta(days=1)) == n - 1


def test_long_spans_are_computed_without_walking_day_by_day():
    begin = time.perf_counter()
    for i in range(20000):
        due, _ = CAL.add_working_days(date(2004, 1, 1) + timedelta(days=i % 3000), 5000)
        CAL.working_days_between(date(2004, 1, 1), due)
    assert time.perf_counter() - begin < 1.0


def test_a_local_day_off_moves_deadlines_and_leaves_the_original_calendar_alone():
    local = CAL.with_overrides({date(2026, 3, 4): False}, {date(2026, 3, 4): "县域停电放假"})
    assert not local.is_working_day(date(2026, 3, 4))
    assert local.special_day(date(2026, 3, 4)).name == "县域停电放假"
    assert local.add_working_days(date(2026, 3, 3), 1) == (date(2026, 3, 5), False)
    assert CAL.is_working_day(date(2026, 3, 4))


def test_a_local_working_saturday_counts():
    local = CAL.with_overrides({date(2026, 3, 7): True})
    assert local.add_working_days(date(2026, 3, 6), 1) == (date(2026, 3, 7), False)
    assert local.special_day(date(2026, 3, 7)).name == "本地调整上班"


NOTICE_2027 = [  # made-up rows for the test, not the real 2027 notice
    {"start": "2027-01-01", "kind": "放假", "name": "元旦"},
    {"start": "2027-10-01", "end": "2027-10-07", "kind": "放假", "name": "国庆节"},
    {"start": "2027-10-09", "kind": "上班", "name": "国庆节"},
]


def test_importing_a_new_year_covers_it_and_makes_its_deadlines_final():
    extended = CAL.with_import(NOTICE_2027, 2027)
    assert extended.covers(date(2027, 6, 1)) and extended.last_covered_year == 2027
    assert extended.add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 4), False)
    assert extended.add_working_days(date(2027, 9, 30), 1) == (date(2027, 10, 8), False)
    assert extended.add_working_days(date(2027, 10, 8), 1) == (date(2027, 10, 9), False)
    assert extended.special_day(date(2027, 10, 9)).name == "国庆节调休上班"


def test_import_keeps_local_days_of_that_year():
    local = CAL.with_overrides({date(2027, 1, 1): True}, {date(2027, 1, 1): "本地加班"})
    assert local.with_import(NOTICE_2027, 2027).is_working_day(date(2027, 1, 1))


@pytest.mark.parametrize("rows, fragment", [
    ([{"start": "2027-10-01", "end": "2027-10-07", "kind": "放假", "name": "国庆节"},
      {"start": "2027-10-05", "kind": "放假", "name": "中秋节"}], "第 2 行与第 1 行日期重叠：2027-10-05"),
    ([{"start": "2027-01-01", "kind": "放假", "name": "元旦"},
      {"start": "2027-13-01", "kind": "放假", "name": "元旦"}], "第 2 行：开始日期格式不正确"),
    ([{"start": "2027-01-01", "kind": "放假", "name": ""}], "第 1 行：缺少名称"),
    ([{"start": "2027-01-01", "kind": "休息", "name": "元旦"}], "第 1 行：类型应为"),
    ([{"start": "2027-10-07", "end": "2027-10-01", "kind": "放假", "name": "国庆节"}], "结束日期早于开始日期"),
    ([{"start": "2027-10-11", "kind": "上班", "name": "国庆节"}], "2027-10-11 是星期一"),
    ([{"start": "2028-01-01", "kind": "放假", "name": "元旦"}], "不在 2027 年内"),
    ([], "2027 年的节假日安排为空"),
])
def test_a_malformed_notice_is_refused_naming_the_row(rows, fragment):
    with pytest.raises(ValidationFailed) as caught:
        validate_import(rows, 2027)
    assert fragment in caught.value.message


def test_the_calendar_survives_a_round_trip_through_plain_data():
    local = CAL.with_overrides({date(2026, 3, 4): False}).with_import(NOTICE_2027, 2027)
    again = WorkCalendar.from_data(local.to_data())
    assert again.covers(date(2027, 1, 1))
    for start in (date(2026, 3, 3), date(2026, 9, 29), date(2027, 9, 30)):
        assert again.add_working_days(start, 7) == local.add_working_days(start, 7)
