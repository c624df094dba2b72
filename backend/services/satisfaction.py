"""Ratings (好差评) of a case: one per stage, from the mini-program, the window pad, an SMS link, or by default.

Every rating is ONE document ``ratings/{tenant}:{number}:{stage}`` (hotline callbacks keep
``{tenant}:{number}``, survey callbacks ``{tenant}:{number}:survey:{sample}``), so the reports keep
one satisfaction figure over every source. Inserting it decides: a second rating of the same stage
collides with the first and is refused (docs/decisions/0007). Every check (the case is the
citizen's, the stage is rated and reached, the rating window is open, the level and reasons are
known) runs before the insert, so refused input writes nothing. A bad review (不满意, 非常不满意)
opens its rectification task (:mod:`backend.services.rectification`).

The tenant's default rating is written by the supervision sweep when a stage's timer falls due
(:func:`on_timers`, registered in ``supervision_sweep.TIMER_HANDLERS``); it is marked ``default``
and shown apart in every figure.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from backend.domain import satisfaction as sat
from backend.domain.case_model import Case
from backend.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.domain.identity import mask_name
from backend.services import audit, casework, rating_stages, rectification, supervision, supervision_sweep, tenant_config
from backend.services.context import Services

log = logging.getLogger("sunshine.satisfaction")

RATINGS = "ratings"
TIMER_KIND = rating_stages.TIMER_KIND


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def rating_view(doc: dict) -> dict:
    score = sat.score_of(doc)
    return {"id": doc["_id"], "number": doc.get("number", ""), "stage": doc.get("stage", ""),
            "stage_label": sat.STAGES.get(doc.get("stage", ""), "回访"), "score": score,
            "level": sat.LEVELS.get(score, doc.get("level", "")), "reasons": doc.get("reasons", []),
            "text": doc.get("text", ""), "source": doc.get("source", ""),
            "source_label": sat.SOURCES.get(doc.get("source", ""), doc.get("source", "")),
            "default": bool(doc.get("default")), "at": doc.get("at"), "post": doc.get("post", ""),
            "staff_name": doc.get("staff_name", ""), "department": doc.get("department", "")}


async def _check_stage(svc: Services, case: Case, stage: str, rules: sat.Rules, *, default: bool = False) -> None:
    label = sat.STAGES.get(stage)
    if label is None or stage not in rules.stages_for(case.kind):
        raise ValidationFailed(f"该办件不设“{label or stage}”环节评价", code="stage_not_rated")
    at = rating_stages.reached_at(case, stage)
    if at is None:
        raise Conflict(f"该办件尚未{label}，暂不能评价这一环节", code="stage_not_reached")
    if not default and svc.now() >= sat.default_due(_aware(at), rules):
        raise Conflict(f"评价期限已过：{label}后 {rules.window_days} 天内可以评价，逾期按默认评价计",
                       code="rating_window_closed")


async def record(svc: Services, case: Case, stage: str, score, reasons, text: str, source: str, *,
                 by: str, post: str | None = None, staff: str | None = None, staff_name: str | None = None,
                 default: bool = False, at: datetime | None = None) -> dict:
    """Check, then insert the rating (the ``_id`` decides); a bad review opens its rectification."""
    tenant = case.app.tenant
    rules = await rating_stages.rules(svc, tenant)
    await _check_stage(svc, case, stage, rules, default=default)
    score, reasons, text = (score, [], "") if default else sat.check_rating(score, list(reasons or []), text)
    org = await tenant_config.org(svc, tenant)
    where = rating_stages.attribution(case, stage, org)
    if post is not None:
        where.update(post=post, staff=staff or "", staff_name=staff_name or "")
    doc = {"_id": sat.rating_id(tenant, case.number, stage), "tenant": tenant, "number": case.number, "stage": stage,
           "source": source, "score": score, "level": sat.level_label(score), "reasons": reasons, "text": text,
           "default": default, "at": at or svc.now(), "item_code": case.app.item_code,
           "item_name": case.app.item_name, "kind": case.kind, "centre": case.app.centre, "rated_by": by, **where}
    try:
        await svc.db[RATINGS].insert_one(doc)
    except DuplicateKeyError:
        await _file_stored(svc, doc["_id"])  # its day copy, should a crash have come between the two
        raise Conflict(f"该办件的“{sat.STAGES[stage]}”环节已经评价过，不能重复评价", code="already_rated") from None
    await supervision.file_rating(svc, doc)
    if sat.is_bad(score) and not default:
        await rectification.open_for(svc, doc, rules)
    return rating_view(doc)


async def _file_stored(svc: Services, rating_id: str) -> None:
    stored = await svc.db[RATINGS].find_one({"_id": rating_id})
    if stored is not None:
        await supervision.file_rating(svc, stored)


# -- the citizen's own case (mini-program) --------------------------------------------------

async def own_case(svc: Services, tenant: str, number: str, principal: dict) -> Case:
    """The case, if it is the signed-in citizen's (applied, or claimed with the receipt's code)."""
    try:
        case, _ = await casework.load(svc, tenant, number, catch_up=False)
    except NotFound:
        raise NotFound("未找到该办件，请核对办件编号", code="case_not_found") from None
    mine = principal.get("kind") == "citizen" and (
        principal["id"] == case.app.applicant_openid
        or await svc.db.case_index.find_one({"_id": f"{tenant}:openid:{principal['id']}:{number}"}))
    if not mine:
        raise Forbidden("只能评价本人的办件", code="not_your_case")
    return case


async def stages_view(svc: Services, case: Case) -> dict:
    """Each rated stage of a case: reached or not, rated or not, until when, the rating and its rectification."""
    tenant = case.app.tenant
    rules = await rating_stages.rules(svc, tenant)
    ids = [sat.rating_id(tenant, case.number, s) for s in rules.stages_for(case.kind)]
    found = {d["_id"]: d for d in await svc.db[RATINGS].find({"_id": {"$in": ids}}).to_list(None)}
    tasks = {d["_id"]: d for d in await svc.db[rectification.TASKS].find({"_id": {"$in": ids}}).to_list(None)}
    stages = []
    for stage, ident in zip(rules.stages_for(case.kind), ids):
        at = rating_stages.reached_at(case, stage)
        due = sat.default_due(_aware(at), rules) if at else None
        doc = found.get(ident)
        stages.append({"stage": stage, "label": sat.STAGES[stage], "reached": at is not None, "due_at": due,
                       "rated": doc is not None, "can_rate": doc is None and due is not None and svc.now() < due,
                       "rating": rating_view(doc) if doc else None,
                       "rectification": rectification.citizen_view(tasks[ident]) if ident in tasks else None})
    return {"number": case.number, "item_name": case.app.item_name, "kind": case.kind, "stages": stages,
            "window_days": rules.window_days, **choices()}


def choices() -> dict:
    return {"levels": [{"score": s, "label": label} for s, label in sat.LEVELS.items()],
            "good_reasons": list(sat.GOOD_REASONS), "bad_reasons": list(sat.BAD_REASONS)}


async def citizen_stages(svc: Services, tenant: str, number: str, principal: dict) -> dict:
    return await stages_view(svc, await own_case(svc, tenant, number, principal))


async def rate_by_citizen(svc: Services, tenant: str, number: str, principal: dict, body: dict) -> dict:
    case = await own_case(svc, tenant, number, principal)
    return await record(svc, case, body["stage"], body["level"], body.get("reasons"), body.get("text", ""),
                        "miniprogram", by=f"citizen:{principal['id']}")


async def appeal_by_citizen(svc: Services, tenant: str, number: str, stage: str, principal: dict, reason: str) -> dict:
    """The citizen appeals the outcome of their bad review's rectification (once)."""
    await own_case(svc, tenant, number, principal)
    return rectification.citizen_view(
        await svc.db[rectification.TASKS].find_one({"_id": (await rectification.appeal(
            svc, tenant, number, stage, f"citizen:{principal['id']}", reason))["id"]}))


