"""The county's violation types (违规类型) over HTTP: read by supervisors and managers, edited by supervisors."""

from __future__ import annotations

from backend.domain.violation_types import LEVELS, RAISING_CARDS
from backend.handlers.base import APIHandler
from backend.services import violations

ERR = {"description": "错误（JSON 错误结构）"}
TYPE_SCHEMA = {"type": "object", "required": ["code", "name", "level"], "properties": {
    "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,39}$", "description": "代码（小写字母、数字、下划线）"},
    "name": {"type": "string", "maxLength": 30, "description": "违规类型名称"},
    "level": {"type": "string", "enum": list(LEVELS), "description": "责任层级"},
    "description": {"type": "string", "maxLength": 200},
    "card_kinds": {"type": "array", "items": {"type": "string", "enum": list(RAISING_CARDS)},
                   "description": "可自动发现该违规的预警卡（红牌）类型"}}}


class ViolationTypesHandler(APIHandler):
    """The whole list, its four levels and the card kinds that can raise each type."""

    spec = {
        "get": {"summary": "违规类型清单（四个责任层级；未配置时为32种示例数据）", "tags": ["电子监察"],
                "responses": {"200": {"description": "违规类型、层级计数、是否示例数据"}, "401": ERR, "403": ERR}},
        "put": {"summary": "保存本县违规类型清单（整表替换）", "tags": ["电子监察"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["types"],
                    "properties": {"types": {"type": "array", "minItems": 1, "items": TYPE_SCHEMA}}}}}},
                "responses": {"200": {"description": "保存后的清单"}, "400": ERR, "401": ERR, "403": ERR, "422": ERR}},
    }

    async def get(self) -> None:
        me = self.require_roles("supervisor", "centre_manager")
        self.send_json(await violations.types_view(self.svc, me["tenant"]))

    async def put(self) -> None:
        me = self.require_roles("supervisor")
        self.send_json(await violations.save_types(self.svc, me["tenant"], me, self.json_body()))


def default_handlers() -> list:
    return [(r"/api/v1/supervision/violation-types", ViolationTypesHandler)]
