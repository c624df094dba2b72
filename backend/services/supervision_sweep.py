"""Electronic supervision (电子监察), part 2: the warning sweep that raises cards (预警卡).

``sweep(svc, tenant, lease)`` reads the timers due since the sweep cursor (``store.timers`` recipe:
the current minute is left for the next round), re-reads each case named by a timer (a timer is
only a hint; the case's present state decides) and raises a card for every condition that holds:

==========================  ======  ====================================================
kind                        level   condition
==========================  ======  ====================================================
due_soon (即将超期)          yellow  case without its result, at most ``yellow_days`` left
overdue (超期)               red     case without its result past its promised deadline
step_overdue (环节超期)      red     a department task open past its step limit
acceptance_waiting (受理超时) red    online application not accepted within its limit
refused_without_reason      red     a rejection/refusal event with an empty reason
fee_outside_standard        red     a payment that differs from the fee standard (``FEE_CHECKS``, services.fee_checks)
fee_wrong_case              red     a slip paid on a case it was not issued to (``FEE_CHECKS``)
exemption_unapproved        red     an exemption without a centre manager's approval (``FEE_CHECKS``)
==========================  ======  ====================================================

A card is ``cards/{tenant}:{number}:{scope}:{level}`` (scope ``case``, ``task:<dept>`` or the
irregularity kind): the unique ``_id`` raises it once even when a killed sweep is run again. A red
card opens a candidate violation (``violations``). Only when every case was handled does the cursor
move, fenced by the lease token. Recipients: the responsible post's holders, the department head
(no head role exists yet: the holder A of the department's approval post stands in; for the
centre's windows, the centre managers) and every supervisor.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from backend.domain.case_model import Case
from backend.domain.errors import Forbidden, NotFound
from backend.domain.cards import KIND_LABELS, LEVEL_LABELS, STATUS_LABELS  # noqa: F401
from backend.services import casework, fee_checks, journal, supervision, tenant_config, trail_check, violations
from backend.services.calendar import load_calendar
from backend.services.context import Services
from backend.store import timers, work
from backend.store.indexes import declare
from backend.store.lease import Lease, run_for_each_tenant

log = logging.getLogger("sunshine.supervision")

CARDS = supervision.CARDS
FIRST_SWEEP = datetime(2020, 1, 1, tzinfo=timezone.utc)
# 违规收费: ``async check(svc, case, ctx) -> list[dict]`` of CardSpec fields (services.fee_checks)
FEE_CHECKS: list = [fee_checks.irregular_fees]
# ``async handle(svc, tenant, entries, now)`` per timer kind other modules file (the satisfaction module: default
# ratings, rectification deadlines); run before the cursor moves, so they must be idempotent
TIMER_HANDLERS: dict = {}

declare(CARDS, IndexModel([("tenant", ASCENDING), ("status", ASCENDING), ("raised_at", DESCENDING)], name="tenant_status"))


@dataclass(frozen=True)
class CardSpec:
    """A condition that holds now: what to raise and who answers for it."""

    scope: str
    level: str
    kind: str
    department: str
    post: str
    staff_id: str
    due_at: datetime | None = None
    detail: str = ""


@dataclass
class SweepContext:
    """Per-sweep reference data: posts, staff names, the tenant's rules and calendar."""

    tenant: str
    rules: supervision.TenantRules
    calendar: object
    posts: dict = field(default_factory=dict)
    staff: dict = field(default_factory=dict)

    @classmethod
    async def load(cls, svc: Services, tenant: str) -> "SweepContext":
        org = await tenant_config.org(svc, tenant)
        posts, staff = dict(org.posts), dict(org.staff)
        return cls(tenant, await supervision.tenant_rules(svc, tenant), await load_calendar(svc, tenant), posts, staff)

    def name(self, staff_id: str) -> str:
        return (self.staff.get(staff_id) or {}).get("name", "")

    def holders(self, post: str) -> list[str]:
        doc = self.posts.get(post) or {}
        return [h for h in (doc.get("holder_a"), doc.get("holder_b")) if h]

    def with_role(self, role: str, centre: str | None = None) -> list[str]:
        return sorted(i for i, d in self.staff.items() if role in d.get("roles", [])
                      and (centre is None or (d.get("centre") or "county") == centre))

    def window_post(self, case: Case) -> str:
        _, _, post = supervision.accepting_actor(case)
        if post:
            return post
        for code, doc in sorted(self.posts.items()):
            if doc.get("kind") == "window" and doc.get("centre") == case.app.centre and (
                    case.app.centre != "county" or set(case.app.departments) & set(doc.get("departments", []))):
                return code
        return ""

    def head_of(self, department: str, centre: str) -> list[str]:
        """部门负责人: holder A of the department's approval post; centre managers for a window."""
        if department in ("zwfw", centre):
            return self.with_role("centre_manager", centre)
        holder = (self.posts.get(f"d-{department}") or {}).get("holder_a")
        return [holder] if holder else []


