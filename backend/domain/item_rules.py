"""Item rules (事项规则): the allowed values of an item, its validation and the compression report.

The vocabularies below are the codes the national implementation list uses (with the Chinese
labels people see). ``item_problems`` lists every rule an item breaks, ``validate_item`` and
``validate_items`` raise them together as one ValidationFailed, and ``compression_report``
measures promised against statutory time limits (时限压缩比). ``backend.domain.items``
re-exports every name here, so callers may keep importing from there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Mapping

from backend.domain.errors import ValidationFailed
from backend.domain.fees import fee_problems

# An item (backend.domain.items.Item). Not imported: that module is built on these rules, and the
# rules read only its fields.
Item = Any

ITEM_TYPES = ("行政许可", "行政给付", "行政确认", "行政裁决", "行政奖励", "其他行政权力", "公共服务")
APPROVAL_TYPE = "行政许可"
KINDS = {"immediate": "即办件", "promised": "承诺件", "joint": "联办件", "report_up": "上报件"}
LEVELS = {"county": "县级", "township": "乡镇"}
STATUSES = {"draft": "草稿", "published": "已发布", "withdrawn": "已撤销"}
ROLES = {
    "window_clerk": "窗口人员",
    "dept_approver": "部门审批人",
    "centre_manager": "中心管理",
    "higher_authority": "上级机关",
    "fee_window": "收费窗口",
}
REQUIREMENTS = {"required": "必要", "conditional": "按情形"}
MATERIAL_FORMS = {"original": "原件", "copy": "复印件", "original_and_copy": "原件和复印件", "electronic": "电子版"}
DELIVERY_METHODS = {"window": "窗口领取", "post": "邮寄", "electronic": "电子证照"}
COMPRESSION_TARGET = 0.5  # Ziyang: promised limits at most half of the statutory limits

_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")


# --- single checks ------------------------------------------------------------------------


def _problem(problems: list, field_path: str, message: str) -> None:
    problems.append({"field": field_path, "message": message})


def _check_days(problems: list, path: str, value: Any, label: str) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        _problem(problems, path, f"{label}必须是整数（工作日）")
        return False
    if value < 0:
        _problem(problems, path, f"{label}不能为负数")
        return False
    return True


def _check_choice(problems: list, path: str, value: str, choices: Iterable[str], label: str) -> None:
    if value not in choices:
        allowed = "、".join(choices)
        _problem(problems, path, f"{label}「{value or '（空）'}」无效，应为：{allowed}")


# --- checks per part of the item -------------------------------------------------------------


def _check_identity(item: Item, problems: list) -> None:
    if not item.code:
        _problem(problems, "code", "实施编码不能为空")
    elif not _CODE_RE.match(item.code):
        _problem(problems, "code", "实施编码只能包含数字、字母、短横线和下划线")
    if item.base_code and not _CODE_RE.match(item.base_code):
        _problem(problems, "base_code", "基本编码只能包含数字、字母、短横线和下划线")
    if not item.name:
        _problem(problems, "name", "事项名称不能为空")
    _check_choice(problems, "item_type", item.item_type, ITEM_TYPES, "事项类型")
    _check_choice(problems, "kind", item.kind, KINDS, "办件类型")
    _check_choice(problems, "level", item.level, LEVELS, "层级")
    _check_choice(problems, "status", item.status, STATUSES, "状态")
    if isinstance(item.version, bool) or not isinstance(item.version, int) or item.version < 1:
        _problem(problems, "version", "版本号必须是正整数")
    if item.effective_date:
        try:
            dt.date.fromisoformat(item.effective_date)
        except ValueError:
            _problem(problems, "effective_date", "生效日期格式应为 YYYY-MM-DD")


def _check_places(item: Item, departments: Mapping[str, str] | None, townships, problems: list) -> None:
    if departments is not None and item.department not in departments:
        _problem(problems, "department", f"未知的实施部门「{item.department or '（空）'}」")
    if item.level == "township":
        if not item.townships:
            _problem(problems, "townships", "乡镇事项必须填写办理乡镇")
    elif item.level == "county" and item.townships:
        _problem(problems, "townships", "县级事项不填写办理乡镇")
    if townships is not None:
        for town in item.townships:
            if town not in townships:
                _problem(problems, "townships", f"未知的乡镇「{town}」")


def _check_limits(item: Item, problems: list) -> None:
    ok_promised = _check_days(problems, "promised_days", item.promised_days, "承诺时限")
    ok_statutory = _check_days(problems, "statutory_days", item.statutory_days, "法定时限")
    # statutory_days == 0 means the law sets no limit (法律法规未规定办理时限)
    if ok_promised and ok_statutory and 0 < item.statutory_days < item.promised_days:
        _problem(problems, "promised_days", "承诺时限不能大于法定时限")


def _check_kind(item: Item, departments: Mapping[str, str] | None, problems: list) -> None:
    codes = [j.code for j in item.joint_departments]
    if item.kind == "joint":
        if len(set(codes)) < 2:
            _problem(problems, "joint_departments", "联办件至少需要两个联办部门")
    elif codes:
        _problem(problems, "joint_departments", "只有联办件可以填写联办部门")
    if departments is not None:
        for code in codes:
            if code not in departments:
                _problem(problems, "joint_departments", f"未知的联办部门「{code or '（空）'}」")
    if item.kind == "report_up" and not item.report_to:
        _problem(problems, "report_to", "上报件必须填写上报机关")
    elif item.kind != "report_up" and item.report_to:
        _problem(problems, "report_to", "只有上报件可以填写上报机关")


def _check_materials(item: Item, problems: list) -> None:
    if item.item_type == APPROVAL_TYPE and not item.materials:
        _problem(problems, "materials", "行政许可事项必须列出申请材料")
    for i, m in enumerate(item.materials):
        path = f"materials[{i}]"
        if not m.name:
            _problem(problems, f"{path}.name", "材料名称不能为空")
        _check_choice(problems, f"{path}.requirement", m.requirement, REQUIREMENTS, "材料必要性")
        _check_choice(problems, f"{path}.form", m.form, MATERIAL_FORMS, "材料形式")
        _check_days(problems, f"{path}.copies", m.copies, "份数")
        if m.requirement == "conditional" and not m.condition:
            _problem(problems, f"{path}.condition", "按情形提交的材料需写明适用情形")


def _check_steps(item: Item, problems: list) -> None:
    orders = []
    for i, s in enumerate(item.steps):
        path = f"steps[{i}]"
        if not s.name:
            _problem(problems, f"{path}.name", "环节名称不能为空")
        _check_choice(problems, f"{path}.role", s.role, ROLES, "办理角色")
        _check_days(problems, f"{path}.days", s.days, "环节时限")
        if _check_days(problems, f"{path}.order", s.order, "步骤序号"):
            orders.append(s.order)
    if len(orders) != len(set(orders)):
        _problem(problems, "steps", "办理流程的步骤序号不能重复")


def _check_fees_and_links(item: Item, problems: list) -> None:
    for i, f in enumerate(item.fees):
        if not f.name:
            _problem(problems, f"fees[{i}].name", "收费项目名称不能为空")
        if not f.standard:
            _problem(problems, f"fees[{i}].standard", "收费项目必须写明收费标准")
    problems.extend(fee_problems(item.fees, item.fee_stage))
    for i, p in enumerate(item.prerequisites):
        if not p.code:
            _problem(problems, f"prerequisites[{i}].code", "前置事项编码不能为空")
        elif p.code == item.code:
            _problem(problems, f"prerequisites[{i}].code", "事项不能以自己为前置事项")
    for method in item.delivery_methods:
        _check_choice(problems, "delivery_methods", method, DELIVERY_METHODS, "送达方式")


# --- validation -----------------------------------------------------------------------------


def item_problems(item: Item, known_departments: Mapping[str, str] | None,
                  known_townships: Iterable[str] | None) -> list[dict]:
    """Every rule the item breaks, as ``{"field", "message"}``; ``None`` skips a lookup check."""
    problems: list[dict] = []
    towns = set(known_townships) if known_townships is not None else None
    _check_identity(item, problems)
    _check_places(item, known_departments, towns, problems)
    _check_limits(item, problems)
    _check_kind(item, known_departments, problems)
    _check_materials(item, problems)
    _check_steps(item, problems)
    _check_fees_and_links(item, problems)
    return problems


def _failure(problems: list[dict], subject: str) -> ValidationFailed:
    shown = "；".join(p["message"] for p in problems[:5])
    more = f"（共 {len(problems)} 处问题）" if len(problems) > 5 else ""
    return ValidationFailed(f"{subject}：{shown}{more}", details={"errors": problems})


def validate_item(item: Item, known_departments: Mapping[str, str] | None,
                  known_townships: Iterable[str] | None) -> None:
    """Raise one ValidationFailed listing ALL problems (details["errors"]: [{field, message}])."""
    problems = item_problems(item, known_departments, known_townships)
    if problems:
        raise _failure(problems, f"事项「{item.name or item.code or '未命名'}」填写有误")


def validate_items(items: list[Item], known_departments: Mapping[str, str] | None,
                   known_townships: Iterable[str] | None) -> None:
    """Validate a batch: each item plus duplicated codes; fields are prefixed ``items[i].``."""
    problems: list[dict] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        for p in item_problems(item, known_departments, known_townships):
            problems.append({"field": f"items[{i}].{p['field']}", "message": p["message"]})
        if item.code and item.code in seen:
            problems.append({"field": f"items[{i}].code",
                             "message": f"实施编码「{item.code}」重复（与第 {seen[item.code] + 1} 个事项相同）"})
        seen.setdefault(item.code, i)
    if problems:
        raise ValidationFailed(f"事项清单有 {len(problems)} 处问题：{problems[0]['message']}",
                               details={"errors": problems})


# --- time-limit compression (压缩比) ----------------------------------------------------------


def _compression_row(items: list[Item]) -> dict:
    timed = [i for i in items if isinstance(i.statutory_days, int) and i.statutory_days > 0]
    promised = sum(i.promised_days for i in timed)
    statutory = sum(i.statutory_days for i in timed)
    meeting = [i for i in timed if i.promised_days <= COMPRESSION_TARGET * i.statutory_days]
    return {
        "count": len(items), "timed_count": len(timed),
        "promised_days": promised, "statutory_days": statutory,
        "ratio": round(promised / statutory, 3) if statutory else None,
        "average_ratio": round(sum(i.promised_days / i.statutory_days for i in timed) / len(timed), 3)
        if timed else None,
        "meeting_target": len(meeting),
        "meeting_share": round(len(meeting) / len(timed), 3) if timed else None,
    }


def compression_report(items: Iterable[Item], departments: Mapping[str, str] | None = None) -> dict:
    """Promised vs statutory days per department and overall, against the ≤50% target.

    ``ratio`` is total promised / total statutory days; ``meeting_share`` is the share of
    items (with a statutory limit) whose promised limit is at most half the statutory one.
    """
    items = list(items)
    by_dept: dict[str, list[Item]] = {}
    for item in items:
        by_dept.setdefault(item.department, []).append(item)
    rows = []
    for code in sorted(by_dept):
        name = (departments or {}).get(code) or by_dept[code][0].department_name
        rows.append({"code": code, "name": name, **_compression_row(by_dept[code])})
    return {"target": COMPRESSION_TARGET, "overall": _compression_row(items), "departments": rows}
