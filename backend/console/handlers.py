"""Server-rendered staff console pages (Chinese UI); data comes from the JSON API via fetch."""

from __future__ import annotations

from pathlib import Path

import tornado.web

from backend.domain.roles import ROLE_LABELS, STAFF_ROLES, navigation_for
from backend.handlers.base import BaseHandler

CONSOLE_DIR = Path(__file__).resolve().parent
VENDOR_DIR = CONSOLE_DIR / "node_modules" / "echarts" / "dist"  # ./scripts/setup runs npm ci here
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


class IntakePage(ConsolePage):
    """窗口受理: the waiting queue and walk-in registration."""

    template = "intake.html"
    title = "窗口受理"
    roles = frozenset({"window_clerk", "centre_manager"})


class TasksPage(ConsolePage):
    """审批任务: the department's open approval tasks."""

    template = "tasks.html"
    title = "审批任务"
    roles = frozenset({"dept_approver", "centre_manager"})


class CaseLookupPage(ConsolePage):
    """办件查询: find a case by number (and query code); the cases one submitted."""

    template = "cases.html"
    title = "办件查询"
    roles = STAFF_ROLES - {"fee_window"}


class CasePage(ConsolePage):
    """办件详情: one case with its trail and the steps the viewer may take."""

    template = "case.html"
    roles = STAFF_ROLES - {"fee_window"}

    def get(self, number: str = "") -> None:
        self.title = f"办件 {number}"
        self.render(self.template, number=number, **self.page_context())


class PostsPage(ConsolePage):
    """岗位与AB岗: holders, who is on duty, marking away and back."""

    template = "posts.html"
    title = "岗位与AB岗"
    roles = frozenset({"centre_manager"})


class HotlinePage(ConsolePage):
    """热线工单: live calls, intake with history, knowledge base and routing, queue, handover, figures."""

    template = "hotline.html"
    title = "热线工单"
    roles = frozenset({"operator", "centre_manager"})


class SupervisionPage(ConsolePage):
    """电子监察: live counts, figures per department, window and staff, charts, cards, violations, reports."""

    template = "supervision.html"
    title = "电子监察"
    roles = frozenset({"supervisor", "centre_manager"})


class CalendarPage(ConsolePage):
    """工作日历: coverage, local days and importing a year's State Council notice."""

    template = "calendar.html"
    title = "工作日历"
    roles = frozenset({"admin", "centre_manager"})


class VendorFileHandler(tornado.web.StaticFileHandler):
    """Browser libraries installed by npm into backend/console/node_modules (never a CDN)."""

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "public, max-age=86400")


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
        (r"/console/intake", IntakePage),
        (r"/console/tasks", TasksPage),
        (r"/console/cases", CaseLookupPage),
        (r"/console/cases/(?P<number>[0-9]{6}-[0-9]{8}-[0-9]{5,})", CasePage),
        (r"/console/posts", PostsPage),
        (r"/console/hotline", HotlinePage),
        (r"/console/supervision", SupervisionPage),
        (r"/console/calendar", CalendarPage),
        (r"/console/vendor/(echarts\.min\.js)", VendorFileHandler, {"path": str(VENDOR_DIR)}),
        (r"/api/docs", ApiReferencePage),
    ]
