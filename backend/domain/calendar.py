"""Working-day calendar (工作日历): weekends, statutory holidays and make-up working days.

A working day (工作日) is a day that is not a weekend or a statutory holiday
(法定节假日); a make-up working day (调休上班日) is a weekend day that counts as a
working day. Limits under 行政许可法 art. 82 are counted in working days.

The calendar is data: a set of *special days* (days that break the plain
Monday-to-Friday rule, or that carry a holiday name) and a set of *covered
years* (years whose State Council notice has been imported). It is seeded from
the ``chinesecalendar`` package and an administrator can extend it: import the
notice for a new year (:meth:`WorkCalendar.with_import`) or add a local day
(:meth:`WorkCalendar.with_overrides`). Outside the covered years only weekends
are known, so anything computed there is *provisional* (暂定).

Speed: the calendar keeps a working-day index, ``cum[i]`` = number of working
days before the i-th day of its span, and beyond the span it uses closed-form
weekday arithmetic. Adding N working days is one bisection; counting working
days between two dates is two lookups. No day-by-day loops after construction.
"""

from __future__ import annotations

import bisect
import copy
import functools
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any, Iterable, Mapping, Sequence

from backend.domain.errors import ValidationFailed

STATE_COUNCIL = "state_council"
LOCAL = "local"
WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# chinesecalendar names its holidays in English; people read the Chinese name.
_HOLIDAY_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
_KIND_WORDS = {"holiday": False, "放假": False, "workday": True, "上班": True}
_MAX_ROW_SPAN_DAYS = 31


@dataclass(frozen=True)
class SpecialDay:
    """A day that breaks the weekend rule or carries a name: 法定节假日, 调休上班日 or a local day."""

    day: date
    working: bool
    name: str
    source: str = STATE_COUNCIL

    @property
    def is_makeup_workday(self) -> bool:
        """调休上班日: a weekend day that is worked."""
        return self.working and self.day.weekday() >= 5


# ---------------------------------------------------------------- weekday maths
# date(1, 1, 1) has ordinal 1 and is a Monday, so weekday(ordinal) = (ordinal - 1) % 7.

def _weekdays_before(ordinal: int) -> int:
    """Mon-Fri days with ordinal in [1, ordinal)."""
    weeks, rest = divmod(ordinal - 1, 7)
    return 5 * weeks + min(rest, 5)


def _first_ordinal_with_weekdays(count: int) -> int:
    """Smallest ordinal o with _weekdays_before(o) >= count (count >= 1)."""
    weeks, rest = divmod(count - 1, 5)
    return 1 + 7 * weeks + rest + 1


