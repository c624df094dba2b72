"""Moving a case through the pipeline: load, decide, store atomically, then write what follows.

A step (one command's events, or several commands taken together such as submit, accept and
dispatch at the window) is stored as ONE inserted document in ``case_steps`` whose ``_id`` is
``tenant:number:first-seq``. A unique insert is the referee: two people acting on the same version
compute the same first seq, so exactly one insert succeeds. (Conditional updates are not enough:
FerretDB v1 on SQLite applies concurrent updates of one document without isolation; see
docs/decisions/0003.) The loser re-reads the case and takes its command again on what is there
now (:func:`run`), so commands on different parts of one case (parallel department approvals)
commute; only a command the new state no longer allows is refused.

The case document (``tenant:number``) is the read model: the snapshot with its events inside,
rewritten after each step. If a process dies between the two writes, the next ``load`` finds the
newer step and repairs the snapshot, so a step is always stored whole or not at all.

What follows a step is *derived* (:class:`Effects`): every module that keeps a working set adds its
changes to the step's effects (``DERIVERS``), reading only in-process caches, and the effects are
then written together: the snapshot, one bulk of ``work`` upserts and one delete (task and intake
queues, open cases, timers, the journal), and the few inserts other collections need (notices,
the person index). Derived writes are idempotent, so a repair simply derives them again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Awaitable, Callable

from pymongo.errors import DuplicateKeyError

from backend.domain import cases
from backend.domain.case_model import Actor, Case, Step, apply
from backend.domain.errors import Conflict, Forbidden, NotFound
from backend.domain.identity import is_reference, mask_name
from backend.domain.numbering import case_id
from backend.domain.posts import Absence, Post
from backend.domain.trail import event_from_document, event_to_document
from backend.services import fee_slips, notifications, progress_cache, rating_stages, supervision, tenant_config, vault
from backend.services.context import Services
from backend.services.deadlines import deadline_fields
from backend.store import batch, snapshots, work

log = logging.getLogger("sunshine.cases")
# ``async deriver(svc, effects)``, after the queues: notices, then supervision (timers, open cases, journal);
# then the fees (slips issued, the fee window's working sets, the day's ledger); then the rating stages
# (default-rating timers, SMS rating invitations).
DERIVERS: list = [notifications.on_step, supervision.on_step, fee_slips.on_step, rating_stages.on_step]
MAX_RETRIES = 8


class StepConflict(Conflict):
    """Someone stored a step on this case since it was read; :func:`run` re-reads and tries again."""


def step_id(tenant: str, number: str, first_seq: int) -> str:
    return f"{tenant}:{number}:{first_seq:06d}"


def step_document(step: Step, **fields) -> dict:
    tenant, number, first = step.case.app.tenant, step.case.number, step.events[0].seq
    return {"_id": step_id(tenant, number, first), "tenant": tenant, "number": number, "first_seq": first,
            "events": [event_to_document(e) for e in step.events], **fields}


async def insert_step(svc: Services, step: Step, **fields) -> None:
    """Insert the step, packed (with other requests' inserts); ``DuplicateKeyError`` when another
    step took its place first."""
    await batch.insert_one(svc.db, "case_steps", snapshots.pack_step(step_document(step, **fields)))


# -- what a step derives ----------------------------------------------------------------------


@dataclass
class Effects:
    """Everything a stored step changes besides its own document, collected before writing."""

    tenant: str
    before: Case | None
    case: Case
    events: tuple
    before_doc: dict | None
    now: datetime
    repair: bool = False
    work: work.Changes = field(default_factory=work.Changes)
    inserts: dict[str, list[dict]] = field(default_factory=dict)
    snapshot: dict = field(default_factory=dict)
    later: list = field(default_factory=list)  # ``async f()`` for the rare writes that need a filter
    extra: dict = field(default_factory=dict)  # the snapshot fields the step adds (the form at intake)

    def insert(self, collection: str, doc: dict) -> None:
        """A document decided by its ``_id``: inserted once, a duplicate is ignored."""
        self.inserts.setdefault(collection, []).append(doc)

    @property
    def new(self) -> bool:
        return self.before is None


async def derive(svc: Services, before: Case | None, case: Case, events, before_doc: dict | None,
                 repair: bool = False, extra: dict | None = None) -> Effects:
    effects = Effects(case.app.tenant, before, case, tuple(events), before_doc, svc.now(), repair, extra=extra or {})
    effects.snapshot.update(await deadline_fields(svc, case))
    for deriver in (_queues, *DERIVERS):
        await deriver(svc, effects)
    return effects


async def _write_effects(svc: Services, effects: Effects) -> None:
    """The derived writes, beside the snapshot; a failure is logged (a later step or repair redoes them).

    The working sets and each collection's inserts go out together (none depends on another, and
    each joins whatever other requests are writing to its collection), then what runs ``later``.
    """
    try:
        queued = [batch.enqueue(svc.db, collection, docs) for collection, docs in effects.inserts.items()]
        failed = None
        try:
            await work.apply(svc.db, effects.work)
        except Exception as exc:
            failed = exc
        for futures in queued:
            failed = failed or batch.unexpected(await batch.settled(futures))
        if failed is not None:
            raise failed
        for later in effects.later:
            await later()
    except Exception:  # the case is stored; what follows is repaired by the next step or a sweep
        log.exception("derived writes failed for %s", effects.case.number)


# -- the snapshot -----------------------------------------------------------------------------


def _snapshot_fields(case: Case, effects: Effects, extra: dict | None) -> dict:
    doc = cases.case_to_document(case)
    doc.pop("_id")
    doc.update(effects.snapshot)
    doc["tenant"] = case.app.tenant
    if extra:
        doc.update(extra)
    return doc


def _start_snapshot(svc: Services, doc: dict, new: bool) -> tuple:
    """Pack the whole snapshot ``doc`` and, when it is ``new``, queue its insert at once (it joins
    the round of the step's derived inserts); :func:`_end_snapshot` finishes the write."""
    before = progress_cache.stamp_before_write(svc, doc["_id"])
    packed = snapshots.pack(doc)
    return before, packed, batch.enqueue(svc.db, "cases", [packed]) if new else None


async def _end_snapshot(svc: Services, case: Case, doc: dict, started: tuple) -> None:
    """The snapshot written unless a newer one is there (created when missing); the progress page
    then keeps it (``progress_cache.written``)."""
    before, packed, queued = started
    try:
        stored = await _put_snapshot(svc, case, doc, packed, queued)
    finally:
        progress_cache.snapshot_written(svc, doc["_id"])  # views kept from the old snapshot are let go
    if stored:
        progress_cache.written(svc, doc["_id"], before, packed)


async def _put_snapshot(svc: Services, case: Case, doc: dict, packed: dict, queued: list | None) -> bool:
    """True when ``doc`` (``packed``) is now the stored snapshot, False when a newer one was there."""
    if queued is not None:
        outcome = (await batch.settled(queued))[0]
        if outcome is None:
            return True
        if not isinstance(outcome, DuplicateKeyError):
            raise outcome
        # a repair wrote it first: bring it up to date below
    try:
        await snapshots.rewrite(svc.db.cases, doc, version_below=case.version, upsert=True, packed=packed)
        return True
    except DuplicateKeyError:
        return False  # a newer snapshot exists: it already holds this step


async def store(svc: Services, before: Case | None, before_doc: dict | None, step: Step,
                extra: dict | None = None) -> tuple[Case, dict]:
    """Store one step whole or not at all; ``StepConflict`` if anyone acted on the case since it was read.

    Returns the case and its snapshot document as now stored (no need to read it again).
    """
    if not step.events:
        return step.case, before_doc or {}
    effects = await derive(svc, before, step.case, step.events, before_doc, extra=extra)
    try:
        await insert_step(svc, step)
    except DuplicateKeyError:
        raise StepConflict("办件已被他人处理，请刷新后查看最新状态", code="case_changed") from None
    return step.case, await _finish(svc, step.case, before_doc, effects, extra)


async def _finish(svc: Services, case: Case, before_doc: dict | None, effects: Effects, extra: dict | None) -> dict:
    doc = {**(before_doc or {}), **_snapshot_fields(case, effects, extra), "_id": case_id(case.app.tenant, case.number)}
    # both follow from the stored step: written together (a crash between them is repaired from the step)
    new = effects.new and not effects.repair
    started = _start_snapshot(svc, doc, new)
    if new:  # its insert is queued already: it goes out with the derived writes
        await _write_effects(svc, effects)
        await _end_snapshot(svc, case, doc, started)
    else:
        await asyncio.gather(_end_snapshot(svc, case, doc, started), _write_effects(svc, effects))
    return doc


async def store_new(svc: Services, step: Step, extra: dict) -> tuple[Case, dict]:
    """After the first step was inserted (it claimed the number): the snapshot and what follows."""
    effects = await derive(svc, None, step.case, step.events, None, extra=extra)
    return step.case, await _finish(svc, step.case, None, effects, extra)


async def run(svc: Services, tenant: str, number: str,
              decide: Callable[[Case, dict], Step | Awaitable[Step] | tuple], *, catch_up: bool = False
              ) -> tuple[Case, dict]:
    """Load the case, ``decide`` a step on it and store it; when someone else stored a step first,
    re-read and decide again (bounded). ``decide`` may return ``(step, extra snapshot fields)``.

    The first read skips looking for steps a dead writer left (``catch_up``): if there is one, the
    insert collides with it and the retry reads the case with it applied.
    """
    case, doc = await load(svc, tenant, number, catch_up=catch_up)
    for _ in range(MAX_RETRIES):
        outcome = decide(case, doc)
        if hasattr(outcome, "__await__"):
            outcome = await outcome
        step, extra = outcome if isinstance(outcome, tuple) else (outcome, None)
        try:
            return await store(svc, case, doc, step, extra)
        except StepConflict:
            case, doc = await load(svc, tenant, number)
    raise Conflict("办件正在被多人同时处理，请稍后重试", code="case_busy")


async def act(svc: Services, tenant: str, number: str, command, *args, **kwargs) -> Case:
    """Load the case, run one domain command on it, store the step (retrying on a concurrent step)."""
    case, _ = await run(svc, tenant, number, lambda c, d: command(c, *args, **kwargs))
    return case


# -- loading and repairing --------------------------------------------------------------------


async def _catch_up(svc: Services, tenant: str, number: str, case: Case | None) -> tuple[Case | None, list]:
    """Apply steps stored after the snapshot (a writer died between its two writes)."""
    applied = []
    while True:
        following = snapshots.unpack(await svc.db.case_steps.find_one(
            {"_id": step_id(tenant, number, (case.version if case else 0) + 1)}))
        if not following or following.get("kind", "case") != "case":
            return case, applied
        for event_doc in following["events"]:
            event = event_from_document(event_doc)
            case = apply(case, event)
            applied.append(event)


async def load(svc: Services, tenant: str, number: str, *, catch_up: bool = True) -> tuple[Case, dict]:
    """The case and its snapshot document; with ``catch_up``, steps a dead writer left are applied
    and the snapshot (and everything derived) repaired."""
    doc = await snapshots.read(svc.db.cases, case_id(tenant, number))
    case = cases.case_from_document(doc) if doc else None
    if not catch_up and case is not None:
        return case, doc
    before = case
    case, applied = await _catch_up(svc, tenant, number, case)
    if case is None:
        raise NotFound("未找到该办件", code="case_not_found")
    if applied:
        log.warning("repairing the snapshot of case %s from its stored steps", number)
        effects = await derive(svc, before, case, applied, doc, repair=True)
        extra = None if doc else {"form": {}, "materials": [], "repaired": True}
        doc = await _finish(svc, case, doc, effects, extra)
    return case, doc


async def rederive(svc: Services, tenant: str, number: str) -> None:
    """Write again everything the case's steps derive (after a crash left only part of it)."""
    case, doc = await load(svc, tenant, number)
    effects = await derive(svc, None, case, case.events, doc, repair=True)
    await _write_effects(svc, effects)


# -- the queues and the person index ----------------------------------------------------------


def task_key(tenant: str, department: str, number: str) -> str:
    return work.key(tenant, "task", department, number)


def intake_key(tenant: str, centre: str, number: str) -> str:
    return work.key(tenant, "intake", centre, number)


WAITING_STATES = ("submitted", "supplement_requested")


async def _queues(svc: Services, effects: Effects) -> None:
    """Department task queues, the window's intake queue and the per-person case index."""
    case, before, tenant, number = effects.case, effects.before, effects.tenant, effects.case.number
    open_by_dept = {t.department: t for t in case.open_tasks}
    was_open = {t.department for t in before.open_tasks} if before and not effects.repair else set(case.app.departments)
    for dept in was_open - set(open_by_dept):
        effects.work.drop(task_key(tenant, dept, number))
    opened = {t.department for t in case.open_tasks} - ({t.department for t in before.open_tasks} if before else set())
    for dept, task in open_by_dept.items():
        place = effects.work.add if dept in opened and not effects.repair else effects.work.put
        place(task_key(tenant, dept, number), {
            "tenant": tenant, "department": dept, "post": task.post_id, "assignee": task.assignee_id,
            "number": number, "item_name": case.app.item_name, "kind": case.kind, "state": case.state,
            "applicant": mask_name(case.app.applicant_name), "opened_at": task.opened_at,
            "centre": case.app.centre, "due_at": effects.snapshot.get("due_at")})
    waiting_before = before is not None and before.state in WAITING_STATES
    if case.state in WAITING_STATES:
        (effects.work.put if waiting_before or effects.repair else effects.work.add)(intake_key(tenant, case.app.centre, number), {
            "tenant": tenant, "number": number, "centre": case.app.centre, "state": case.state,
            "item_name": case.app.item_name, "item_code": case.app.item_code,
            "applicant": mask_name(case.app.applicant_name), "channel": case.app.channel,
            "submitted_at": case.submitted_at})
    elif waiting_before or effects.repair:
        effects.work.drop(intake_key(tenant, case.app.centre, number))
    if effects.new or effects.repair:
        for kind, key in person_keys(case):
            effects.insert("case_index", index_document(tenant, kind, key, number, case.submitted_at))


def person_keys(case: Case) -> list[tuple[str, str]]:
    """Who finds the case in their list: the mini-program user, the phone (by its keyed hash), the submitter."""
    phone = case.app.applicant_phone
    return [(kind, key) for kind, key in (("openid", case.app.applicant_openid),
                                           ("phone", vault.pseudonym_of(phone) if is_reference(phone) else ""),
                                           ("submitter", case.submitted_by_id)) if key]


def index_document(tenant: str, kind: str, key: str, number: str, at) -> dict:
    return {"_id": f"{tenant}:{kind}:{key}:{number}", "tenant": tenant, "kind": kind, "key": key,
            "number": number, "at": at}


async def index_case(svc: Services, tenant: str, kind: str, key: str, number: str, at) -> None:
    """One document per (person, case): inserts never lose each other, unlike a shared array."""
    try:
        await svc.db.case_index.insert_one(index_document(tenant, kind, key, number, at))
    except DuplicateKeyError:
        pass


async def indexed_numbers(svc: Services, tenant: str, kind: str, key: str) -> list[str]:
    """Case numbers filed under a person, newest first (one ``_id`` prefix read)."""
    prefix = f"{tenant}:{kind}:{key}:"
    found = await svc.db.case_index.find({"_id": work.prefix_range(prefix)}, {"number": 1}).to_list(None)
    return sorted({d["number"] for d in found if d["_id"].startswith(prefix)}, reverse=True)


# --- who is acting ----------------------------------------------------------------------------


async def staff_actor(svc: Services, principal: dict, role: str) -> Actor:
    """The signed-in staff member acting in ``role`` at the post they hold (A or B)."""
    if principal.get("kind") != "staff":
        raise Forbidden("请使用工作人员账号操作")
    if role not in principal["roles"] and "admin" not in principal["roles"]:
        raise Forbidden(f"您没有“{cases.ROLE_NAMES.get(role, role)}”岗位权限")
    org = await tenant_config.org(svc, principal["tenant"])
    return Actor(principal["id"], principal["name"], role, org.post_of(principal["id"]), principal.get("department", ""))


def citizen_actor(principal: dict) -> Actor:
    return Actor(f"citizen:{principal['id']}", "申请人", "citizen")


def post_from_document(doc: dict) -> Post:
    absences = tuple(Absence(a["staff_id"], a["start"], a.get("end"), a.get("reason", ""))
                     for a in doc.get("absences", []))
    department = (doc.get("departments") or [""])[0]
    return Post(doc["code"], department, doc["name"], doc.get("holder_a", ""), doc.get("holder_b", ""), absences)


async def approval_posts(svc: Services, tenant: str, departments) -> dict[str, Post]:
    org = await tenant_config.org(svc, tenant)
    docs = org.approval_posts(departments)
    return {post.department: post for post in map(post_from_document, docs)}


def now_utc(svc: Services) -> datetime:
    return svc.now()
