"""Violation types (违规类型): a county's accountability list over four levels, and which card raises which.

Ziyang's rules hold four levels (审批部门、部门负责人、审批人员、窗口工作人员) and 32 kinds of violation;
each county keeps its own list. A type names its level and the warning-card kinds (预警卡) that can
find it by themselves (``card_kinds``); a type no card can find (吃拿卡要, 刁难群众 ...) is raised by a
complaint, a callback or an inspection. ``check_types`` validates a list a county submits;
``type_for_card`` picks the type a red card's candidate violation starts with.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

from backend.domain.errors import ValidationFailed

LEVELS = {"department": "审批部门", "department_head": "部门负责人", "approver": "审批人员", "window_clerk": "窗口工作人员"}
RAISING_CARDS = ("overdue", "step_overdue", "acceptance_waiting", "refused_without_reason", "fee_outside_standard",
                 "fee_wrong_case", "exemption_unapproved")
MAX_TYPES = 200
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_CARD_LEVEL = {"overdue": "department", "step_overdue": "approver", "acceptance_waiting": "window_clerk",
               "fee_outside_standard": "department", "fee_wrong_case": "department", "exemption_unapproved": "department"}


def _text(raw: Mapping, key: str, label: str, limit: int, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationFailed(f"请填写{label}", code="bad_violation_type")
    if len(value.strip()) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 字：{value.strip()[:10]}…", code="bad_violation_type")
    return value.strip()


def _card_kinds(raw: Mapping, name: str) -> list[str]:
    kinds = raw.get("card_kinds", [])
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise ValidationFailed(f"“{name}”的预警卡类型应为列表", code="bad_violation_type")
    unknown = [k for k in kinds if k not in RAISING_CARDS]
    if unknown:
        raise ValidationFailed(f"“{name}”关联的预警卡类型不存在或不会引发违规（仅红牌）：{'、'.join(unknown)}",
                               code="bad_card_kind")
    return list(dict.fromkeys(kinds))


def check_type(raw) -> dict:
    """One type as stored: code, name, level, description, card_kinds; 422 in Chinese when malformed."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed("每种违规类型应为一个对象", code="bad_violation_type")
    name = _text(raw, "name", "违规类型名称", 30)
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise ValidationFailed(f"“{name}”的代码应为 2-40 位小写字母、数字或下划线，以字母开头", code="bad_violation_type")
    level = raw.get("level")
    if level not in LEVELS:
        raise ValidationFailed(f"“{name}”的责任层级应为：{'、'.join(LEVELS.values())}", code="bad_violation_level")
    return {"code": code, "name": name, "level": level, "description": _text(raw, "description", "说明", 200, False),
            "card_kinds": _card_kinds(raw, name)}


def check_types(raw) -> list[dict]:
    """A county's whole list: 1-200 types, codes and names unique, every level with at least one type."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed("请提交违规类型列表（至少一种）", code="bad_violation_type")
    if len(raw) > MAX_TYPES:
        raise ValidationFailed(f"违规类型不能超过 {MAX_TYPES} 种", code="bad_violation_type")
    types = [check_type(t) for t in raw]
    for key, label in (("code", "代码"), ("name", "名称")):
        seen: set[str] = set()
        for t in types:
            if t[key] in seen:
                raise ValidationFailed(f"违规类型{label}重复：{t[key]}", code="duplicate_violation_type")
            seen.add(t[key])
    missing = [label for level, label in LEVELS.items() if not any(t["level"] == level for t in types)]
    if missing:
        raise ValidationFailed(f"每个责任层级至少要有一种违规类型，缺少：{'、'.join(missing)}", code="bad_violation_level")
    return types


def card_level(card_kind: str, detail: str = "") -> str:
    """The level a red card points at first: a rejection at the window is the clerk's, a refusal the approver's."""
    if card_kind == "refused_without_reason":
        return "window_clerk" if "CaseRejected" in detail else "approver"
    return _CARD_LEVEL.get(card_kind, "department")


def type_for_card(types: Sequence[Mapping], card_kind: str, detail: str = "") -> Mapping | None:
    """The first type linked to the card kind at the card's level, else the first linked at all."""
    linked = [t for t in types if card_kind in (t.get("card_kinds") or ())]
    level = card_level(card_kind, detail)
    return next((t for t in linked if t.get("level") == level), linked[0] if linked else None)


def counts_by_level(types: Iterable[Mapping]) -> dict[str, int]:
    counts = dict.fromkeys(LEVELS, 0)
    for t in types:
        if t.get("level") in counts:
            counts[t["level"]] += 1
    return counts
