"""Statutory clock (法定时限计时): deadlines in working days, pauses, warnings.

Rules (行政许可法 art. 82 working days; 民法典 art. 201 counting; art. 45 pauses):

* All instants are read in Asia/Shanghai. A naive datetime is taken as Shanghai
  wall time; an aware one is converted. The date of an instant is its Shanghai
  calendar date, so 23:59:59 belongs to one day and 00:00:00 to the next.
* The clock starts at acceptance (受理). The acceptance day never counts,
  whatever the hour (art. 201: 开始的当日不计入); counting starts the next day.
* Only whole days count. A working day counts toward the limit only if the
  clock ran for the whole of it, from 00:00 to the day's end (the centre's
  closing time when the tenant sets business hours, else 24:00). So a pause
  (中止计时: 补正 waiting on the applicant, or an art. 45 hearing, expert review,
  inspection, public notice) removes every working day it touches: the day it
  starts (unless it starts at or after closing time), the days it covers and
  the day it ends (unless it ends exactly at 00:00). This is art. 201 applied
  to every restart: a partial day is not a day, for the authority as for the
  applicant. It keeps a pause that begins on the due day meaningful (the
  authority is never put in the red while it waits on the applicant) and it
  means a pause given as whole dates ("10-08..10-09") removes exactly those
  dates. Pauses are recorded with a reason and shown in every explanation, so
  a short pause that removes a day is visible, not hidden.
* Overlapping or touching pauses are merged for counting.
* The deadline is the end of the N-th counted working day: 24:00 (stored as
  00:00 of the next day, the first late instant) or the closing time. N = 0
  (即办件) means the end of the acceptance day.
* While a pause is open (no end yet) the deadline is unknown unless it fell
  before the pause; the result then says how many days are used and remain.
* Each step (环节) is timed the same way with its own start and limit, so a
  step can be late while the case is on time.
* Years the calendar does not cover are computed on weekends alone and the
  deadline is marked provisional (暂定).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from backend.domain.calendar import WEEKDAY_ZH, SpecialDay, WorkCalendar
from backend.domain.errors import ValidationFailed

SHANGHAI = ZoneInfo("Asia/Shanghai")
NORMAL, YELLOW, RED = "normal", "yellow", "red"


def to_shanghai(moment: datetime) -> datetime:
    """The same instant in Asia/Shanghai; a naive datetime is taken as Shanghai wall time."""
    if not isinstance(moment, datetime):
        raise ValidationFailed("时间格式不正确", code="invalid_instant")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


@dataclass(frozen=True)
class Pause:
    """中止计时: the clock stops (补正, 听证, 专家评审, 检验检测, 公告) from ``start`` until ``end``."""

    start: datetime
    end: datetime | None
    reason: str

    def __post_init__(self):
        if not (self.reason or "").strip():
            raise ValidationFailed("中止计时必须说明原因", code="pause_reason_required")
        object.__setattr__(self, "reason", self.reason.strip())
        object.__setattr__(self, "start", to_shanghai(self.start))
        if self.end is not None:
            object.__setattr__(self, "end", to_shanghai(self.end))
            if self.end < self.start:
                raise ValidationFailed("中止计时的结束时间不能早于开始时间", code="pause_end_before_start")


@dataclass(frozen=True)
class Deadline:
    """A computed deadline (期限) with its reasons; ``due_at`` is None while an open pause holds the clock."""

    due_at: datetime | None
    provisional: bool
    explanation_zh: str
    facts: dict = field(default_factory=dict)

    @property
    def due_date(self) -> date | None:
        return date.fromisoformat(self.facts["due_date"]) if self.facts.get("due_date") else None

    @property
    def paused(self) -> bool:
        return self.due_at is None


# ------------------------------------------------------------------ counting
def _pause_days(pause: Pause, start_date: date, closing: time | None) -> tuple[date, date | None] | None:
    """The days a pause touches, after the start day; ``None`` end = still open."""
    first = pause.start.date()
    if closing is not None and pause.start.time() >= closing:
        first += timedelta(days=1)
    first = max(first, start_date + timedelta(days=1))
    if pause.end is None:
        return first, None
    last = pause.end.date() if pause.end.time() > time(0) else pause.end.date() - timedelta(days=1)
    return (first, last) if last >= first else None


def _merge(ranges: Iterable[tuple[date, date | None]]) -> list[tuple[date, date | None]]:
    merged: list[list] = []
    for first, last in sorted(ranges, key=lambda r: r[0]):
        if merged and (merged[-1][1] is None or first <= merged[-1][1] + timedelta(days=1)):
            if merged[-1][1] is not None:
                merged[-1][1] = None if last is None else max(merged[-1][1], last)
            continue
        merged.append([first, last])
    return [(a, b) for a, b in merged]


def _walk(calendar: WorkCalendar, start_date: date, n: int, ranges) -> tuple[date | None, int]:
    """Due date (or None while paused) and the working days still remaining (0 once due)."""
    cur, remaining = start_date, n
    for first, last in ranges:
        candidate, _ = calendar.add_working_days(cur, remaining)
        if candidate < first:
            return candidate, 0
        remaining -= calendar.working_days_between(cur, first - timedelta(days=1))
        if last is None:
            return None, remaining
        cur = last
    return calendar.add_working_days(cur, remaining)[0], 0


def _end_of(day: date, closing: time | None) -> datetime:
    if closing is None:
        return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)
    return datetime.combine(day, closing, SHANGHAI)


def _checked_pauses(started_at: datetime, pauses: Iterable[Pause]) -> list[Pause]:
    checked = sorted(pauses, key=lambda p: p.start)
    for pause in checked:
        if pause.start < started_at:
            raise ValidationFailed("中止计时的开始时间不能早于受理时间", code="pause_before_start")
    return checked


def compute_deadline(calendar: WorkCalendar, started_at: datetime, working_days: int,
                     pauses: Sequence[Pause] = (), closing_time: time | None = None,
                     label: str = "时限") -> Deadline:
    """The deadline ``working_days`` working days after ``started_at``, with reasons in Chinese; it falls
    due at ``closing_time``, else at the calendar's closing time, else at 24:00 of the last day."""
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 0:
        raise ValidationFailed("时限应为不小于 0 的整数个工作日", code="invalid_working_days")
    closing_time = closing_time if closing_time is not None else getattr(calendar, "closing_time", None)
    started_at = to_shanghai(started_at)
    start_date = started_at.date()
    checked = _checked_pauses(started_at, pauses)
    touched = [(p, _pause_days(p, start_date, closing_time)) for p in checked]
    ranges = _merge(r for _, r in touched if r is not None)
    due_date, remaining = _walk(calendar, start_date, working_days, ranges)
    horizon = due_date or next(first for first, last in ranges if last is None) - timedelta(days=1)
    uncovered = calendar.uncovered_years(start_date + timedelta(days=1), max(horizon, start_date + timedelta(days=1)))
    due_at = _end_of(due_date, closing_time) if due_date else None
    facts = _facts(calendar, label, working_days, started_at, closing_time, touched, due_date, horizon, uncovered)
    facts.update(due_date=due_date.isoformat() if due_date else None,
                 due_at=due_at.isoformat() if due_at else None,
                 used_working_days=working_days - remaining, remaining_working_days=remaining)
    return Deadline(due_at, bool(uncovered), explain_zh(facts), facts)


