"""The 24-hour hotline (12345 热线) service: tickets in the same pipeline as cases.

Stable API for other modules (Open311, the CTI webhook, the operator console, the mini-program):

``async register_ticket(svc, tenant, principal, payload) -> dict``
    受理登记. ``payload``: ``caller_phone`` (mobile or landline), ``caller_name?``, ``type``
    (consult|help|complaint|report|suggestion|application), ``content``, ``township?`` (code),
    ``village?``, ``urgency`` (normal|urgent, default normal), ``channel``
    (phone|miniprogram|officer|open311|web, default phone), ``call_id?``, ``photos?`` (upload ids the
    principal may attach), ``location?`` ``{lat, lng, address}``, ``service_code?``. ``principal`` is a
    staff principal (operator, centre_manager, info_officer), a citizen principal, or
    ``{"kind": "system", "id": "open311", "name": "Open311接口", "tenant": ...}`` for machine channels.
    Returns the ticket view (``get_ticket``) with the routing suggestion. Bad input raises
    ``ValidationFailed`` before anything is written.
``async get_ticket(svc, tenant, number, principal=None, *, acted=False) -> dict``
    The ticket view with its timeline; ``principal=None`` is an internal call (full view). Only the
    operator sees the caller's number in full (audited, see ``hotline.services.callers``); others see it
    masked; a citizen sees only tickets they registered.
``async caller_history(svc, tenant, phone) -> list``
    Earlier tickets and cases of a phone number (or its vault reference), newest first: ``{kind: ticket|case, number, at,
    title, state, state_label}``.
``async suggest(svc, tenant, text) -> dict``
    ``{department, township, item, type, confidence, evidence, alternatives, articles}``.
``async perform(svc, tenant, number, principal, action, body) -> dict``
    One step by name (``ACTIONS``): answer, dispatch, return, reply, accept-reply, send-back,
    supervise, convert, callback, close. Returns the ticket view.
``async notify_caller(svc, tenant, number) -> list``
    File the texts the ticket owes its caller (``caller_notices``); idempotent.
``async may_read(svc, tenant, number, principal) -> bool``
    Whether ``principal`` may read the ticket (the ``uploads.MATTER_READERS`` hook: its photos).

Storage (docs/decisions/0003): ticket numbers come from ``numbering.claim`` (one numbering
with cases: the first step's insert claims the number); each step is ONE inserted ``case_steps`` document (``tenant:number:first-seq``,
``kind: "ticket"``), so the unique insert referees concurrent operators and one trail check
covers cases and tickets; ``hotline_tickets/{tenant}:{number}`` is the snapshot (repaired from the
steps if a writer died between the two writes). Derived, idempotent: ``hotline_open`` (the
working set for queues and overdue checks), ``ratings/{tenant}:{number}`` (source "hotline"),
``case_index`` (kind ``ticket_phone``, keyed by the number's keyed hash) and routing corrections.
The caller's number itself is kept in the vault; tickets and their trail hold its reference.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from backend.domain.case_model import SYSTEM, Actor
from backend.domain.clock import compute_deadline
from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.domain.identity import is_reference
from backend.domain.numbering import local_day, parse_case_number
from backend.domain.trail import event_from_document, event_to_document
from backend.services import casework, intake, numbering, supervision, tenant_config, uploads, vault
from backend.services.calendar import load_calendar
from backend.services.context import Services
from backend.store import snapshots
from hotline.domain import tickets as rules
from hotline.domain.tickets import Limits, Registration, Ticket, TicketStep
from hotline.services import caller_notices, callers, knowledge, routing
from hotline.services.ticket_views import HOTLINE_VIEWERS, UNIT_ROLES, queue_entry, ticket_view, unit_of

log = logging.getLogger("sunshine.hotline")
TICKETS = "hotline_tickets"
OPEN = "hotline_open"
REGISTER_ROLES = ("operator", "centre_manager", "info_officer", "admin")
HOTLINE_ROLES = ("operator", "centre_manager", "admin")


def _text(payload: dict, key: str, limit: int = 200) -> str:
    value = payload.get(key)
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValidationFailed(f"字段 {key} 格式不正确", code="bad_field")
    value = str(value).strip()
    if len(value) > limit:
        raise ValidationFailed(f"字段 {key} 过长（上限 {limit} 字）", code="field_too_long")
    return value


def _location(payload: dict) -> tuple[str, str, str]:
    location = payload.get("location") or {}
    if not isinstance(location, dict):
        raise ValidationFailed("位置信息格式不正确", code="bad_location")
    coordinates = []
    for key, bound in (("lat", 90), ("lng", 180)):
        value = location.get(key)
        if value in (None, ""):
            coordinates.append("")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > bound:
            raise ValidationFailed("位置经纬度不正确", code="bad_location")
        coordinates.append(f"{float(value):.6f}")
    return coordinates[0], coordinates[1], _text(location, "address", 200)


def _photos(payload: dict) -> tuple[str, ...]:
    photos = payload.get("photos") or []
    if not isinstance(photos, list) or len(photos) > 9 or not all(isinstance(p, str) and p for p in photos):
        raise ValidationFailed("照片应为上传文件编号的列表（最多 9 张）", code="bad_photos")
    return tuple(dict.fromkeys(photos))


async def _registration(svc: Services, tenant: str, payload: dict, number: str) -> Registration:
    """Every check of a new ticket, before a number is claimed."""
    if not isinstance(payload, dict):
        raise ValidationFailed("请求内容应为 JSON 对象")
    lat, lng, address = _location(payload)
    reg = Registration(
        tenant=tenant, number=number, type=_text(payload, "type", 20), urgency=_text(payload, "urgency", 10) or "normal",
        channel=_text(payload, "channel", 20) or "phone", caller_phone=_text(payload, "caller_phone", 30),
        content=_text(payload, "content", rules.MAX_CONTENT), caller_name=_text(payload, "caller_name", 50),
        township=_text(payload, "township", 40), village=_text(payload, "village", 50),
        call_id=_text(payload, "call_id", 100), service_code=_text(payload, "service_code", 50),
        photos=_photos(payload), location_lat=lat, location_lng=lng, location_address=address)
    rules.check_registration(reg)
    reg = replace(reg, caller_phone=rules.normalise_phone(reg.caller_phone))
    if reg.township and reg.township not in (await tenant_config.org(svc, tenant)).active("townships"):
        raise ValidationFailed(f"乡镇“{reg.township}”不存在或不属于本县", code="unknown_township")
    return reg


async def _actor(svc: Services, principal: dict | None, roles: tuple[str, ...], action: str) -> Actor:
    if principal is None or principal.get("kind") == "system":
        if principal is None:
            return SYSTEM
        return Actor(f"system:{principal.get('id', '')}", principal.get("name") or "系统", "system")
    if principal.get("kind") == "citizen" and "citizen" in roles:
        return casework.citizen_actor(principal)
    held = [r for r in roles if r in principal.get("roles", [])]
    if principal.get("kind") != "staff" or not held:
        raise Forbidden(f"您的岗位不能{action}", code="role_not_allowed")
    role = "centre_manager" if held == ["admin"] else held[0]
    return await casework.staff_actor(svc, principal, role)


# --- storing steps ------------------------------------------------------------------------------


async def _insert_step(svc: Services, tenant: str, step: TicketStep) -> None:
    """Insert the step document; ``DuplicateKeyError`` when another step took its place."""
    first = step.events[0].seq
    await svc.db.case_steps.insert_one(snapshots.pack_step({
        "_id": casework.step_id(tenant, step.ticket.number, first), "tenant": tenant, "number": step.ticket.number,
        "first_seq": first, "kind": "ticket", "events": [event_to_document(e) for e in step.events]}))


async def _store(svc: Services, tenant: str, step: TicketStep, *, new: bool = False, extra: dict | None = None,
                 inserted: bool = False) -> Ticket:
    """One step whole or not at all: the unique step insert decides, the snapshot follows."""
    ticket = step.ticket
    if not inserted:
        try:
            await _insert_step(svc, tenant, step)
        except DuplicateKeyError:
            raise Conflict("工单已被他人处理，请刷新后查看最新状态", code="ticket_changed") from None
    doc = {**rules.ticket_to_document(ticket, tenant), **(extra or {})}
    if new:
        await svc.db[TICKETS].insert_one(doc)
    else:
        doc.pop("_id")
        await svc.db[TICKETS].update_one({"_id": f"{tenant}:{ticket.number}", "version": {"$lt": ticket.version}},
                                         {"$set": doc})
    await _after(svc, tenant, ticket)
    return ticket


async def _after(svc: Services, tenant: str, ticket: Ticket) -> None:
    """Derived documents: the working set, the shared rating, the phone index. Idempotent."""
    doc_id = f"{tenant}:{ticket.number}"
    if ticket.state == "closed":
        await svc.db[OPEN].delete_one({"_id": doc_id})
    else:
        await svc.db[OPEN].replace_one({"_id": doc_id}, {
            "tenant": tenant, "number": ticket.number, "state": ticket.state, "type": ticket.reg.type,
            "urgency": ticket.reg.urgency, "summary": ticket.reg.content[:60], "target_kind": ticket.target_kind,
            "target_code": ticket.target_code, "target_name": ticket.target_name, "due_at": ticket.due_at,
            "registered_at": ticket.registered_at, "registered_by": ticket.registered_by_id,
            "supervised_count": ticket.supervised_count}, upsert=True)
    if ticket.satisfaction:
        rating = {"tenant": tenant, "number": ticket.number, "source": "hotline", "level": ticket.satisfaction,
                  "at": ticket.called_back_at, "department": ticket.target_code,
                  "staff": ticket.replied_by_id or ticket.registered_by_id, "ticket_type": ticket.reg.type}
        await svc.db.ratings.replace_one({"_id": doc_id}, rating, upsert=True)
        await supervision.file_rating(svc, {"_id": doc_id, **rating})
    if (ticket.version == 1 or ticket.state == "closed") and is_reference(ticket.reg.caller_phone):
        await casework.index_case(svc, tenant, "ticket_phone", vault.pseudonym_of(ticket.reg.caller_phone),
                                  ticket.number, ticket.registered_at)
    if any(event.type in ("TicketRegistered", "TicketClosed") for event in ticket.events[-3:]):
        await caller_notices.file_notices(svc, tenant, ticket)


async def load(svc: Services, tenant: str, number: str) -> tuple[Ticket, dict]:
    """The ticket and its stored snapshot, catching up steps a dead writer left unapplied."""
    parse_case_number(number)
    doc = await svc.db[TICKETS].find_one({"_id": f"{tenant}:{number}"})
    ticket = rules.ticket_from_document(doc) if doc else None
    moved = False
    while True:
        following = snapshots.unpack(await svc.db.case_steps.find_one(
            {"_id": casework.step_id(tenant, number, (ticket.version if ticket else 0) + 1)}))
        if not following or following.get("kind") != "ticket":
            break
        for event_doc in following["events"]:
            ticket = rules.apply(ticket, event_from_document(event_doc))
        moved = True
    if ticket is None:
        raise NotFound("未找到该工单", code="ticket_not_found")
    if moved:
        log.warning("repairing the snapshot of ticket %s from its stored steps", number)
        fresh = rules.ticket_to_document(ticket, tenant)
        if doc is None:
            try:
                await svc.db[TICKETS].insert_one(fresh)
            except DuplicateKeyError:
                pass
        else:
            fresh.pop("_id")
            await svc.db[TICKETS].update_one({"_id": f"{tenant}:{number}", "version": {"$lt": ticket.version}},
                                             {"$set": fresh})
        await _after(svc, tenant, ticket)
        doc = await svc.db[TICKETS].find_one({"_id": f"{tenant}:{number}"})
    return ticket, doc


# --- the stable API -----------------------------------------------------------------------------


async def register_ticket(svc: Services, tenant: str, principal: dict | None, payload: dict) -> dict:
    """受理: check everything, claim a number from the shared numbering, store the first step."""
    actor = await _actor(svc, principal, (*REGISTER_ROLES, "citizen"), "登记热线工单")
    reg = await _registration(svc, tenant, payload, "000000-20000101-00001")
    if reg.photos and principal is not None:
        await uploads.check_attachable(svc, tenant, list(reg.photos), principal)
    suggestion = await routing.suggest(svc, tenant, reg.content)
    sealed = callers.seal(svc, tenant, reg.caller_phone)
    reg = replace(reg, caller_phone=sealed.refs["caller"])
    rules.register(reg, actor, svc.now())  # every rule checked before a number is claimed
    await vault.keep(svc, sealed)  # the number, encrypted, before the step that refers to it
    org = await tenant_config.org(svc, tenant)
    registered: list[TicketStep] = []

    async def insert_first_step(number: str) -> None:
        registered[:] = [rules.register(replace(reg, number=number), actor, svc.now())]
        await _insert_step(svc, tenant, registered[0])

    number = await numbering.claim(svc, tenant, org.tenant.get("area_code", "000000"), insert_first_step)
    await _store(svc, tenant, registered[0], new=True, extra={"suggestion": _stored_suggestion(suggestion)},
                 inserted=True)
    if reg.photos and principal is not None:
        await uploads.attach(svc, tenant, list(reg.photos), number, principal)
    view = await get_ticket(svc, tenant, number)
    view["suggestion_detail"] = suggestion
    return view


def _stored_suggestion(suggestion: dict) -> dict:
    return {"department": (suggestion["department"] or {}).get("code", ""),
            "township": (suggestion["township"] or {}).get("code", ""),
            "item": (suggestion["item"] or {}).get("code", ""),
            "type": (suggestion["type"] or {}).get("code", ""), "confidence": suggestion["confidence"]}


async def get_ticket(svc: Services, tenant: str, number: str, principal: dict | None = None, *,
                     acted: bool = False) -> dict:
    """The ticket for ``principal`` (None: an internal call); ``acted``: it answers their own step."""
    ticket, doc = await load(svc, tenant, number)
    how = callers.reading(ticket, principal)
    names = await _unit_names(svc, tenant)
    caller = await callers.shown(svc, tenant, ticket, principal, how, acted=acted)
    return ticket_view(ticket, doc, names, svc.now(), caller, unit=how == callers.UNIT)


async def _unit_names(svc: Services, tenant: str) -> dict[str, str]:
    org = await tenant_config.org(svc, tenant)
    names = org.department_names()
    names.update({code: t["name"] for code, t in org.townships.items()})
    return names


async def notify_caller(svc: Services, tenant: str, number: str) -> list[str]:
    """File the texts ticket ``number`` owes its caller (see ``caller_notices``); idempotent."""
    ticket, _ = await load(svc, tenant, number)
    return await caller_notices.file_notices(svc, tenant, ticket)


async def may_read(svc: Services, tenant: str, number: str, principal: dict) -> bool:
    """Whether ``principal`` may read ticket ``number`` (an ``uploads.MATTER_READERS`` entry: its photos)."""
    try:
        ticket, _ = await load(svc, tenant, number)
        callers.reading(ticket, principal)
    except (Forbidden, NotFound):
        return False
    return True


async def caller_history(svc: Services, tenant: str, phone: str) -> list:
    """Earlier tickets and cases of this phone number (or its vault reference), newest first (来电历史)."""
    return await callers.history(svc, tenant, phone)


async def suggest(svc: Services, tenant: str, text: str) -> dict:
    """Routing suggestion for a text (see ``routing.suggest``)."""
    return await routing.suggest(svc, tenant, text)


# --- steps by name ------------------------------------------------------------------------------


async def _limits(svc: Services, tenant: str) -> Limits:
    doc = (await tenant_config.org(svc, tenant)).tenant
    return Limits.from_settings(doc.get("hotline_settings"))


async def _deadlines(svc: Services, tenant: str, ticket: Ticket):
    """Due time by type (working days on the statutory clock; urgent: hours) and the return limit."""
    limits, now = await _limits(svc, tenant), svc.now()
    calendar = await load_calendar(svc, tenant)
    if ticket.reg.urgency == "urgent":
        due = now + timedelta(hours=limits.urgent_hours)
    else:
        due = compute_deadline(calendar, now, limits.days[ticket.reg.type], label="热线工单办理时限").due_at
    back = compute_deadline(calendar, now, limits.return_days, label="退单时限").due_at
    return due, min(back, due) if back and due else back or due


async def _target(svc: Services, tenant: str, body: dict) -> tuple[str, str, str]:
    department, township = _text(body, "department", 40), _text(body, "township", 40)
    if bool(department) == bool(township):
        raise ValidationFailed("请选择一个承办部门或一个乡镇", code="target_required")
    kind, code = ("department", department) if department else ("township", township)
    found = (await tenant_config.org(svc, tenant)).active(f"{kind}s").get(code)
    if not found:
        what = "承办部门" if department else "乡镇"
        raise ValidationFailed(f"{what}“{code}”不存在或不属于本县", code=f"unknown_{kind}")
    return kind, code, found["name"]


async def _dispatch(svc, tenant, ticket, actor, body, doc):
    kind, code, name = await _target(svc, tenant, body)
    due, back = await _deadlines(svc, tenant, ticket)
    step = rules.dispatch(ticket, actor, svc.now(), kind, code, name, due, back, _text(body, "note", 500))
    suggested = (doc.get("suggestion") or {}).get("department", "")
    stored = await _store(svc, tenant, step)
    if kind == "department" and suggested and code != suggested:
        await routing.record_correction(
            svc, tenant, f"{ticket.number}:{step.events[0].seq:06d}", ticket.reg.content, code,
            township=ticket.reg.township, ticket_type=ticket.reg.type, by=actor.staff_id, number=ticket.number,
            suggested=suggested)
    return stored


async def _answer(svc, tenant, ticket, actor, body, doc):
    source = _text(body, "source", 20) or "article"
    entry = await knowledge.find_entry(svc, tenant, source, _text(body, "id", 100))
    return await _store(svc, tenant, rules.answer_on_spot(ticket, actor, svc.now(), source, entry["id"],
                                                           entry["title"], _text(body, "note", 500)))


async def _convert(svc, tenant, ticket, actor, body, doc, principal):
    rules.convert(ticket, actor, svc.now(), "", "")  # the same checks, before a case is opened
    applicant = body.get("applicant") if isinstance(body.get("applicant"), dict) else {}
    caller = await vault.reveal_one(svc, tenant, ticket.reg.caller_phone)
    phone = caller if caller.startswith("1") else _text(applicant, "phone", 11)
    payload = {"item_code": _text(body, "item_code", 80), "township": _text(body, "township", 40) or ticket.reg.township,
               "applicant": {"name": _text(applicant, "name", 100) or ticket.reg.caller_name,
                             "id_number": _text(applicant, "id_number", 18), "phone": phone},
               "form": body.get("form") or {"来电诉求": ticket.reg.content[:2000]},
               "materials": body.get("materials") or [], "links": {"ticket": ticket.number}}
    case, _ = await intake.submit(svc, tenant, principal, payload, idempotency_key=f"hotline-ticket:{ticket.number}")
    return await _store(svc, tenant, rules.convert(ticket, actor, svc.now(), case.number, case.app.item_name))


def _simple(command, *fields):
    async def run(svc, tenant, ticket, actor, body, doc):
        return await _store(svc, tenant, command(ticket, actor, svc.now(), *[_text(body, f, 2000) for f in fields]))
    return run


def _unit_step(command):
    async def run(svc, tenant, ticket, actor, body, doc):
        text = _text(body, "reason", 2000) or _text(body, "text", 2000)
        return await _store(svc, tenant, command(ticket, actor, actor.department, svc.now(), text))
    return run


ACTIONS = {  # name: (who acts, what runs, summary)
    "answer": ("hotline", _answer, "当场答复（引用知识库文章或办事指南）"),
    "dispatch": ("hotline", _dispatch, "派单（承办部门或乡镇，按类型计算办理时限）"),
    "return": ("unit", _unit_step(rules.return_ticket), "承办单位退单（时限内，说明理由）"),
    "reply": ("unit", _unit_step(rules.reply), "承办单位答复"),
    "accept-reply": ("hotline", _simple(rules.accept_reply, "note"), "审核答复通过"),
    "send-back": ("hotline", _simple(rules.send_back, "reason"), "答复退回重办"),
    "supervise": ("hotline", _simple(rules.supervise, "note"), "督办超期工单"),
    "convert": ("hotline", _convert, "办事申请转为办件"),
    "callback": ("hotline", _simple(rules.call_back, "satisfaction", "note"), "回访并记录满意度"),
    "close": ("hotline", _simple(rules.close, "note"), "办结"),
}


async def perform(svc: Services, tenant: str, number: str, principal: dict, action: str, body: dict) -> dict:
    """Run one named step on a ticket and return its view."""
    if action not in ACTIONS:
        raise NotFound("未知的工单操作", code="unknown_action")
    who, run, _ = ACTIONS[action]
    body = body if isinstance(body, dict) else {}
    ticket, doc = await load(svc, tenant, number)
    if who == "unit":
        actor = await _unit_actor(svc, principal)
    else:
        actor = await _actor(svc, principal, HOTLINE_ROLES if action != "convert" else ("operator",), "处理热线工单")
    if action == "convert":
        await _convert(svc, tenant, ticket, actor, body, doc, principal)
    else:
        await run(svc, tenant, ticket, actor, body, doc)
    return await get_ticket(svc, tenant, number, principal, acted=True)


async def _unit_actor(svc: Services, principal: dict) -> Actor:
    unit = unit_of(principal)
    roles = [r for r in UNIT_ROLES if r in principal.get("roles", [])]
    if not unit or not roles:
        raise Forbidden("只有承办部门或乡镇的工作人员可以答复或退单", code="role_not_allowed")
    actor = await casework.staff_actor(svc, principal, roles[0])
    return Actor(actor.staff_id, actor.name, actor.role, actor.post_id, unit)


# --- queues and overdue -------------------------------------------------------------------------


async def queue(svc: Services, tenant: str, principal: dict, mine: bool = False) -> dict:
    """Hotline staff: tickets waiting on the hotline plus overdue ones; a unit: its open tickets."""
    now = svc.now()
    names = await _unit_names(svc, tenant)
    if set(principal.get("roles", [])) & HOTLINE_VIEWERS:
        docs = [d async for d in svc.db[OPEN].find({"tenant": tenant})]
        docs = [d for d in docs if d["state"] in rules.HOTLINE_ACTION_STATES or (d.get("due_at") and d["due_at"] <= now)]
        if mine:
            docs = [d for d in docs if d.get("registered_by") == principal.get("id")]
    else:
        unit = unit_of(principal)
        if not unit:
            raise Forbidden("您的岗位没有热线工单队列", code="role_not_allowed")
        docs = [d async for d in svc.db[OPEN].find({"tenant": tenant, "target_code": unit, "state": "dispatched"})]
    entries = sorted((queue_entry(d, names, now) for d in docs), key=lambda e: (not e["overdue"], e["registered_at"]))
    return {"entries": entries, "overdue": sum(1 for e in entries if e["overdue"])}


async def overdue_numbers(svc: Services, tenant: str) -> list[str]:
    """Tickets still with a unit after their deadline (from ``due_at`` in the working set)."""
    now = svc.now()
    docs = [d async for d in svc.db[OPEN].find({"tenant": tenant, "state": "dispatched"})]
    return sorted(d["number"] for d in docs if d.get("due_at") and d["due_at"] <= now)


async def supervise_overdue(svc: Services, tenant: str) -> int:
    """督办 by the system: every overdue ticket not yet supervised today (China time) gets one 督办 event."""
    done = 0
    today = local_day(svc.now())
    for number in await overdue_numbers(svc, tenant):
        ticket, _ = await load(svc, tenant, number)
        if not ticket.overdue(svc.now()):
            continue
        if ticket.last_supervised_at and local_day(ticket.last_supervised_at) == today:
            continue
        try:
            await _store(svc, tenant, rules.supervise(ticket, SYSTEM, svc.now(), "系统自动督办：工单已超过办理时限"))
            done += 1
        except Conflict:
            pass  # someone acted on it meanwhile; the next round looks again
    return done
