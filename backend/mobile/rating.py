"""The pages a citizen opens from a phone without the mini-program: the SMS rating link
(``/m/rate/{token}``, a plain form that works without scripts) and the published satisfaction results
(``/m/satisfaction``)."""

from __future__ import annotations

from backend.domain import satisfaction as sat
from backend.domain.errors import DomainError
from backend.handlers.base import BaseHandler
from backend.mobile.handlers import _loader
from backend.reports.charts import percent
from backend.services import satisfaction, satisfaction_results


class _Page(BaseHandler):
    def page(self, template: str, status: int = 200, **values) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Robots-Tag", "noindex")
        self.finish(_loader.load(template).generate(percent=percent, **values))


class RatingLinkPage(_Page):
    """评价: five levels, reasons and a note, for the case and stage the SMS named."""

    def check_xsrf_cookie(self) -> None:
        """The link's token is the credential; the form carries no session."""

    async def get(self, token: str) -> None:
        try:
            view = await satisfaction.link_view(self.svc, token)
        except DomainError as exc:
            return self.page("rate.html", 404, view=None, error=exc.message, done=None, token=token)
        self.page("rate.html", view=view, error="", done=None, token=token)

    async def post(self, token: str) -> None:
        try:
            level = int(self.get_body_argument("level", "0") or 0)
        except ValueError:
            level = 0
        body = {"level": level, "reasons": self.get_body_arguments("reasons"),
                "text": self.get_body_argument("text", "")[:400]}
        try:
            done = await satisfaction.rate_by_link(self.svc, token, body)
        except DomainError as exc:
            try:
                view = await satisfaction.link_view(self.svc, token)
            except DomainError:
                view = None
            return self.page("rate.html", exc.status if exc.status in (404, 409, 422) else 400, view=view,
                             error=exc.message, done=None, token=token)
        self.page("rate.html", view=None, error="", done=done, token=token)


class PublicResultsPage(_Page):
    """满意度结果公示: what the survey centre published, for anyone."""

    async def get(self) -> None:
        tenant = self.get_query_argument("tenant", "") or self.svc.settings.default_tenant
        try:
            view = await satisfaction_results.published(self.svc, tenant, self.get_query_argument("period", ""))
        except DomainError as exc:
            return self.page("satisfaction.html", 404, view=None, error=exc.message, tenant=tenant)
        self.page("satisfaction.html", view=view, error="", tenant=tenant, labels=sat.UNIT_KINDS)


def rating_routes() -> list:
    return [(r"/m/rate/(?P<token>[A-Za-z0-9_-]{1,40})", RatingLinkPage), (r"/m/satisfaction", PublicResultsPage)]
