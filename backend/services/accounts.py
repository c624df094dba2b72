"""Staff accounts (工作人员账号) and signing in: argon2 passwords checked off the event loop, failed
attempts slowed by ``login_guard``, a second factor for the roles that need it, then a session."""

from __future__ import annotations

import re

from pymongo.errors import DuplicateKeyError

from backend.domain.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from backend.domain.roles import COUNTY_ROLES, PROVINCE_ROLES, ROLE_LABELS, unknown_roles
from backend.services import audit, login_guard, passwords, second_factor, sessions, tenant_config
from backend.services.context import Services

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,32}$")
MIN_PASSWORD = 8


def staff_id(tenant: str, username: str) -> str:
    return f"{tenant}:{username}"


def new_account_fields(password_hash: str, now) -> dict:
    """What a new account starts with besides its organisation fields."""
    return {"password_hash": password_hash, "created_at": now}


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

    ``password_hash``: a hash made already (the caller hashed several side by side);
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
        **new_account_fields(password_hash or await passwords.hash_password(password), svc.now()),
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


async def login(svc: Services, tenant: str, username: str, password: str, *, address: str = "",
                agent: str = "") -> dict:
    """Check the password: ``{"token", "staff"}``, or for the roles with a second factor a challenge
    (``{"second_factor", "challenge"}``) for ``complete_second_factor``. Wrong credentials never say
    which part was wrong, and an unknown or inactive account costs the same time as a wrong password."""
    if not username or not password:
        raise ValidationFailed("请输入用户名和密码")
    attempt = await login_guard.begin(svc, tenant, username, address)
    doc = await svc.db.staff.find_one({"_id": staff_id(tenant, username)})
    matched = await passwords.verify((doc or {}).get("password_hash"), password)
    if not matched or not doc.get("active", True):
        await attempt.failed()
        await audit.record(svc, login_guard.plain_key(tenant), staff_id(login_guard.plain_key(tenant),
                           login_guard.plain_key(username)), "staff.login_failed", {"address": address})
        raise Unauthenticated("用户名或密码错误", code="bad_credentials")
    await attempt.succeeded()
    if second_factor.required(doc["roles"]):
        return await second_factor.start(svc, doc, address)
    return await _signed_in(svc, doc, address, agent)


async def complete_second_factor(svc: Services, challenge: str, code: str, *, address: str = "",
                                 agent: str = "") -> dict:
    """The code after the password: ``{"token", "staff"}``."""
    subject = await second_factor.verify(svc, challenge, code, address)
    doc = await svc.db.staff.find_one({"_id": subject})
    if not doc or not doc.get("active", True):
        raise Unauthenticated("用户名或密码错误", code="bad_credentials")
    return await _signed_in(svc, doc, address, agent)


async def _signed_in(svc: Services, doc: dict, address: str, agent: str) -> dict:
    token = await sessions.open_session(svc, doc["tenant"], "staff", doc["_id"], address=address, agent=agent)
    await audit.record(svc, doc["tenant"], doc["_id"], "staff.logged_in", {"address": address})
    return {"token": token, "staff": public_staff(doc)}


async def open_session(svc: Services, tenant: str, kind: str, subject: str, extra: dict | None = None) -> str:
    """Start a session for any subject (staff or citizen) and return its opaque token."""
    return await sessions.open_session(svc, tenant, kind, subject, extra=extra)


async def resolve_session(svc: Services, token: str) -> dict | None:
    """The principal of a session token (see ``principal_of``); None if it is not a live session."""
    session = await sessions.find(svc, token)
    return await principal_of(svc, session) if session else None


async def principal_of(svc: Services, session: dict) -> dict | None:
    """{'kind', 'tenant', 'id', 'roles', ...}: staff details (and the session's list id) for staff; None
    for an account that is gone or inactive."""
    if session["kind"] == "staff":
        org = await tenant_config.org(svc, session["tenant"])
        doc = org.staff.get(session["subject"]) or await svc.db.staff.find_one({"_id": session["subject"]})
        if not doc or not doc.get("active", True):
            return None
        return {"kind": "staff", **public_staff(doc), "post": org.post_of(doc["_id"]), "session": session.get("sid", "")}
    return {"kind": session["kind"], "tenant": session["tenant"], "id": session["subject"], "roles": [session["kind"]]}


async def logout(svc: Services, token: str) -> None:
    await sessions.end(svc, token)


async def list_staff(svc: Services, tenant: str) -> list[dict]:
    """The county's accounts, each saying whether it has a second factor (两步验证)."""
    org = await tenant_config.org(svc, tenant)
    enrolled = await second_factor.enrolled_in(svc, tenant)
    return [{**public_staff(doc), "second_factor": doc["_id"] in enrolled} for _, doc in sorted(org.staff.items())]
