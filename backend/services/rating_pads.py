"""The window rating pad (窗口评价器): a kiosk screen paired to one window post, no sign-in of its own.

Pairing: a clerk at the window asks for a pairing code (six digits, valid ``CODE_MINUTES``), stored as
``pad_codes/{tenant}:{code}``; the pad's page sends the code once and receives its token
``{tenant}.{post}.{secret}``; ``rating_pads/{tenant}:{post}`` keeps the secret's hash, so a new pairing
retires the old pad. The clerk's screen then calls up the case just served (``current``: the case and
the stage to rate, with the clerk on duty); the pad shows it with five large buttons, and the rating
it sends is recorded for that case, stage, post and clerk (source ``window``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from backend.domain import satisfaction as sat
from backend.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from backend.domain.identity import mask_name
from backend.services import audit, casework, login_guard, rating_stages, satisfaction, tenant_config
from backend.services.context import Services

PADS = "rating_pads"
CODES = "pad_codes"
CODE_MINUTES = 10


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def _window_post(svc: Services, principal: dict) -> tuple[str, dict]:
    org = await tenant_config.org(svc, principal["tenant"])
    post = org.post_of(principal["id"])
    doc = org.posts.get(post) or {}
    if doc.get("kind") != "window":
        raise Forbidden("您没有窗口岗位，不能使用评价器", code="no_window_post")
    return post, doc


async def start_pairing(svc: Services, principal: dict) -> dict:
    """A pairing code for the clerk's window (shown on the clerk's screen, typed on the pad)."""
    tenant = principal["tenant"]
    post, doc = await _window_post(svc, principal)
    expires = svc.now() + timedelta(minutes=CODE_MINUTES)
    for _ in range(10):
        code = f"{secrets.randbelow(1_000_000):06d}"
        try:
            await svc.db[CODES].insert_one({"_id": f"{tenant}:{code}", "tenant": tenant, "post": post,
                                            "by": principal["id"], "expires_at": expires})
            break
        except DuplicateKeyError:
            continue
    else:
        raise Conflict("暂时无法生成配对码，请稍后再试", code="pairing_busy")
    return {"code": code, "post": post, "post_name": doc.get("name", post), "expires_at": expires,
            "pad_url": f"/console/pad?tenant={tenant}&code={code}"}


async def pair(svc: Services, tenant: str, code: str, address: str) -> dict:
    """Exchange a pairing code (once) for the pad's token. Wrong codes count like failed sign-ins from
    the caller's address (``login_guard``): after a few, each next try waits longer, so the million
    six-digit codes cannot be walked while one is valid."""
    attempt = await login_guard.begin(svc, tenant, f"pad-pairing@{login_guard.address_key(address)}", address)
    ident = f"{tenant}:{code}"
    doc = await svc.db[CODES].find_one({"_id": ident})
    expires = doc and doc["expires_at"]
    if doc is None or satisfaction._aware(expires) <= svc.now() or \
            (await svc.db[CODES].delete_one({"_id": ident})).deleted_count != 1:
        await attempt.failed()
        raise NotFound("配对码无效或已过期，请在窗口电脑上重新生成", code="pairing_code_invalid")
    await attempt.succeeded()
    secret = secrets.token_urlsafe(24)
    org = await tenant_config.org(svc, tenant)
    post_name = (org.posts.get(doc["post"]) or {}).get("name", doc["post"])
    await svc.db[PADS].replace_one({"_id": f"{tenant}:{doc['post']}"}, {
        "tenant": tenant, "post": doc["post"], "post_name": post_name, "secret_hash": _hash(secret),
        "paired_at": svc.now(), "paired_by": doc["by"], "current": None}, upsert=True)
    await audit.record(svc, tenant, doc["by"], "rating_pad.paired", {"post": doc["post"]})
    return {"token": f"{tenant}.{doc['post']}.{secret}", "post": doc["post"], "post_name": post_name}


async def pad_of(svc: Services, token: str) -> dict:
    """The pad a token belongs to, or 401."""
    parts = (token or "").split(".")
    doc = await svc.db[PADS].find_one({"_id": f"{parts[0]}:{parts[1]}"}) if len(parts) == 3 and len(token) < 200 else None
    if doc is None or not hmac.compare_digest(doc["secret_hash"], _hash(parts[2])):
        raise Unauthenticated("评价器未配对或配对已失效，请在窗口电脑上重新配对", code="pad_not_paired")
    return doc


def pad_view(doc: dict) -> dict:
    return {"post": doc["post"], "post_name": doc["post_name"], "current": doc.get("current"), **satisfaction.choices()}


async def call_up(svc: Services, principal: dict, number: str) -> dict:
    """The clerk shows the case just served on the window's pad, at its latest stage still open to rating."""
    tenant = principal["tenant"]
    post, _ = await _window_post(svc, principal)
    pad = await svc.db[PADS].find_one({"_id": f"{tenant}:{post}"})
    if pad is None:
        raise Conflict("本窗口还没有配对评价器，请先配对", code="pad_missing")
    case, _ = await casework.load(svc, tenant, number)
    if (principal.get("centre") or "county") != case.app.centre:
        raise Forbidden("只能请本中心办理的群众评价", code="case_out_of_scope")
    view = await satisfaction.stages_view(svc, case)
    open_stages = [s for s in view["stages"] if s["can_rate"]]
    if not open_stages:
        raise Conflict("该办件当前没有待评价的环节（尚未受理或办结，或已评价）", code="nothing_to_rate")
    stage = open_stages[-1]
    current = {"number": number, "stage": stage["stage"], "stage_label": stage["label"],
               "item_name": case.app.item_name, "applicant": mask_name(case.app.applicant_name),
               "staff": principal["id"], "staff_name": principal.get("name", ""), "called_at": svc.now()}
    await svc.db[PADS].update_one({"_id": pad["_id"]}, {"$set": {"current": current}})
    return {"post": post, "post_name": pad["post_name"], "current": current}


async def rate(svc: Services, token: str, body: dict) -> dict:
    """The rating the pad sends, for the case it was showing."""
    pad = await pad_of(svc, token)
    current = pad.get("current")
    if not current or current["number"] != body.get("number"):
        raise ValidationFailed("评价器上没有这件办件，请窗口人员重新调出", code="pad_case_mismatch")
    case, _ = await casework.load(svc, pad["tenant"], current["number"])
    rating = await satisfaction.record(svc, case, current["stage"], body.get("level"), body.get("reasons"),
                                       body.get("text", ""), "window", by=f"pad:{pad['post']}", post=pad["post"],
                                       staff=current["staff"], staff_name=current["staff_name"])
    await svc.db[PADS].update_one({"_id": pad["_id"]}, {"$set": {"current": None}})
    return {"rating": rating, "thanks": "感谢您的评价！" if rating["score"] in sat.SATISFIED_SCORES
            else "感谢您的评价，我们将认真整改并回访您。"}