def working_days_used(calendar: WorkCalendar, started_at: datetime, finished_at: datetime,
                      pauses: Sequence[Pause] = (), closing_time: time | None = None) -> int:
    """Working days a case or step used: counted days after the start day up to the finish day.

    The finish day counts when it is a working day outside every pause (work was
    done on it), so a case finished on its due day used exactly its limit.
    """
    closing_time = closing_time if closing_time is not None else getattr(calendar, "closing_time", None)
    started_at, finished_at = to_shanghai(started_at), to_shanghai(finished_at)
    start_date, finish_date = started_at.date(), finished_at.date()
    used = calendar.working_days_between(start_date, finish_date)
    ranges = _merge(r for r in (_pause_days(p, start_date, closing_time)
                                for p in _checked_pauses(started_at, pauses)) if r is not None)
    for first, last in ranges:
        last = finish_date if last is None else min(last, finish_date)
        if first <= last:
            used -= calendar.working_days_between(first - timedelta(days=1), last)
    return max(used, 0)


# ------------------------------------------------------------------ warnings
def remaining_working_days(calendar: WorkCalendar, now: datetime, deadline: Deadline) -> int | None:
    """Working days left, today included while it has not ended; negative when overdue; None if paused."""
    if deadline.paused:
        return None
    now = to_shanghai(now)
    closing = _closing_of(deadline)
    if now >= deadline.due_at:
        return -calendar.working_days_between(deadline.due_date, now.date())
    today_over = closing is not None and now.time() >= closing
    reference = now.date() if today_over else now.date() - timedelta(days=1)
    return calendar.working_days_between(reference, deadline.due_date)


