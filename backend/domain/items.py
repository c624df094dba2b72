"""Power list items (权力清单事项): the model of one implementation-list entry and its views.

An item follows the national implementation list (政务服务事项实施清单). Items are
versioned: an edit makes a new version (``new_version``) and a case keeps the
version it was accepted under. Stored documents come from ``Item.to_dict`` (no dots
in keys, no arrays inside arrays); the public JSON comes from ``public_summary`` and
``public_guide`` and never carries internal notes or the status.

The allowed values, validation and the compression report live in
``backend.domain.item_rules``; this module re-exports them, so
``from backend.domain.items import validate_item, KINDS`` keeps working.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping  # Iterable: kept for callers of the former single module

from backend.domain.errors import ValidationFailed  # re-exported, as before the split
from backend.domain.fees import FEE_STAGES, FeeOption
from backend.domain.item_rules import (  # re-exported: the vocabularies, validation and compression
    APPROVAL_TYPE, COMPRESSION_TARGET, DELIVERY_METHODS, ITEM_TYPES, KINDS, LEVELS, MATERIAL_FORMS,
    REQUIREMENTS, ROLES, STATUSES, compression_report, item_problems, validate_item, validate_items,
)

FIELD_LABELS = {
    "code": "实施编码", "base_code": "基本编码", "name": "事项名称", "item_type": "事项类型",
    "kind": "办件类型", "department": "实施部门", "level": "层级", "townships": "办理乡镇",
    "promised_days": "承诺时限", "statutory_days": "法定时限", "online": "网上办理",
    "life_events": "人生事件", "themes": "主题", "aliases": "俗称", "version": "版本", "effective_date": "生效日期",
    "legal_basis": "设定依据", "conditions": "受理条件", "materials": "申请材料",
    "steps": "办理流程", "fees": "收费项目", "fee_stage": "缴费环节", "prerequisites": "前置事项",
    "joint_departments": "联办部门", "report_to": "上报机关", "result": "办理结果",
    "delivery_methods": "送达方式", "places": "办理地点", "phone": "咨询电话",
    "complaint_phone": "投诉电话", "status": "状态", "internal_notes": "内部备注",
}


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
    """收费项目: a fee, its standard and the document that sets it.

    The amount is integer fen: ``amount_fen`` per ``unit``, or the ``options`` (按情形) chosen by the
    application-form field ``choice_input``; ``quantity_input`` names the field counting units.
    ``standard`` is the wording people read. See ``backend.domain.fees``.
    """

    name: str = ""
    standard: str = ""
    basis: str = ""
    exemption_allowed: bool = False
    amount_fen: Any = None
    unit: str = "件"
    choice_input: str = ""
    options: list[FeeOption] = field(default_factory=list)
    quantity_input: str = ""


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


def _amount(value: Any) -> Any:
    """Whole numbers (also "2000") become int; a float, a negative or text is kept for validation."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return value


def _fee(raw: Mapping) -> FeeItem:
    options = [FeeOption(_text(o.get("label")), _amount(o.get("amount_fen"))) for o in raw.get("options") or []
               if isinstance(o, Mapping)]
    fee = _build(FeeItem, {k: v for k, v in raw.items() if k != "options"}, exemption_allowed=_bool,
                 amount_fen=_amount)
    fee.options = options
    fee.unit = fee.unit or "件"
    return fee


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
    aliases: list[str] = field(default_factory=list)  # 俗称: what people call it (电梯登记 for 特种设备使用登记)
    version: Any = 1
    effective_date: str = ""
    legal_basis: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    fees: list[FeeItem] = field(default_factory=list)
    fee_stage: str = "decision"  # when the slip is issued: at acceptance or after the approval (FEE_STAGES)
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
            themes=_strings(d.get("themes")), aliases=_strings(d.get("aliases")),
            version=_int_or_raw(d.get("version", 1)),
            effective_date=_text(effective), legal_basis=_strings(d.get("legal_basis")),
            conditions=_strings(d.get("conditions")),
            materials=[_build(Material, m, copies=_int_or_raw) for m in d.get("materials") or []],
            steps=[_build(Step, s, order=_int_or_raw, days=_int_or_raw) for s in d.get("steps") or []],
            fees=[_fee(f) for f in d.get("fees") or []],
            fee_stage=_text(d.get("fee_stage")) or "decision",
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
            "fees": [dataclasses.asdict(f) for f in self.fees], "fee_stage": self.fee_stage,
            "fee_stage_label": FEE_STAGES.get(self.fee_stage, "") if self.fees else "",
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
