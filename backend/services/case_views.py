"""What people see of a case: the staff view, the citizen's progress page, queues and lists."""

from __future__ import annotations

from backend.domain.case_model import PAUSE_KINDS, PAUSE_LABELS, STATE_LABELS, TASK_LABELS, Case, case_from_document
from backend.domain.case_documents import available_documents
from backend.domain.progress_labels import event_label, public_outcome, state_label
from backend.domain.errors import Forbidden, NotFound
from backend.domain.identity import ID_NUMBER, PHONE, is_reference, mask_id_number, mask_name, mask_phone
from backend.domain.items import DELIVERY_METHODS, KINDS
from backend.domain.numbering import case_id, display_query_code, normalize_query_code
from backend.domain.roles import ROLE_LABELS
from backend.json_text import JsonText, with_field
from backend.services import audit, casework, notifications, progress_cache, tenant_config, vault
from backend.services.context import Services
from backend.store import snapshots, work

CHANNEL_LABELS = {"window": "县政务服务中心窗口", "township_window": "镇便民服务中心窗口", "miniprogram": "阳光365小程序",
                  "proxy": "信息员代办", "hotline": "24小时热线"}
EVENT_LABELS = {
    "CaseSubmitted": "提交申请", "CaseAccepted": "窗口受理", "CaseRejected": "不予受理",
    "SupplementRequested": "一次性告知补正", "ReviewSupplementRequested": "审查中一次性告知补正",
    "CaseResubmitted": "补正后重新提交", "TaskAssigned": "分派部门审批",
    "TaskApproved": "部门审批同意", "TaskRefused": "部门审批不同意", "TaskCancelled": "审批任务撤销",
    "TaskHandedOver": "AB岗顶岗移交", "CasePaused": "暂停计时", "CaseResumed": "恢复计时",
    "CaseApproved": "准予办理", "CaseRefused": "不予办理", "CaseForwarded": "报送上级机关",
    "ReplyRecorded": "登记上级批复", "ResultDispatched": "结果已发出", "ResultDelivered": "已送达，办结",
    "CaseWithdrawn": "申请人撤回", "PaymentRequested": "开具缴款单，等待缴费", "SlipVoided": "缴款单作废并重新开具",
    "FeePaid": "已缴费", "FeeExempted": "已减免", "RefundDue": "应退费", "RefundCompleted": "已退费",
}


def _departments(profile_departments: dict, code: str) -> str:
    return profile_departments.get(code, code)


async def department_names(svc: Services, tenant: str) -> dict[str, str]:
    return (await tenant_config.org(svc, tenant)).department_names()


def _event_view(event, names: dict, public: bool, kind: str = "") -> dict:
    data = dict(event.data)
    label = EVENT_LABELS.get(event.type, event.type)
    label = event_label(kind, event.type, data, label) if public else label
    department = data.get("department")
    if department:
        label = f"{label}（{names.get(department, department)}）"
    if event.type == "CasePaused":
        label = f"{label}（{PAUSE_KINDS.get(data.get('kind'), data.get('kind', ''))}）"
    view = {"seq": event.seq, "type": event.type, "label": label, "at": event.at, "to_state": event.to_state,
            "state_label": state_label(kind if public else "", event.to_state), "reason": event.reason,
            "actor_role": ROLE_LABELS.get(event.actor_role, {"citizen": "申请人", "system": "系统"}.get(event.actor_role, ""))}
    if event.type in ("SupplementRequested", "ReviewSupplementRequested"):
        view["materials"] = [m for m in str(data.get("materials", "")).split("\n") if m]
    if event.type == "ResultDispatched":
        view["tracking_number"] = data.get("tracking_number", "")
    if not public:
        for name, kind in (("applicant_id_number", ID_NUMBER), ("applicant_phone", PHONE)):
            if data.get(name) and not is_reference(data[name]):  # stored before the vault: masked all the same
                data[name] = vault.masked(kind, data[name])
        view.update(actor_id=event.actor_id, actor_name=event.actor_name, actor_post=event.actor_post,
                    hash=event.hash, data=data)
    return view


def _missing(case: Case) -> list[str]:
    if case.state == "supplement_requested":
        return list(case.requested_materials)
    return list(case.missing_materials) if case.state == "review_supplement" else []