def warning_level(calendar: WorkCalendar, now: datetime, deadline: Deadline, yellow_days: int = 1) -> str:
    """预警: ``red`` when overdue, ``yellow`` within the last ``yellow_days`` working days, else ``normal``.

    A paused deadline (clock stopped, waiting on the applicant) is ``normal``.
    """
    left = remaining_working_days(calendar, now, deadline)
    if left is None:
        return NORMAL
    if to_shanghai(now) >= deadline.due_at:
        return RED
    return YELLOW if left <= yellow_days else NORMAL


def finished_late(deadline: Deadline, finished_at: datetime) -> bool:
    """Whether work finished at ``finished_at`` missed the deadline (a step or a whole case)."""
    return deadline.due_at is not None and to_shanghai(finished_at) >= deadline.due_at


def _closing_of(deadline: Deadline) -> time | None:
    value = deadline.facts.get("closing_time")
    return None if value in (None, "24:00") else time.fromisoformat(value)


# ------------------------------------------------------------------ explanation
def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first} 至 {last}"


def _holiday_runs(days: list[SpecialDay]) -> list[dict]:
    runs: list[dict] = []
    for day in days:
        if day.working:
            continue
        run = runs[-1] if runs else None
        if run and date.fromisoformat(run["last"]) + timedelta(days=1) == day.day and run["source"] == day.source:
            run["last"] = day.day.isoformat()
            if day.name not in run["names"]:
                run["names"].append(day.name)
        else:
            runs.append({"first": day.day.isoformat(), "last": day.day.isoformat(),
                         "names": [day.name], "source": day.source})
    return runs


def _facts(calendar, label, working_days, started_at, closing, touched, due_date, horizon, uncovered) -> dict:
    first_counted = started_at.date() + timedelta(days=1)
    special = calendar.special_days_between(first_counted, horizon) if horizon >= first_counted else []
    pauses = [_pause_facts(calendar, pause, days, due_date) for pause, days in touched]
    return {
        "label": label, "working_days": working_days, "started_at": started_at.isoformat(),
        "start_date": started_at.date().isoformat(),
        "closing_time": closing.strftime("%H:%M") if closing else "24:00",
        "holidays": _holiday_runs(special),
        "workdays": [{"date": s.day.isoformat(), "weekday": s.day.weekday(), "name": s.name, "source": s.source}
                     for s in special if s.working and s.day.weekday() >= 5],
        "pauses": pauses, "uncovered_years": uncovered, "provisional": bool(uncovered),
    }


def _pause_facts(calendar, pause: Pause, days, due_date: date | None) -> dict:
    entry = {"reason": pause.reason, "start": pause.start.isoformat(),
             "end": pause.end.isoformat() if pause.end else None,
             "effect": "no_full_day", "excluded_first": None, "excluded_last": None, "excluded_working_days": 0}
    if days is None:
        return entry
    first, last = days
    if due_date is not None and first > due_date:
        entry["effect"] = "after_due"
    elif last is None:
        entry.update(effect="open", excluded_first=first.isoformat())
    else:
        entry.update(effect="excluded", excluded_first=first.isoformat(), excluded_last=last.isoformat(),
                     excluded_working_days=calendar.working_days_between(first - timedelta(days=1), last))
    return entry


