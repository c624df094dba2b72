"""Server-rendered staff console pages (Chinese UI); data comes from the JSON API via fetch."""

from __future__ import annotations

from pathlib import Path

import tornado.web

from backend.domain.roles import NAVIGATION, PROVINCE_ROLES, ROLE_LABELS, navigation_for
from backend.handlers.base import BaseHandler, allowed_methods

CONSOLE_DIR = Path(__file__).resolve().parent
VENDOR_DIR = CONSOLE_DIR / "node_modules" / "echarts" / "dist"  # ./scripts/setup runs npm ci here
ERROR_TEXT = {403: "没有权限访问此页面", 404: "页面不存在", 503: "数据服务暂时不可用，请稍后再试"}


class ConsolePage(BaseHandler):
    """A console page: signed-in staff only. Who may open it is its menu entry's roles (``nav_key``),
    so the menu never offers a page that answers 403."""

    template = "home.html"
    nav_key = "home"
    title = ""

    @property
    def roles(self) -> frozenset[str]:
        return next(entry.roles for entry in NAVIGATION if entry.key == self.nav_key)

    async def prepare(self) -> None:
        principal = await self.load_principal()
        if not principal or principal.get("kind") != "staff":
            self.redirect("/console/login?next=" + tornado.escape.url_escape(self.request.uri))
            return
        county_admin = set() if self.roles <= PROVINCE_ROLES else {"admin"}  # province pages are not a county's
        if not set(principal["roles"]) & (self.roles | county_admin):
            raise tornado.web.HTTPError(403)
        if not self.title:
            self.title = next(entry.label for entry in NAVIGATION if entry.key == self.nav_key)

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
        if status_code == 405:
            self.set_header("Allow", ", ".join(m.upper() for m in allowed_methods(type(self))))
        self.render("error.html", title="出错了", status=status_code,
                    message=ERROR_TEXT.get(status_code, "系统出现问题，请稍后再试"), request_id=self.request_id)


class LoginPage(BaseHandler):
    """The sign-in form; the form posts to the JSON API from the browser."""

    def get(self) -> None:
        self.render("login.html", title="登录", next=self.get_query_argument("next", "/console/"))


class HomePage(ConsolePage):
    template = "home.html"


class AccountsPage(ConsolePage):
    template = "accounts.html"
    nav_key = "accounts"


class SessionsPage(ConsolePage):
    """登录会话: every staff session of the county, ended by the administrator."""

    template = "sessions.html"
    nav_key = "sessions"


class SecurityPage(ConsolePage):
    """账号安全: one's own sessions and second factor."""

    template = "security.html"
    nav_key = "security"


class ItemsPage(ConsolePage):
    template = "items.html"
    nav_key = "items"


class ItemEditPage(ConsolePage):
    template = "item_edit.html"
    nav_key = "items"

    def get(self, code: str = "") -> None:
        self.title = f"事项 {code}" if code else "新建事项"
        self.render(self.template, code=code, **self.page_context())


class IntakePage(ConsolePage):
    """窗口受理: the waiting queue and walk-in registration."""

    template = "intake.html"
    nav_key = "intake"


class TasksPage(ConsolePage):
    """审批任务: the department's open approval tasks."""

    template = "tasks.html"
    nav_key = "tasks"


class CaseLookupPage(ConsolePage):
    """办件查询: find a case by number (and query code); the cases one submitted."""

    template = "cases.html"
    nav_key = "cases"


class CasePage(ConsolePage):
    """办件详情: one case with its trail and the steps the viewer may take."""

    template = "case.html"
    nav_key = "cases"

    def get(self, number: str = "") -> None:
        self.title = f"办件 {number}"
        self.render(self.template, number=number, **self.page_context())


class PostsPage(ConsolePage):
    """岗位与AB岗: holders, who is on duty, marking away and back."""

    template = "posts.html"
    nav_key = "posts"


class HotlinePage(ConsolePage):
    """热线工单: live calls, intake with history, knowledge base and routing, queue, handover, figures."""

    template = "hotline.html"
    nav_key = "hotline"