class WorkCalendar:
    """工作日历: answers "is this a working day" and does working-day arithmetic in O(log n).

    ``closing_time`` (None: 24:00) is when a working day ends for deadlines: a county that counts a
    limit to the hall's closing time (下班时间) sets it, and every deadline on its clock uses it.
    """

    closing_time: time | None = None

    def __init__(self, special_days: Iterable[SpecialDay] = (), covered_years: Iterable[int] = ()):
        self._special = {s.day: s for s in special_days}
        self._covered = frozenset(covered_years)
        self._sorted_days = sorted(self._special)
        years = {d.year for d in self._special} | set(self._covered)
        if years:
            self._base = date(min(years), 1, 1).toordinal()
            self._end = date(max(years) + 1, 1, 1).toordinal()
        else:
            self._base = self._end = date(2000, 1, 1).toordinal()
        self._cum = self._build_index()

    def _build_index(self) -> list[int]:
        cum = [0]
        for ordinal in range(self._base, self._end):
            cum.append(cum[-1] + self._is_working_ordinal(ordinal))
        return cum

    def _is_working_ordinal(self, ordinal: int) -> bool:
        special = self._special.get(date.fromordinal(ordinal))
        if special is not None:
            return special.working
        return (ordinal - 1) % 7 < 5

    # ------------------------------------------------------------ construction
    @classmethod
    def from_chinesecalendar(cls) -> "WorkCalendar":
        """The State Council calendar as published in the ``chinesecalendar`` package (cached)."""
        return _seed_calendar()

    def with_closing_time(self, closing: time | None) -> "WorkCalendar":
        """A copy whose deadlines fall due at ``closing`` on their last working day (None: 24:00)."""
        calendar = copy.copy(self)
        calendar.closing_time = closing
        return calendar

    def with_overrides(self, days: Mapping[date, bool], notes: Mapping[date, str] | None = None) -> "WorkCalendar":
        """A copy with local days (本地调整): ``True`` = working, ``False`` = day off."""
        notes = notes or {}
        changed = dict(self._special)
        for day, working in days.items():
            default = "本地调整上班" if working else "本地放假"
            changed[day] = SpecialDay(day, bool(working), notes.get(day) or default, LOCAL)
        return WorkCalendar(changed.values(), self._covered)

    def with_import(self, rows: Sequence[Mapping[str, Any]], year: int) -> "WorkCalendar":
        """A copy with the State Council notice for ``year`` imported; the year becomes covered."""
        imported = validate_import(rows, year)
        kept = [s for s in self._special.values()
                if s.source != STATE_COUNCIL or s.day.year != year]
        local_days = {s.day for s in kept if s.source == LOCAL}
        merged = kept + [s for s in imported if s.day not in local_days]
        return WorkCalendar(merged, self._covered | {year})

    def to_data(self) -> dict:
        """Plain data for storage; :meth:`from_data` reads it back."""
        return {
            "covered_years": sorted(self._covered),
            "days": [{"date": s.day.isoformat(), "working": s.working, "name": s.name, "source": s.source}
                     for s in (self._special[d] for d in self._sorted_days)],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "WorkCalendar":
        days = [SpecialDay(date.fromisoformat(r["date"]), bool(r["working"]), r["name"], r.get("source", LOCAL))
                for r in data.get("days", ())]
        return cls(days, data.get("covered_years", ()))

    # ---------------------------------------------------------------- queries
    @property
    def first_covered_year(self) -> int | None:
        return min(self._covered) if self._covered else None

    @property
    def last_covered_year(self) -> int | None:
        return max(self._covered) if self._covered else None

    def covers(self, day: date) -> bool:
        """Whether the State Council calendar for ``day``'s year is known."""
        return day.year in self._covered

    def uncovered_years(self, first: date, last: date) -> list[int]:
        """Years in [first, last] that the calendar does not cover (only weekends known there)."""
        return [y for y in range(first.year, last.year + 1) if y not in self._covered]

    def is_working_day(self, day: date) -> bool:
        return self._is_working_ordinal(day.toordinal())

    def special_day(self, day: date) -> SpecialDay | None:
        return self._special.get(day)

    def special_days_between(self, first: date, last: date) -> list[SpecialDay]:
        """Special days in [first, last], in date order (bisection, no scan of the year)."""
        lo = bisect.bisect_left(self._sorted_days, first)
        hi = bisect.bisect_right(self._sorted_days, last)
        return [self._special[d] for d in self._sorted_days[lo:hi]]

    # ------------------------------------------------------------- arithmetic
    def _working_before(self, ordinal: int) -> int:
        """Working days with ordinal < ``ordinal``, counted from the start of the index span."""
        if ordinal <= self._base:
            return _weekdays_before(ordinal) - _weekdays_before(self._base)
        if ordinal <= self._end:
            return self._cum[ordinal - self._base]
        return self._cum[-1] + _weekdays_before(ordinal) - _weekdays_before(self._end)

    def _first_ordinal_reaching(self, target: int) -> int:
        """Smallest ordinal o with _working_before(o) >= target."""
        if target <= 0:
            wanted = target + _weekdays_before(self._base)
            return _first_ordinal_with_weekdays(wanted) if wanted > 0 else 1
        if target <= self._cum[-1]:
            return self._base + bisect.bisect_left(self._cum, target)
        return _first_ordinal_with_weekdays(target - self._cum[-1] + _weekdays_before(self._end))

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (the civil-code way: the first day does not count).

        Negative when ``b`` is before ``a``.
        """
        return self._working_before(b.toordinal() + 1) - self._working_before(a.toordinal() + 1)

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """The N-th working day after ``start`` (``start`` itself not counted) and whether it is provisional.

        ``n == 0`` returns ``start``. Provisional means a year in (start, result] is not covered.
        """
        if n < 0:
            raise ValidationFailed("工作日数不能为负数", code="negative_working_days")
        if n == 0:
            return start, False
        target = self._working_before(start.toordinal() + 1) + n
        result = date.fromordinal(self._first_ordinal_reaching(target) - 1)
        return result, bool(self.uncovered_years(start + timedelta(days=1), result))

    def next_working_day_on_or_after(self, day: date) -> date:
        return date.fromordinal(self._first_ordinal_reaching(self._working_before(day.toordinal()) + 1) - 1)


@functools.cache
def _seed_calendar() -> WorkCalendar:
    import chinese_calendar

    days = [SpecialDay(d, False, _HOLIDAY_ZH.get(name, name)) for d, name in chinese_calendar.holidays.items()]
    days += [SpecialDay(d, True, _HOLIDAY_ZH.get(name, name) + "调休上班")
             for d, name in chinese_calendar.workdays.items()]
    years = [d.year for d in chinese_calendar.holidays]
    return WorkCalendar(days, range(min(years), max(years) + 1))


# ------------------------------------------------------------------ import
def validate_import(rows: Sequence[Mapping[str, Any]], year: int) -> list[SpecialDay]:
    """Check the rows of a State Council notice (国务院办公厅关于节假日安排的通知) for ``year``.

    Each row: ``start`` (YYYY-MM-DD), optional ``end`` (inclusive), ``kind``
    (``放假``/``holiday`` or ``上班``/``workday``) and ``name``. Raises
    :class:`ValidationFailed` naming the row (1-based) for a malformed or
    overlapping row. Returns one :class:`SpecialDay` per day.
    """
    if not rows:
        raise ValidationFailed(f"{year} 年的节假日安排为空", code="calendar_import_empty")
    seen: dict[date, int] = {}
    result: list[SpecialDay] = []
    for number, row in enumerate(rows, start=1):
        for day, working, name in _expand_row(number, row, year):
            if day in seen:
                raise ValidationFailed(f"第 {number} 行与第 {seen[day]} 行日期重叠：{day.isoformat()}",
                                       code="calendar_import_overlap", details={"row": number})
            seen[day] = number
            result.append(SpecialDay(day, working, name, STATE_COUNCIL))
    return result


def _expand_row(number: int, row: Mapping[str, Any], year: int) -> list[tuple[date, bool, str]]:
    def fail(text: str) -> ValidationFailed:
        return ValidationFailed(f"第 {number} 行：{text}", code="calendar_import_row", details={"row": number})

    if not isinstance(row, Mapping):
        raise fail("格式不正确，应包含开始日期、类型和名称")
    first = _parse_day(row.get("start"), fail, "开始日期")
    last = _parse_day(row.get("end") or row.get("start"), fail, "结束日期")
    kind = row.get("kind")
    if kind not in _KIND_WORDS:
        raise fail("类型应为“放假”或“上班”")
    name = str(row.get("name") or "").strip()
    if not name:
        raise fail("缺少名称（如“国庆节”）")
    if last < first:
        raise fail("结束日期早于开始日期")
    if (last - first).days >= _MAX_ROW_SPAN_DAYS:
        raise fail(f"跨度超过 {_MAX_ROW_SPAN_DAYS} 天，请检查日期")
    if last.year < year or first.year > year:
        raise fail(f"日期不在 {year} 年内")
    working = _KIND_WORDS[kind]
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if working:
        for day in days:
            if day.weekday() < 5:
                raise fail(f"{day.isoformat()} 是{WEEKDAY_ZH[day.weekday()]}，本就是工作日，调休上班日应为周末")
    return [(day, working, name if not working else f"{name}调休上班") for day in days]


def _parse_day(value: Any, fail, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise fail(f"{label}格式不正确（应为 YYYY-MM-DD）：{value}") from None
