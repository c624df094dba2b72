"""Power list items (权力清单事项): the model of one implementation-list entry and its rules.

An item follows the national implementation list (政务服务事项实施清单). Items are
versioned: an edit makes a new version (``new_version``) and a case keeps the
version it was accepted under. Stored documents come from ``Item.to_dict`` (no dots
in keys, no arrays inside arrays); the public JSON comes from ``public_summary`` and
``public_guide`` and never carries internal notes or the status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from backend.domain.errors import ValidationFailed

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

FIELD_LABELS = {
    "code": "实施编码", "base_code": "基本编码", "name": "事项名称", "item_type": "事项类型",
    "kind": "办件类型", "department": "实施部门", "level": "层级", "townships": "办理乡镇",
    "promised_days": "承诺时限", "statutory_days": "法定时限", "online": "网上办理",
    "life_events": "人生事件", "themes": "主题", "version": "版本", "effective_date": "生效日期",
    "legal_basis": "设定依据", "conditions": "受理条件", "materials": "申请材料",
    "steps": "办理流程", "fees": "收费项目", "prerequisites": "前置事项",
    "joint_departments": "联办部门", "report_to": "上报机关", "result": "办理结果",
    "delivery_methods": "送达方式", "places": "办理地点", "phone": "咨询电话",
    "complaint_phone": "投诉电话", "status": "状态", "internal_notes": "内部备注",
}

_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")


@dataclass
class Material:
    """申请材料: one required or conditional document."""

    name: str = ""
    requirement: str = "required"
    condition: str = ""
    form: str = "original"
    copies: Any = 1
    source: str = "申请人自备"
    blank_form: str = ""
    sample: str = ""
    note: str = ""


@dataclass
class Step:
    """办理环节: one box of the flowchart, performed by one role."""

    order: Any = 1
    name: str = ""
    role: str = "window_clerk"
    description: str = ""
    days: Any = 0

    def public(self) -> dict:
        return {**dataclasses.asdict(self), "role_label": ROLES.get(self.role, self.role)}


@dataclass
class FeeItem:
    """收费项目: a fee, its standard and the document that sets it."""

    name: str = ""
    standard: str = ""
    basis: str = ""
    exemption_allowed: bool = False


@dataclass
class Place:
    """办理地点: where and when the item is handled."""

    name: str = ""
    address: str = ""
    hours: str = ""


@dataclass
class Ref:
    """A code with its display name (a department or a prerequisite item)."""

    code: str = ""
    name: str = ""


@dataclass
class Result:
    """办理结果: the certificate, licence or decision the applicant receives."""

    name: str = ""
    type: str = "证照"


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int_or_raw(value: Any) -> Any:
    """Integers (also "5" or 5.0) become int; anything else is kept for validation to report."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return value


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y", "是", "可", "允许")
    return bool(value)


def _strings(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [_text(v) for v in values if _text(v)]


def _ref(value: Any) -> Ref:
    if isinstance(value, Mapping):
        return Ref(code=_text(value.get("code")), name=_text(value.get("name")))
    return Ref(code=_text(value))


def _build(cls, raw: Mapping, **coerce) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: v for k, v in raw.items() if k in names}
    for key, fn in coerce.items():
        if key in kwargs:
            kwargs[key] = fn(kwargs[key])
    for key, value in kwargs.items():
        if key not in coerce and isinstance(value, str):
            kwargs[key] = value.strip()
    return cls(**kwargs)


