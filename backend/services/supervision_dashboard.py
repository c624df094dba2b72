"""Live figures for the supervision dashboard (电子监察大屏), from counts kept as cases move.

Open, due-soon (yellow), overdue (red) and suspended counts, and open cards, come from the counts
the sweep folds from the step journal plus the entries not yet folded (:mod:`services.journal`),
judged against ``now``; volumes, on-time rates and working days used per department, window and
staff member come from the daily tallies of finished cases. The cost of the dashboard follows the
number of departments and days shown, never the number of open or finished cases (FerretDB v1
reads a whole collection for any filter but ``_id``; see docs/decisions/0005).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.domain.clock import to_shanghai
from backend.services import journal, tenant_config
from backend.services.report_figures import TimingTally
from backend.services.context import Services


class _Tally(TimingTally):
    def view(self, key: str, name: str = "") -> dict:
        return {"key": key, "name": name, **self.timing_view()}

    @classmethod
    def of(cls, sums: dict) -> "_Tally":
        tally = cls()
        tally.finished, tally.counted, tally.on_time = sums.get("finished", 0), sums.get("counted", 0), sums.get("on_time", 0)
        tally.used, tally.promised, tally.statutory = sums.get("used", 0), sums.get("promised", 0), sums.get("statutory", 0)
        return tally


async def _names(svc: Services, tenant: str) -> dict[str, dict[str, str]]:
    org = await tenant_config.org(svc, tenant)
    departments = org.department_names()
    posts = {code: d.get("name", code) for code, d in org.posts.items()}
    staff = {staff_id: d.get("name", "") for staff_id, d in org.staff.items()}
    return {"departments": departments, "windows": posts, "staff": staff}


async def dashboard(svc: Services, tenant: str, now: datetime, days: int = 30) -> dict:
    """The dashboard at ``now``: live counts plus the last ``days`` days of finished cases."""
    figures = await journal.read(svc, tenant)
    since = to_shanghai(now).date() - timedelta(days=max(days, 1) - 1)
    finished = await journal.days(svc, tenant, since, to_shanghai(now).date(), figures)
    names = await _names(svc, tenant)
    counts = figures.counts
    out = {"tenant": tenant, "at": now, "period": {"from": since.isoformat(), "to": to_shanghai(now).date().isoformat()},
           **counts.county.figures(now), "open_cards": counts.card_figures(),
           "finished": _Tally.of(finished.all).view("all", "全部")}
    groups = {"departments": finished.departments, "windows": finished.windows, "staff": finished.staff}
    for group, sums in groups.items():
        rows = [_Tally.of(tally).view(key, names[group].get(key, key)) for key, tally in sorted(sums.items())]
        if group == "departments":
            open_rows = {code: row.figures(now) for code, row in counts.departments.items() if row.open}
            for row in rows:
                row.update(open_rows.pop(row["key"], {"open": 0, "due_soon": 0, "overdue": 0, "suspended": 0}))
            rows += [{**_Tally().view(k, names[group].get(k, k)), **v} for k, v in sorted(open_rows.items())]
        out[group] = rows
    return out


def period_days(value: str) -> int:
    try:
        days = int(value or 30)
    except ValueError:
        days = 30
    return min(max(days, 1), 366)
