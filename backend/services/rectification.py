"""Bad-review rectification (差评整改): a task per bad review, cards on the statutory clock, a callback, one appeal.

``rectifications/{tenant}:{number}:{stage}`` (the rating's ``_id``) is inserted when a rating of
不满意 or 非常不满意 is stored: the responsible department must rectify within the tenant's
``rectify_days`` working days (default 5) on the statutory clock. Its yellow and red instants are
timers (kind ``satisfaction``, action ``rectify``) the supervision sweep hands back here
(:func:`on_timer`): a task still open then raises a yellow card (差评整改即将到期) or a red one
(差评整改超期, which opens a candidate violation), through the same cards as every other warning.
Open tasks are also kept in the working set ``work/{tenant}:rectify:{number}:{stage}``.

Steps: the department reports its measures (整改, cards closed) → the survey centre or a centre
manager calls the citizen back and records the outcome (群众认可 / 仍不满意 / 联系不上) → the citizen
may appeal once (``rectification_appeals/{id}``, an insert that decides) → a supervisor upholds the
appeal (the task opens again with a new deadline) or dismisses it. Each step is a guarded update
on the task's status, so a step taken twice is refused, not repeated.
"""

from __future__ import annotations

from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from backend.domain import satisfaction as sat
from backend.domain.clock import compute_deadline
from backend.domain.errors import Conflict, Forbidden, NotFound
from backend.services import audit, casework, journal, supervision, supervision_sweep, tenant_config
from backend.services.calendar import load_calendar
from backend.services.context import Services
from backend.store import timers, work

TASKS = "rectifications"
APPEALS = "rectification_appeals"
TIMER_KIND = "satisfaction"
STATUS_LABELS = {"open": "待整改", "rectified": "已整改，待回访", "closed": "已办结", "appealed": "申诉复核中"}
OUTCOME_LABELS = {"resolved": "群众认可整改", "unresolved": "群众仍不满意", "unreachable": "回访联系不上"}
HANDLERS = frozenset({"centre_manager", "admin"})


def task_key(tenant: str, number: str, stage: str) -> str:
    return work.key(tenant, "rectify", number, stage)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def _deadline(svc: Services, tenant: str, start: datetime, days: int) -> tuple[datetime, datetime | None, str]:
    calendar = await load_calendar(svc, tenant)
    deadline = compute_deadline(calendar, start, days, label="差评整改期限")
    return deadline.due_at, supervision.yellow_from(calendar, deadline, 1), deadline.explanation_zh


async def _file(svc: Services, doc: dict) -> None:
    """The open task in the working set and its yellow and red timers."""
    tenant, number, stage = doc["tenant"], doc["number"], doc["stage"]
    changes = work.Changes()
    changes.put(task_key(tenant, number, stage), {k: v for k, v in doc.items() if k != "_id"} | {"task_id": doc["_id"]})
    for level, due in (("yellow", doc.get("yellow_at")), ("red", doc["due_at"])):
        if due:
            timers.plan_schedule(changes, tenant, due, f"{number}:rectify:{stage}:{level}", TIMER_KIND,
                                 {"number": number, "stage": stage, "action": "rectify", "level": level,
                                  "round": doc.get("round", 1)}, not_before=svc.now())
    await work.apply(svc.db, changes)


async def open_for(svc: Services, rating: dict, rules: sat.Rules) -> dict:
    """Open the rectification of a bad review (once: the ``_id`` is the rating's)."""
    tenant = rating["tenant"]
    now = svc.now()
    due_at, yellow_at, explanation = await _deadline(svc, tenant, now, rules.rectify_days)
    names = (await tenant_config.org(svc, tenant)).department_names()
    doc = {"_id": rating["_id"], "tenant": tenant, "number": rating["number"], "stage": rating["stage"],
           "department": rating["department"], "department_name": names.get(rating["department"], rating["department"]),
           "post": rating.get("post", ""), "staff": rating.get("staff", ""), "staff_name": rating.get("staff_name", ""),
           "item_name": rating.get("item_name", ""), "centre": rating.get("centre", "county"),
           "score": rating["score"], "level": rating["level"], "reasons": rating["reasons"], "text": rating["text"],
           "source": rating["source"], "opened_at": now, "rectify_days": rules.rectify_days, "due_at": due_at,
           "yellow_at": yellow_at, "due_explanation": explanation, "status": "open", "round": 1, "history": []}
    try:
        await svc.db[TASKS].insert_one(doc)
    except DuplicateKeyError:
        return await svc.db[TASKS].find_one({"_id": doc["_id"]})
    await _file(svc, doc)
    return doc


def view(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k not in ("_id", "tenant")}
    out.update(id=doc["_id"], status_label=STATUS_LABELS.get(doc["status"], doc["status"]),
               stage_label=sat.STAGES.get(doc["stage"], doc["stage"]),
               outcome_label=OUTCOME_LABELS.get(doc.get("outcome", ""), ""),
               can_appeal=doc["status"] == "closed" and not doc.get("appeal"))
    return out