def _window_department(case: Case) -> str:
    return "zwfw" if case.app.centre == "county" else case.app.centre


def _on_duty(ctx: SweepContext, post: str) -> str:
    doc = ctx.posts.get(post) or {}
    return (doc.get("holder_b") if doc.get("a_away") else doc.get("holder_a")) or doc.get("holder_a") or ""


def _case_owner(ctx: SweepContext, case: Case) -> tuple[str, str, str]:
    if case.open_tasks:
        task = case.open_tasks[0]
        return task.department, task.post_id, task.assignee_id
    if case.state in ("submitted", "supplement_requested", "accepted"):
        post = ctx.window_post(case)
        return _window_department(case), post, supervision.accepting_actor(case)[0] or _on_duty(ctx, post)
    department = case.app.departments[0] if case.app.departments else ""
    return department, f"d-{department}", _on_duty(ctx, f"d-{department}")


def card_specs(ctx: SweepContext, case: Case, limits: supervision.StepLimits, now: datetime) -> list[CardSpec]:
    """Every card condition that holds for ``case`` at ``now``."""
    calendar, specs = ctx.calendar, []
    for event in case.events:
        if event.type in supervision.REFUSAL_EVENTS and not (event.reason or "").strip():
            specs.append(CardSpec("refused_without_reason", "red", "refused_without_reason", event.actor_department
                                  or _window_department(case), event.actor_post, event.actor_id, None,
                                  f"第 {event.seq} 条记录（{event.type}）未说明理由"))
            break
    waiting = supervision.acceptance_deadline(calendar, case, limits.acceptance)
    if waiting and waiting.due_at and now >= waiting.due_at:
        post = ctx.window_post(case)
        specs.append(CardSpec("acceptance_waiting", "red", "acceptance_waiting", _window_department(case), post,
                              _on_duty(ctx, post), waiting.due_at, f"受理时限 {limits.acceptance} 个工作日"))
    if supervision.result_ready(case) or case.kind == "immediate":
        return specs
    deadline = supervision.case_deadline(calendar, case)
    if deadline and deadline.due_at:
        department, post, staff = _case_owner(ctx, case)
        if now >= deadline.due_at:
            specs.append(CardSpec("case", "red", "overdue", department, post, staff, deadline.due_at))
        else:
            yellow = supervision.yellow_from(calendar, deadline, ctx.rules.yellow_days)
            if yellow and now >= yellow:
                specs.append(CardSpec("case", "yellow", "due_soon", department, post, staff, deadline.due_at))
    for task in case.open_tasks if limits.task is not None else ():
        due = supervision.task_deadline(calendar, case, task, limits.task).due_at
        if due and now >= due:
            specs.append(CardSpec(f"task:{task.department}", "red", "step_overdue", task.department, task.post_id,
                                  task.assignee_id, due, f"审批环节时限 {limits.task} 个工作日"))
    return specs