def _summary(case: Case, doc: dict, names: dict, staff: bool = False) -> dict:
    app = case.app
    outcome = case.outcome if staff else public_outcome(app.kind, case.state, case.outcome)
    return {
        "number": case.number, "state": case.state, "state_label": state_label(app.kind, case.state, staff),
        "item_code": app.item_code, "item_name": app.item_name, "item_version": app.item_version,
        "kind": app.kind, "kind_label": KINDS.get(app.kind, app.kind),
        "channel": app.channel, "channel_label": CHANNEL_LABELS.get(app.channel, app.channel), "centre": app.centre,
        "departments": [{"code": d, "name": names.get(d, d)} for d in app.departments],
        "promised_days": app.promised_days, "statutory_days": app.statutory_days,
        "submitted_at": case.submitted_at, "accepted_at": case.accepted_at, "decided_at": case.decided_at,
        "delivered_at": case.delivered_at, "due_at": doc.get("due_at"), "due_provisional": doc.get("due_provisional", False),
        "delivery_method": app.delivery_method, "delivery_label": DELIVERY_METHODS.get(app.delivery_method, app.delivery_method),
        "outcome": outcome, "outcome_reason": case.outcome_reason if outcome else "",
        "finished": case.state in ("rejected", "delivered", "withdrawn"), "missing_materials": _missing(case),
    }


async def staff_view(svc: Services, tenant: str, number: str, principal: dict,
                     loaded: tuple[Case, dict] | None = None) -> dict:
    """Everything staff need: applicant, form, materials, tasks, pauses, the full trail.

    ``loaded``: the case and document a step just stored (saves reading them again).
    """
    case, doc = loaded or await casework.load(svc, tenant, number)
    reading = read_scope(principal, case, doc)
    names = await department_names(svc, tenant)
    if reading == "contact" and (case.app.applicant_phone or case.app.applicant_id_number) and not loaded:
        await audit.record(svc, tenant, principal["id"], "case.personal_data_shown", {"number": number})
    return {
        **_summary(case, doc, names, staff=True), "query_code": display_query_code(case.app.query_code),
        "applicant": await _applicant(svc, case, reading),
        "submitted_by": {"id": case.submitted_by_id, "name": case.submitted_by_name, "role": case.submitted_by_role},
        "form": doc.get("form", {}), "materials": doc.get("materials", []), "links": doc.get("links", {}),
        "delivery_address": case.app.delivery_address, "tracking_number": case.tracking_number,
        "higher_authority": case.app.higher_authority, "reply_reference": case.reply_reference,
        "tasks": [{"department": t.department, "department_name": names.get(t.department, t.department), "post": t.post_id,
                   "assignee": t.assignee_id, "state": t.state, "state_label": TASK_LABELS.get(t.state, t.state),
                   "opened_at": t.opened_at, "closed_at": t.closed_at, "decided_by": t.decided_by_name,
                   "opinion": t.opinion} for t in case.tasks],
        "fee": await fee_view(svc, case, with_amounts=True),
        "pauses": [{"kind": p.kind, "kind_label": PAUSE_LABELS.get(p.kind, "补正"), "reason": p.reason,
                    "started_at": p.started_at, "ended_at": p.ended_at} for p in case.pauses],
        "due_explanation": doc.get("due_explanation", ""), "version": case.version,
        "documents": available_documents(case),
        "timeline": [_event_view(e, names, public=False, kind=case.kind) for e in case.events],
    }


async def fee_view(svc: Services, case: Case, with_amounts: bool) -> dict | None:
    """The slip in force: 待缴费 / 已缴费 / 已减免, with its lines and total only for the applicant and staff."""
    if not case.fee_slip:
        return None
    from backend.services import fee_slips

    try:
        doc = await fee_slips.slip_doc(svc, case.app.tenant, case.fee_slip)
    except NotFound:  # a step whose slip was not derived yet: shown as due
        return {"slip": case.fee_slip, "state": "due", "state_label": "待缴费"}
    view = fee_slips.slip_view(doc, await fee_slips.settlement_of(svc, case.app.tenant, case.fee_slip), with_amounts)
    if with_amounts and case.refund_due_fen:
        view.update(refund_due_fen=case.refund_due_fen, refunded=case.refunded_at is not None)
    return view


