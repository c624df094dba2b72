"""A county's organisation (机构设置) as data: profile, settings, departments, townships, centres,
posts and staff, in the one shape every surface shares (API, console, workbook, store).

Entities are plain dicts keyed by code (staff by username); a post names its A and B holders by
username. ``clean`` turns untrusted input (a JSON body, a workbook row) into that shape and says in
Chinese what was wrong with it; the rules that tie entities together live in ``org_rules``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from backend.domain.roles import COUNTY_ROLES, ROLE_LABELS

KINDS = ("departments", "townships", "centres", "posts", "staff")
KIND_LABELS = {"profile": "县区信息", "settings": "县区信息", "departments": "部门", "townships": "乡镇",
               "centres": "服务中心", "posts": "岗位", "staff": "人员"}
CENTRE_LEVELS = {"county": "县级", "township": "乡镇"}
POST_KINDS = {"window": "窗口岗", "approval": "审批岗"}
SLOTS = {"A": "holder_a", "B": "holder_b"}
COUNTY_CENTRE = "county"  # the county centre's code; a township centre's code is its township's
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,32}$")
AREA_CODE_RE = re.compile(r"^\d{6}$")
HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
PHONE_RE = re.compile(r"^[0-9+() -]{5,20}$")
MAX_TEXT = {"name": 60, "duties": 500, "address": 200, "province": 20, "city": 20, "hotline": 40}

# Every field of every kind with its default; the default's type is the field's type.
FIELDS: dict[str, dict] = {
    "departments": {"name": "", "duties": "", "active": True},
    "townships": {"name": "", "villages": [], "active": True},
    "centres": {"name": "", "level": "township", "township": "", "items": [], "address": "", "active": True},
    "posts": {"name": "", "kind": "window", "centre": "", "departments": [], "holder_a": "", "holder_b": "",
              "active": True},
    "staff": {"name": "", "roles": [], "department": "", "centre": "", "phone": "", "active": True},
}
PROFILE_FIELDS = {"name": "", "province": "", "city": "", "area_code": "", "hotline": "", "business_hours": "",
                  "works_weekends": False}
SETTINGS_FIELDS = {"yellow_days": 1, "acceptance_days": 1, "deadline_at_closing": False}
FIELD_LABELS = {
    "code": "代码", "username": "用户名", "name": "名称", "duties": "职责", "villages": "村（社区）", "level": "层级",
    "township": "所在乡镇", "items": "可受理事项", "address": "地址", "kind": "类型", "centre": "服务中心",
    "departments": "部门", "holder_a": "A 岗", "holder_b": "B 岗", "roles": "角色", "department": "部门",
    "phone": "手机", "active": "状态", "post": "岗位", "slot": "AB岗", "province": "省份", "city": "地市",
    "area_code": "行政区划代码", "hotline": "热线电话", "business_hours": "办公时间", "works_weekends": "周末办公",
    "yellow_days": "黄牌预警（剩余工作日）", "acceptance_days": "网上申请受理时限（工作日）",
    "deadline_at_closing": "期限截至下班时间",
}
ENUMS = {("centres", "level"): CENTRE_LEVELS, ("posts", "kind"): POST_KINDS}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an organisation, said in Chinese, tied to the entity and field it is about."""

    kind: str  # profile | settings | one of KINDS
    code: str  # the entity's code or username ("" for profile and settings)
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "code": self.code, "field": self.field, "message": self.message}


@dataclass
class OrgState:
    """A county's whole organisation; ``known_items`` are the catalogue's item codes (None: not checked)."""

    profile: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    departments: dict[str, dict] = field(default_factory=dict)
    townships: dict[str, dict] = field(default_factory=dict)
    centres: dict[str, dict] = field(default_factory=dict)
    posts: dict[str, dict] = field(default_factory=dict)
    staff: dict[str, dict] = field(default_factory=dict)
    known_items: frozenset[str] | None = None

    def of(self, kind: str) -> dict[str, dict]:
        return getattr(self, kind)

    def copy(self) -> OrgState:
        return copy.deepcopy(self)

    def active(self, kind: str) -> dict[str, dict]:
        return {code: e for code, e in self.of(kind).items() if e.get("active", True)}

    def post_of(self, username: str) -> tuple[str, str] | None:
        """(post code, slot) of the first active post ``username`` holds, or None."""
        for code, post in sorted(self.active("posts").items()):
            for slot, key in SLOTS.items():
                if post.get(key) == username:
                    return code, slot
        return None


