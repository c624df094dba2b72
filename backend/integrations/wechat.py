"""WeChat mini-program adapter (微信小程序): login and subscribe messages, via wechatpy.

wechatpy is blocking, so each call runs in the loop's default thread executor.
Nothing connects until a method is awaited. ``api_base_url`` points the SDK
at another host (tests use a local fake server that speaks WeChat's API).
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/"
INVALID_LOGIN_CODES = frozenset({40029, 40163, 41008})  # invalid / used / missing code
RETRYABLE_CODES = frozenset({-1, 45009})  # system busy / call frequency limit


@dataclass(frozen=True)
class Session:
    """A mini-program login session (登录态): who the user is and the key for their encrypted data."""

    openid: str
    session_key: str
    unionid: str | None = None


class WeChatError(Exception):
    """WeChat refused or could not be reached; ``errcode`` is WeChat's (None for HTTP/network errors)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def retryable(self) -> bool:
        """True when trying again later may succeed (rate limit, busy, HTTP or network failure)."""
        return self.errcode is None or self.errcode in RETRYABLE_CODES


class InvalidLoginCode(WeChatError):
    """The wx.login code is unknown, already used or expired; the user must log in again."""

    message = "微信登录凭证无效或已过期，请重新登录"


class _PointedClient(WeChatClient):
    """A WeChatClient whose every URL (token included) starts at ``api_base_url``."""

    def __init__(self, appid: str, secret: str, api_base_url: str, timeout: float) -> None:
        super().__init__(appid, secret, timeout=timeout)
        self._api_base_url = api_base_url
        self.API_BASE_URL = api_base_url + "cgi-bin/"
        self.wxa.API_BASE_URL = api_base_url

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self._api_base_url + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class WeChatMiniProgram:
    """One mini-program's server-side API: ``code_to_session`` and ``send_subscribe_message``."""

    def __init__(
        self,
        appid: str,
        secret: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        *,
        timeout: float = 10.0,
    ) -> None:
        if not api_base_url.endswith("/"):
            api_base_url += "/"
        self.appid = appid
        self._client = _PointedClient(appid, secret, api_base_url, timeout)

    async def code_to_session(self, code: str) -> Session:
        """Exchange a wx.login ``code`` for the user's openid, unionid and session_key."""
        try:
            result = await self._call(self._client.wxa.code_to_session, code)
        except WeChatError as error:
            if error.errcode in INVALID_LOGIN_CODES:
                raise InvalidLoginCode(error.errcode, error.errmsg) from error
            raise
        return Session(openid=result["openid"], session_key=result["session_key"], unionid=result.get("unionid"))

    async def send_subscribe_message(
        self, openid: str, template_id: str, data: Mapping[str, Any], page: str | None = None
    ) -> None:
        """Send a subscribe message; ``data`` values may be plain text or ``{"value": text}``."""
        shaped = {key: value if isinstance(value, Mapping) else {"value": str(value)} for key, value in data.items()}
        await self._call(self._client.wxa.send_subscribe_message, openid, template_id, shaped, page)

    def close(self) -> None:
        """Release the HTTP connections the SDK holds."""
        self._client._http.close()

    async def _call(self, method: Callable, *args) -> dict:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(_translated, method, *args))


def _translated(method: Callable, *args) -> dict:
    """Run one blocking SDK call, turning its failures into :class:`WeChatError`."""
    try:
        return method(*args)
    except WeChatClientException as error:
        errmsg = error.errmsg or _http_reason(error.response)
        raise WeChatError(error.errcode, str(errmsg)) from error
    except requests.RequestException as error:
        raise WeChatError(None, f"network error: {error}") from error


def _http_reason(response) -> str:
    return f"HTTP {response.status_code}" if response is not None else "no response"