NOTICE_SENDERS = ("window_clerk", "dept_approver", "centre_manager", "info_officer", "operator")  # may resend


async def notices(svc: Services, tenant: str, number: str, principal: dict) -> dict:
    """The notices sent to the applicant of a case (办件通知记录), for staff who may read the case:
    each with its channel, masked recipient, status, attempts and the reason of a failure."""
    case, doc = await casework.load(svc, tenant, number)
    read_scope(principal, case, doc)
    rows = await notifications.case_notifications(svc, tenant, number, known=True)
    may_resend = bool(set(principal.get("roles", [])) & {*NOTICE_SENDERS, "admin"})
    return {"number": number, "notices": rows, "can_resend": may_resend}


async def resend_notice(svc: Services, tenant: str, number: str, principal: dict, notice: str) -> dict:
    """Send again a notice that failed for good (recorded in the audit trail); the case's notices after it."""
    case, doc = await casework.load(svc, tenant, number)
    read_scope(principal, case, doc)
    await notifications.resend(svc, tenant, number, notice)
    await audit.record(svc, tenant, principal["id"], "case.notice_resent", {"number": number, "notice": notice})
    return {"number": number, "notices": await notifications.case_notifications(svc, tenant, number, known=True),
            "can_resend": True}


def read_scope(principal: dict, case: Case, doc: dict) -> str:
    """How much of a case this staff member may read: ``contact`` (the full phone, to reach the
    applicant: the window of the case's centre, its departments' approvers, the information officer
    who filed it, the operator for a case from a hotline call), ``masked`` (supervisors, centre
    managers, the administrator), or Forbidden."""
    held, me = set(principal.get("roles", [])), principal.get("id")
    centre = principal.get("centre") or "county"
    if ("window_clerk" in held and centre == case.app.centre) or case.submitted_by_id == me or (
            "dept_approver" in held and principal.get("department") in case.app.departments) or (
            "operator" in held and (case.app.channel == "hotline" or (doc.get("links") or {}).get("ticket"))):
        return "contact"
    if held & {"supervisor", "admin"} or ("centre_manager" in held and centre in ("county", case.app.centre)):
        return "masked"
    raise Forbidden("您无权查看该办件", code="case_out_of_scope")


async def _applicant(svc: Services, case: Case, reading: str) -> dict:
    """Name, ID and phone numbers (read from the vault): ID numbers always masked, the rest as ``reading`` allows."""
    refs = (case.app.applicant_phone, case.app.applicant_id_number)
    values = await vault.reveal(svc, case.app.tenant, refs)
    phone, id_number = (values.get(ref, "") for ref in refs)
    return {"name": case.app.applicant_name if reading == "contact" else mask_name(case.app.applicant_name),
            "id_number": mask_id_number(id_number) if id_number else "",
            "phone": (phone if reading == "contact" else mask_phone(phone)) if phone else ""}


PROGRESS_NOT_FOUND = "未找到该办件，请核对办件编号和查询码"


async def progress(svc: Services, tenant: str, number: str, principal: dict | None, query_code: str,
                   loaded: tuple[Case, dict] | None = None) -> dict:
    """The public progress page: the applicant, or anyone with the receipt's query code; masked name only."""
    entry, fee = await _progress_for(svc, tenant, number, principal, query_code, loaded)
    return {**entry.view, "fee": fee}


async def progress_text(svc: Services, tenant: str, number: str, principal: dict | None, query_code: str) -> JsonText:
    """:func:`progress` as the JSON text the API sends: a kept view goes out as it was encoded."""
    entry, fee = await _progress_for(svc, tenant, number, principal, query_code)
    return with_field(entry.body, "fee", fee)


