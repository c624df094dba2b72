"""Electronic supervision (电子监察), part 1: what each stored step files for the warning sweep.

After every stored case step, :func:`on_step` (an ``casework.AFTER_STEP_HOOKS`` entry) does four
idempotent things, each keyed by ``_id`` so a repeated or concurrent call cannot double anything:

* **Timers** (预警定时): the case's yellow and red instants (``{number}:case:yellow|red``), a red
  instant per open department task (``{number}:task:{dept}:red``) and, for an application submitted
  online, the instant its acceptance is late (``{number}:acceptance:red``). Where each key was filed
  is remembered in ``supervision_timers/{tenant}:{number}``, so a moved deadline (pause, resume) or
  a finished case cancels the old entry. A timer is only a hint: the sweep re-checks the case.
* **The open-case working set** ``open_cases/{tenant}:{number}`` (deleted when the case finishes),
  which the dashboard counts instead of all cases.
* **A finished-case summary** ``finished_cases/{tenant}:{number}`` (one insert per finished case:
  working days used against the promised and statutory limits, on time or not).
* **Closing cards** whose condition has ended (the task was decided, the case has its result).

Step limits (环节时限) come from the item version's ``steps``: the acceptance limit is the
``days`` of the first ``window_clerk`` step (受理), at least ``acceptance_days`` (tenant setting,
default 1 working day) since an online application cannot be accepted the minute it arrives; a
department task's limit is the sum of the ``days`` of the item's ``dept_approver`` steps (审查 +
决定, or 并联审查 + 决定 for joint items, 初审 for report-up items). The delivery step is not timed.
Tenant rules live in ``tenant_settings/{tenant}``: ``yellow_days`` (default 1: yellow on the last
working day) and ``acceptance_days``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from backend.domain.case_model import FINISHED_STATES, Case, Task
from backend.domain.clock import SHANGHAI, Deadline, Pause, compute_deadline, finished_late, to_shanghai, working_days_used
from backend.services import casework
from backend.services.calendar import load_calendar
from backend.services.context import Services
from backend.store import timers
from backend.store.indexes import declare

log = logging.getLogger("sunshine.supervision")

SETTINGS = "tenant_settings"
FILED = "supervision_timers"
OPEN = "open_cases"
FINISHED = "finished_cases"
CARDS = "cards"
TIMER_KIND = "supervision"
ONLINE_CHANNELS = frozenset({"miniprogram", "proxy"})
REFUSAL_EVENTS = frozenset({"CaseRejected", "CaseRefused", "TaskRefused"})
_ITEM_CACHE = "supervision_item_limits"

declare(OPEN, IndexModel([("tenant", ASCENDING)], name="tenant"))
declare(FINISHED, IndexModel([("tenant", ASCENDING), ("day", ASCENDING)], name="tenant_day"))
declare(FILED, IndexModel([("tenant", ASCENDING)], name="tenant"))


@dataclass(frozen=True)
class TenantRules:
    """预警规则 of one tenant: yellow within the last ``yellow_days`` working days; acceptance limit."""

    yellow_days: int = 1
    acceptance_days: int = 1


@dataclass(frozen=True)
class StepLimits:
    """环节时限 in working days, read from the item version's steps."""

    acceptance: int = 1
    task: int | None = None


async def tenant_rules(svc: Services, tenant: str) -> TenantRules:
    doc = await svc.db[SETTINGS].find_one({"_id": tenant}) or {}
    return TenantRules(yellow_days=_days(doc.get("yellow_days"), 1), acceptance_days=_days(doc.get("acceptance_days"), 1))


