"""Intake (一窗受理): one number per matter, from any channel, exactly once per submission.

A submission is checked whole before anything is written, including what the submitter may do
with it (a window clerk's ``accept``: at the window, submitting, accepting and dispatching the
departments' tasks are one stored step). The number is claimed by inserting that first step
(:mod:`backend.services.numbering`), so numbers are unique and have no gaps. The applicant's ID
and phone numbers are kept in the vault (:mod:`backend.services.vault`) just before that insert;
the case holds references to them.

A submission with an ``Idempotency-Key`` records the key first (``idempotency/{tenant}:{hash}``,
an insert naming the number about to be claimed), and its first step records the key. A retry
with the same key finds that number: if the case is there (or only its first step, which is then
repaired) it is answered; if the first attempt died before storing anything, the retry takes the
key over and submits afresh, so the citizen is never stuck and never gets two cases.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from backend.domain import cases, fees
from backend.domain.case_model import Application, Case
from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.domain.identity import ID_NUMBER, PHONE, mask_phone, validate_id_number, validate_mobile
from backend.domain.numbering import new_query_code
from backend.services import casework, catalog, numbering, tenant_config, uploads, vault
from backend.services.context import Services

CHANNEL_FOR_ROLE = {"window_clerk": "window", "info_officer": "proxy", "operator": "hotline"}
MAX_FORM_FIELDS = 60
STALE_CLAIM = timedelta(seconds=10)  # a first attempt this old that stored nothing has died


def _text(payload: dict, key: str, limit: int = 200) -> str:
    value = payload.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, (str, int)):
        raise ValidationFailed(f"字段 {key} 格式不正确", code="bad_field")
    value = str(value).strip()
    if len(value) > limit:
        raise ValidationFailed(f"字段 {key} 过长（上限 {limit} 字）", code="field_too_long")
    return value


def parse_applicant(payload: dict) -> dict:
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict):
        raise ValidationFailed("请填写申请人信息", code="applicant_required")
    name = _text(applicant, "name", 100)
    if not name:
        raise ValidationFailed("请填写申请人姓名或名称", code="applicant_required")
    id_number = _text(applicant, "id_number", 18).upper()
    if id_number:
        validate_id_number(id_number)
    phone = _text(applicant, "phone", 11)
    if phone:
        validate_mobile(phone)
    return {"name": name, "id_number": id_number, "phone": phone}


def parse_form(payload: dict) -> dict:
    form = payload.get("form") or {}
    if not isinstance(form, dict) or len(form) > MAX_FORM_FIELDS:
        raise ValidationFailed("申请表内容格式不正确", code="bad_form")
    clean = {}
    for key, value in form.items():
        if not isinstance(key, str) or not key or "." in key or key.startswith("$") or len(key) > 50:
            raise ValidationFailed(f"申请表字段名“{key}”不合法", code="bad_form")
        if not isinstance(value, (str, int, float, bool)) and value is not None:
            raise ValidationFailed(f"申请表字段“{key}”只能填写文字或数字", code="bad_form")
        clean[key] = value if not isinstance(value, str) else value.strip()[:2000]
    return clean


def parse_materials(payload: dict) -> list[dict]:
    materials = payload.get("materials") or []
    if not isinstance(materials, list) or len(materials) > 100:
        raise ValidationFailed("申请材料格式不正确", code="bad_materials")
    out = []
    for entry in materials:
        if not isinstance(entry, dict) or not _text(entry, "name", 200):
            raise ValidationFailed("每份申请材料须有名称", code="bad_materials")
        out.append({"name": _text(entry, "name", 200), "file_id": _text(entry, "file_id", 100),
                    "copies": int(entry.get("copies") or 1) if str(entry.get("copies") or 1).isdigit() else 1,
                    "received": bool(entry.get("received", True))})
    return out


def parse_links(payload: dict) -> dict:
    """Where the case came from besides its channel, e.g. {"ticket": hotline number}; flat strings only."""
    links = payload.get("links") or {}
    if not isinstance(links, dict) or len(links) > 5 or not all(
            isinstance(k, str) and k.isidentifier() and isinstance(v, str) and len(v) <= 80 for k, v in links.items()):
        raise ValidationFailed("关联信息格式不正确", code="bad_links")
    return links


def _digest(form: dict, materials: list[dict]) -> str:
    canonical = json.dumps({"form": form, "materials": materials}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _channel_and_actor(svc: Services, principal: dict):
    if principal.get("kind") == "citizen":
        return "miniprogram", casework.citizen_actor(principal)
    roles = [r for r in CHANNEL_FOR_ROLE if r in principal.get("roles", [])]
    if not roles:
        raise Forbidden("您的岗位不能提交办件申请")
    role = roles[0]
    actor = await casework.staff_actor(svc, principal, role)
    channel = CHANNEL_FOR_ROLE[role]
    if channel == "window" and principal.get("centre") not in ("", "county"):
        channel = "township_window"
    return channel, actor


def _centre(item, channel: str, principal: dict, payload: dict) -> str:
    """County items are handled at the county centre; township items at a township centre that offers them."""
    if item.level != "township":
        if channel == "township_window":
            raise Forbidden("该事项由县政务服务中心办理，镇便民服务中心不能受理", code="wrong_centre")
        return "county"
    town = principal.get("centre") if channel == "township_window" else _text(payload, "township", 40)
    if town not in item.townships:
        raise ValidationFailed("请选择可办理该事项的镇便民服务中心", code="township_required")
    return town


def _check_centre(org, centre: str, item) -> None:
    """The centre is in use and, when it names the items it accepts (可受理事项), names this one."""
    doc = org.centres.get(centre)
    if not doc or not doc.get("active", True):
        raise ValidationFailed("该服务中心未设立或已停用，不能受理", code="centre_inactive")
    if doc.get("items") and item.code not in doc["items"]:
        raise Forbidden(f"{doc.get('name', centre)}不受理该事项", code="item_not_accepted_here")


async def submit(svc: Services, tenant: str, principal: dict, payload: dict, idempotency_key: str = "",
                 accept: bool = False) -> tuple[Case, dict]:
    """Open a case from any channel; with an idempotency key, a retried submission creates one case.

    ``accept`` (a window clerk registering an application in front of the applicant): accepted on
    the spot and, unless decided at the window, its departments' tasks dispatched, in the same step.
    Returns the case and its stored document.
    """
    if not isinstance(payload, dict):
        raise ValidationFailed("请求内容应为 JSON 对象")
    item_code = _text(payload, "item_code", 80)
    if not item_code:
        raise ValidationFailed("请选择办理事项", code="item_required")
    item = await catalog.published_item(svc, tenant, item_code)
    channel, actor = await _channel_and_actor(svc, principal)
    if accept and actor.role != "window_clerk":
        raise Forbidden("只有窗口工作人员可以当场受理", code="role_not_allowed")
    applicant = parse_applicant(payload)
    if channel in ("miniprogram", "proxy") and not applicant["phone"]:
        raise ValidationFailed("网上申请和代办须填写申请人手机号码，便于通知办理进度", code="phone_required")
    form, materials, links = parse_form(payload), parse_materials(payload), parse_links(payload)
    if item.fees:
        fees.slip_lines(item.fees, form)  # the facts the fee standard needs are on the form (计费信息)
    delivery = payload.get("delivery") if isinstance(payload.get("delivery"), dict) else {}
    method = _text(delivery, "method", 20) or "window"
    if method not in item.delivery_methods and item.delivery_methods:
        raise ValidationFailed("该事项不支持所选的送达方式", code="bad_delivery_method")
    org = await tenant_config.org(svc, tenant)
    centre = _centre(item, channel, principal, payload)
    _check_centre(org, centre, item)
    file_ids = [m["file_id"] for m in materials if m["file_id"]]
    if file_ids:
        await uploads.check_attachable(svc, tenant, file_ids, principal)
    posts = await casework.approval_posts(svc, tenant, _departments(item)) if accept and item.kind != "immediate" else {}
    sealed = vault.seal(svc, tenant, {"phone": (PHONE, applicant["phone"]), "id_number": (ID_NUMBER, applicant["id_number"])})

    def application(number: str) -> Application:
        return Application(
            tenant=tenant, number=number, query_code=query_code, item_code=item.code, item_name=item.name,
            kind=item.kind, channel=channel, applicant_name=applicant["name"], applicant_id_number=sealed.refs["id_number"],
            applicant_phone=sealed.refs["phone"], departments=tuple(_departments(item)), delivery_method=method,
            delivery_address=_text(delivery, "address", 200), item_version=item.version,
            promised_days=item.promised_days, statutory_days=item.statutory_days, higher_authority=item.report_to,
            applicant_openid=principal["id"] if channel == "miniprogram" else "", centre=centre,
            form_digest=_digest(form, materials), fee_stage=item.fee_stage if item.fees else "",
            applicant_phone_masked=mask_phone(applicant["phone"]) if applicant["phone"] else "")

    def first_step(number: str):
        now = svc.now()
        step = cases.submit(application(number), actor, now)
        if accept:
            step = step.then(cases.accept(step.case, actor, now))
            if step.case.state == "accepted" and item.kind != "immediate":
                step = step.then(cases.start_review(step.case, actor, now, posts))
        return step

    kept: list = []

    async def prepare(number: str):
        """The first step under ``number``: every rule checked before anything is written, then the
        encrypted values kept (once), before the step that refers to them. A refused step raises here,
        while nothing is written and the number is handed back (``numbering.claim``)."""
        step = first_step(number)
        if not kept:
            await vault.keep(svc, sealed)
            kept.append(True)
        return step

    query_code = new_query_code()
    extra = {"form": form, "materials": materials, "links": links, "item_department": item.department}
    if idempotency_key:
        case_and_doc = await _submit_once(svc, tenant, principal, idempotency_key, org, prepare, extra)
    else:
        stored: list = []

        async def insert(number: str) -> None:
            stored[:] = [await prepare(number)]
            await casework.insert_step(svc, stored[0])

        await numbering.claim(svc, tenant, _area_code(org), insert)
        case_and_doc = await casework.store_new(svc, stored[0], extra)
    if file_ids:
        case = case_and_doc[0]
        await uploads.attach(svc, tenant, file_ids, case.number, principal, applicant_id=case.app.applicant_openid)
    return case_and_doc


def _departments(item) -> list[str]:
    return [r.code for r in item.joint_departments] if item.kind == "joint" else [item.department]


def _area_code(org) -> str:
    return org.tenant.get("area_code", "000000")


def _key_id(tenant: str, key: str) -> str:
    return f"{tenant}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


class _KeyTaken(Exception):
    """The idempotency key belongs to an earlier attempt."""


async def _submit_once(svc: Services, tenant: str, principal: dict, key: str, org, prepare, extra: dict):
    """Submit under an idempotency key: exactly one case per key, whatever crashes or retries.
    ``await prepare(number)`` makes the first step (raising when a rule refuses it) before the key is noted."""
    if len(key) > 200:
        raise ValidationFailed("Idempotency-Key 过长", code="bad_idempotency_key")
    doc_id = _key_id(tenant, key)
    for _ in range(50):
        stored: list = []
        recorded = {"inserted": False}

        async def insert(number: str) -> None:
            stored[:] = [await prepare(number)]
            await _record_key(svc, tenant, doc_id, principal, number, recorded)
            try:
                await casework.insert_step(svc, stored[0], idempotency_key=doc_id)
            except DuplicateKeyError:
                taken = await svc.db.case_steps.find_one({"_id": numbering.first_step_id(tenant, number)},
                                                         {"idempotency_key": 1})
                if taken and taken.get("idempotency_key") == doc_id:  # a stalled first attempt stored it
                    raise _KeyTaken() from None
                raise

        try:
            await numbering.claim(svc, tenant, _area_code(org), insert)
            return await casework.store_new(svc, stored[0], extra)
        except _KeyTaken:
            found = await _earlier_attempt(svc, tenant, doc_id, principal)
            if found:
                return found
        await asyncio.sleep(0.1)
    raise Conflict("相同的申请正在处理中，请稍后查看“我的办件”", code="submission_in_progress")


async def _record_key(svc: Services, tenant: str, doc_id: str, principal: dict, number: str, recorded: dict) -> None:
    """Note the number about to be claimed under the key (insert first; later tries update it)."""
    if recorded["inserted"]:
        await svc.db.idempotency.update_one({"_id": doc_id, "owner": principal["id"]}, {"$set": {"number": number}})
        return
    try:
        await svc.db.idempotency.insert_one({"_id": doc_id, "tenant": tenant, "owner": principal["id"],
                                             "number": number, "created_at": svc.now()})
    except DuplicateKeyError:
        raise _KeyTaken() from None
    recorded["inserted"] = True


async def _earlier_attempt(svc: Services, tenant: str, doc_id: str, principal: dict) -> tuple[Case, dict] | None:
    """The case an earlier attempt with this key stored (repaired if it stopped half-way), or None
    when that attempt left nothing and the key was taken over for this one."""
    doc = await svc.db.idempotency.find_one({"_id": doc_id})
    if doc is None:
        return None
    if doc["owner"] != principal["id"]:
        raise Conflict("该幂等键已被使用", code="idempotency_key_reused")
    first = await svc.db.case_steps.find_one({"_id": numbering.first_step_id(tenant, doc["number"])},
                                             {"idempotency_key": 1}) if doc.get("number") else None
    if first is not None and first.get("idempotency_key") == doc_id:
        try:
            return await casework.load(svc, tenant, doc["number"])
        except NotFound:
            return None
    if doc["created_at"] < svc.now() - STALE_CLAIM:  # the first attempt died before storing: take the key over
        await svc.db.idempotency.delete_one({"_id": doc_id, "created_at": doc["created_at"]})
    return None
