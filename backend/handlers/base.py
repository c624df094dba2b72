"""The base API handler: JSON bodies, one JSON error shape, request ids, sessions and roles.

Every error a client sees is ``{"error": {"code": "...", "message": "中文说明", "request_id": "..."}}``.
Services raise domain errors; this module is the only place that turns them into HTTP statuses.
"""

from __future__ import annotations

import json
import logging
import re
import secrets

import tornado.web
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError

from backend import logs
from backend.domain.errors import DomainError, Forbidden, NotFound, RequestRejected, TooManyRequests, Unauthenticated
from backend.handlers import client_address, request_source, security_headers
from backend.handlers.operations import Op, parse_body
from backend.json_text import to_json
from backend.services import accounts, sessions
from backend.services.context import Services
from backend.store import commands

log = logging.getLogger("sunshine.api")

SESSION_COOKIE = "s365_session"
# Route parameters shared by every resource module (one pattern each, so routes agree).
CASE_NUMBER = r"(?P<number>[0-9]{6}-[0-9]{8}-[0-9]{5,})"
ITEM_CODE = r"(?P<code>[0-9A-Za-z][0-9A-Za-z_-]*)"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HTTP_MESSAGES = {
    400: ("bad_request", "请求格式有误"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "未找到该地址"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "数据已被修改，请刷新后重试"),
    413: ("body_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请以 application/json 格式提交"),
    422: ("validation_failed", "提交的内容有误"),
    429: ("too_many_attempts", "请求过于频繁，请稍后再试"),
    503: ("store_unavailable", "数据服务暂时不可用，请稍后再试"),
}


class BaseHandler(tornado.web.RequestHandler):
    """Request ids and the session principal, shared by API and console handlers."""

    principal: dict | None = None
    session: dict | None = None
    session_from_cookie = False  # the session came with the cookie (a browser), not a bearer token

    @property
    def svc(self) -> Services:
        return self.application.settings["services"]

    def initialize(self) -> None:
        self.request.store_tally = commands.start_tally()
        incoming = self.request.headers.get("X-Request-Id", "")
        self.request_id = incoming if _REQUEST_ID_RE.match(incoming) else secrets.token_hex(16)
        self.request.request_id = self.request_id
        logs.request_id.set(self.request_id)
        self.request.remote_ip = client_address.client_ip(self.request, self.svc.settings.trusted_proxies)
        self.request.protocol = client_address.client_protocol(self.request, self.svc.settings.trusted_proxies)
        self.set_header("X-Request-Id", self.request_id)

    def clear(self) -> None:
        """Error pages clear the headers; the request id must survive that."""
        super().clear()
        if getattr(self, "request_id", None):
            self.set_header("X-Request-Id", self.request_id)

    def session_token(self) -> str:
        auth = self.request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[7:].strip()
        return self.get_cookie(SESSION_COOKIE, "") or ""

    async def load_principal(self) -> dict | None:
        token = self.session_token()
        self.session = await sessions.find(self.svc, token) if token else None
        self.session_from_cookie = bool(self.session) and not self.request.headers.get("Authorization", "")
        self.principal = await accounts.principal_of(self.svc, self.session) if self.session else None
        self.request.principal_id = (self.principal or {}).get("id", "")
        return self.principal

    def get_template_namespace(self) -> dict:
        namespace = super().get_template_namespace()
        namespace.update(csp_nonce=security_headers.nonce_of(self.request), session_csrf=self.csrf_token())
        return namespace

    def csrf_token(self) -> str:
        """The session's token for state-changing requests (the console puts it in each page)."""
        return (self.session or {}).get("csrf", "")

    def finish(self, chunk=None):
        """A 405 names the methods that are allowed, whoever wrote the error (every handler, pages and
        webhooks with their own error formats included)."""
        if self.get_status() == 405 and "Allow" not in self._headers:
            self.set_header("Allow", ", ".join(m.upper() for m in allowed_methods(type(self))))
        return super().finish(chunk)

    def get_current_user(self):
        return self.principal


