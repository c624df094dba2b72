"""Pure rules of running it: backup retention and masking personal data in logs."""

from datetime import datetime, timedelta, timezone

from backend.logs import mask
from backend.ops.retention import keep


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(timezone.utc)


def test_retention_keeps_the_newest_of_each_recent_day_and_the_first_of_each_recent_month():
    taken = {f"b{day}": at(f"2026-11-{day:02d} 02:30") for day in range(1, 24)}
    taken |= {"oct-first": at("2026-10-01 02:30"), "oct-late": at("2026-10-31 02:30"), "sep": at("2026-09-01 02:30"),
              "nov23-noon": at("2026-11-23 12:00")}
    assert keep(taken, daily=3, monthly=2) == {"b21", "b22", "nov23-noon", "b1", "oct-first"}
    assert keep(taken, daily=1, monthly=0) == {"nov23-noon"}


def test_retention_counts_days_in_beijing_time():
    late_evening_utc = at("2026-11-23 07:59")
    taken = {"a": late_evening_utc, "b": late_evening_utc + timedelta(minutes=2)}
    assert keep(taken, daily=1, monthly=0) == {"b"}


def test_mobile_and_id_numbers_are_masked_but_case_numbers_and_times_are_not():
    text = "13800001234 拨打，证件 61092419900101123X，办件 610924-20261123-00001，耗时 20261123013000000000"
    assert mask(text) == "138****1234 拨打，证件 610924********123X，办件 610924-20261123-00001，耗时 20261123013000000000"
