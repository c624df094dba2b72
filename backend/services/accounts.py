"""Staff accounts (工作人员账号) and sessions: argon2 passwords, opaque session tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo.errors import DuplicateKeyError

from backend.domain.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from backend.domain.roles import COUNTY_ROLES, PROVINCE_ROLES, ROLE_LABELS, unknown_roles
from backend.services import audit, tenant_config
from backend.services.context import Services

_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,32}$")
MIN_PASSWORD = 8
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def staff_id(tenant: str, username: str) -> str:
    return f"{tenant}:{username}"


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_account_fields(password_hash: str, now) -> dict:
    """What a new account starts with besides its organisation fields."""
    return {"password_hash": password_hash, "failed_logins": 0, "locked_until": None, "created_at": now}


def allowed_roles(tenant_doc: dict) -> frozenset[str]:
    """A province's accounts hold the provincial role; a county's the county roles."""
    return PROVINCE_ROLES if tenant_doc.get("kind") == "province" else COUNTY_ROLES


def validate_account(username: str, password: str, name: str, roles: list[str],
                     allowed: frozenset[str] = COUNTY_ROLES) -> None:
    problems = []
    if not USERNAME_RE.match(username or ""):
        problems.append({"field": "username", "message": "用户名须为 3-32 位小写字母、数字或 _ . -"})
    if len(password or "") < MIN_PASSWORD:
        problems.append({"field": "password", "message": f"密码至少 {MIN_PASSWORD} 位"})
    if not (name or "").strip():
        problems.append({"field": "name", "message": "请填写姓名"})
    if not roles:
        problems.append({"field": "roles", "message": "至少选择一个角色"})
    bad = unknown_roles(roles or [], allowed)
    if bad:
        problems.append({"field": "roles", "message": f"未知角色：{'、'.join(bad)}"})
    if problems:
        raise ValidationFailed("账号信息有误：" + "；".join(p["message"] for p in problems), details={"fields": problems})


async def create_staff(
    svc: Services, tenant: str, username: str, password: str, name: str, roles: list[str],
    *, department: str = "", centre: str = "", phone: str = "", actor: str = "system", password_hash: str = "",
    batch: bool = False,
) -> dict:
    """Create an account; raise Conflict if the username is taken in this tenant.

    ``password_hash`` lets the sample loader hash its one demo password once for all demo accounts;
    ``batch`` (a loader creating many) leaves marking the organisation changed to the caller.
    """
    tenant_doc = await svc.db.tenants.find_one({"_id": tenant})
    validate_account(username, password, name, roles, allowed_roles(tenant_doc or {}))
    if not tenant_doc:
        raise NotFound(f"未找到县区（租户）：{tenant}")
    doc = {
        "_id": staff_id(tenant, username),
        "tenant": tenant,
        "username": username,
        "name": name.strip(),
        "roles": list(dict.fromkeys(roles)),
        "department": department,
        "centre": centre,
        "phone": phone,
        "active": True,
        **new_account_fields(password_hash or hash_password(password), svc.now()),
    }
    try:
        await svc.db.staff.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"用户名 {username} 已存在") from None
    if not batch:
        await tenant_config.changed(svc, tenant, "org")
    await audit.record(svc, tenant, actor, "staff.created", {"staff": doc["_id"], "roles": ",".join(roles)})
    return public_staff(doc)


def public_staff(doc: dict) -> dict:
    return {
        "id": doc["_id"],
        "tenant": doc["tenant"],
        "username": doc["username"],
        "name": doc["name"],
        "roles": doc["roles"],
        "role_labels": [ROLE_LABELS.get(r, r) for r in doc["roles"]],
        "department": doc.get("department", ""),
        "centre": doc.get("centre", ""),
    }


async def login(svc: Services, tenant: str, username: str, password: str) -> tuple[str, dict]:
    """Check the password; return (session token, staff). Wrong credentials never say which part was wrong."""
    if not username or not password:
        raise ValidationFailed("请输入用户名和密码")
    now = svc.now()
    doc = await svc.db.staff.find_one({"_id": staff_id(tenant, username)})
    wrong = Unauthenticated("用户名或密码错误", code="bad_credentials")
    if not doc or not doc.get("active", True):
        raise wrong
    if doc.get("locked_until") and doc["locked_until"] > now:
        raise Unauthenticated("登录失败次数过多，账号已临时锁定，请 15 分钟后再试", code="locked")
    try:
        _hasher.verify(doc["password_hash"], password)
    except (VerificationError, InvalidHashError):
        failed = doc.get("failed_logins", 0) + 1
        update = {"failed_logins": failed}
        if failed >= MAX_FAILED_LOGINS:
            update = {"failed_logins": 0, "locked_until": now + LOCKOUT}
        await svc.db.staff.update_one({"_id": doc["_id"]}, {"$set": update})
        await audit.record(svc, tenant, doc["_id"], "staff.login_failed", {})
        raise wrong from None
    await svc.db.staff.update_one({"_id": doc["_id"]}, {"$set": {"failed_logins": 0, "locked_until": None}})
    token = secrets.token_urlsafe(32)
    await svc.db.sessions.insert_one({
        "_id": _token_key(token),
        "tenant": tenant,
        "kind": "staff",
        "subject": doc["_id"],
        "created_at": now,
        "expires_at": now + timedelta(hours=svc.settings.session_hours),
    })
    await audit.record(svc, tenant, doc["_id"], "staff.logged_in", {})
    return token, public_staff(doc)


async def open_session(svc: Services, tenant: str, kind: str, subject: str, extra: dict | None = None) -> str:
    """Start a session for any subject (staff or citizen) and return its opaque token."""
    now = svc.now()
    token = secrets.token_urlsafe(32)
    await svc.db.sessions.insert_one({
        "_id": _token_key(token), "tenant": tenant, "kind": kind, "subject": subject,
        "created_at": now, "expires_at": now + timedelta(hours=svc.settings.session_hours), **(extra or {}),
    })
    return token


async def resolve_session(svc: Services, token: str) -> dict | None:
    """The session's principal: {'kind', 'tenant', 'id', ...} with staff details for staff; None if invalid."""
    if not token or len(token) > 200:
        return None
    session = await svc.db.sessions.find_one({"_id": _token_key(token)})
    if not session or session["expires_at"] <= svc.now():
        return None
    if session["kind"] == "staff":
        org = await tenant_config.org(svc, session["tenant"])
        doc = org.staff.get(session["subject"]) or await svc.db.staff.find_one({"_id": session["subject"]})
        if not doc or not doc.get("active", True):
            return None
        return {"kind": "staff", **public_staff(doc), "post": org.post_of(doc["_id"])}
    return {"kind": session["kind"], "tenant": session["tenant"], "id": session["subject"], "roles": [session["kind"]]}


async def logout(svc: Services, token: str) -> None:
    await svc.db.sessions.delete_one({"_id": _token_key(token)})


async def list_staff(svc: Services, tenant: str) -> list[dict]:
    org = await tenant_config.org(svc, tenant)
    return [public_staff(doc) for _, doc in sorted(org.staff.items())]
