"""Moving a case through the pipeline: load, decide, store atomically, then update what follows.

A step (one command's events) is stored as ONE inserted document in ``case_steps`` whose
``_id`` is ``tenant:number:first-seq``. A unique insert is the referee: two people acting on
the same version compute the same first seq, so exactly one insert succeeds and the other is
told the case changed. (Conditional updates are not enough: FerretDB v1 on SQLite applies
concurrent updates of one document without isolation; see docs/decisions/0003.)

The case document (``tenant:number``) is the read model: the snapshot with its events inside,
rewritten after each step. If a process dies between the two writes, the next ``load`` finds
the newer step and repairs the snapshot, so a step is always stored whole or not at all.
What follows a step (task queues, case lists, notifications, timers) is derived and idempotent.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from backend.domain import cases
from backend.domain.case_model import Actor, Case, Step, apply
from backend.domain.clock import Pause as ClockPause
from backend.domain.clock import compute_deadline
from backend.domain.errors import Conflict, Forbidden, NotFound
from backend.domain.identity import mask_name
from backend.domain.numbering import case_id
from backend.domain.posts import Absence, Post
from backend.domain.trail import event_from_document, event_to_document
from backend.services.context import Services

log = logging.getLogger("sunshine.cases")
AFTER_STEP_HOOKS: list = []  # ``async hook(svc, case, events)``: notifications, supervision timers


def step_id(tenant: str, number: str, first_seq: int) -> str:
    return f"{tenant}:{number}:{first_seq:06d}"


async def _claim_step(svc: Services, step: Step) -> None:
    tenant, number = step.case.app.tenant, step.case.number
    first = step.events[0].seq
    try:
        await svc.db.case_steps.insert_one({
            "_id": step_id(tenant, number, first), "tenant": tenant, "number": number,
            "first_seq": first, "events": [event_to_document(e) for e in step.events]})
    except DuplicateKeyError:
        raise Conflict("办件已被他人处理，请刷新后查看最新状态", code="case_changed") from None


async def _write_snapshot(svc: Services, case: Case, extra: dict | None = None) -> None:
    doc = cases.case_to_document(case)
    doc.pop("_id")
    doc.update(await deadline_fields(svc, case))
    doc["tenant"] = case.app.tenant
    if extra:
        doc.update(extra)
    await svc.db.cases.update_one({"_id": case_id(case.app.tenant, case.number), "version": {"$lt": case.version}},
                                  {"$set": doc}, upsert=False)


async def _catch_up(svc: Services, tenant: str, number: str, case: Case | None) -> tuple[Case | None, bool]:
    """Apply steps stored after the snapshot (a writer died between its two writes)."""
    moved = False
    while True:
        following = await svc.db.case_steps.find_one({"_id": step_id(tenant, number, (case.version if case else 0) + 1)})
        if not following:
            return case, moved
        for event_doc in following["events"]:
            case = apply(case, event_from_document(event_doc))
        moved = True


async def load(svc: Services, tenant: str, number: str) -> tuple[Case, dict]:
    doc = await svc.db.cases.find_one({"_id": case_id(tenant, number)})
    case = cases.case_from_document(doc) if doc else None
    case, moved = await _catch_up(svc, tenant, number, case)
    if case is None:
        raise NotFound("未找到该办件", code="case_not_found")
    if moved:
        log.warning("repairing the snapshot of case %s from its stored steps", number)
        if doc is None:
            return case, await _recreate(svc, case)
        await _write_snapshot(svc, case)
        await after_step(svc, case, ())
        doc = await svc.db.cases.find_one({"_id": case_id(tenant, number)})
    return case, doc


async def _recreate(svc: Services, case: Case) -> dict:
    """The submission step survived but its snapshot was never written: rebuild it (intake details lost)."""
    doc = {**cases.case_to_document(case), "tenant": case.app.tenant, "form": {}, "materials": [], "repaired": True}
    try:
        await svc.db.cases.insert_one(doc)
    except DuplicateKeyError:
        pass
    await after_step(svc, case, case.events)
    return await svc.db.cases.find_one({"_id": case_id(case.app.tenant, case.number)})


async def insert_new(svc: Services, step: Step, extra: dict) -> None:
    """Store a freshly submitted case: its first step, then its snapshot with the intake details."""
    await _claim_step(svc, step)
    doc = cases.case_to_document(step.case)
    doc.update(extra)
    doc["tenant"] = step.case.app.tenant
    await svc.db.cases.insert_one(doc)
    await after_step(svc, step.case, step.events)


async def store(svc: Services, step: Step, extra: dict | None = None) -> Case:
    """Store one step whole or not at all; Conflict if anyone acted on the case since it was loaded."""
    if not step.events:
        return step.case
    await _claim_step(svc, step)
    await _write_snapshot(svc, step.case, extra)
    await after_step(svc, step.case, step.events)
    return step.case


async def act(svc: Services, tenant: str, number: str, command, *args, **kwargs) -> Case:
    """Load the case, run one domain command on it, store the step."""
    case, _ = await load(svc, tenant, number)
    step = command(case, *args, **kwargs)
    return await store(svc, step)


async def after_step(svc: Services, case: Case, events) -> None:
    """Everything derived from a stored step; failures are logged, never undo the step."""
    try:
        await sync_projections(svc, case)
    except Exception:  # the case is stored; the queues are repaired by the next step or a sweep
        log.exception("projection sync failed for %s", case.number)
    from backend.services import notifications  # imported here: it reads deadlines from this module

    for hook in (notifications.enqueue_for_events, *AFTER_STEP_HOOKS):
        try:
            await hook(svc, case, events)
        except Exception:
            log.exception("after-step hook %s failed for %s", getattr(hook, "__name__", hook), case.number)


async def sync_projections(svc: Services, case: Case) -> None:
    """Department task queues, the window's intake queue and the per-person case indexes."""
    tenant, number = case.app.tenant, case.number
    open_by_dept = {t.department: t for t in case.open_tasks}
    due_at = (await deadline_fields(svc, case))["due_at"] if open_by_dept else None
    stale = [f"{tenant}:{d}:{number}" for d in case.app.departments if d not in open_by_dept]
    if stale:
        await svc.db.task_queue.delete_many({"_id": {"$in": stale}})
    for dept, task in open_by_dept.items():
        await svc.db.task_queue.update_one({"_id": f"{tenant}:{dept}:{number}"}, {"$set": {
            "tenant": tenant, "department": dept, "post": task.post_id, "assignee": task.assignee_id,
            "number": number, "item_name": case.app.item_name, "kind": case.kind, "state": case.state,
            "applicant": mask_name(case.app.applicant_name), "opened_at": task.opened_at,
            "centre": case.app.centre, "due_at": due_at}}, upsert=True)
    intake_id = f"{tenant}:{number}"
    if case.state in ("submitted", "supplement_requested"):
        await svc.db.intake_queue.update_one({"_id": intake_id}, {"$set": {
            "tenant": tenant, "number": number, "centre": case.app.centre, "state": case.state,
            "item_name": case.app.item_name, "item_code": case.app.item_code, "applicant": mask_name(case.app.applicant_name),
            "channel": case.app.channel, "submitted_at": case.submitted_at}}, upsert=True)
    else:
        await svc.db.intake_queue.delete_one({"_id": intake_id})
    for kind, key in (("openid", case.app.applicant_openid), ("phone", case.app.applicant_phone),
                      ("submitter", case.submitted_by_id)):
        if key:
            await index_case(svc, tenant, kind, key, number, case.submitted_at)