@dataclass
class Item:
    """事项: one power-list item version (基本编码 + 实施编码, kind, limits, guide)."""

    code: str = ""
    base_code: str = ""
    name: str = ""
    item_type: str = ""
    kind: str = "promised"
    department: str = ""
    department_name: str = ""
    level: str = "county"
    townships: list[str] = field(default_factory=list)
    promised_days: Any = 0
    statutory_days: Any = 0
    online: bool = False
    life_events: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    version: Any = 1
    effective_date: str = ""
    legal_basis: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    fees: list[FeeItem] = field(default_factory=list)
    prerequisites: list[Ref] = field(default_factory=list)
    joint_departments: list[Ref] = field(default_factory=list)
    report_to: str = ""
    result: Result = field(default_factory=Result)
    delivery_methods: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    phone: str = ""
    complaint_phone: str = ""
    status: str = "draft"
    internal_notes: str = ""

    @classmethod
    def from_dict(cls, d: Mapping) -> "Item":
        """Build from a stored document or the public JSON shape (derived keys are ignored)."""
        dept = d.get("department")
        dept_ref = _ref(dept) if dept is not None else Ref()
        result = d.get("result") or {}
        if isinstance(result, str):
            result = {"name": result}
        effective = d.get("effective_date")
        if isinstance(effective, (dt.date, dt.datetime)):
            effective = (effective.date() if isinstance(effective, dt.datetime) else effective).isoformat()
        return cls(
            code=_text(d.get("code")), base_code=_text(d.get("base_code")), name=_text(d.get("name")),
            item_type=_text(d.get("item_type")), kind=_text(d.get("kind")) or "promised",
            department=dept_ref.code, department_name=_text(d.get("department_name")) or dept_ref.name,
            level=_text(d.get("level")) or "county", townships=_strings(d.get("townships")),
            promised_days=_int_or_raw(d.get("promised_days", 0)),
            statutory_days=_int_or_raw(d.get("statutory_days", 0)),
            online=_bool(d.get("online", False)), life_events=_strings(d.get("life_events")),
            themes=_strings(d.get("themes")), version=_int_or_raw(d.get("version", 1)),
            effective_date=_text(effective), legal_basis=_strings(d.get("legal_basis")),
            conditions=_strings(d.get("conditions")),
            materials=[_build(Material, m, copies=_int_or_raw) for m in d.get("materials") or []],
            steps=[_build(Step, s, order=_int_or_raw, days=_int_or_raw) for s in d.get("steps") or []],
            fees=[_build(FeeItem, f, exemption_allowed=_bool) for f in d.get("fees") or []],
            prerequisites=[_ref(p) for p in d.get("prerequisites") or []],
            joint_departments=[_ref(j) for j in d.get("joint_departments") or []],
            report_to=_text(d.get("report_to")),
            result=Result(name=_text(result.get("name")), type=_text(result.get("type")) or "证照"),
            delivery_methods=_strings(d.get("delivery_methods")),
            places=[_build(Place, p) for p in d.get("places") or []],
            phone=_text(d.get("phone")), complaint_phone=_text(d.get("complaint_phone")),
            status=_text(d.get("status")) or "draft", internal_notes=_text(d.get("internal_notes")),
        )

    def to_dict(self) -> dict:
        """The full document for storage, internal fields included."""
        return dataclasses.asdict(self)

    @property
    def charged(self) -> bool:
        return bool(self.fees)

    @property
    def compression(self) -> float | None:
        """promised_days / statutory_days, or None when there is no statutory limit."""
        if not isinstance(self.statutory_days, int) or self.statutory_days <= 0:
            return None
        return round(self.promised_days / self.statutory_days, 2)

    def department_ref(self, departments: Mapping[str, str] | None = None) -> dict:
        name = (departments or {}).get(self.department) or self.department_name
        return {"code": self.department, "name": name}

    def public_summary(self, departments: Mapping[str, str] | None = None) -> dict:
        """ItemSummary of the public API; ``departments`` (code -> name) fills missing names."""
        return {
            "code": self.code, "base_code": self.base_code, "name": self.name,
            "item_type": self.item_type, "kind": self.kind, "kind_label": KINDS.get(self.kind, self.kind),
            "department": self.department_ref(departments), "level": self.level,
            "townships": list(self.townships) if self.level == "township" else [],
            "promised_days": self.promised_days, "statutory_days": self.statutory_days,
            "charged": self.charged, "online": self.online,
            "life_events": list(self.life_events), "themes": list(self.themes),
            "version": self.version, "effective_date": self.effective_date,
        }

    def public_guide(self, departments: Mapping[str, str] | None = None) -> dict:
        """ItemGuide of the public API: the summary plus the service guide (办事指南)."""
        names = departments or {}
        return {
            **self.public_summary(departments),
            "legal_basis": list(self.legal_basis), "conditions": list(self.conditions),
            "materials": [dataclasses.asdict(m) for m in self.materials],
            "steps": [s.public() for s in sorted(self.steps, key=_step_order)],
            "fees": [dataclasses.asdict(f) for f in self.fees],
            "prerequisites": [dataclasses.asdict(p) for p in self.prerequisites],
            "joint_departments": [{"code": j.code, "name": names.get(j.code) or j.name}
                                  for j in self.joint_departments],
            "report_to": self.report_to, "result": dataclasses.asdict(self.result),
            "delivery_methods": list(self.delivery_methods),
            "places": [dataclasses.asdict(p) for p in self.places],
            "phone": self.phone, "complaint_phone": self.complaint_phone,
            "compression": self.compression,
        }


def _step_order(step: Step) -> int:
    return step.order if isinstance(step.order, int) else 0


def item_key(tenant: str, code: str, version: int) -> str:
    """The ``_id`` of a stored item version: ``tenant:code:version``."""
    return f"{tenant}:{code}:{version}"


def new_version(item: Item, changes: Mapping, effective_date: str) -> Item:
    """An edit: a new draft version with ``changes`` applied; the old version stays as it was."""
    merged = {**item.to_dict(), **dict(changes)}
    merged.update(code=item.code, version=item.version + 1, effective_date=effective_date, status="draft")
    return Item.from_dict(merged)


# --- validation -----------------------------------------------------------------------


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


def _check_steps_and_fees(item: Item, problems: list) -> None:
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
    for i, f in enumerate(item.fees):
        if not f.name:
            _problem(problems, f"fees[{i}].name", "收费项目名称不能为空")
        if not f.standard:
            _problem(problems, f"fees[{i}].standard", "收费项目必须写明收费标准")
    for i, p in enumerate(item.prerequisites):
        if not p.code:
            _problem(problems, f"prerequisites[{i}].code", "前置事项编码不能为空")
        elif p.code == item.code:
            _problem(problems, f"prerequisites[{i}].code", "事项不能以自己为前置事项")
    for method in item.delivery_methods:
        _check_choice(problems, "delivery_methods", method, DELIVERY_METHODS, "送达方式")


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
    _check_steps_and_fees(item, problems)
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


# --- time-limit compression (压缩比) ----------------------------------------------------


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