async def _progress_for(svc: Services, tenant: str, number: str, principal: dict | None, query_code: str,
                        loaded: tuple[Case, dict] | None = None) -> tuple[progress_cache.Entry, dict | None]:
    """The page's entry and fee, once the caller is allowed to see it.

    At most one read: the snapshot as stored (a step whose writer died before rewriting the snapshot
    is applied by the next step or staff view of the case; until then the page shows the case as it
    was before that step), or none when this server keeps the view (``progress_cache``).
    """
    cache, key = progress_cache.of(svc), case_id(tenant, number)
    entry = cache.get(key) if cache is not None and loaded is None else None
    if isinstance(entry, progress_cache.Written):  # kept by the step's writer: rendered once, here
        stored = entry.as_read()
        doc = snapshots.unpack(stored)
        entry = await _progress_entry(svc, entry.stamp, case_from_document(doc), doc, until=entry.until,
                                      fingerprint=snapshots.fingerprint(stored))
        cache.put(key, entry)
    if entry is not None:
        progress_cache.observe("kept")
    else:
        entry = await _read_entry(svc, cache, key, tenant, number, loaded)
    own = principal and principal.get("kind") == "citizen" and (
        principal["id"] == entry.applicant_openid
        or await svc.db.case_index.find_one({"_id": f"{tenant}:openid:{principal['id']}:{number}"}))
    staff = principal and principal.get("kind") == "staff" and principal["tenant"] == tenant
    if not (own or staff or (query_code and normalize_query_code(query_code) == entry.query_code)):
        raise NotFound(PROGRESS_NOT_FOUND, code="case_not_found")
    fee = await fee_view(svc, entry.fee_case, with_amounts=bool(own)) if entry.fee_case is not None else None
    return entry, fee


async def _read_entry(svc: Services, cache: progress_cache.ProgressCache | None, key: str, tenant: str, number: str,
                      loaded: tuple[Case, dict] | None) -> progress_cache.Entry:
    """The entry from the stored snapshot (or ``loaded``, the case the caller has read): the one kept
    past its time when the store still holds what it was rendered from, else rendered now."""
    stamp = cache.stamp(key) if cache is not None else 0  # before the read: a write after it moves it
    stored = fingerprint = None
    if loaded is None:
        past = cache.renewable(key) if cache is not None else None
        stored = await snapshots.read_stored(svc.db.cases, key)
        fingerprint = snapshots.fingerprint(stored)
        if past is not None and past.stamp == stamp and past.fingerprint == fingerprint \
                and past.org_token == (await tenant_config.tokens(svc, tenant))["org"]:
            progress_cache.observe("renewed")
            return cache.renew(key, past)
    progress_cache.observe("read")
    doc = snapshots.unpack(stored)
    try:
        case, doc = loaded or ((case_from_document(doc), doc) if doc else
                               await casework.load(svc, tenant, number, catch_up=False))
    except NotFound:  # one answer whether the number exists or not: no guessing which numbers do
        raise NotFound(PROGRESS_NOT_FOUND, code="case_not_found") from None
    entry = await _progress_entry(svc, stamp, case, doc, kept=cache is not None, fingerprint=fingerprint)
    if cache is not None:
        cache.put(key, entry)
    return entry


async def _progress_entry(svc: Services, stamp: int, case: Case, doc: dict, kept: bool = True,
                          until: float | None = None, fingerprint: bytes | None = None):
    """What the progress page keeps of a snapshot (``kept`` False: for this request only)."""
    org_token = (await tenant_config.tokens(svc, case.app.tenant))["org"]  # before the names are read
    fields = dict(query_code=case.app.query_code, applicant_openid=case.app.applicant_openid,
                  view=await _public_view(svc, case, doc), fee_case=case if case.fee_slip else None,
                  fingerprint=fingerprint, org_token=org_token)
    return progress_cache.of(svc).entry(stamp, until=until, **fields) if kept else progress_cache.entry(stamp, **fields)


async def _public_view(svc: Services, case: Case, doc: dict) -> dict:
    """What anyone allowed to see the progress page sees, but the fee."""
    names = await department_names(svc, case.app.tenant)
    masked = case.app.applicant_phone_masked  # cases from before it was kept: read from the vault
    if not masked and case.app.applicant_phone:
        masked = mask_phone(await vault.reveal_one(svc, case.app.tenant, case.app.applicant_phone))
    return {**_summary(case, doc, names), "applicant_name": mask_name(case.app.applicant_name),
            "applicant_phone": masked,
            "timeline": [_event_view(e, names, public=True, kind=case.kind) for e in case.events]}


