"""Two-step sign-in (两步验证): a TOTP code (RFC 6238) after the password, for the roles that need it.

Administrators and supervisors (``roles.SECOND_FACTOR_ROLES``) sign in with their password and then
a six-digit code from an authenticator app. Without one yet, the sign-in enrols it: a QR code, then
the first code confirms it. Documents:

* ``login_challenges/{sha256(challenge)}``: a password that was right, waiting five minutes for its
  code (with the secret being enrolled, if any); never a session.
* ``second_factors/{tenant}:{username}``: the confirmed secret (kept in backups).
* ``totp_used/{tenant}:{username}:{step}``: a code accepted once; a second use of it loses the
  unique insert (a code seen over someone's shoulder cannot be replayed).

A person who lost the phone is reset by another administrator (or ``reset-second-factor`` on the
server); their sessions end and the next sign-in enrols again. Wrong codes count as failed
sign-ins (``login_guard``), so guessing codes is slowed like guessing passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

import pyotp
from pymongo.errors import DuplicateKeyError

from backend.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from backend.domain.roles import SECOND_FACTOR_ROLES
from backend.services import audit, login_guard, sessions
from backend.services.context import Services

CHALLENGES, FACTORS, USED = "login_challenges", "second_factors", "totp_used"
CHALLENGE_FOR = timedelta(minutes=5)
ISSUER = "阳光365"


def required(roles) -> bool:
    return bool(set(roles or ()) & SECOND_FACTOR_ROLES)


async def start(svc: Services, staff: dict, address: str) -> dict:
    """The password was right: a challenge for the code (or for enrolling, the first time)."""
    enrolled = await svc.db[FACTORS].find_one({"_id": staff["_id"]}, {"_id": 1}) is not None
    challenge, now = secrets.token_urlsafe(32), svc.now()
    await svc.db[CHALLENGES].insert_one({"_id": sessions.token_key(challenge), "tenant": staff["tenant"],
                                         "subject": staff["_id"], "address": address, "enrolled": enrolled,
                                         "created_at": now, "expires_at": now + CHALLENGE_FOR})
    return {"second_factor": "totp" if enrolled else "totp_enrol", "challenge": challenge}


async def _challenge(svc: Services, challenge: str) -> dict:
    doc = await svc.db[CHALLENGES].find_one({"_id": sessions.token_key(challenge)}) if challenge else None
    if not doc or doc["expires_at"] <= svc.now():
        raise Unauthenticated("登录已超时，请重新输入用户名和密码", code="challenge_expired")
    return doc


def _username(subject: str) -> str:
    return subject.split(":", 1)[1]


async def enrolment(svc: Services, challenge: str) -> dict:
    """The secret to enrol (as a QR code and as text for typing in), kept with the challenge until confirmed."""
    from backend.reports.qr import qr_png

    doc = await _challenge(svc, challenge)
    if doc["enrolled"]:
        raise Conflict("该账号已启用两步验证，请输入验证码", code="totp_enrolled")
    secret = doc.get("secret")
    if not secret:
        await svc.db[CHALLENGES].update_one({"_id": doc["_id"], "secret": {"$exists": False}},
                                            {"$set": {"secret": pyotp.random_base32()}})
        secret = (await _challenge(svc, challenge))["secret"]
    uri = pyotp.TOTP(secret).provisioning_uri(name=f"{_username(doc['subject'])}@{doc['tenant']}", issuer_name=ISSUER)
    return {"secret": secret, "uri": uri, "qr": "data:image/png;base64," + base64.b64encode(qr_png(uri)).decode()}


def matching_step(secret: str, code: str, now) -> int | None:
    """The time step (30 s) whose code ``code`` is, allowing one step of clock drift either way."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp, step = pyotp.TOTP(secret), int(now.timestamp()) // 30
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.at(candidate * 30), code):
            return candidate
    return None


async def verify(svc: Services, challenge: str, code: str, address: str) -> str:
    """Check the code of a challenge (confirming a new enrolment); returns the staff id it signs in."""
    doc = await _challenge(svc, challenge)
    tenant, subject = doc["tenant"], doc["subject"]
    attempt = await login_guard.begin(svc, tenant, _username(subject), address)
    factor = await svc.db[FACTORS].find_one({"_id": subject}) if doc["enrolled"] else None
    secret = factor["secret"] if factor else doc.get("secret")
    if not secret:
        raise ValidationFailed("请先扫描二维码，再输入验证码", code="totp_not_started")
    now = svc.now()
    step = matching_step(secret, code, now)
    if step is None:
        await audit.record(svc, tenant, subject, "staff.second_factor_failed", {"address": address})
        raise Unauthenticated("验证码不正确", code="bad_totp")
    try:
        await svc.db[USED].insert_one({"_id": f"{subject}:{step}", "tenant": tenant, "expires_at": now + timedelta(minutes=5)})
    except DuplicateKeyError:
        raise Unauthenticated("该验证码已使用过，请等待下一个验证码", code="totp_reused") from None
    if not factor:
        await _enrol(svc, tenant, subject, secret, now)
    await svc.db[CHALLENGES].delete_one({"_id": doc["_id"]})
    await attempt.succeeded()
    return subject


async def _enrol(svc: Services, tenant: str, subject: str, secret: str, now) -> None:
    try:
        await svc.db[FACTORS].insert_one({"_id": subject, "tenant": tenant, "secret": secret, "enrolled_at": now})
    except DuplicateKeyError:
        raise Conflict("该账号已在别处启用两步验证，请重新登录", code="totp_enrolled") from None
    await audit.record(svc, tenant, subject, "staff.second_factor_enrolled", {})


async def status(svc: Services, staff_id: str) -> dict:
    factor = await svc.db[FACTORS].find_one({"_id": staff_id}, {"enrolled_at": 1})
    return {"enrolled": factor is not None, "enrolled_at": factor["enrolled_at"] if factor else None}


async def enrolled_in(svc: Services, tenant: str) -> set[str]:
    """Staff ids of the county that have a second factor."""
    from backend.store.work import prefix_range

    return {d["_id"] async for d in svc.db[FACTORS].find({"_id": prefix_range(f"{tenant}:")}, {"_id": 1})}


async def reset(svc: Services, tenant: str, username: str, actor: dict) -> dict:
    """Another administrator removes someone's second factor (lost phone): their sessions end, and
    their next sign-in enrols a new one."""
    subject = f"{tenant}:{username}"
    if actor and actor.get("id") == subject:
        raise Forbidden("不能重置自己的两步验证，请联系另一位系统管理员", code="own_second_factor")
    if not await svc.db.staff.find_one({"_id": subject}, {"_id": 1}):
        raise NotFound(f"未找到账号「{username}」", code="staff_not_found")
    removed = (await svc.db[FACTORS].delete_one({"_id": subject})).deleted_count
    ended = await sessions.revoke_all(svc, tenant, username)
    await audit.record(svc, tenant, (actor or {}).get("id", "system"), "staff.second_factor_reset",
                       {"staff": subject, "sessions_ended": ended})
    return {"username": username, "reset": bool(removed), "sessions_ended": ended}


def secret_digest(secret: str) -> str:
    """A short fingerprint of a secret for logs and tests (never the secret)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]