def citizen_view(doc: dict) -> dict:
    return {k: v for k, v in view(doc).items() if k in (
        "status", "status_label", "due_at", "measures", "outcome", "outcome_label", "can_appeal", "appeal",
        "department_name")}


async def load(svc: Services, tenant: str, number: str, stage: str) -> dict:
    doc = await svc.db[TASKS].find_one({"_id": sat.rating_id(tenant, number, stage)})
    if doc is None:
        raise NotFound("未找到该差评整改记录", code="rectification_not_found")
    return doc


async def list_tasks(svc: Services, tenant: str, principal: dict, status: str = "", department: str = "") -> dict:
    """Supervisors, centre managers and the survey centre see every bad review; an approver sees their
    department's. Open ones come from the working set; asking for all or closed ones reads the history."""
    roles = set(principal.get("roles", []))
    if not roles & {"supervisor", "centre_manager", "survey_centre", "admin"}:
        department = principal.get("department") or "-"
    if status in ("open", "rectified", "appealed"):
        found = [{**d, "_id": d["task_id"]} for d in await work.read_prefix(svc.db, work.key(tenant, "rectify", ""))]
    else:
        found = await svc.db[TASKS].find({"_id": work.prefix_range(f"{tenant}:")}).to_list(None)
    found = [d for d in found if (not status or d["status"] == status) and (not department or d["department"] == department)]
    found.sort(key=lambda d: (d["opened_at"], d["_id"]), reverse=True)
    return {"items": [view(d) for d in found], "total": len(found), "status_labels": STATUS_LABELS,
            "outcome_labels": OUTCOME_LABELS}


async def _step(svc: Services, doc: dict, expected: str, changes: dict, actor: dict, action: str) -> dict:
    """Move the task from ``expected`` (refused if it is elsewhere now), log the step, refresh the working set."""
    now = svc.now()
    entry = {"action": action, "by": actor["id"], "by_name": actor.get("name", ""), "at": now}
    result = await svc.db[TASKS].update_one({"_id": doc["_id"], "status": expected},
                                            {"$set": changes, "$push": {"history": entry}})
    if result.modified_count != 1:
        raise Conflict("该差评的处理状态已变化，请刷新后查看", code="rectification_changed")
    fresh = await svc.db[TASKS].find_one({"_id": doc["_id"]})
    key = task_key(fresh["tenant"], fresh["number"], fresh["stage"])
    if fresh["status"] == "closed":
        await svc.db[work.WORK].delete_one({"_id": key})
    else:
        await svc.db[work.WORK].replace_one({"_id": key}, {k: v for k, v in fresh.items() if k != "_id"}
                                            | {"task_id": fresh["_id"]}, upsert=True)
    await audit.record(svc, fresh["tenant"], actor["id"], f"rectification.{action}",
                       {"number": fresh["number"], "stage": fresh["stage"], "status": fresh["status"]})
    return view(fresh)


async def rectify(svc: Services, tenant: str, number: str, stage: str, principal: dict, measures: str) -> dict:
    """整改: the responsible department (its approvers) or a centre manager reports what was done."""
    doc = await load(svc, tenant, number, stage)
    roles = set(principal.get("roles", []))
    if not roles & HANDLERS and not ("dept_approver" in roles and principal.get("department") == doc["department"]):
        raise Forbidden("只能整改本部门的差评", code="not_your_department")
    if doc["status"] != "open":
        raise Conflict(f"该差评当前为“{STATUS_LABELS[doc['status']]}”，不能再报整改", code="not_open")
    result = await _step(svc, doc, "open", {"status": "rectified", "measures": measures, "rectified_at": svc.now(),
                                            "rectified_by": principal["id"],
                                            "rectified_by_name": principal.get("name", "")}, principal, "rectified")
    await close_cards(svc, tenant, number, stage)
    return result


async def callback(svc: Services, tenant: str, number: str, stage: str, principal: dict, outcome: str,
                   note: str) -> dict:
    """回访核实: the citizen is asked whether the rectification satisfied them; the outcome closes the task."""
    doc = await load(svc, tenant, number, stage)
    if doc["status"] != "rectified":
        raise Conflict("部门报送整改情况后才能回访核实", code="not_rectified")
    return await _step(svc, doc, "rectified", {
        "status": "closed", "outcome": outcome, "callback": {"note": note, "by": principal["id"],
                                                             "by_name": principal.get("name", ""), "at": svc.now()},
        "closed_at": svc.now()}, principal, "called_back")