class APIHandler(BaseHandler):
    """Base of every JSON endpoint; subclasses declare their operations in ``ops`` (see
    ``handlers.operations``): access is checked and the body validated before the handler runs,
    and ``spec`` (the OpenAPI description) is built from the same declaration."""

    ops: dict[str, Op] = {}
    spec: dict = {}
    max_body: int | None = None  # bytes; None means the JSON default from settings
    public: bool = False  # True: no session needed for any method (handlers without ``ops``)
    payload = None  # the validated body model of the operation, when it declares one

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "ops" in cls.__dict__:
            cls.spec = {method: op.spec() for method, op in cls.ops.items()}
            cls.public = all(op.access.public for op in cls.ops.values())

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")

    def compute_etag(self) -> None:
        """No ``Etag``: a ``no-store`` answer is never kept, so nobody revalidates it (and hashing
        every body was a fortieth of a progress lookup's CPU)."""
        return None

    def check_xsrf_cookie(self) -> None:
        """JSON bodies with a JSON content type and SameSite cookies stand in for XSRF tokens."""

    async def prepare(self) -> None:
        self.body: dict | list | None = None
        limit = self.max_body or self.svc.settings.max_body_bytes
        if len(self.request.body) > limit:
            raise RequestRejected(413, "body_too_large", f"请求内容过大（上限 {limit // 1024} KB）")
        await self.load_principal()
        op = self.ops.get(self.request.method.lower())
        if self.request.method in MUTATING:
            request_source.check(self, opens_session=self.opens_session,
                                 public=op.access.public if op is not None else self.public)
        if op is not None:
            return self._check_operation(op)
        if self.request.method in MUTATING and not self.public and not self.principal:
            raise Unauthenticated("请先登录")
        if self.request.method in ("POST", "PUT", "PATCH") and self.request.body and not self.raw_body:
            self.body = self._parse_json()

    def _check_operation(self, op: Op) -> None:
        """Access first (nothing of the handler runs for a caller it refuses), then the body."""
        if not op.access.allows(self.principal):
            if not self.principal:
                raise Unauthenticated("请先登录")
            raise Forbidden("您的岗位没有此项操作的权限", code="role_not_allowed")
        if op.body is not None:
            ctype = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if self.request.body and ctype != "application/json":
                raise RequestRejected(415, "unsupported_media_type", "请以 application/json 格式提交")
            self.payload = parse_body(op.body, self.request.body)
            self.body = self.payload.model_dump()

    raw_body = False  # True for handlers that read uploads or signed raw payloads themselves
    opens_session = False  # True for sign-in steps: a browser's cross-site request must not sign it in

    def _parse_json(self):
        ctype = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise RequestRejected(415, "unsupported_media_type", "请以 application/json 格式提交")
        try:
            return json.loads(self.request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise RequestRejected(400, "malformed_json", "请求内容不是有效的 JSON") from None

    def json_body(self) -> dict:
        """The body as a JSON object; a missing body or another JSON type is a 400."""
        if not isinstance(self.body, dict):
            raise RequestRejected(400, "malformed_json", "请求内容应为 JSON 对象")
        return self.body

    def require_login(self) -> dict:
        if not self.principal:
            raise Unauthenticated("请先登录")
        return self.principal

    def require_roles(self, *roles: str) -> dict:
        """The caller must be signed in and hold one of ``roles`` (admin holds all)."""
        principal = self.require_login()
        held = set(principal.get("roles", []))
        if not held & (set(roles) | {"admin"}):
            raise Forbidden("没有权限执行此操作")
        return principal

    def tenant(self) -> str:
        """The signed-in person's tenant, else the one the request names, else the default."""
        if self.principal:
            return self.principal["tenant"]
        named = self.get_query_argument("tenant", "") or self.request.headers.get("X-Tenant", "")
        return named or self.svc.settings.default_tenant

    def send_json(self, data, status: int = 200) -> None:
        self.set_status(status)
        self.finish(to_json(data))

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        code, message = HTTP_MESSAGES.get(status_code, ("internal_error", "服务器内部错误，请稍后再试"))
        details = None
        if isinstance(exc, DomainError):
            status_code, code, message, details = exc.status, exc.code, exc.message, exc.details or None
            if isinstance(exc, TooManyRequests):
                self.set_header("Retry-After", str(exc.retry_after))
        elif isinstance(exc, DuplicateKeyError):
            status_code, (code, message) = 409, HTTP_MESSAGES[409]
        elif isinstance(exc, PyMongoError) and _is_store_down(exc):
            status_code, (code, message) = 503, HTTP_MESSAGES[503]
        elif isinstance(exc, tornado.web.HTTPError) and exc.status_code in HTTP_MESSAGES:
            status_code, (code, message) = exc.status_code, HTTP_MESSAGES[exc.status_code]
        self.set_status(status_code)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        error = {"code": code, "message": message, "request_id": self.request_id}
        if details:
            error["details"] = details
        self.finish(to_json({"error": error}))

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, (DomainError, tornado.web.HTTPError, DuplicateKeyError)):
            return
        if isinstance(value, PyMongoError) and _is_store_down(value):
            log.warning("store unavailable rid=%s: %s", self.request_id, value)
            return
        log.error("unhandled error rid=%s", self.request_id, exc_info=(typ, value, tb))


def allowed_methods(handler: type) -> list[str]:
    """The methods a handler class implements itself (what a 405 lists in ``Allow``)."""
    return [m for m in ("get", "head", "post", "put", "patch", "delete", "options")
            if getattr(handler, m) is not getattr(tornado.web.RequestHandler, m)]


def _is_store_down(exc: PyMongoError) -> bool:
    return isinstance(exc, ConnectionFailure) or "ServerSelectionTimeout" in type(exc).__name__


class NotFoundHandler(APIHandler):
    """Any unknown address answers the JSON 404."""

    public = True

    async def prepare(self) -> None:
        raise NotFound("未找到该地址")
