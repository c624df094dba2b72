"""When a case can be rated (评价环节), who answers for each stage, and what a stored step files for it.

A ``casework.DERIVERS`` entry (:func:`on_step`): when a step brings a case to a stage the tenant
rates (acceptance, completion), it files a timer ``{number}:rating:{stage}`` (kind ``satisfaction``)
at the end of the rating window, when the sweep applies the tenant's default rating unless the
citizen rated first (the rating's unique ``_id`` decides), and, for an applicant with a phone who did
not apply through the mini-program, an SMS inviting a rating through a short link
(``case_index/{token}``, kind ``rating_link``, sent by the notification worker as template ``rating``).

The links live beside the person index (``case_index``) rather than in a collection of their own:
both are keys that lead a caller to a case, and a step's derived writes cost the driver and the
store one insert command per collection (migration 0008). A token (URL-safe base64) never holds a
``:``, so it cannot meet a person-index key (``{tenant}:{kind}:{key}:{number}``).

Stages: ``accepted`` is reached when the window accepts the case; ``finished`` when it is delivered
(办结) or refused at the window (不予受理). Immediate items are rated once, at completion (tenant
rules, :class:`backend.domain.satisfaction.Rules`).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from backend.domain import satisfaction as sat
from backend.domain.case_model import Case
from backend.domain.clock import to_shanghai
from backend.services import notifications, supervision, tenant_config
from backend.services.context import Services
from backend.store import timers

TIMER_KIND = "satisfaction"
LINKS = "case_index"  # rating links beside the person index (migration 0008)
LINK_KIND = "rating_link"
SMS_TEMPLATE = "rating"


async def rules(svc: Services, tenant: str) -> sat.Rules:
    """The tenant's rating rules (``tenant_settings.satisfaction``), defaults where unset."""
    return sat.rules_from((await tenant_config.org(svc, tenant)).settings.get("satisfaction"))


def reached(case: Case, stage: str) -> bool:
    if stage == "accepted":
        return case.accepted_at is not None
    return case.state in ("delivered", "rejected")


def reached_at(case: Case, stage: str) -> datetime | None:
    if not reached(case, stage):
        return None
    return case.accepted_at if stage == "accepted" else case.closed_at


def window_department(case: Case) -> str:
    return "zwfw" if case.app.centre == "county" else case.app.centre


def attribution(case: Case, stage: str, org: tenant_config.Org) -> dict:
    """The post, staff member, department and township a rating of ``stage`` is counted for."""
    staff_id, name, post = supervision.accepting_actor(case)
    if stage == "finished":
        for event in reversed(case.events):
            if event.actor_role == "window_clerk":
                staff_id, name, post = event.actor_id, event.actor_name, event.actor_post
                break
    department = window_department(case)
    if stage == "finished" and case.app.departments:
        department = case.app.departments[0]
    staff_key = staff_id.split(":", 1)[-1] if staff_id else ""
    return {"post": post or org.post_of(staff_id), "staff": staff_id, "staff_name": name or
            (org.staff.get(staff_id) or org.staff.get(staff_key) or {}).get("name", ""),
            "department": department, "township": "" if case.app.centre == "county" else case.app.centre}


def rateable_stages(case: Case, rules: sat.Rules) -> list[str]:
    return [stage for stage in rules.stages_for(case.kind) if reached(case, stage)]


def timer_key(number: str, stage: str) -> str:
    return f"{number}:rating:{stage}"


async def on_step(svc: Services, effects) -> None:
    """File the default-rating timer and the SMS invitation of every stage this step reached."""
    case, tenant = effects.case, effects.tenant
    tenant_rules = await rules(svc, tenant)
    for stage in rateable_stages(case, tenant_rules):
        if effects.before is not None and reached(effects.before, stage) and not effects.repair:
            continue
        at = reached_at(case, stage) or effects.now
        timers.plan_schedule(effects.work, tenant, sat.default_due(at, tenant_rules), timer_key(case.number, stage),
                             TIMER_KIND, {"number": case.number, "stage": stage, "action": "default"},
                             not_before=effects.now, new=not effects.repair)  # first reached: never filed
        if case.app.applicant_phone and case.app.channel != "miniprogram":
            _invite_by_sms(svc, effects, case, stage, tenant_rules)


def _invite_by_sms(svc: Services, effects, case: Case, stage: str, tenant_rules: sat.Rules) -> None:
    tenant, now = effects.tenant, effects.now
    token = secrets.token_urlsafe(9)
    effects.insert(LINKS, {"_id": token, "kind": LINK_KIND, "tenant": tenant, "number": case.number, "stage": stage,
                           "created_at": now,
                           "expires_at": sat.default_due(reached_at(case, stage) or now, tenant_rules)})
    link = f"{svc.settings.public_url.rstrip('/')}/m/rate/{token}"
    notifications.plan(effects, {
        "_id": f"{tenant}:{case.number}:rating-{stage}", "tenant": tenant, "case_number": case.number,
        "event_seq": case.version, "event_type": "RatingInvited", "channel": "sms", "to": case.app.applicant_phone,
        "template": SMS_TEMPLATE, "params": {
            "item": notifications.short(case.app.item_name), "number": case.number,
            "state": f"{sat.STAGES[stage]}环节请评价", "note": "点击链接评价", "link": link,
            "time": to_shanghai(now).strftime("%Y-%m-%d %H:%M"), "due": ""},
        "attempts": 0, "next_attempt_at": now, "claimed_until": None, "last_error": "", "created_at": now,
        "fallback_phone": ""})
