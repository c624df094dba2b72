"""Citizens (群众用户) of the mini-program: WeChat sign-in and the signed-in citizen's profile.

A citizen is one document in ``citizens`` keyed ``tenant:openid``. The WeChat ``session_key`` never
leaves the login call: it is neither stored nor returned (nothing here decrypts WeChat data).
The WeChat adapter is built from settings on first use and kept in ``svc.extras``.
"""

from __future__ import annotations

import logging

from pymongo.errors import DuplicateKeyError

from backend.domain.errors import DomainError, Forbidden, NotFound, Unauthenticated, ValidationFailed
from backend.integrations.wechat import InvalidLoginCode, WeChatError, WeChatMiniProgram
from backend.services import accounts
from backend.services.context import Services

log = logging.getLogger("sunshine.citizens")

COLLECTION = "citizens"
_PROGRAM = "wechat_mini_program"
MAX_CODE_LENGTH = 128

NOT_CONFIGURED = "小程序登录未配置，请联系管理员"
WECHAT_UNREACHABLE = "暂时无法连接微信服务器，请稍后再试"
WECHAT_REFUSED = "微信登录服务暂时不可用，请联系管理员"


class ServiceUnavailable(DomainError):
    """A service this request needs (WeChat, SMS) is not configured or cannot be reached now."""

    status = 503
    code = "service_unavailable"


def citizen_id(tenant: str, openid: str) -> str:
    return f"{tenant}:{openid}"


def mask_openid(openid: str) -> str:
    """Enough of the openid to tell two people apart on a screen, not enough to reuse it."""
    if len(openid) <= 8:
        return openid[:2] + "****"
    return f"{openid[:4]}****{openid[-4:]}"


def mini_program(svc: Services) -> WeChatMiniProgram:
    """The mini-program adapter from settings, built once per process. Without an AppID the mini-program
    login is switched off and answers 404 (as a CTI webhook that is not configured does)."""
    program = svc.extras.get(_PROGRAM)
    if program is None:
        settings = svc.settings
        if not settings.wechat_appid or not settings.wechat_secret:
            raise NotFound(NOT_CONFIGURED, code="wechat_not_configured")
        program = WeChatMiniProgram(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base)
        svc.extras[_PROGRAM] = program
    return program


def public_citizen(doc: dict) -> dict:
    """What the citizen (and the mini-program) may see about themselves."""
    return {
        "tenant": doc["tenant"],
        "openid_masked": mask_openid(doc["openid"]),
        "has_unionid": bool(doc.get("unionid")),
        "created_at": doc["created_at"],
        "last_login_at": doc["last_login_at"],
    }


async def login(svc: Services, tenant: str, code: str) -> tuple[str, dict]:
    """Exchange a wx.login ``code`` for a citizen session: (token, public citizen)."""
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        raise ValidationFailed("缺少微信登录凭证 code", code="code_required")
    if not await svc.db.tenants.find_one({"_id": tenant}, {"_id": 1}):
        raise NotFound(f"未找到县区：{tenant}", code="tenant_not_found")
    session = await _code_to_session(mini_program(svc), code)
    doc = await _upsert(svc, tenant, session.openid, session.unionid)
    token = await accounts.open_session(svc, tenant, "citizen", session.openid)
    return token, public_citizen(doc)


async def _code_to_session(program: WeChatMiniProgram, code: str):
    try:
        return await program.code_to_session(code)
    except InvalidLoginCode as error:
        raise Unauthenticated(error.message, code="invalid_login_code") from None
    except WeChatError as error:
        if error.retryable:
            log.warning("WeChat code2Session unreachable: %s", error)
            raise ServiceUnavailable(WECHAT_UNREACHABLE, code="wechat_unavailable") from None
        log.error("WeChat refused code2Session (check WECHAT_APPID / WECHAT_SECRET): %s", error)
        raise ServiceUnavailable(WECHAT_REFUSED, code="wechat_refused") from None


async def _upsert(svc: Services, tenant: str, openid: str, unionid: str | None) -> dict:
    now = svc.now()
    changes = {"last_login_at": now}
    if unionid:
        changes["unionid"] = unionid
    update = {"$set": changes,
              "$setOnInsert": {"tenant": tenant, "openid": openid, "created_at": now}}
    if not unionid:
        update["$setOnInsert"]["unionid"] = None
    key = citizen_id(tenant, openid)
    try:
        await svc.db[COLLECTION].update_one({"_id": key}, update, upsert=True)
    except DuplicateKeyError:  # two first logins at once: the other one inserted it
        await svc.db[COLLECTION].update_one({"_id": key}, {"$set": changes})
    return await svc.db[COLLECTION].find_one({"_id": key})


async def me(svc: Services, principal: dict | None) -> dict:
    """The signed-in citizen's profile; staff sessions are refused."""
    if not principal:
        raise Unauthenticated("请先登录")
    if principal.get("kind") != "citizen":
        raise Forbidden("仅限小程序用户访问", code="citizen_only")
    doc = await svc.db[COLLECTION].find_one({"_id": citizen_id(principal["tenant"], principal["id"])})
    if not doc:
        raise Unauthenticated("登录已失效，请重新登录", code="citizen_missing")
    return public_citizen(doc)