# -- the SMS link ---------------------------------------------------------------------------

async def _link(svc: Services, token: str) -> tuple[dict, Case]:
    doc = await svc.db[rating_stages.LINKS].find_one({"_id": token}) if token and len(token) <= 40 else None
    if doc is None or doc.get("kind") != rating_stages.LINK_KIND:  # a person-index key is not a link
        raise NotFound("评价链接无效，请核对短信中的链接", code="rating_link_not_found")
    case, _ = await casework.load(svc, doc["tenant"], doc["number"], catch_up=False)
    return doc, case


async def link_view(svc: Services, token: str) -> dict:
    doc, case = await _link(svc, token)
    view = await stages_view(svc, case)
    stage = next(s for s in view["stages"] if s["stage"] == doc["stage"])
    return {"number": case.number, "item_name": case.app.item_name, "applicant": mask_name(case.app.applicant_name),
            "stage": stage, **choices()}


async def rate_by_link(svc: Services, token: str, body: dict) -> dict:
    doc, case = await _link(svc, token)
    return await record(svc, case, doc["stage"], body.get("level"), body.get("reasons"), body.get("text", ""), "sms",
                        by=f"link:{token[:4]}")


# -- default ratings (the sweep) ------------------------------------------------------------

async def on_timers(svc: Services, tenant: str, entries: list[dict], now: datetime) -> None:
    """Due ``satisfaction`` timers: write the default rating of each stage nobody rated; check
    rectification deadlines. Idempotent: a re-run collides with what the first run inserted."""
    for entry in entries:
        if entry.get("action") == "rectify":
            await rectification.on_timer(svc, tenant, entry, now)
            continue
        try:
            case, _ = await casework.load(svc, tenant, entry["number"])
        except NotFound:
            continue
        rules = await rating_stages.rules(svc, tenant)
        try:
            await record(svc, case, entry["stage"], rules.default_score, [], "", "default", by="system", default=True,
                         at=_aware(entry["due_at"]))
        except (Conflict, ValidationFailed):
            pass  # rated in time, or no longer rated at that stage


supervision_sweep.TIMER_HANDLERS[TIMER_KIND] = on_timers


# -- the tenant's rules ---------------------------------------------------------------------

async def settings_view(svc: Services, tenant: str) -> dict:
    rules = await rating_stages.rules(svc, tenant)
    return {**rules.to_doc(), "stage_labels": sat.STAGES, **choices()}


async def save_settings(svc: Services, tenant: str, principal: dict, body: dict) -> dict:
    rules = sat.rules_from(body, strict=True)
    await svc.db.tenant_settings.update_one({"_id": tenant}, {"$set": {"tenant": tenant, "satisfaction": rules.to_doc()}},
                                            upsert=True)
    await tenant_config.changed(svc, tenant, "org")
    await audit.record(svc, tenant, principal["id"], "satisfaction.settings_saved", rules.to_doc())
    return await settings_view(svc, tenant)
