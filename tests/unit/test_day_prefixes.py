"""A period is read by day prefixes, whole months as one: every day of it once, no day outside it."""

from datetime import date, timedelta

from backend.services.supervision import day_prefixes


def _days_read(first: date, last: date) -> list[date]:
    """The days of 2023..2027 whose ids (``{day}:...``) the prefixes match, with repeats."""
    every = [date(2023, 1, 1) + timedelta(days=n) for n in range(365 * 5)]
    return [d for p in day_prefixes(first, last) for d in every if f"{d.isoformat()}:".startswith(p)]


def test_every_day_of_a_period_is_read_once_and_no_other():
    for first, last in ((date(2026, 1, 30), date(2026, 4, 2)), (date(2024, 2, 1), date(2024, 2, 29)),
                        (date(2026, 11, 25), date(2026, 11, 25)), (date(2025, 12, 31), date(2026, 1, 31)),
                        (date(2026, 2, 1), date(2026, 2, 27))):
        wanted = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        assert _days_read(first, last) == wanted, (first, last)


def test_a_year_past_is_a_dozen_reads():
    assert len(day_prefixes(date(2025, 1, 1), date(2025, 12, 31))) == 12
    assert len(day_prefixes(date(2025, 1, 15), date(2025, 12, 31))) == 17 + 11