class SupervisionPage(ConsolePage):
    """电子监察: live counts, figures per department, window and staff, charts, cards, violations, reports."""

    template = "supervision.html"
    nav_key = "supervision"


class ViolationTypesPage(ConsolePage):
    """违规类型: the county's accountability list over four levels (supervisors edit, managers read)."""

    template = "violation_types.html"
    nav_key = "violation_types"


class CalendarPage(ConsolePage):
    """工作日历: coverage, local days and importing a year's State Council notice."""

    template = "calendar.html"
    nav_key = "calendar"


class OrgPage(ConsolePage):
    """机构设置: profile, departments, townships, centres, posts and staff; the workbook."""

    template = "org.html"
    nav_key = "org"


class ProvincePage(ConsolePage):
    """全省概况: read-only figures of the province's counties."""

    template = "province.html"
    nav_key = "province"


class FeesPage(ConsolePage):
    """收费窗口: find a slip by number or QR code, take the payment, print; slips awaiting payment, refunds owed."""

    template = "fees.html"
    nav_key = "fees"


class FeeExemptionsPage(ConsolePage):
    """减免与重开: the window asks for exemptions and reissues slips; the centre manager decides; supervisors read."""

    template = "fee_exemptions.html"
    nav_key = "fee_exemptions"


class FeeReconcilePage(ConsolePage):
    """收费对账: the daily statement, statement files and the mismatches to resolve."""

    template = "fee_reconcile.html"
    nav_key = "fee_reconcile"


class StaticFiles(tornado.web.StaticFileHandler):
    """The console's own files; a 405 names the methods allowed."""

    def write_error(self, status_code: int, **kwargs) -> None:
        if status_code == 405:
            self.set_header("Allow", "GET, HEAD")
        super().write_error(status_code, **kwargs)


class RatingPairingPage(ConsolePage):
    """窗口评价器: pair the window's pad and call up the case just served for rating."""

    template = "rating.html"
    nav_key = "rating"


class BadReviewsPage(ConsolePage):
    """差评整改: bad reviews, their rectification, callbacks and appeals."""

    template = "bad_reviews.html"
    nav_key = "bad_reviews"


class CallbacksPage(ConsolePage):
    """回访抽样: draw samples, work the callback queue."""

    template = "callbacks.html"
    nav_key = "callbacks"


class SatisfactionPage(ConsolePage):
    """满意度结果: figures per window, staff, department and township; flags; publication; summaries."""

    template = "satisfaction.html"
    nav_key = "satisfaction"


class RatingPadPage(BaseHandler):
    """The kiosk pad at a window (评价器): no sign-in; it pairs with a code and then shows what the clerk calls up."""

    def get(self) -> None:
        self.render("pad.html", title="服务评价")


class VendorFileHandler(StaticFiles):
    """Browser libraries installed by npm into backend/console/node_modules (never a CDN)."""

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "public, max-age=86400")


class ApiReferencePage(BaseHandler):
    """A browsable reference of the OpenAPI document, rendered on the server."""

    def get(self) -> None:
        doc = self.application.settings["openapi"]()
        self.render("api_reference.html", title="API 参考", doc=doc)


def console_routes() -> list:
    return [
        (r"/console/login", LoginPage),
        (r"/console/?", HomePage),
        (r"/console/accounts", AccountsPage),
        (r"/console/sessions", SessionsPage),
        (r"/console/security", SecurityPage),
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
        (r"/console/org", OrgPage),
        (r"/console/province", ProvincePage),
        (r"/console/violation-types", ViolationTypesPage),
        (r"/console/fees", FeesPage),
        (r"/console/fee-exemptions", FeeExemptionsPage),
        (r"/console/fee-reconcile", FeeReconcilePage),
        (r"/console/rating", RatingPairingPage),
        (r"/console/bad-reviews", BadReviewsPage),
        (r"/console/callbacks", CallbacksPage),
        (r"/console/satisfaction", SatisfactionPage),
        (r"/console/pad", RatingPadPage),
        (r"/console/vendor/(echarts\.min\.js)", VendorFileHandler, {"path": str(VENDOR_DIR)}),
        (r"/api/docs", ApiReferencePage),
    ]
