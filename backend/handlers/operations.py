"""Each API operation declared once: who may call it, what body it takes, what it answers.

A handler lists its operations in ``ops`` (``{"post": Op(...)}``). From that one declaration:

* the base handler checks, before any handler code runs, that the caller is signed in and holds
  one of the roles the operation names (:class:`Access`); the resource scope it names (the case's
  centre, the department's task, the citizen's own case) is enforced by the service that loads the
  resource, before anything is written;
* the request body is validated by the operation's pydantic model (strict JSON types, Chinese
  messages naming each wrong field), and the handler receives the model instance;
* the OpenAPI document gets the operation's summary, request-body schema, parameters and every
  status it can answer (401/403 for a protected operation, 422 for a body), and the security
  matrix (docs/security.md) its access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from backend.domain.errors import RequestRejected, ValidationFailed
from backend.domain.roles import ROLE_LABELS

ERROR_DESCRIPTION = "错误（JSON 错误结构）"
ANYONE, SIGNED_IN, CITIZEN, ANY_STAFF_ROLE = "*", "signed_in", "citizen", "staff"
SCOPES = {
    "public": "公开", "tenant": "本县区", "own": "本人", "centre": "本服务中心", "department": "本部门",
    "case": "办件相关人员（受理中心窗口、办理部门、提交人、申请人）", "ticket": "热线工单相关单位",
    "province": "本省各县区（仅统计数字）",
    "upload": "上传者本人、申请人，及可查看所属办件申请人完整信息或所属工单的人员", "key": "凭接口密钥", "signature": "凭签名",
}


@dataclass(frozen=True)
class Access:
    """Who may call an operation; ``scope`` names the resource check its service makes."""

    roles: frozenset[str]
    scope: str = "tenant"
    admin_override: bool = True  # a county's administrator may call it too

    def allows(self, principal: dict | None) -> bool:
        if ANYONE in self.roles:
            return True
        if not principal:
            return False
        if SIGNED_IN in self.roles or (ANY_STAFF_ROLE in self.roles and principal.get("kind") == "staff"):
            return True
        held = set(principal.get("roles", []))
        if principal.get("kind") == "citizen":
            held.add(CITIZEN)
        staff_operation = bool(self.roles - {CITIZEN, SIGNED_IN, ANYONE, ANY_STAFF_ROLE}) and self.admin_override
        return bool(held & self.roles) or (staff_operation and "admin" in held and principal.get("kind") == "staff")

    @property
    def public(self) -> bool:
        return ANYONE in self.roles

    def describe(self) -> str:
        if self.public:
            return "公开"
        names = "、".join(sorted({"signed_in": "已登录用户", "citizen": "群众（小程序用户）", "staff": "工作人员"}.get(
                                     r, ROLE_LABELS.get(r, r))
                                 for r in self.roles))
        return f"{names}（{SCOPES.get(self.scope, self.scope)}）"


PUBLIC = Access(frozenset({ANYONE}), "public")
ANY_SIGNED_IN = Access(frozenset({SIGNED_IN}), "own")
ANY_STAFF = Access(frozenset({ANY_STAFF_ROLE}), "own", admin_override=False)


def staff(*roles: str, scope: str = "tenant") -> Access:
    """Staff holding one of ``roles`` (an administrator may do everything in the tenant)."""
    return Access(frozenset(roles), scope)


def roles(*names: str, scope: str = "tenant") -> Access:
    """Any of ``names``, which may include ``citizen`` and staff roles."""
    return Access(frozenset(names), scope)


PROVINCE = Access(frozenset({"province_supervisor"}), "province", admin_override=False)


@dataclass(frozen=True)
class Op:
    """One operation: summary, tags, access, request body model, parameters and answers."""

    summary: str
    tags: tuple[str, ...]
    access: Access
    body: type[BaseModel] | None = None
    answers: dict[int, str] = field(default_factory=lambda: {200: "成功"})
    errors: tuple[int, ...] = ()
    parameters: tuple[dict, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def statuses(self) -> list[int]:
        found = set(self.errors)
        if not self.access.public:
            found |= {401, 403}
        if self.body is not None:
            found |= {400, 415, 422}
        return sorted(found)

    def spec(self) -> dict:
        out: dict[str, Any] = {"summary": self.summary, "tags": list(self.tags),
                               "x-access": self.access.describe(), **self.extra}
        if self.parameters:
            out["parameters"] = list(self.parameters)
        if self.body is not None:
            out["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema(self.body)}}}
        responses = {str(code): {"description": text} for code, text in self.answers.items()}
        responses.update({str(code): {"description": ERROR_DESCRIPTION} for code in self.statuses()
                          if str(code) not in responses})
        out["responses"] = {**responses, **out.get("responses", {})}
        if self.access.public:
            out["security"] = []
        return out


def body_schema(model: type[BaseModel]) -> dict:
    """The JSON schema of a body model with its nested models inlined (one self-contained schema)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


