"""Live supervision figures kept as counts (在办件统计), so the dashboard never reads every open case.

Every open case contributes one :class:`Contribution`: the departments it counts in, whether it is
paused, and, while its clock runs, the pair (yellow instant, due instant). A stored step records
the contribution it replaced and the one it made; adding the difference to :class:`OpenCounts`
is commutative, so steps may be folded in any order. Due-soon and overdue are read at any moment
from the pairs: a pair counts as overdue from its due instant and as due soon from its yellow
instant until then. Open cards are counted by kind and level the same way (+1 raised, -1 closed).
Finished cases are summed per day into :class:`DayTally` rows (department, window, staff).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

FIGURES = ("open", "due_soon", "overdue", "suspended")


def epoch(moment: datetime | None) -> int:
    if moment is None:
        return 0
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


@dataclass(frozen=True)
class Contribution:
    """What one open case adds to the counts."""

    departments: tuple[str, ...]
    paused: bool
    pair: str = ""  # "{yellow epoch}|{due epoch}", "" when the clock is not running

    def to_doc(self) -> dict:
        return {"departments": list(self.departments), "paused": self.paused, "pair": self.pair}

    @classmethod
    def from_doc(cls, doc: dict | None) -> Contribution | None:
        if not doc:
            return None
        return cls(tuple(doc.get("departments") or ()), bool(doc.get("paused")), doc.get("pair") or "")


def contribution(entry: dict) -> Contribution:
    """The contribution of an open-case working-set entry (``supervision.open_entry``)."""
    running = entry.get("due_at") and not entry.get("paused") and not entry.get("result_ready")
    pair = f"{epoch(entry.get('yellow_at'))}|{epoch(entry['due_at'])}" if running else ""
    departments = tuple(entry.get("open_departments") or entry.get("departments") or ())
    return Contribution(departments, bool(entry.get("paused")), pair)


def _bump(table: dict, key: str, by: int) -> None:
    table[key] = table.get(key, 0) + by
    if table[key] == 0:
        del table[key]


@dataclass
class Row:
    """Counts of one row (the county, or a department)."""

    open: int = 0
    suspended: int = 0
    pairs: dict[str, int] = field(default_factory=dict)

    def add(self, part: Contribution, sign: int) -> None:
        self.open += sign
        self.suspended += sign * part.paused
        if part.pair:
            _bump(self.pairs, part.pair, sign)

    def figures(self, now: datetime) -> dict:
        now_s, due_soon, overdue = epoch(now), 0, 0
        for pair, n in self.pairs.items():
            yellow, due = (int(x) for x in pair.split("|"))
            if now_s >= due:
                overdue += n
            elif yellow and now_s >= yellow:
                due_soon += n
        return {"open": self.open, "due_soon": due_soon, "overdue": overdue, "suspended": self.suspended}

    def to_doc(self) -> dict:
        return {"open": self.open, "suspended": self.suspended, "pairs": dict(self.pairs)}

    @classmethod
    def from_doc(cls, doc: dict) -> Row:
        return cls(doc.get("open", 0), doc.get("suspended", 0), dict(doc.get("pairs") or {}))


@dataclass
class OpenCounts:
    """The county row, a row per department, and open cards by ``kind:level``."""

    county: Row = field(default_factory=Row)
    departments: dict[str, Row] = field(default_factory=lambda: defaultdict(Row))
    cards: dict[str, int] = field(default_factory=dict)

    def add(self, part: Contribution | None, sign: int) -> None:
        if part is None:
            return
        self.county.add(part, sign)
        for department in dict.fromkeys(part.departments):
            self.departments[department].add(part, sign)

    def change(self, before: Contribution | None, after: Contribution | None) -> None:
        self.add(before, -1)
        self.add(after, +1)

    def card(self, kind: str, level: str, by: int) -> None:
        _bump(self.cards, f"{kind}:{level}", by)

    def card_figures(self) -> dict:
        def total(test) -> int:
            return sum(n for key, n in self.cards.items() if test(*key.split(":", 1)))

        return {"yellow": total(lambda k, lv: lv == "yellow"), "red": total(lambda k, lv: lv == "red"),
                "step_overdue": total(lambda k, lv: k == "step_overdue")}

    def to_doc(self) -> dict:
        return {"county": self.county.to_doc(), "cards": dict(self.cards),
                "departments": {k: v.to_doc() for k, v in self.departments.items() if v.open or v.pairs}}

    @classmethod
    def from_doc(cls, doc: dict | None) -> OpenCounts:
        doc = doc or {}
        counts = cls(Row.from_doc(doc.get("county") or {}), defaultdict(Row), dict(doc.get("cards") or {}))
        for code, row in (doc.get("departments") or {}).items():
            counts.departments[code] = Row.from_doc(row)
        return counts


TALLY_FIELDS = ("finished", "counted", "on_time", "used", "promised", "statutory")


def tally_add(tally: dict, summary: dict) -> None:
    """Add one finished-case summary (``supervision.finished_entry``) to a tally of sums."""
    tally["finished"] = tally.get("finished", 0) + 1
    if summary.get("counted"):
        tally["counted"] = tally.get("counted", 0) + 1
        tally["on_time"] = tally.get("on_time", 0) + bool(summary.get("on_time"))
        tally["used"] = tally.get("used", 0) + (summary.get("used_days") or 0)
        tally["promised"] = tally.get("promised", 0) + (summary.get("promised_days") or 0)
        tally["statutory"] = tally.get("statutory", 0) + (summary.get("statutory_days") or 0)


def tally_merge(into: dict, other: dict) -> None:
    for name in TALLY_FIELDS:
        if other.get(name):
            into[name] = into.get(name, 0) + other[name]


@dataclass
class DayTally:
    """Finished cases of one day: the county, and rows per department, window and staff member."""

    all: dict = field(default_factory=dict)
    departments: dict[str, dict] = field(default_factory=dict)
    windows: dict[str, dict] = field(default_factory=dict)
    staff: dict[str, dict] = field(default_factory=dict)

    def add(self, summary: dict) -> None:
        tally_add(self.all, summary)
        for department in dict.fromkeys(summary.get("departments") or []):
            tally_add(self.departments.setdefault(department, {}), summary)
        if summary.get("window_post"):
            tally_add(self.windows.setdefault(summary["window_post"], {}), summary)
        people = {summary.get("window_staff")} | {d.get("id") for d in summary.get("deciders") or []}
        for person in sorted(people - {None, ""}):
            tally_add(self.staff.setdefault(person, {}), summary)

    def merge(self, other: DayTally) -> None:
        tally_merge(self.all, other.all)
        for mine, theirs in ((self.departments, other.departments), (self.windows, other.windows),
                             (self.staff, other.staff)):
            for key, tally in theirs.items():
                tally_merge(mine.setdefault(key, {}), tally)

    def to_doc(self) -> dict:
        return {"all": self.all, "departments": self.departments, "windows": self.windows,
                "staff": {k.replace(".", "\uff0e"): v for k, v in self.staff.items()}}

    @classmethod
    def from_doc(cls, doc: dict | None) -> DayTally:
        doc = doc or {}
        return cls(dict(doc.get("all") or {}), dict(doc.get("departments") or {}), dict(doc.get("windows") or {}),
                   {k.replace("\uff0e", "."): v for k, v in (doc.get("staff") or {}).items()})