def describe(kind: str, code: str, entity: dict | None) -> str:
    """How a message names an entity: 岗位「市场准入窗口」（w01）."""
    name = (entity or {}).get("name") or ""
    label = KIND_LABELS.get(kind, kind)
    return f"{label}「{name}」（{code}）" if name and name != code else f"{label}「{code}」"


def with_defaults(kind: str, entity: dict) -> dict:
    """Every field of ``kind``, taken from ``entity`` where present (other keys are dropped)."""
    return {key: copy.deepcopy(entity.get(key, default)) for key, default in FIELDS[kind].items()}


def clean(kind: str, data: dict, partial: bool = False) -> tuple[dict, dict[str, str]]:
    """Untrusted ``data`` as fields of ``kind`` (or ``profile``, ``settings``); returns (values,
    {field: Chinese message}). ``partial``: only the fields present (an edit), else defaults fill in."""
    fields = FIELDS.get(kind) or (PROFILE_FIELDS if kind == "profile" else SETTINGS_FIELDS)
    values, errors = {}, {}
    if not isinstance(data, dict):
        return {}, {"": "内容应为 JSON 对象"}
    for key, default in fields.items():
        if key not in data:
            if not partial:
                values[key] = copy.deepcopy(default)
            continue
        value, message = _clean_value(kind, key, default, data[key])
        if message:
            errors[key] = message
        else:
            values[key] = value
    return values, errors


def unknown_keys(data, *kinds: str) -> dict[str, str]:
    """An error for the keys of ``data`` that are no field of ``kinds`` (a typo in a request body)."""
    known = {"code", "username", "password"}
    for kind in kinds:
        known |= set(FIELDS.get(kind) or (PROFILE_FIELDS if kind == "profile" else SETTINGS_FIELDS))
    extra = sorted(set(data) - known) if isinstance(data, dict) else []
    return {"": f"不认识的字段：{'、'.join(extra)}"} if extra else {}


def error_text(errors: dict[str, str]) -> list[str]:
    """``clean``'s errors as sentences: 「名称」过长（上限 60 字）."""
    return [f"「{FIELD_LABELS.get(k, k)}」{m}" if k else m for k, m in errors.items()]


def _clean_value(kind: str, key: str, default, raw):
    if isinstance(default, bool):
        return (raw, "") if isinstance(raw, bool) else (None, "应为是或否")
    if isinstance(default, int):
        ok = isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= 365
        return (raw, "") if ok else (None, "应为 0 到 365 之间的整数")
    if isinstance(default, list):
        if isinstance(raw, str):
            raw = split_list(raw)
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            return None, "应为文字列表"
        values = [v.strip() for v in raw if v.strip()]
        if key == "roles":
            values = [role_code(v) for v in values]
        return list(dict.fromkeys(values)), ""
    if raw is None:
        raw = ""
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        return None, "应为文字"
    text = str(raw).strip()
    limit = MAX_TEXT.get(key, 80)
    if len(text) > limit:
        return None, f"过长（上限 {limit} 字）"
    enum = ENUMS.get((kind, key))
    if enum is not None:
        codes = {label: code for code, label in enum.items()}
        if text not in enum and text not in codes:
            return None, f"应为：{'、'.join(enum.values())}"
        text = codes.get(text, text)
    return text, ""


def split_list(text: str) -> list[str]:
    """A list written in one cell or field: one entry per line, or separated by 、，, ; ；."""
    return [part.strip() for part in re.split(r"[\r\n、，,;；]+", text or "") if part.strip()]


def role_code(text: str) -> str:
    """A role written as its code or its Chinese label (窗口人员 -> window_clerk)."""
    by_label = {label: code for code, label in ROLE_LABELS.items()}
    return by_label.get(text, text)


def closing_time(business_hours: str) -> str:
    """The closing time "HH:MM" of office hours "08:30-18:00" ("" when not set or not valid)."""
    match = HOURS_RE.match(business_hours or "")
    return f"{match.group(3)}:{match.group(4)}" if match else ""


def county_roles() -> frozenset[str]:
    return COUNTY_ROLES
