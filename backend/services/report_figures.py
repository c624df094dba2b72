"""Figures of a supervision report (监察统计报表), computed from working-set documents (pure).

Inputs are the documents the supervision hook keeps, never the cases themselves:

* ``open_cases`` entries and ``finished_cases`` summaries: 收件量 (received: the case number carries
  the China-time day of submission), 办结量 (finished on a day of the period), 办结率 (completion:
  received cases of the period finished by its last day), 按时办结率 (on time among counted
  finished cases) and average working days used against the promised and statutory limits;
* ``ratings`` (评价, from the hotline and the window, five national levels): counts per level and the
  satisfied share (非常满意 + 满意 + 基本满意 over all ratings);
* ``cards`` raised in the period (预警卡): yellow and red.

One row per department and one for the county (全县合计); a case of several departments (联办件)
counts once in each department's row and once in the county row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from backend.domain.errors import ValidationFailed
from backend.domain.numbering import parse_case_number
from hotline.domain.tickets import SATISFACTION, SATISFIED

COUNTY = "county"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def received_day(number: str) -> date | None:
    """The China-time day a case was submitted on, read from its number."""
    try:
        return parse_case_number(number).day
    except ValidationFailed:  # a foreign number in the working set must not break a report
        return None


class TimingTally:
    """Finished cases of one row: how many, how many on time, working days used against the limits."""

    def __init__(self) -> None:
        self.finished = self.counted = self.on_time = self.used = self.promised = self.statutory = 0

    def add_finished(self, doc: dict) -> None:
        self.finished += 1
        if doc.get("counted"):
            self.counted += 1
            self.on_time += bool(doc.get("on_time"))
            self.used += doc.get("used_days") or 0
            self.promised += doc.get("promised_days") or 0
            self.statutory += doc.get("statutory_days") or 0

    def timing_view(self) -> dict:
        def avg(total: int) -> float | None:
            return round(total / self.counted, 2) if self.counted else None

        return {"finished": self.finished, "counted": self.counted, "on_time": self.on_time,
                "late": self.counted - self.on_time, "on_time_rate": _rate(self.on_time, self.counted),
                "avg_used_days": avg(self.used), "avg_promised_days": avg(self.promised),
                "avg_statutory_days": avg(self.statutory)}


class Tally(TimingTally):
    """Running figures of one report row (a department or the county)."""

    def __init__(self) -> None:
        super().__init__()
        self.received = self.completed = 0
        self.levels = {level: 0 for level in SATISFACTION}
        self.cards = {"yellow": 0, "red": 0}

    def view(self, code: str, name: str) -> dict:
        rated = sum(self.levels.values())
        satisfied = sum(n for level, n in self.levels.items() if level in SATISFIED)
        return {
            "code": code, "name": name, "received": self.received, "completed": self.completed,
            "completion_rate": _rate(self.completed, self.received), **self.timing_view(),
            "satisfaction": dict(self.levels), "rated": rated, "satisfied": satisfied,
            "satisfied_share": _rate(satisfied, rated), "cards_yellow": self.cards["yellow"],
            "cards_red": self.cards["red"],
        }


class _Rows:
    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = defaultdict(Tally)

    def of(self, departments) -> list[Tally]:
        return [self.tallies[COUNTY]] + [self.tallies[d] for d in dict.fromkeys(departments or []) if d]


def _in(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def _day_of(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def summarise(first: date, last: date, open_entries: list[dict], finished: list[dict], ratings: list[dict],
              cards: list[dict], names: dict[str, str]) -> dict:
    """The report's figures for the days ``first``..``last`` (inclusive, China time).

    ``finished`` must hold every summary finished on or after ``first``; ``ratings`` and ``cards``
    only those of the period (``rated_day`` / ``raised_day`` China-time day added by the caller).
    """
    rows, days = _Rows(), {first + timedelta(n): {"received": 0, "finished": 0} for n in range((last - first).days + 1)}
    for entry in open_entries:
        day = received_day(entry.get("number", ""))
        if _in(day, first, last):
            days[day]["received"] += 1
            for tally in rows.of(entry.get("departments")):
                tally.received += 1
    for doc in finished:
        received, done = received_day(doc.get("number", "")), _day_of(doc.get("day"))
        targets = rows.of(doc.get("departments"))
        if _in(received, first, last):
            days[received]["received"] += 1
            for tally in targets:
                tally.received += 1
                tally.completed += bool(done and done <= last)
        if _in(done, first, last):
            days[done]["finished"] += 1
            for tally in targets:
                tally.add_finished(doc)
    for rating in ratings:
        if rating.get("level") in SATISFACTION:
            for tally in rows.of([rating.get("department")]):
                tally.levels[rating["level"]] += 1
    for card in cards:
        if card.get("level") in ("yellow", "red"):
            for tally in rows.of([card.get("department")]):
                tally.cards[card["level"]] += 1
    county = rows.tallies[COUNTY].view(COUNTY, "全县合计")
    departments = [rows.tallies[code].view(code, names.get(code, code))
                   for code in sorted(set(rows.tallies) - {COUNTY})]
    return {"from": first.isoformat(), "to": last.isoformat(), "county": county, "departments": departments,
            "days": [{"day": d.isoformat(), **v} for d, v in sorted(days.items())],
            "levels": list(SATISFACTION), "satisfied_levels": [s for s in SATISFACTION if s in SATISFIED]}