async def claim_for_citizen(svc: Services, tenant: str, number: str, principal: dict, query_code: str) -> dict:
    """Scanning the receipt's QR code adds the case to the citizen's list (needs the query code)."""
    view = await progress(svc, tenant, number, None, query_code)
    await casework.index_case(svc, tenant, "openid", principal["id"], number, svc.now())
    return view


async def my_cases(svc: Services, tenant: str, principal: dict, page: int, page_size: int) -> dict:
    """A citizen's cases (their own and those claimed with a receipt), newest first; or a staff member's submissions."""
    kind = "openid" if principal.get("kind") == "citizen" else "submitter"
    numbers = await casework.indexed_numbers(svc, tenant, kind, principal["id"])
    chosen = numbers[(page - 1) * page_size: page * page_size]
    names = await department_names(svc, tenant)
    docs = await snapshots.read_many(svc.db.cases, [f"{tenant}:{n}" for n in chosen])
    items = []
    for n in chosen:
        doc = docs.get(f"{tenant}:{n}")
        if doc:
            from backend.domain import cases

            items.append(_summary(cases.case_from_document(doc), doc, names))
    return {"items": items, "total": len(numbers), "page": page, "page_size": page_size}


async def task_queue(svc: Services, tenant: str, principal: dict) -> dict:
    """The department's open tasks (working set only), the caller's own first, oldest first."""
    department = principal.get("department", "")
    everyone = {"centre_manager", "admin", "supervisor"} & set(principal["roles"]) and not department
    prefix = casework.task_key(tenant, "", "")[:-1] if everyone else casework.task_key(tenant, department, "")
    tasks = await work.read_prefix(svc.db, prefix)
    tasks.sort(key=lambda t: (t.get("assignee") != principal["id"], t["opened_at"]))
    return {"tasks": [{k: v for k, v in t.items() if k != "_id"} for t in tasks], "total": len(tasks)}


async def intake_queue(svc: Services, tenant: str, principal: dict) -> dict:
    """Online and proxy submissions waiting for this centre's window (待受理 / 待补正)."""
    centre = principal.get("centre") or "county"
    everywhere = centre == "county" and "centre_manager" in principal["roles"]
    prefix = casework.intake_key(tenant, "", "")[:-1] if everywhere else casework.intake_key(tenant, centre, "")
    entries = await work.read_prefix(svc.db, prefix)
    entries.sort(key=lambda e: e["submitted_at"])
    for entry in entries:
        entry.pop("_id")
        entry["state_label"] = STATE_LABELS.get(entry["state"], entry["state"])
        entry["channel_label"] = CHANNEL_LABELS.get(entry["channel"], entry["channel"])
    return {"entries": entries, "total": len(entries)}


async def receipt_view(svc: Services, tenant: str, number: str, principal: dict) -> tuple[dict, dict]:
    """(case_view for the window documents, tenant document): receipt, supplement and rejection notices."""
    from backend.domain.items import MATERIAL_FORMS

    view = await staff_view(svc, tenant, number, principal)
    case, doc = await casework.load(svc, tenant, number)
    acting = next((e for e in reversed(case.events) if e.actor_role == "window_clerk"), case.events[0])
    org = await tenant_config.org(svc, tenant)
    post = org.posts.get(acting.actor_post) if acting.actor_post else None
    last = case.events[-1]
    materials = [{"name": m["name"], "form_label": MATERIAL_FORMS.get(m.get("form", ""), "原件或复印件"),
                  "copies": m.get("copies", 1)} for m in doc.get("materials", [])]
    return {
        "number": number, "query_code": case.app.query_code, "item_name": case.app.item_name,
        "item_version": case.app.item_version, "kind": case.kind, "applicant_name": case.app.applicant_name,
        "applicant_phone": await vault.reveal_one(svc, tenant, case.app.applicant_phone), "channel_label": view["channel_label"],
        "accepted_at": case.accepted_at, "due_at": doc.get("due_at"), "promised_days": case.app.promised_days,
        "delivery_method_label": view["delivery_label"], "materials": materials,
        "clerk_name": acting.actor_name, "post_name": (post or {}).get("name", ""),
        "missing_materials": list(case.requested_materials), "reason": last.reason, "issued_at": last.at,
    }, org.tenant