def card_document(ctx: SweepContext, case: Case, spec: CardSpec, now: datetime) -> dict:
    heads = ctx.head_of(spec.department, case.app.centre)
    recipients = [{"staff_id": s, "name": ctx.name(s), "as": "post"} for s in ctx.holders(spec.post)]
    recipients += [{"staff_id": s, "name": ctx.name(s), "as": "department_head"} for s in heads]
    recipients += [{"staff_id": s, "name": ctx.name(s), "as": "supervisor"} for s in ctx.with_role("supervisor")]
    return {
        "_id": f"{ctx.tenant}:{case.number}:{spec.scope}:{spec.level}", "tenant": ctx.tenant, "number": case.number,
        "scope": spec.scope, "level": spec.level, "kind": spec.kind, "kind_label": KIND_LABELS.get(spec.kind, spec.kind),
        "department": spec.department, "post": spec.post, "staff_id": spec.staff_id, "staff_name": ctx.name(spec.staff_id),
        "item_code": case.app.item_code, "item_name": case.app.item_name, "centre": case.app.centre,
        "due_at": spec.due_at, "raised_at": now, "status": "open", "detail": spec.detail,
        "recipients": recipients, "recipient_ids": sorted({r["staff_id"] for r in recipients}),
        "department_head": heads[0] if heads else "",
    }


def responsible_levels(ctx: SweepContext, case: Case, card: dict) -> dict:
    """The four levels (责任部门、部门负责人、审批人员、窗口人员) a candidate violation names."""
    task = case.task(card["department"]) or (case.tasks[0] if case.tasks else None)
    approver = (task.decided_by_id or task.assignee_id) if task else ""
    clerk = supervision.accepting_actor(case)[0] or (card["staff_id"] if card["kind"] == "acceptance_waiting" else "")
    head = card.get("department_head", "")

    def person(staff_id: str) -> dict:
        return {"staff_id": staff_id, "name": ctx.name(staff_id)}

    return {"department": {"code": card["department"]}, "department_head": person(head),
            "approver": person(approver), "window_clerk": person(clerk)}


async def raise_card(svc: Services, ctx: SweepContext, case: Case, spec: CardSpec, now: datetime) -> tuple[dict, bool]:
    """Insert the card (False when raised before) and, for red, make sure its candidate violation exists."""
    card = card_document(ctx, case, spec, now)
    try:
        await svc.db[CARDS].insert_one(card)
        new = True
    except DuplicateKeyError:
        new = False
    stored = card if new else await svc.db[CARDS].find_one({"_id": card["_id"]}) or card  # raised before: its day
    await supervision.file_by_day(svc, supervision.CARD_DAYS, stored, "raised_at")
    if new:  # counted once: the journal entry is keyed by the card
        await work.insert_once(svc.db, {"_id": journal.entry_key(ctx.tenant, case.number, f"card-{spec.scope}-{spec.level}"),
                                        **journal.stored_entry({"tenant": ctx.tenant, "number": case.number, "seq": 0,
                                                                "at": now, "cards": {f"{spec.kind}:{spec.level}": 1}})})
        await supervision.mirror_cards(svc.db, [card])
    if spec.level == "red":  # also after a duplicate: a killed sweep may have stopped between the two inserts
        await violations.open_candidate(svc, card, responsible_levels(ctx, case, card))
    return card, new


async def sweep(svc: Services, tenant: str, lease: Lease, *, after_card=None,
                checkpoint_interval=trail_check.CHECKPOINT_INTERVAL) -> dict:
    """One sweep round for ``tenant`` under ``lease``; counts of what it saw and raised.

    ``after_card`` (tests) is awaited after each card insert attempt: raising there stops the round
    the way a killed process would, before the cursor moves.
    """
    now = svc.now()
    counts = {"timers": 0, "cases": 0, "raised": 0, "already": 0, "advanced": False, "checkpoint": None}
    since = await timers.read_cursor(svc.db, tenant) or FIRST_SWEEP
    until = timers.minute_floor(now) - timers.SWEEP_LAG
    if until > since:
        fallen = await timers.due(svc.db, tenant, since, until)
        entries = [e for e in fallen if e.get("kind") == supervision.TIMER_KIND]
        counts["timers"] = len(entries)
        ctx = await SweepContext.load(svc, tenant) if entries else None
        for number in dict.fromkeys(e["number"] for e in entries if e.get("number")):
            try:
                case, _ = await casework.load(svc, tenant, number)
            except NotFound:
                continue
            counts["cases"] += 1
            limits = await supervision.step_limits(svc, case, ctx.rules)
            specs = card_specs(ctx, case, limits, now)
            for check in FEE_CHECKS:
                specs += [CardSpec(**found) for found in await check(svc, case, ctx)]
            for spec in specs:
                _, new = await raise_card(svc, ctx, case, spec, now)
                counts["raised" if new else "already"] += 1
                if after_card is not None:
                    await after_card(counts)
        for kind, handle in TIMER_HANDLERS.items():
            theirs = [e for e in fallen if e.get("kind") == kind]
            if theirs:
                await handle(svc, tenant, theirs, now)
                counts[f"{kind}_timers"] = len(theirs)
        counts["advanced"] = await timers.advance_cursor(svc.db, tenant, until, lease.token)
    counts["folded"] = await journal.fold(svc, tenant, lease.token)
    counts["checkpoint"] = await trail_check.maybe_checkpoint(svc, tenant, now, checkpoint_interval, lease.token)
    return counts


