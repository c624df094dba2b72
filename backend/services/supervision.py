"""Electronic supervision (电子监察), part 1: what each stored step files for the warning sweep.

Every stored case step derives (:func:`on_step`, a ``casework.DERIVERS`` entry), all of it keyed by
``_id`` so a repeated or concurrent derivation cannot double anything:

* **Timers** (预警定时, ``store.timers``): the case's yellow and red instants
  (``{number}:case:yellow|red``), a red instant per open department task
  (``{number}:task:{dept}:red``) and, for an application submitted online, the instant its
  acceptance is late (``{number}:acceptance:red``). Where each key was filed is kept in the case
  snapshot (``timers``), so a moved deadline (pause, resume) or a finished case cancels the old
  entry. A timer is only a hint: the sweep re-checks the case.
* **The open-case working set** ``work/{tenant}:open:{number}`` (dropped when the case finishes).
* **A finished-case summary** ``finished_cases/{tenant}:{number}`` (one insert per finished case:
  working days used against the promised and statutory limits, on time or not), and the same
  summary filed by the day it finished, ``finished_days/{tenant}:{day}:{number}``, so the reports
  and the satisfaction sample read a period as one ``_id`` range (:func:`finished_between`)
  instead of scanning every summary ever stored.
* **The journal** ``work/{tenant}:journal:{number}:{seq}``: the step's trail head for the next
  checkpoint (see ``trail_check``), folded and removed by the sweep.
* **Closing cards** whose condition has ended (the task was decided, the case has its result); only
  cards that can exist are looked at (their timer had fallen due).

Step limits (环节时限) come from the item version's ``steps``: the acceptance limit is the
``days`` of the first ``window_clerk`` step (受理), at least ``acceptance_days`` (tenant setting,
default 1 working day) since an online application cannot be accepted the minute it arrives; a
department task's limit is the sum of the ``days`` of the item's ``dept_approver`` steps (审查 +
决定, or 并联审查 + 决定 for joint items, 初审 for report-up items). The delivery step is not timed.
Tenant rules live in ``tenant_settings/{tenant}``: ``yellow_days`` (default 1: yellow on the last
working day) and ``acceptance_days``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from pymongo import ASCENDING, IndexModel

from backend.domain.case_model import FINISHED_STATES, Case, Task
from backend.domain.errors import NotFound
from backend.domain.clock import SHANGHAI, Deadline, Pause, compute_deadline, finished_late, to_shanghai, working_days_used
from backend.domain.open_counts import contribution
from backend.services import catalog, deadlines, journal, tenant_config
from backend.services.open_sets import card_key, mirror_cards, open_cards, open_entries, open_key  # noqa: F401 (their home before)
from backend.services.calendar import load_calendar
from backend.services.context import Services
from backend.store import timers, work
from backend.store.indexes import declare

log = logging.getLogger("sunshine.supervision")

SETTINGS = "tenant_settings"
FINISHED = "finished_cases"
FINISHED_DAYS = "finished_days"
CARDS = "cards"
TIMER_KIND = "supervision"
ONLINE_CHANNELS = frozenset({"miniprogram", "proxy"})
REFUSAL_EVENTS = frozenset({"CaseRejected", "CaseRefused", "TaskRefused"})

declare(FINISHED, IndexModel([("tenant", ASCENDING), ("day", ASCENDING)], name="tenant_day"))


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
    doc = (await tenant_config.org(svc, tenant)).settings
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
    """Limits of the item version the case was accepted under (item versions never change: cached,
    and so are their limits under the same rules)."""
    try:
        item = await catalog.item_version(svc, case.app.tenant, case.app.item_code, case.app.item_version)
    except NotFound:
        return limits_from_steps([], rules)
    memo = svc.extras.setdefault("step_limits_memo", {})
    key = (case.app.tenant, case.app.item_code, case.app.item_version, rules)
    found = memo.get(key)
    if found is None or found[0] is not item:  # the catalogue cache let go of the version: work it out again
        if len(memo) >= 1024:
            memo.clear()
        found = memo[key] = (item, limits_from_steps([dataclasses.asdict(step) for step in item.steps], rules))
    return found[1]


# -- deadlines of a case, a task, an acceptance ------------------------------------------------

def _pauses(pauses, since: datetime | None = None) -> list[Pause]:
    return deadlines.clock_pauses(pauses, since)


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
    return deadlines.promised_deadline(calendar, case)


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


_UNSET = object()


def planned_timers(calendar, case: Case, rules: TenantRules, limits: StepLimits,
                   deadline=_UNSET) -> dict[str, tuple[datetime, dict]]:
    """Every timer the case should have now: key -> (due instant, data). ``deadline``: the case's
    :func:`case_deadline` when the caller has it already."""
    number, wanted = case.number, {}
    base = {"number": number}
    if case.state in FINISHED_STATES:
        return wanted
    accepting = acceptance_deadline(calendar, case, limits.acceptance)
    if accepting and accepting.due_at:
        wanted[f"{number}:acceptance:red"] = (accepting.due_at, {**base, "scope": "acceptance"})
    if result_ready(case):
        return wanted
    deadline = case_deadline(calendar, case) if deadline is _UNSET else deadline
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


# -- what a step derives ----------------------------------------------------------------------

async def on_step(svc: Services, effects) -> None:
    """After every stored step: refile timers, update the open set, summarise a finished case."""
    case, tenant = effects.case, effects.tenant
    rules = await tenant_rules(svc, tenant)
    calendar = await load_calendar(svc, tenant)
    limits = await step_limits(svc, case, rules)
    deadline = await deadlines.promised(svc, case)  # as the snapshot's due_at was: computed once per step
    effects.snapshot["timers"] = refile_timers(effects, planned_timers(calendar, case, rules, limits, deadline))
    if any(e.type in REFUSAL_EVENTS for e in effects.events):  # 不予受理/不予办理: the sweep checks the reason
        timers.plan_schedule(effects.work, tenant, effects.now, f"{case.number}:check:refusal", TIMER_KIND,
                             {"number": case.number, "scope": "check"}, not_before=effects.now)
    finished = None
    if case.state in FINISHED_STATES:
        effects.work.drop(open_key(tenant, case.number))
        counted = None
        if not (effects.before_doc or {}).get("finished"):
            finished = finished_entry(calendar, case)
            effects.insert(FINISHED, {"_id": _case_key(tenant, case.number), **finished})
            effects.insert(FINISHED_DAYS, {"_id": finished_day_key(tenant, finished["day"], case.number), **finished})
    else:
        entry = open_entry(calendar, case, rules, deadline)
        (effects.work.add if effects.new else effects.work.put)(open_key(tenant, case.number), entry)
        counted = contribution(entry).to_doc()
    effects.snapshot["counted"] = counted
    if case.events:
        (effects.work.put if effects.repair else effects.work.add)(journal.entry_key(tenant, case.number, f"{case.version:06d}"), journal.stored_entry({
            "tenant": tenant, "number": case.number, "seq": case.version, "hash": case.head_hash,
            "at": effects.now, "before": (effects.before_doc or {}).get("counted"), "after": counted,
            "finished": finished}))
    scopes = _cards_to_close(effects)
    if scopes:
        effects.later.append(lambda: close_cards(svc, tenant, case.number, scopes))


RATING_DAYS = "rating_days"  # every rating again, by the China day it was given (reports read a period by day)
CARD_DAYS = "card_days"  # every card again, by the China day it was raised


def _case_key(tenant: str, number: str) -> str:
    return f"{tenant}:{number}"


def finished_day_key(tenant: str, day: str, number: str) -> str:
    return f"{tenant}:{day}:{number}"


async def finished_between(svc: Services, tenant: str, first, last=None, projection: dict | None = None) -> list[dict]:
    """The summaries of cases finished on the days ``first``..``last`` (China time; ``last`` None: up to today)."""
    return await filed_between(svc, FINISHED_DAYS, tenant, first, last, projection)


async def filed_between(svc: Services, collection: str, tenant: str, first, last=None,
                        projection: dict | None = None) -> list[dict]:
    """The documents of ``collection`` (one filed by day: ``{tenant}:{YYYY-MM-DD}:...``) of the days
    ``first``..``last`` (China time; ``last`` None: up to today), read as one ``_id`` prefix range per
    day: the patched FerretDB narrows an ``_id`` range to the common prefix of its bounds, so a range
    of days would read every day sharing the bounds' first digits. A whole calendar month in the
    period is one prefix (``{tenant}:YYYY-MM-``), so a year past is a dozen reads, not 365."""
    last = last or to_shanghai(svc.now()).date()
    found = await asyncio.gather(*(svc.db[collection].find({"_id": work.prefix_range(f"{tenant}:{prefix}")},
                                                           projection).to_list(None)
                                   for prefix in day_prefixes(first, last)))
    return [doc for docs in found for doc in docs]


def day_prefixes(first, last) -> list[str]:
    """``YYYY-MM-`` for each whole month of ``first``..``last``, ``YYYY-MM-DD:`` for each other day."""
    prefixes, day = [], first
    while day <= last:
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        if day.day == 1 and following - timedelta(days=1) <= last:
            prefixes.append(f"{day:%Y-%m}-")
            day = following
        else:
            prefixes.append(f"{day.isoformat()}:")
            day += timedelta(days=1)
    return prefixes


def day_copy(doc: dict, at_field: str) -> dict | None:
    """What ``rating_days`` / ``card_days`` keep of a rating or card: ``{tenant}:{day}:{its id after the
    tenant}``, the day being China time of ``doc[at_field]`` (None without that time)."""
    moment, tenant = doc.get(at_field), doc["tenant"]
    if moment is None:
        return None
    rest = doc["_id"][len(tenant) + 1:] if doc["_id"].startswith(f"{tenant}:") else doc["_id"]
    day = to_shanghai(_aware(moment)).date().isoformat()
    return {"_id": f"{tenant}:{day}:{rest}", "tenant": tenant, "source": doc["_id"], "level": doc.get("level"),
            "department": doc.get("department"), at_field: moment}


async def file_by_day(svc: Services, collection: str, doc: dict, at_field: str) -> None:
    """File the day copy of rating or card ``doc`` (idempotent: written whole)."""
    copy = day_copy(doc, at_field)
    if copy is not None:
        await svc.db[collection].replace_one({"_id": copy["_id"]}, copy, upsert=True)


async def file_rating(svc: Services, doc: dict) -> None:
    await file_by_day(svc, RATING_DAYS, doc, "at")


def refile_timers(effects, wanted: dict) -> list[dict]:
    """Cancel what moved or ended, file what is wanted; returns where each key is filed (for the snapshot)."""
    tenant, now = effects.tenant, effects.now
    buckets = {key: timers.bucket_id(tenant, max(due, now)) for key, (due, _) in wanted.items()}
    for entry in (effects.before_doc or {}).get("timers", []):
        if buckets.get(entry["key"]) != entry["bucket"]:
            timers.plan_cancel(effects.work, entry["key"], entry["bucket"])
    for key, (due, data) in wanted.items():
        previous = next((e for e in (effects.before_doc or {}).get("timers", []) if e["key"] == key), None)
        moved = previous is None or previous["bucket"] != buckets[key]
        if moved or previous.get("due_at") != due or effects.repair:
            timers.plan_schedule(effects.work, tenant, due, key, TIMER_KIND, data, not_before=now,
                                 new=moved and not effects.repair)
    return [{"key": k, "bucket": b, "due_at": wanted[k][0]} for k, b in buckets.items()]


def _cards_to_close(effects) -> list[str]:
    """Scopes this step settled whose card may exist: its timer had already fallen due (or a repair)."""
    settled = settled_scopes(effects.case, () if effects.repair else effects.events)
    if effects.repair:
        return settled
    fallen = {_scope_of(e["key"]) for e in (effects.before_doc or {}).get("timers", [])
              if e.get("due_at") is not None and _aware(e["due_at"]) <= effects.now}
    return [s for s in dict.fromkeys(settled) if s in fallen or s == "acceptance_waiting" and "acceptance" in fallen]


def _scope_of(timer_key: str) -> str:
    """``{number}:case:red`` -> ``case``; ``{number}:task:{dept}:red`` -> ``task:{dept}``."""
    parts = timer_key.split(":")[1:]
    return ":".join(parts[:2]) if parts and parts[0] == "task" else parts[0] if parts else ""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def accepting_actor(case: Case) -> tuple[str, str, str]:
    """(staff id, name, post) of the window clerk who accepted (or, for a walk-in, submitted) the case."""
    for event in case.events:
        if event.type == "CaseAccepted":
            return event.actor_id, event.actor_name, event.actor_post
    if case.submitted_by_role == "window_clerk":
        first = case.events[0]
        return first.actor_id, first.actor_name, first.actor_post
    return "", "", ""


def open_entry(calendar, case: Case, rules: TenantRules, deadline=_UNSET) -> dict:
    """The open-case working-set document the dashboard counts."""
    if case.kind == "immediate":
        deadline = None
    elif deadline is _UNSET:
        deadline = case_deadline(calendar, case)
    due_at = deadline.due_at if deadline else None
    clerk_id, clerk_name, window_post = accepting_actor(case)
    return {
        "tenant": case.app.tenant, "number": case.number, "state": case.state, "kind": case.kind,
        "item_code": case.app.item_code, "item_name": case.app.item_name, "centre": case.app.centre,
        "departments": list(case.app.departments), "open_departments": [t.department for t in case.open_tasks],
        "assignees": [t.assignee_id for t in case.open_tasks], "window_post": window_post,
        "window_staff": clerk_id, "window_staff_name": clerk_name, "accepted_at": case.accepted_at,
        "due_at": due_at, "yellow_at": yellow_from(calendar, deadline, rules.yellow_days) if deadline else None,
        "paused": case.state in ("paused", "review_supplement"), "result_ready": result_ready(case),
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


async def close_cards(svc: Services, tenant: str, number: str, scopes: list[str]) -> None:
    """Close the open or acknowledged cards of ``scopes``; the journal is told which, for the counts."""
    ids = [f"{tenant}:{number}:{scope}:{level}" for scope in dict.fromkeys(scopes)
           for level in (("yellow", "red") if scope == "case" else ("red",))]
    still_open = {"$in": ["open", "acknowledged"]}
    found = await svc.db[CARDS].find({"_id": {"$in": ids}, "status": still_open}, {"kind": 1, "level": 1}).to_list(None)
    if not found:
        return
    now = svc.now()
    await svc.db[CARDS].update_many({"_id": {"$in": [c["_id"] for c in found]}, "status": still_open},
                                    {"$set": {"status": "closed", "closed_at": now}})
    await mirror_cards(svc.db, [{**c, "status": "closed"} for c in found])
    closed: dict[str, int] = {}
    for card in found:
        closed[f"{card['kind']}:{card['level']}"] = closed.get(f"{card['kind']}:{card['level']}", 0) - 1
    await work.insert_once(svc.db, {"_id": journal.entry_key(tenant, number, f"cards-closed-{now.timestamp():.6f}"),
                                    **journal.stored_entry({"tenant": tenant, "number": number, "seq": 0, "at": now,
                                                            "cards": closed})})

