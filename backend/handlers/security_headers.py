"""Security headers on every response, set in one place (an output transform of the application).

* Every response: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (no page of ours
  inside another site's frame), ``Referrer-Policy: same-origin`` (case numbers in our addresses
  never travel to other sites).
* HTML (console pages, printed documents): a Content-Security-Policy that lets scripts run only
  from this site or inline with the page's nonce (``csp_nonce`` in templates), images from this
  site or ``data:`` (QR codes), connections only back to this site, and no frames or plugins.
  Inline styles stay allowed: ECharts and the printed documents set them.
* JSON: ``default-src 'none'`` (an API answer opened as a page runs nothing).
"""

from __future__ import annotations

import secrets

import tornado.web

PAGE_POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"
ALWAYS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def nonce_of(request) -> str:
    """The request's script nonce, made on first use (the page and its header share it)."""
    if not getattr(request, "csp_nonce", ""):
        request.csp_nonce = secrets.token_urlsafe(16)
    return request.csp_nonce


class SecurityHeaders(tornado.web.OutputTransform):
    def __init__(self, request) -> None:
        super().__init__(request)
        self.request = request

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        for name, value in ALWAYS.items():
            headers.setdefault(name, value)
        kind = headers.get("Content-Type", "")
        if "Content-Security-Policy" not in headers:
            if kind.startswith("text/html"):
                headers["Content-Security-Policy"] = PAGE_POLICY.format(nonce=nonce_of(self.request))
            elif kind.startswith("application/json"):
                headers["Content-Security-Policy"] = JSON_POLICY
        return status_code, headers, chunk