async def index_case(svc: Services, tenant: str, kind: str, key: str, number: str, at) -> None:
    """One document per (person, case): inserts never lose each other, unlike a shared array."""
    try:
        await svc.db.case_index.insert_one({"_id": f"{tenant}:{kind}:{key}:{number}", "tenant": tenant,
                                            "kind": kind, "key": key, "number": number, "at": at})
    except DuplicateKeyError:
        pass


async def indexed_numbers(svc: Services, tenant: str, kind: str, key: str) -> list[str]:
    """Case numbers filed under a person, newest first."""
    found = [d async for d in svc.db.case_index.find({"tenant": tenant, "kind": kind, "key": key})]
    return [d["number"] for d in sorted(found, key=lambda d: d["number"], reverse=True)]


async def deadline_fields(svc: Services, case: Case) -> dict:
    """The promised-time deadline (承诺时限) on the statutory clock, or None while paused or not accepted."""
    from backend.services.calendar import load_calendar

    if not case.accepted_at or case.kind == "immediate":
        return {"due_at": None, "due_provisional": False}
    calendar = await load_calendar(svc, case.app.tenant)
    # One step asks several times (snapshot, queues, notices); the answer depends on the case version
    # and the calendar, so remember the last few.
    memo = svc.extras.setdefault("deadline_memo", {})
    key = (case.app.tenant, case.number, case.version, id(calendar))
    if key not in memo:
        pauses = [ClockPause(p.started_at, p.ended_at, p.reason) for p in case.statutory_pauses]
        deadline = compute_deadline(calendar, case.accepted_at, case.app.promised_days, pauses)
        if len(memo) >= 256:
            memo.clear()
        memo[key] = {"due_at": deadline.due_at, "due_provisional": deadline.provisional,
                     "due_explanation": deadline.explanation_zh}
    return dict(memo[key])


# --- who is acting ----------------------------------------------------------------------------


async def staff_actor(svc: Services, principal: dict, role: str) -> Actor:
    """The signed-in staff member acting in ``role`` at the post they hold (A or B)."""
    if principal.get("kind") != "staff":
        raise Forbidden("请使用工作人员账号操作")
    if role not in principal["roles"] and "admin" not in principal["roles"]:
        raise Forbidden(f"您没有“{cases.ROLE_NAMES.get(role, role)}”岗位权限")
    post = await svc.db.posts.find_one({"tenant": principal["tenant"],
                                        "$or": [{"holder_a": principal["id"]}, {"holder_b": principal["id"]}]})
    return Actor(principal["id"], principal["name"], role, post["code"] if post else "", principal.get("department", ""))


def citizen_actor(principal: dict) -> Actor:
    return Actor(f"citizen:{principal['id']}", "申请人", "citizen")


def post_from_document(doc: dict) -> Post:
    absences = tuple(Absence(a["staff_id"], a["start"], a.get("end"), a.get("reason", ""))
                     for a in doc.get("absences", []))
    department = (doc.get("departments") or [""])[0]
    return Post(doc["code"], department, doc["name"], doc.get("holder_a", ""), doc.get("holder_b", ""), absences)


async def approval_posts(svc: Services, tenant: str, departments) -> dict[str, Post]:
    docs = [d async for d in svc.db.posts.find({"_id": {"$in": [f"{tenant}:d-{d}" for d in departments]}})]
    return {post.department: post for post in map(post_from_document, docs)}


def now_utc(svc: Services) -> datetime:
    return svc.now()
