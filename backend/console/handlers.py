"""Server-rendered staff console pages (Chinese UI); data comes from the JSON API via fetch."""

from __future__ import annotations

from pathlib import Path

import tornado.web

from backend.domain.roles import ROLE_LABELS, navigation_for
from backend.handlers.base import BaseHandler

CONSOLE_DIR = Path(__file__).resolve().parent
ERROR_TEXT = {403: "没有权限访问此页面", 404: "页面不存在", 503: "数据服务暂时不可用，请稍后再试"}


class ConsolePage(BaseHandler):
    """A console page: signed-in staff only; ``template`` and ``roles`` set per page."""

    template = "home.html"
    roles: frozenset[str] | None = None  # None: any staff role
    title = "工作台"

    async def prepare(self) -> None:
        principal = await self.load_principal()
        if not principal or principal.get("kind") != "staff":
            self.redirect("/console/login?next=" + tornado.escape.url_escape(self.request.uri))
            return
        if self.roles is not None and not (set(principal["roles"]) & (self.roles | {"admin"})):
            raise tornado.web.HTTPError(403)

    def get(self, *args) -> None:
        self.render(self.template, **self.page_context())

    def page_context(self) -> dict:
        me = self.principal
        return {
            "title": self.title,
            "me": me,
            "nav": navigation_for(me["roles"]),
            "current": self.request.path,
            "role_labels": ROLE_LABELS,
        }

    def write_error(self, status_code: int, **kwargs) -> None:
        self.render("error.html", title="出错了", status=status_code,
                    message=ERROR_TEXT.get(status_code, "系统出现问题，请稍后再试"), request_id=self.request_id)


class LoginPage(BaseHandler):
    """The sign-in form; the form posts to the JSON API from the browser."""

    def get(self) -> None:
        self.render("login.html", title="登录", next=self.get_query_argument("next", "/console/"))


class HomePage(ConsolePage):
    template = "home.html"
    title = "工作台"


class AccountsPage(ConsolePage):
    template = "accounts.html"
    title = "账号管理"
    roles = frozenset({"admin", "centre_manager"})


class ItemsPage(ConsolePage):
    template = "items.html"
    title = "权力清单"
    roles = frozenset({"centre_manager", "dept_approver", "window_clerk"})


class ItemEditPage(ConsolePage):
    template = "item_edit.html"
    roles = frozenset({"centre_manager", "dept_approver", "window_clerk"})

    def get(self, code: str = "") -> None:
        self.title = f"事项 {code}" if code else "新建事项"
        self.render(self.template, code=code, **self.page_context())


class ApiReferencePage(tornado.web.RequestHandler):
    """A browsable reference of the OpenAPI document, rendered on the server."""

    def get(self) -> None:
        doc = self.application.settings["openapi"]()
        self.render("api_reference.html", title="API 参考", doc=doc)


def console_routes() -> list:
    return [
        (r"/console/login", LoginPage),
        (r"/console/?", HomePage),
        (r"/console/accounts", AccountsPage),
        (r"/console/items", ItemsPage),
        (r"/console/items/new", ItemEditPage),
        (r"/console/items/(?P<code>[0-9A-Za-z][0-9A-Za-z_-]*)", ItemEditPage),
        (r"/api/docs", ApiReferencePage),
    ]