def _days(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 365 else default


def limits_from_steps(steps: list[dict], rules: TenantRules) -> StepLimits:
    """The mapping documented above: first window step = acceptance; dept_approver steps summed = task."""
    ordered = sorted(steps, key=lambda s: s.get("order") or 0)
    window = next((s for s in ordered if s.get("role") == "window_clerk"), None)
    acceptance = max(_days((window or {}).get("days"), 0), rules.acceptance_days)
    approver = [_days(s.get("days"), 0) for s in ordered if s.get("role") == "dept_approver"]
    return StepLimits(acceptance=acceptance, task=sum(approver) if approver else None)


async def step_limits(svc: Services, case: Case, rules: TenantRules) -> StepLimits:
    """Limits of the item version the case was accepted under (item versions never change: cached)."""
    key = (case.app.tenant, case.app.item_code, case.app.item_version)
    cache = svc.extras.setdefault(_ITEM_CACHE, {})
    if key not in cache:
        doc = await svc.db.item_versions.find_one({"_id": ":".join(map(str, key))}, {"steps": 1})
        cache[key] = list((doc or {}).get("steps") or [])
    return limits_from_steps(cache[key], rules)


# -- deadlines of a case, a task, an acceptance ------------------------------------------------

def _pauses(pauses, since: datetime | None = None) -> list[Pause]:
    return [Pause(p.started_at, p.ended_at, p.reason or p.kind) for p in pauses
            if since is None or p.started_at >= since]


def result_ready(case: Case) -> bool:
    """Whether the case has its result (办结 for the clock): decided, or the higher authority replied."""
    if case.state in ("rejected", "withdrawn", "refused", "reply_recorded", "delivering", "delivered"):
        return True
    return case.state == "approved" and case.kind != "report_up"


def result_at(case: Case) -> datetime | None:
    if case.kind == "report_up" and case.outcome != "refused":
        return case.replied_at or case.closed_at
    return case.decided_at or case.closed_at


def case_deadline(calendar, case: Case) -> Deadline | None:
    """承诺时限 from acceptance, statutory pauses removed; None before acceptance."""
    if not case.accepted_at:
        return None
    return compute_deadline(calendar, case.accepted_at, case.app.promised_days, _pauses(case.statutory_pauses),
                            label="承诺时限")


def task_deadline(calendar, case: Case, task: Task, days: int) -> Deadline:
    """部门审批环节时限 from the task's opening, pauses taken after it removed."""
    return compute_deadline(calendar, task.opened_at, days, _pauses(case.statutory_pauses, task.opened_at),
                            label="审批环节时限")


def acceptance_deadline(calendar, case: Case, days: int) -> Deadline | None:
    """受理时限 of an online application; waits for supplements (补正) stop it."""
    if case.app.channel not in ONLINE_CHANNELS or case.state != "submitted" or not case.submitted_at:
        return None
    return compute_deadline(calendar, case.submitted_at, days, _pauses(case.supplement_waits), label="受理时限")


def yellow_from(calendar, deadline: Deadline, yellow_days: int) -> datetime | None:
    """The first instant ``clock.warning_level`` says yellow: 00:00 of the earliest day from which at
    most ``yellow_days`` working days remain. None when there is no yellow time (paused or 0 days)."""
    if deadline.due_at is None:
        return None
    due_date = deadline.due_date
    first = due_date + timedelta(days=1)
    for _ in range(400):
        earlier = first - timedelta(days=1)
        if calendar.working_days_between(earlier - timedelta(days=1), due_date) > yellow_days:
            break
        first = earlier
    start = datetime.combine(first, time(0), SHANGHAI)
    return start if start < deadline.due_at else None


def planned_timers(calendar, case: Case, rules: TenantRules, limits: StepLimits) -> dict[str, tuple[datetime, dict]]:
    """Every timer the case should have now: key -> (due instant, data)."""
    number, wanted = case.number, {}
    base = {"number": number}
    if case.state in FINISHED_STATES:
        return wanted
    accepting = acceptance_deadline(calendar, case, limits.acceptance)
    if accepting and accepting.due_at:
        wanted[f"{number}:acceptance:red"] = (accepting.due_at, {**base, "scope": "acceptance"})
    if result_ready(case):
        return wanted
    deadline = case_deadline(calendar, case)
    if deadline and deadline.due_at and case.kind != "immediate":
        wanted[f"{number}:case:red"] = (deadline.due_at, {**base, "scope": "case", "level": "red"})
        yellow = yellow_from(calendar, deadline, rules.yellow_days)
        if yellow:
            wanted[f"{number}:case:yellow"] = (yellow, {**base, "scope": "case", "level": "yellow"})
    if limits.task is not None:
        for task in case.open_tasks:
            due = task_deadline(calendar, case, task, limits.task).due_at
            if due:
                wanted[f"{number}:task:{task.department}:red"] = (due, {**base, "scope": f"task:{task.department}"})
    return wanted


# -- the after-step hook ---------------------------------------------------------------------

async def on_step(svc: Services, case: Case, events) -> None:
    """After every stored step: refile timers, update the open set, summarise a finished case."""
    from backend.services import trail_check

    tenant = case.app.tenant
    rules = await tenant_rules(svc, tenant)
    calendar = await load_calendar(svc, tenant)
    limits = await step_limits(svc, case, rules)
    await refile_timers(svc, tenant, case.number, planned_timers(calendar, case, rules, limits))
    if any(e.type in REFUSAL_EVENTS for e in events):  # 不予受理/不予办理: the sweep checks the reason
        await timers.schedule(svc.db, tenant, svc.now(), f"{case.number}:check:refusal", TIMER_KIND,
                              {"number": case.number, "scope": "check"}, not_before=svc.now())
    if case.state in FINISHED_STATES:
        await svc.db[OPEN].delete_one({"_id": _case_key(tenant, case.number)})
        await record_finished(svc, calendar, case)
    else:
        await svc.db[OPEN].replace_one({"_id": _case_key(tenant, case.number)},
                                       open_entry(calendar, case, rules), upsert=True)
    await close_settled_cards(svc, case, events)
    await trail_check.record_head(svc, case)


def _case_key(tenant: str, number: str) -> str:
    return f"{tenant}:{number}"


async def refile_timers(svc: Services, tenant: str, number: str, wanted: dict) -> None:
    """Cancel what moved or ended, file what is wanted, remember each key's bucket."""
    filed_id = _case_key(tenant, number)
    filed = await svc.db[FILED].find_one({"_id": filed_id}) or {}
    now = svc.now()
    buckets = {key: timers.bucket_id(tenant, max(due, now)) for key, (due, _) in wanted.items()}
    for entry in filed.get("timers", []):
        if buckets.get(entry["key"]) != entry["bucket"]:
            await timers.cancel(svc.db, tenant, now, entry["key"], bucket=entry["bucket"])
    for key, (due, data) in wanted.items():
        await timers.schedule(svc.db, tenant, due, key, TIMER_KIND, data, not_before=now)
    if wanted:
        await svc.db[FILED].replace_one({"_id": filed_id}, {
            "tenant": tenant, "number": number,
            "timers": [{"key": k, "bucket": b, "due_at": wanted[k][0]} for k, b in buckets.items()]}, upsert=True)
    elif filed:
        await svc.db[FILED].delete_one({"_id": filed_id})


def accepting_actor(case: Case) -> tuple[str, str, str]:
    """(staff id, name, post) of the window clerk who accepted (or, for a walk-in, submitted) the case."""
    for event in case.events:
        if event.type == "CaseAccepted":
            return event.actor_id, event.actor_name, event.actor_post
    if case.submitted_by_role == "window_clerk":
        first = case.events[0]
        return first.actor_id, first.actor_name, first.actor_post
    return "", "", ""


def open_entry(calendar, case: Case, rules: TenantRules) -> dict:
    """The open-case working-set document the dashboard counts."""
    deadline = case_deadline(calendar, case) if case.kind != "immediate" else None
    due_at = deadline.due_at if deadline else None
    clerk_id, clerk_name, window_post = accepting_actor(case)
    return {
        "tenant": case.app.tenant, "number": case.number, "state": case.state, "kind": case.kind,
        "item_code": case.app.item_code, "item_name": case.app.item_name, "centre": case.app.centre,
        "departments": list(case.app.departments), "open_departments": [t.department for t in case.open_tasks],
        "assignees": [t.assignee_id for t in case.open_tasks], "window_post": window_post,
        "window_staff": clerk_id, "window_staff_name": clerk_name, "accepted_at": case.accepted_at,
        "due_at": due_at, "yellow_at": yellow_from(calendar, deadline, rules.yellow_days) if deadline else None,
        "paused": case.state == "paused", "result_ready": result_ready(case),
    }


def finished_entry(calendar, case: Case) -> dict:
    """办结汇总: working days used against the promised and statutory limits (one per finished case)."""
    clerk_id, clerk_name, window_post = accepting_actor(case)
    done_at = result_at(case) or case.closed_at
    counted = bool(case.accepted_at and done_at and case.outcome in ("approved", "refused"))
    used = on_time = None
    if counted:
        used = working_days_used(calendar, case.accepted_at, done_at, _pauses(case.statutory_pauses))
        on_time = not finished_late(case_deadline(calendar, case), done_at)
    deciders = [{"id": t.decided_by_id, "name": t.decided_by_name, "department": t.department}
                for t in case.tasks if t.decided_by_id and t.state in ("approved", "refused")]
    return {
        "tenant": case.app.tenant, "number": case.number, "day": to_shanghai(case.closed_at).date().isoformat(),
        "finished_at": case.closed_at, "result_at": done_at, "outcome": case.outcome, "kind": case.kind,
        "item_code": case.app.item_code, "item_name": case.app.item_name, "centre": case.app.centre,
        "departments": list(case.app.departments), "window_post": window_post, "window_staff": clerk_id,
        "window_staff_name": clerk_name, "deciders": deciders, "promised_days": case.app.promised_days,
        "statutory_days": case.app.statutory_days, "used_days": used, "on_time": on_time, "counted": counted,
    }


async def record_finished(svc: Services, calendar, case: Case) -> None:
    try:
        await svc.db[FINISHED].insert_one({"_id": _case_key(case.app.tenant, case.number),
                                           **finished_entry(calendar, case)})
    except DuplicateKeyError:
        pass  # recorded by an earlier call for the same finish


def settled_scopes(case: Case, events=()) -> list[str]:
    """Card scopes whose condition this step ended (all ended ones when ``events`` is empty: a repair)."""
    closed = {"TaskApproved", "TaskRefused", "TaskCancelled"}
    if events:
        scopes = [f"task:{e.data.get('department')}" for e in events if e.type in closed]
        scopes += ["acceptance_waiting"] if any(e.from_state == "submitted" != e.to_state for e in events) else []
    else:
        scopes = [f"task:{t.department}" for t in case.tasks if t.state != "open"]
        scopes += ["acceptance_waiting"] if case.state != "submitted" else []
    if result_ready(case) or case.state in FINISHED_STATES:
        scopes += ["case", *(f"task:{t.department}" for t in case.open_tasks)]
    return scopes


async def close_settled_cards(svc: Services, case: Case, events=()) -> None:
    tenant = case.app.tenant
    for scope in dict.fromkeys(settled_scopes(case, events)):
        for level in ("yellow", "red") if scope == "case" else ("red",):
            await svc.db[CARDS].update_one(
                {"_id": f"{tenant}:{case.number}:{scope}:{level}", "status": {"$in": ["open", "acknowledged"]}},
                {"$set": {"status": "closed", "closed_at": svc.now()}})


if on_step not in casework.AFTER_STEP_HOOKS:
    casework.AFTER_STEP_HOOKS.append(on_step)