async def appeal(svc: Services, tenant: str, number: str, stage: str, citizen_id: str, reason: str) -> dict:
    """申诉 (once): the citizen disputes the outcome; a supervisor reviews it."""
    doc = await load(svc, tenant, number, stage)
    if doc.get("appeal"):
        raise Conflict("每条差评只能申诉一次，您已申诉过", code="already_appealed")
    if doc["status"] != "closed":
        raise Conflict("整改回访结束后才能申诉", code="appeal_too_early")
    now = svc.now()
    try:
        await svc.db[APPEALS].insert_one({"_id": doc["_id"], "tenant": tenant, "number": number, "stage": stage,
                                          "by": citizen_id, "reason": reason, "at": now})
    except DuplicateKeyError:
        raise Conflict("每条差评只能申诉一次，您已申诉过", code="already_appealed") from None
    return await _step(svc, doc, "closed", {"status": "appealed", "appeal": {"reason": reason, "at": now}},
                       {"id": citizen_id, "name": "申请人"}, "appealed")


async def decide_appeal(svc: Services, tenant: str, number: str, stage: str, principal: dict, upheld: bool,
                        note: str) -> dict:
    """申诉复核: upheld, the task opens again with a new deadline; dismissed, it stays closed."""
    doc = await load(svc, tenant, number, stage)
    if doc["status"] != "appealed":
        raise Conflict("该差评没有待复核的申诉", code="no_appeal")
    decision = {**doc["appeal"], "upheld": upheld, "note": note, "decided_by": principal["id"],
                "decided_by_name": principal.get("name", ""), "decided_at": svc.now()}
    if not upheld:
        return await _step(svc, doc, "appealed", {"status": "closed", "appeal": decision}, principal, "appeal_dismissed")
    due_at, yellow_at, explanation = await _deadline(svc, tenant, svc.now(), doc["rectify_days"])
    result = await _step(svc, doc, "appealed", {
        "status": "open", "appeal": decision, "due_at": due_at, "yellow_at": yellow_at, "due_explanation": explanation,
        "round": doc.get("round", 1) + 1, "outcome": "", "callback": None}, principal, "appeal_upheld")
    await _file(svc, await load(svc, tenant, number, stage))
    return result


# -- cards --------------------------------------------------------------------------------

def _scope(stage: str, round_: int) -> str:
    return f"rectify-{stage}" + (f"-{round_}" if round_ > 1 else "")


async def on_timer(svc: Services, tenant: str, entry: dict, now: datetime) -> None:
    """A rectification's yellow or red instant fell due: raise the card if the task is still open then."""
    try:
        doc = await load(svc, tenant, entry["number"], entry["stage"])
        case, _ = await casework.load(svc, tenant, entry["number"])
    except NotFound:
        return
    level = entry.get("level")
    due = doc.get("yellow_at") if level == "yellow" else doc["due_at"]
    if doc["status"] != "open" or entry.get("round", 1) != doc.get("round", 1) or not due or now < _aware(due):
        return
    ctx = await supervision_sweep.SweepContext.load(svc, tenant)
    post = doc["post"] if doc["department"] in ("zwfw", doc.get("centre")) else f"d-{doc['department']}"
    staff = doc["staff"] if post == doc["post"] else (ctx.posts.get(post) or {}).get("holder_a", "")
    spec = supervision_sweep.CardSpec(
        _scope(doc["stage"], doc.get("round", 1)), level, "rectification_due" if level == "yellow" else "rectification_overdue",
        doc["department"], post, staff, doc["due_at"], f"{sat.STAGES[doc['stage']]}环节差评（{doc['level']}）整改")
    await supervision_sweep.raise_card(svc, ctx, case, spec, now)


async def close_cards(svc: Services, tenant: str, number: str, stage: str) -> None:
    """Close the yellow and red rectification cards of the task once it is rectified."""
    doc = await load(svc, tenant, number, stage)
    ids = [f"{tenant}:{number}:{_scope(stage, doc.get('round', 1))}:{level}" for level in ("yellow", "red")]
    still_open = {"$in": ["open", "acknowledged"]}
    found = await svc.db[supervision.CARDS].find({"_id": {"$in": ids}, "status": still_open},
                                                 {"kind": 1, "level": 1}).to_list(None)
    if not found:
        return
    now = svc.now()
    await svc.db[supervision.CARDS].update_many({"_id": {"$in": [c["_id"] for c in found]}, "status": still_open},
                                                {"$set": {"status": "closed", "closed_at": now}})
    await supervision.mirror_cards(svc.db, [{**c, "status": "closed"} for c in found])
    counts: dict[str, int] = {}
    for card in found:
        counts[f"{card['kind']}:{card['level']}"] = counts.get(f"{card['kind']}:{card['level']}", 0) - 1
    await work.insert_once(svc.db, {"_id": journal.entry_key(tenant, number, f"rectify-closed-{now.timestamp():.6f}"),
                                    **journal.stored_entry({"tenant": tenant, "number": number, "seq": 0, "at": now,
                                                            "cards": counts})})
