"""Live figures for the supervision dashboard (电子监察大屏), computed from working sets only.

Open, due-soon (yellow), overdue (red) and suspended counts come from ``open_cases`` (one document
per open case, kept by ``supervision.on_step``; finished cases leave it), judged against ``now``
with the yellow and due instants stored there. Volumes, on-time rates and working days used per
department, window and staff member come from ``finished_cases`` (one inserted summary per
finished case) for the period asked. Nothing aggregates over all cases, and no shared counter is
incremented (FerretDB v1 loses concurrent increments; see docs/decisions/0003).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from backend.domain.clock import to_shanghai
from backend.services import supervision, tenant_config
from backend.services.report_figures import TimingTally
from backend.services.context import Services


def live_level(entry: dict, now: datetime) -> str:
    """``red`` past due, ``yellow`` from the yellow instant, ``normal`` otherwise or while paused."""
    if entry.get("result_ready") or entry.get("paused") or not entry.get("due_at"):
        return "normal"
    if now >= entry["due_at"]:
        return "red"
    return "yellow" if entry.get("yellow_at") and now >= entry["yellow_at"] else "normal"


class _Tally(TimingTally):
    def view(self, key: str, name: str = "") -> dict:
        return {"key": key, "name": name, **self.timing_view()}


def _finished_groups(docs: list[dict]) -> dict[str, dict[str, _Tally]]:
    groups = {"departments": defaultdict(_Tally), "windows": defaultdict(_Tally), "staff": defaultdict(_Tally)}
    for doc in docs:
        for department in doc.get("departments", []):
            groups["departments"][department].add_finished(doc)
        if doc.get("window_post"):
            groups["windows"][doc["window_post"]].add_finished(doc)
        people = {doc.get("window_staff")} | {d["id"] for d in doc.get("deciders", [])}
        for person in people - {None, ""}:
            groups["staff"][person].add_finished(doc)
    return groups


async def _names(svc: Services, tenant: str) -> dict[str, dict[str, str]]:
    org = await tenant_config.org(svc, tenant)
    departments = org.department_names()
    posts = {code: d.get("name", code) for code, d in org.posts.items()}
    staff = {staff_id: d.get("name", "") for staff_id, d in org.staff.items()}
    return {"departments": departments, "windows": posts, "staff": staff}


def _open_counts(entries: list[dict], now: datetime) -> tuple[dict, dict]:
    totals = {"open": 0, "due_soon": 0, "overdue": 0, "suspended": 0}
    per_department: dict[str, dict] = defaultdict(lambda: {"open": 0, "due_soon": 0, "overdue": 0, "suspended": 0})
    for entry in entries:
        level = live_level(entry, now)
        keys = ["open"] + (["due_soon"] if level == "yellow" else ["overdue"] if level == "red" else [])
        keys += ["suspended"] if entry.get("paused") else []
        for department in entry.get("open_departments") or entry.get("departments") or []:
            for key in keys:
                per_department[department][key] += 1
        for key in keys:
            totals[key] += 1
    return totals, per_department


async def dashboard(svc: Services, tenant: str, now: datetime, days: int = 30) -> dict:
    """The dashboard at ``now``: live counts plus the last ``days`` days of finished cases."""
    entries = await supervision.open_entries(svc, tenant)
    totals, open_by_department = _open_counts(entries, now)
    since = to_shanghai(now).date() - timedelta(days=max(days, 1) - 1)
    finished = await svc.db[supervision.FINISHED].find({"tenant": tenant, "day": {"$gte": since.isoformat()}}).to_list(None)
    cards = await svc.db[supervision.CARDS].find({"tenant": tenant, "status": {"$in": ["open", "acknowledged"]}},
                                                 {"level": 1, "kind": 1}).to_list(None)
    names = await _names(svc, tenant)
    groups = _finished_groups(finished)
    out = {"tenant": tenant, "at": now, "period": {"from": since.isoformat(), "to": to_shanghai(now).date().isoformat()},
           **totals, "open_cards": {"yellow": sum(c["level"] == "yellow" for c in cards),
                                    "red": sum(c["level"] == "red" for c in cards),
                                    "step_overdue": sum(c["kind"] == "step_overdue" for c in cards)},
           "finished": _Tally()}
    for doc in finished:
        out["finished"].add_finished(doc)
    out["finished"] = out["finished"].view("all", "全部")
    for group, tallies in groups.items():
        rows = [tally.view(key, names[group].get(key, key)) for key, tally in sorted(tallies.items())]
        if group == "departments":
            for row in rows:
                row.update(open_by_department.pop(row["key"], {"open": 0, "due_soon": 0, "overdue": 0, "suspended": 0}))
            rows += [{"key": k, "name": names[group].get(k, k), **_Tally().view(k, names[group].get(k, k)), **v}
                     for k, v in sorted(open_by_department.items())]
        out[group] = rows
    return out


def period_days(value: str) -> int:
    try:
        days = int(value or 30)
    except ValueError:
        days = 30
    return min(max(days, 1), 366)

