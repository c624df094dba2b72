"""Where a state-changing request comes from: the CSRF defence of the cookie session.

A browser sends the session cookie with any request to this site, even one a page of another site
makes it send (a form posted across sites). So, for POST, PUT, PATCH and DELETE:

* a request that signs in (``opens_session``), or that an operation open only to signed-in callers
  gets with the session as a cookie, is refused when its ``Origin`` names another site (browsers
  send ``Origin`` with every cross-site POST);
* such a cookie-session request must also carry that session's token in ``X-CSRF-Token``
  (the console puts it in every page and ``console.js`` sends it; another site can neither read the
  page nor set the header). The token is kept in the session itself, so a cookie planted by a
  neighbouring host cannot stand in for it.

A bearer token (the mini-program, integrations) is never sent by a browser on its own, so bearer
requests are not checked; neither are public operations that sign nothing in (webhooks with their
signatures, Open311 with its keys): a cookie grants them nothing.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from backend.domain.errors import Forbidden

CSRF_HEADER = "X-CSRF-Token"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def own_origins(handler) -> set[str]:
    """This site as the browser names it: the address the request came to, and the public address."""
    request = handler.request
    return {f"{request.protocol}://{request.host}".lower(), _origin(handler.svc.settings.public_url)} - {""}


def check(handler, *, opens_session: bool, public: bool) -> None:
    """Refuse a state-changing request a page of another site may have made the browser send."""
    if opens_session:
        _check_origin(handler)
        return
    if public or not handler.session_from_cookie:
        return  # webhooks, Open311 and bearer calls: no cookie grants them anything
    _check_origin(handler)
    sent, expected = handler.request.headers.get(CSRF_HEADER, ""), handler.csrf_token()
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("页面已过期或请求来源无法确认，请刷新页面后重试", code="csrf_failed")


def _check_origin(handler) -> None:
    origin = handler.request.headers.get("Origin")
    if origin is not None and origin.lower() not in own_origins(handler):
        raise Forbidden("不接受来自其他网站的请求", code="cross_site_request")
