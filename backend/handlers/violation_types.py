"""The county's violation types (违规类型) over HTTP: read by supervisors and managers, edited by supervisors."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from backend.domain.violation_types import LEVELS, RAISING_CARDS
from backend.handlers.base import APIHandler
from backend.handlers.operations import Op, staff
from backend.services import violations

TAGS = ("电子监察",)


class ViolationTypeBody(BaseModel):
    code: str = Field(title="代码", description="小写字母、数字、下划线", pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: str = Field(title="违规类型名称", max_length=30)
    level: Literal[tuple(LEVELS)] = Field(title="责任层级")  # type: ignore[valid-type]
    description: str = Field("", title="说明", max_length=200)
    card_kinds: list[Literal[RAISING_CARDS]] = Field(  # type: ignore[valid-type]
        default_factory=list, title="可自动发现该违规的预警卡（红牌）类型", max_length=20)


class ViolationTypesBody(BaseModel):
    types: list[ViolationTypeBody] = Field(title="违规类型", min_length=1, max_length=500)


class ViolationTypesHandler(APIHandler):
    """The whole list, its four levels and the card kinds that can raise each type."""

    ops = {"get": Op("违规类型清单（四个责任层级；未配置时为32种示例数据）", TAGS, staff("supervisor", "centre_manager"),
                     answers={200: "违规类型、层级计数、是否示例数据"}),
           "put": Op("保存本县违规类型清单（整表替换）", TAGS, staff("supervisor"), ViolationTypesBody, {200: "保存后的清单"})}

    async def get(self) -> None:
        me = self.principal
        self.send_json(await violations.types_view(self.svc, me["tenant"]))

    async def put(self) -> None:
        me = self.principal
        self.send_json(await violations.save_types(self.svc, me["tenant"], me, self.payload.model_dump()))


def default_handlers() -> list:
    return [(r"/api/v1/supervision/violation-types", ViolationTypesHandler)]