def explain_zh(facts: dict) -> str:
    """The Chinese explanation of a deadline, rebuilt from its structured facts."""
    start = datetime.fromisoformat(facts["started_at"])
    parts = [f"{facts['label']} {facts['working_days']} 个工作日，{_fmt(start)} 受理；"
             f"受理当日（{facts['start_date']}）不计入，自次日起算，周末不计入"]
    for run in facts["holidays"]:
        kind = "法定节假日" if run["source"] == "state_council" else "本地放假日"
        parts.append(f"{_span(run['first'], run['last'])} 为{kind}（{'、'.join(run['names'])}），不计入")
    for day in facts["workdays"]:
        weekday = WEEKDAY_ZH[day["weekday"]]
        parts.append(f"{day['date']}（{weekday}）为调休上班日（{day['name']}），计入")
    for pause in facts["pauses"]:
        parts.append(_explain_pause(pause))
    if facts["uncovered_years"]:
        years = "、".join(str(y) for y in facts["uncovered_years"])
        parts.append(f"{years} 年的节假日安排尚未录入，仅按周末计算，期限为暂定")
    parts.append(_explain_result(facts))
    return "；\n".join(parts) + "。"


def _explain_pause(pause: dict) -> str:
    start = _fmt(datetime.fromisoformat(pause["start"]))
    when = f"{start} 至 {_fmt(datetime.fromisoformat(pause['end']))}" if pause["end"] else f"自 {start} 起，尚未恢复"
    text = f"因{pause['reason']}中止计时（{when}）"
    effect = pause["effect"]
    if effect == "excluded":
        span = _span(pause["excluded_first"], pause["excluded_last"])
        return text + f"，{span} 中的 {pause['excluded_working_days']} 个工作日不计入"
    if effect == "open":
        return text + f"，自 {pause['excluded_first']} 起不计入"
    if effect == "after_due":
        return text + "，开始于期限届满之后，不影响期限"
    return text + "，未触及任何计时日，不影响期限"


def _explain_result(facts: dict) -> str:
    if facts["due_date"] is None:
        return (f"计时已中止：已用 {facts['used_working_days']} 个工作日，"
                f"剩余 {facts['remaining_working_days']} 个工作日，恢复计时后确定期限")
    prefix = "暂定期限" if facts["provisional"] else "期限"
    if facts["closing_time"] == "24:00":
        return f"{prefix}届满：{facts['due_date']} 24:00"
    return f"{prefix}届满：{facts['due_date']} {facts['closing_time']}（办事大厅下班时间）"


# ------------------------------------------------------------------ command line
def format_deadline_cli(deadline: Deadline) -> str:
    """First line: the due instant in ISO 8601 with offset (``paused`` while the clock is stopped); then the reasons."""
    head = deadline.due_at.isoformat() if deadline.due_at else "paused"
    return f"{head}\n{deadline.explanation_zh}"


def parse_instant(text: str, end_of_day: bool = False) -> datetime:
    """ISO 8601 date or date-time; no offset = Shanghai time; a bare date = 00:00 (or 24:00 with ``end_of_day``)."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end_of_day else 0), time(0), SHANGHAI)
        return to_shanghai(datetime.fromisoformat(text))
    except ValueError:
        raise ValidationFailed(f"时间格式不正确：{text}（应为 ISO 8601，如 2026-09-29T09:12:03+08:00）",
                               code="invalid_instant") from None


def parse_pause_arg(text: str, default_reason: str = "补正") -> Pause:
    """``FROM/TO[/REASON]`` as on the command line; an empty TO leaves the pause open; bare dates are whole days."""
    pieces = text.split("/", 2)
    if len(pieces) < 2:
        raise ValidationFailed(f"中止计时格式不正确：{text}（应为 开始/结束[/原因]）", code="invalid_pause")
    end = parse_instant(pieces[1], end_of_day=True) if pieces[1].strip() else None
    reason = pieces[2] if len(pieces) == 3 else default_reason
    return Pause(parse_instant(pieces[0]), end, reason)
