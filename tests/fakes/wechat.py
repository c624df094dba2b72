"""A fake of WeChat's server API, speaking the protocol wechatpy uses.

Routes (paths as on api.weixin.qq.com):

- ``GET /sns/jscode2session``: mini-program login (小程序登录, code2Session).
  Codes are registered beforehand and are single use, like WeChat's.
- ``GET /cgi-bin/token``: client-credential access token.
- ``POST /cgi-bin/message/subscribe/send``: subscribe message (订阅消息);
  accepted messages are kept in :attr:`FakeWeChat.sent`.

Error codes and messages follow WeChat's documented ones.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qs

from tests.fakes.server import FakeHttpServer, Reply, Request

SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"


@dataclass(frozen=True)
class SentSubscribeMessage:
    touser: str
    template_id: str
    data: dict
    page: str | None


@dataclass
class _Failure:
    remaining: int
    errcode: int | None
    http_status: int


def _error(errcode: int, errmsg: str) -> Reply:
    return Reply(200, {"errcode": errcode, "errmsg": errmsg})


class FakeWeChat(FakeHttpServer):
    """Fake api.weixin.qq.com for one mini-program (appid + secret)."""

    def __init__(
        self,
        appid: str = "wx0fa4e1c0de365sun",
        secret: str = "fake-wechat-app-secret",
        *,
        token_ttl: int = 7200,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.appid = appid
        self.secret = secret
        self.token_ttl = token_ttl
        self.clock = clock
        self.sent: list[SentSubscribeMessage] = []
        self.tokens_issued = 0
        self._codes: dict[str, dict] = {}
        self._used_codes: set[str] = set()
        self._openids: set[str] = set()
        self._templates: dict[str, frozenset[str]] = {}
        self._tokens: dict[str, float] = {}
        self._failure: _Failure | None = None

    # -- arranging the world ---------------------------------------------
    def register_code(
        self, code: str, openid: str, *, unionid: str | None = None, session_key: str | None = None
    ) -> str:
        """Make ``code`` (from wx.login) valid once; returns its session_key."""
        session_key = session_key or secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {"openid": openid, "session_key": session_key, "unionid": unionid}
            self._openids.add(openid)
        return session_key

    def add_user(self, openid: str) -> None:
        """Make ``openid`` a known user of this mini-program (without a login)."""
        with self._lock:
            self._openids.add(openid)

    def register_template(self, template_id: str, fields: list[str]) -> None:
        """A subscribe-message template with its data keys (e.g. ``thing1``, ``time2``)."""
        with self._lock:
            self._templates[template_id] = frozenset(fields)

    def fail_next(self, times: int = 1, *, errcode: int | None = 45009, http_status: int = 200) -> None:
        """Make the next ``times`` subscribe sends fail with ``errcode`` or an HTTP error status."""
        with self._lock:
            self._failure = _Failure(times, errcode, http_status)

    def expire_tokens(self) -> None:
        """Invalidate every issued access token, as a token reset would."""
        with self._lock:
            self._tokens.clear()

    # -- protocol ----------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        query = {k: v[0] for k, v in parse_qs(request.raw_query, keep_blank_values=True).items()}
        route = (request.method, request.path)
        if route == ("GET", "/sns/jscode2session"):
            return self._code_to_session(query)
        if route == ("GET", "/cgi-bin/token"):
            return self._issue_token(query)
        if route == ("POST", SUBSCRIBE_SEND):
            return self._send_subscribe(query, request.body)
        return Reply(404, {"errcode": 404, "errmsg": "fake wechat: no such api"})

    def _check_app(self, query: dict, grant_type: str) -> Reply | None:
        if query.get("grant_type") != grant_type:
            return _error(40002, "invalid grant_type")
        if query.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if query.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        return None

    def _code_to_session(self, query: dict) -> Reply:
        problem = self._check_app(query, "authorization_code")
        if problem:
            return problem
        code = query.get("js_code", "")
        if not code:
            return _error(41008, "missing code")
        if code in self._used_codes:
            return _error(40163, "code been used")
        if code not in self._codes:
            return _error(40029, "invalid code")
        self._used_codes.add(code)
        found = self._codes.pop(code)
        body = {"openid": found["openid"], "session_key": found["session_key"]}
        if found["unionid"]:
            body["unionid"] = found["unionid"]
        return Reply(200, body)

    def _issue_token(self, query: dict) -> Reply:
        problem = self._check_app(query, "client_credential")
        if problem:
            return problem
        token = secrets.token_urlsafe(24)
        self._tokens[token] = self.clock() + self.token_ttl
        self.tokens_issued += 1
        return Reply(200, {"access_token": token, "expires_in": self.token_ttl})

    def _check_token(self, token: str | None) -> Reply | None:
        if not token:
            return _error(41001, "access_token missing")
        expires_at = self._tokens.get(token)
        if expires_at is None:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if self.clock() >= expires_at:
            return _error(42001, "access_token expired")
        return None

    def _take_failure(self) -> Reply | None:
        failure = self._failure
        if failure is None or failure.remaining <= 0:
            return None
        failure.remaining -= 1
        if failure.http_status != 200:
            return Reply(failure.http_status, {"errmsg": "system error"})
        return _error(failure.errcode, "api freq out of limit" if failure.errcode == 45009 else "system error")

    def _send_subscribe(self, query: dict, body: bytes) -> Reply:
        problem = self._check_token(query.get("access_token")) or self._take_failure()
        if problem:
            return problem
        try:
            message = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _error(47001, "data format error")
        if not isinstance(message, dict):
            return _error(47001, "data format error")
        problem = self._check_message(message)
        if problem:
            return problem
        self.sent.append(
            SentSubscribeMessage(
                touser=message["touser"],
                template_id=message["template_id"],
                data=message["data"],
                page=message.get("page"),
            )
        )
        return Reply(200, {"errcode": 0, "errmsg": "ok", "msgid": 3000000000 + len(self.sent)})

    def _check_message(self, message: dict) -> Reply | None:
        if message.get("touser") not in self._openids:
            return _error(40003, "invalid openid")
        fields = self._templates.get(message.get("template_id"))
        if fields is None:
            return _error(40037, "invalid template_id")
        data = message.get("data")
        if not isinstance(data, dict):
            return _error(47003, "argument invalid! data is empty")
        for key in sorted(fields):
            entry = data.get(key)
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                return _error(47003, f"argument invalid! data.{key}.value is empty")
        page = message.get("page")
        if page is not None and not isinstance(page, str):
            return _error(47003, "argument invalid! page invalid")
        return None
