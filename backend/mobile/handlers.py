"""The page a receipt's QR code opens in any phone browser: ``/m/case?number=…&code=…``.

No sign-in: the query code printed on the receipt is the key, as for the progress API, and the page
shows exactly what that API shows (masked applicant, the timeline without staff names). Without a
number and code it is a small look-up form. Where WeChat can be reached, a button opens the
mini-program at the same case (``backend.mobile.links``). Inside WeChat, with the rule "扫普通链接二维码
打开小程序" registered, WeChat opens the mini-program itself and this page is not shown at all.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import tornado.template

from backend.domain.errors import DomainError
from backend.domain.numbering import display_query_code, normalize_query_code
from backend.handlers.base import BaseHandler
from backend.mobile.links import open_link
from backend.reports.receipt import moment_text
from backend.reports.views import tenant_view
from backend.services import case_views, tenant_config

log = logging.getLogger("sunshine.mobile")
TEMPLATES = Path(__file__).resolve().parent / "templates"
_loader = tornado.template.Loader(str(TEMPLATES))
STOPPED = ("paused", "review_supplement")


def _due_text(view: dict) -> str:
    if view["finished"] or view["state"] in ("approved", "refused", "reply_recorded", "delivering"):
        return ""
    if view["due_at"]:
        return _moment(view["due_at"]) + " 前" + ("（预计）" if view["due_provisional"] else "")
    if view["state"] in STOPPED:
        return "暂停计时中，恢复后重新计算"
    return "受理后开始计时" if not view["accepted_at"] else ""


def _moment(value: str | datetime | None) -> str:
    """A time of the API's answer (ISO 8601 text as sent, or a datetime), to the minute in China time."""
    return moment_text(datetime.fromisoformat(value) if isinstance(value, str) else value, seconds=False)


def page_view(view: dict) -> dict:
    """The progress API's answer, worded for the page: times in China time, steps in order."""
    steps = [{"label": e["label"], "at": _moment(e["at"]), "reason": e.get("reason", ""),
              "materials": "、".join(e.get("materials", []))} for e in sorted(view["timeline"], key=lambda e: e["seq"])]
    return {"number": view["number"], "item_name": view["item_name"], "state_label": view["state_label"],
            "kind_label": view["kind_label"], "applicant": view["applicant_name"],
            "submitted": _moment(view["submitted_at"]), "accepted": _moment(view["accepted_at"]), "due": _due_text(view),
            "missing": view["missing_materials"], "outcome_reason": view["outcome_reason"], "steps": steps,
            "finished": view["finished"]}


class CaseLandingPage(BaseHandler):
    """办件进度 as a small mobile web page (HTML, Chinese, no sign-in)."""

    async def get(self) -> None:
        number = self.get_query_argument("number", "").strip()
        code = self.get_query_argument("code", "").strip()
        tenant = self.get_query_argument("tenant", "") or self.svc.settings.default_tenant
        case, error, status = None, "", 200
        if number or code:
            try:
                case = page_view(await case_views.progress(self.svc, tenant, number, None, code))
            except DomainError as exc:
                error, status = exc.message, (exc.status if exc.status in (404, 422) else 404)
        org = await tenant_config.org(self.svc, tenant)
        in_wechat = "MicroMessenger" in self.request.headers.get("User-Agent", "")
        code = normalize_query_code(code) if case else code
        link = open_link(self.svc.settings, case["number"], code, in_wechat) if case else ""
        self.set_status(status)
        self._page(case=case, error=error, number=number, code=display_query_code(code) if case else code,
                   link=link, in_wechat=in_wechat, county=tenant_view(org.tenant))

    def _page(self, **values) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Robots-Tag", "noindex")
        self.finish(_loader.load("case.html").generate(**values))

    def write_error(self, status_code: int, **kwargs) -> None:
        self._page(case=None, error="系统繁忙，请稍后再试", number="", code="", link="", in_wechat=False,
                   county=tenant_view(None))


def mobile_routes() -> list:
    return [(r"/m/case", CaseLandingPage)]