async def sweep_task(svc: Services, stop_event: asyncio.Event) -> None:
    """For ``server.BACKGROUND_TASKS``: every ``sweep_seconds`` (30), per tenant, one sweep under the lease
    ``sweep:{tenant}``."""
    def round_for(tenant: str):
        async def one(lease: Lease) -> None:
            counts = await sweep(svc, tenant, lease)
            if counts["raised"]:
                log.info("supervision sweep %s (token %s): %s", tenant, lease.token, counts)
        return one

    await run_for_each_tenant(svc, "sweep", round_for, stop_event, float(svc.settings.sweep_seconds))


# -- cards for the API -------------------------------------------------------------------------

def card_view(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k != "_id"}
    out.update(id=doc["_id"], level_label=LEVEL_LABELS.get(doc["level"], doc["level"]),
               status_label=STATUS_LABELS.get(doc["status"], doc["status"]))
    return out


async def list_cards(svc: Services, tenant: str, *, level: str = "", department: str = "", status: str = "",
                     page: int = 1, page_size: int = 20) -> dict:
    """Cards newest first. Open and acknowledged ones come from the open-card working set; asking for
    closed ones (or every status) reads the tenant's card history."""
    wanted = {k: v for k, v in (("level", level), ("department", department), ("status", status)) if v}
    if status in ("open", "acknowledged"):
        found = await supervision.open_cards(svc.db, tenant)
    else:
        found = await svc.db[CARDS].find({"_id": work.prefix_range(f"{tenant}:")}).to_list(None)
    found = [d for d in found if all(d.get(k) == v for k, v in wanted.items())]
    found.sort(key=lambda d: (d["raised_at"], d["_id"]), reverse=True)
    start = (page - 1) * page_size
    return {"items": [card_view(d) for d in found[start:start + page_size]], "total": len(found),
            "page": page, "page_size": page_size}


async def cards_for(svc: Services, tenant: str, staff_id: str) -> list[dict]:
    """Open cards addressed to one person (the responsible post, its head, or a supervisor), newest first."""
    found = [d for d in await supervision.open_cards(svc.db, tenant)
             if staff_id in d.get("recipient_ids", []) and d.get("status") == "open"]
    found.sort(key=lambda d: (d["raised_at"], d["_id"]), reverse=True)
    return [card_view(d) for d in found]


async def acknowledge(svc: Services, tenant: str, card_id: str, principal: dict) -> dict:
    """签收: a supervisor, a centre manager or one of the card's recipients marks an open card seen."""
    doc = await svc.db[CARDS].find_one({"_id": card_id}) if card_id.startswith(f"{tenant}:") else None
    if doc is None:
        raise NotFound("未找到该预警卡", code="card_not_found")
    roles = set(principal.get("roles", []))
    if not roles & {"supervisor", "centre_manager", "admin"} and principal["id"] not in doc.get("recipient_ids", []):
        raise Forbidden("只有预警卡的接收人或监察人员可以签收")
    if doc["status"] == "open":
        await svc.db[CARDS].update_one({"_id": card_id, "status": "open"}, {"$set": {
            "status": "acknowledged", "acknowledged_by": principal["id"],
            "acknowledged_by_name": principal.get("name", ""), "acknowledged_at": svc.now()}})
        await supervision.mirror_cards(svc.db, [await svc.db[CARDS].find_one({"_id": card_id})], replace=True)
        from backend.services import audit

        await audit.record(svc, tenant, principal["id"], "card.acknowledged", {"card": card_id, "number": doc["number"]})
    return card_view(await svc.db[CARDS].find_one({"_id": card_id}))
