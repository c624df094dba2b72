"""Staff roles (岗位角色) and what each sees in the console navigation.

Roles are data: an account holds a list of role codes; the labels and the
navigation live here, in one place, so they can be reviewed and translated.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLE_LABELS: dict[str, str] = {
    "window_clerk": "窗口人员",
    "dept_approver": "部门审批人员",
    "centre_manager": "中心管理人员",
    "supervisor": "电子监察（纪委）",
    "operator": "热线话务员",
    "survey_centre": "社情民意调查中心",
    "info_officer": "信息员（代办员）",
    "fee_window": "银行收费窗口",
    "admin": "系统管理员",
    "province_supervisor": "省级监察（只读）",
}

PROVINCE_ROLES = frozenset({"province_supervisor"})
# Roles that sign in with a second factor (两步验证, TOTP) after the password.
SECOND_FACTOR_ROLES = frozenset({"admin", "supervisor", "province_supervisor"})
COUNTY_ROLES = frozenset(ROLE_LABELS) - PROVINCE_ROLES
STAFF_ROLES = COUNTY_ROLES  # the roles of a county's staff (a province's accounts hold PROVINCE_ROLES)


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    path: str
    roles: frozenset[str]


NAVIGATION: list[NavEntry] = [
    NavEntry("home", "工作台", "/console/", STAFF_ROLES | PROVINCE_ROLES),
    NavEntry("intake", "窗口受理", "/console/intake", frozenset({"window_clerk", "centre_manager"})),
    NavEntry("tasks", "审批任务", "/console/tasks", frozenset({"dept_approver", "centre_manager"})),
    NavEntry("cases", "办件查询", "/console/cases", STAFF_ROLES - {"fee_window"}),
    NavEntry("items", "权力清单", "/console/items", frozenset({"centre_manager", "dept_approver", "window_clerk"})),
    NavEntry("posts", "岗位与AB岗", "/console/posts", frozenset({"centre_manager"})),
    NavEntry("hotline", "热线工单", "/console/hotline", frozenset({"operator", "centre_manager"})),
    NavEntry("supervision", "电子监察", "/console/supervision", frozenset({"supervisor", "centre_manager"})),
    NavEntry("violation_types", "违规类型", "/console/violation-types", frozenset({"supervisor", "centre_manager"})),
    NavEntry("rating", "窗口评价器", "/console/rating", frozenset({"window_clerk"})),
    NavEntry("bad_reviews", "差评整改", "/console/bad-reviews",
             frozenset({"supervisor", "centre_manager", "survey_centre", "dept_approver"})),
    NavEntry("callbacks", "回访抽样", "/console/callbacks", frozenset({"survey_centre"})),
    NavEntry("satisfaction", "满意度结果", "/console/satisfaction", frozenset({"survey_centre", "supervisor", "centre_manager"})),
    NavEntry("calendar", "工作日历", "/console/calendar", frozenset({"admin", "centre_manager"})),
    NavEntry("org", "机构设置", "/console/org", frozenset({"admin", "centre_manager"})),
    NavEntry("fees", "收费窗口", "/console/fees", frozenset({"fee_window", "centre_manager"})),
    NavEntry("fee_exemptions", "减免与重开", "/console/fee-exemptions",
             frozenset({"window_clerk", "centre_manager", "supervisor"})),
    NavEntry("fee_reconcile", "收费对账", "/console/fee-reconcile", frozenset({"fee_window", "centre_manager", "supervisor"})),
    NavEntry("province", "全省概况", "/console/province", PROVINCE_ROLES),
    NavEntry("accounts", "账号管理", "/console/accounts", frozenset({"admin", "centre_manager"})),
    NavEntry("sessions", "登录会话", "/console/sessions", frozenset({"admin"})),
    NavEntry("security", "账号安全", "/console/security", STAFF_ROLES | PROVINCE_ROLES),
]


def add_navigation(entry: NavEntry, before: str = "accounts") -> None:
    """Feature modules add their console pages; order follows the menu."""
    if any(e.key == entry.key for e in NAVIGATION):
        return
    keys = [e.key for e in NAVIGATION]
    NAVIGATION.insert(keys.index(before) if before in keys else len(NAVIGATION), entry)


def navigation_for(roles: list[str] | set[str] | tuple[str, ...]) -> list[NavEntry]:
    """The console entries a person holding ``roles`` may open, in menu order."""
    held = set(roles)
    if "admin" in held:  # a county's administrator: every county page, none of the province's
        return [entry for entry in NAVIGATION if not entry.roles <= PROVINCE_ROLES]
    return [entry for entry in NAVIGATION if entry.roles & held]


def unknown_roles(roles, allowed: frozenset[str] = COUNTY_ROLES) -> list[str]:
    """The roles in ``roles`` an account of this kind of tenant cannot hold (county by default)."""
    return [r for r in roles if r not in allowed]