_MESSAGES = {
    "missing": "缺少“{name}”", "string_type": "“{name}”应为文字", "bool_type": "“{name}”应为 true 或 false",
    "int_type": "“{name}”应为整数", "float_type": "“{name}”应为数字", "list_type": "“{name}”应为列表",
    "dict_type": "“{name}”应为对象", "model_type": "“{name}”应为对象", "literal_error": "“{name}”只能是：{expected}",
    "enum": "“{name}”只能是：{expected}", "string_too_long": "“{name}”过长（上限 {max_length} 字）",
    "string_too_short": "请填写“{name}”", "too_long": "“{name}”条目过多（上限 {max_length} 项）",
    "too_short": "“{name}”至少需要 {min_length} 项", "greater_than_equal": "“{name}”不能小于 {ge}",
    "less_than_equal": "“{name}”不能大于 {le}", "datetime_from_date_parsing": "“{name}”应为带时区的时间",
    "datetime_parsing": "“{name}”应为带时区的时间（ISO 8601）", "date_from_datetime_parsing": "“{name}”应为日期（YYYY-MM-DD）",
    "timezone_aware": "“{name}”须带时区", "string_pattern_mismatch": "“{name}”格式不正确",
    "extra_forbidden": "不认识的字段“{name}”",
}


def _field_name(model: type[BaseModel], loc: tuple) -> str:
    names, current = [], model
    for part in loc:
        if isinstance(part, int):
            names.append(f"第 {part + 1} 项")
            continue
        info = getattr(current, "model_fields", {}).get(part) if current else None
        name = info.title if info and info.title else str(part)
        if names and name.startswith(names[-1]):  # 申请人 + 申请人姓名 reads 申请人姓名, not 申请人的申请人姓名
            names[-1] = name
        else:
            names.append(name)
        annotation = info.annotation if info else None
        current = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return "的".join(names) or "请求内容"


def _field_code(model: type[BaseModel], loc: tuple) -> str:
    """The error code a top-level field declares (``json_schema_extra={"x-error-code": ...}``), or ""."""
    info = model.model_fields.get(loc[0]) if loc and isinstance(loc[0], str) else None
    extra = info.json_schema_extra if info and isinstance(info.json_schema_extra, dict) else {}
    return extra.get("x-error-code", "")


def _message(model: type[BaseModel], error: dict) -> str:
    name = _field_name(model, tuple(error["loc"]))
    try:
        return _MESSAGES.get(error["type"], "“{name}”不正确").format(name=name, **(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return f"“{name}”不正确"


def parse_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    """The body validated by ``model`` (strict JSON types): 400 for what is not a JSON object, else
    ``ValidationFailed`` naming each wrong field (with the field's own error code when it has one)."""
    try:
        return model.model_validate_json(raw or b"{}", strict=True)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise RequestRejected(400, "malformed_json", "请求内容不是有效的 JSON") from None
        if any(e["type"] == "model_type" and not e["loc"] for e in errors):
            raise RequestRejected(400, "malformed_json", "请求内容应为 JSON 对象") from None
        problems = [{"field": ".".join(str(p) for p in e["loc"]), "message": _message(model, e)} for e in errors]
        codes = {_field_code(model, tuple(e["loc"])) for e in errors}
        code = codes.pop() if len(codes) == 1 and "" not in codes else "invalid_body"
        raise ValidationFailed("；".join(p["message"] for p in problems) or "请求内容有误",
                               code=code, details={"fields": problems}) from None
