"""The power list over HTTP: the public catalogue and the staff maintenance endpoints."""

from typing import Any

from pydantic import BaseModel, Field

from backend.domain.errors import ValidationFailed
from backend.handlers.base import ITEM_CODE, APIHandler
from backend.handlers.operations import PUBLIC, Op, staff
from backend.services import catalog, catalog_admin

PUBLIC_TAGS, ADMIN_TAGS = ("权力清单",), ("权力清单管理",)
EDITORS, PUBLISHERS = staff(*catalog_admin.EDITORS), staff(*catalog_admin.PUBLISHERS)
READERS = staff(*catalog_admin.EDITORS, "window_clerk")
ITEM_FIELDS = "事项各字段（名称、类型、部门、材料、流程、时限、收费……），格式见 docs/items-format.md"


class ItemBody(BaseModel):
    """A new item: the item's fields as one object (checked field by field by the power-list rules)."""

    model_config = {"extra": "allow"}


class EditBody(BaseModel):
    expected_version: int = Field(title="编辑所基于的版本号", ge=1)
    item: dict[str, Any] = Field(title="事项内容", description=ITEM_FIELDS)


class PublishBody(BaseModel):
    version: int = Field(title="要发布的版本号", ge=1)
    effective_date: str = Field("", title="生效日期", max_length=10)


class WithdrawBody(BaseModel):
    reason: str = Field(title="撤销原因", min_length=1, max_length=500)


def _int_arg(handler: APIHandler, name: str, default: int) -> int:
    raw = handler.get_query_argument(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"参数 {name} 应为整数", code="bad_parameter") from None


def _query(name: str, description: str, kind: str = "string") -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": {"type": kind}}


PAGING = [_query("page", "页码，从 1 开始", "integer"), _query("page_size", "每页条数（1-100，默认 20）", "integer")]


class ItemsHandler(APIHandler):
    """Published items: filter, search in Chinese or pinyin initials, paginate."""

    ops = {"get": Op("查询权力清单事项", PUBLIC_TAGS, PUBLIC, answers={200: "{items, total, page, page_size, pages}"},
                     errors=(422,), parameters=(
            _query("q", "搜索词：中文（如“办营业执照”“生孩子要办什么”）或拼音首字母（如 yyzz）"),
            _query("department", "实施部门代码"), _query("township", "乡镇代码"),
            _query("kind", "办件类型：immediate 即办件 / promised 承诺件 / joint 联办件 / report_up 上报件"),
            _query("life_event", "人生事件"), _query("theme", "主题"), _query("tenant", "县区代码"), *PAGING))}

    async def get(self) -> None:
        arg = self.get_query_argument
        self.send_json(await catalog.list_public(
            self.svc, self.tenant(), q=arg("q", ""), department=arg("department", ""), township=arg("township", ""),
            kind=arg("kind", ""), life_event=arg("life_event", ""), theme=arg("theme", ""),
            page=_int_arg(self, "page", 1), page_size=_int_arg(self, "page_size", 20)))


class ItemHandler(APIHandler):
    """One published item's full service guide (办事指南)."""

    ops = {"get": Op("事项办事指南", PUBLIC_TAGS, PUBLIC, answers={200: "ItemGuide：材料、流程、时限、收费、地点"},
                     errors=(404,))}

    async def get(self, code: str) -> None:
        self.send_json(await catalog.public_guide(self.svc, self.tenant(), code))


class FacetsHandler(APIHandler):
    """Counts for browsing: by department, township, life event, theme and kind."""

    ops = {"get": Op("分类浏览（部门、乡镇、人生事件、主题、办件类型）", PUBLIC_TAGS, PUBLIC, answers={200: "各分类及事项数"})}

    async def get(self) -> None:
        self.send_json(await catalog.facets(self.svc, self.tenant()))


class CompressionHandler(APIHandler):
    """Promised vs statutory days per department and overall (target: promised ≤ 50% of statutory)."""

    ops = {"get": Op("承诺时限压缩情况", PUBLIC_TAGS, PUBLIC, answers={200: "按部门与全县的承诺/法定时限对比"})}

    async def get(self) -> None:
        self.send_json(await catalog.compression(self.svc, self.tenant()))


class AdminItemsHandler(APIHandler):
    """Staff: every item (drafts and withdrawn too); create a draft."""

    ops = {
        "get": Op("事项管理列表（含草稿、已撤销）", ADMIN_TAGS, READERS, answers={200: "事项列表"}, errors=(422,), parameters=(
            _query("q", "名称或编码"), _query("status", "draft / published / withdrawn"), _query("department", "部门代码"),
            _query("sort", "code / name / updated，前加 - 为倒序"), *PAGING)),
        "post": Op("新建事项（草稿第 1 版）", ADMIN_TAGS, EDITORS, ItemBody, {201: "已创建"}, (409,)),
    }

    async def get(self) -> None:
        me = self.principal
        arg = self.get_query_argument
        self.send_json(await catalog_admin.list_for_staff(
            self.svc, me["tenant"], q=arg("q", ""), status=arg("status", ""), department=arg("department", ""),
            sort=arg("sort", "code"), page=_int_arg(self, "page", 1), page_size=_int_arg(self, "page_size", 20)))

    async def post(self) -> None:
        me = self.principal
        self.send_json(await catalog_admin.create_item(self.svc, me["tenant"], self.json_body(), me), status=201)


class AdminItemHandler(APIHandler):
    """Staff: one item with its version history; an edit makes a new draft version."""

    ops = {
        "get": Op("事项详情与版本历史", ADMIN_TAGS, READERS, answers={200: "head、versions、latest"}, errors=(404,)),
        "put": Op("编辑事项（生成新版本草稿）", ADMIN_TAGS, EDITORS, EditBody, {200: "新版本"}, (404, 409)),
    }

    async def get(self, code: str) -> None:
        self.send_json(await catalog_admin.item_detail(self.svc, self.principal["tenant"], code))

    async def put(self, code: str) -> None:
        me, body = self.principal, self.payload
        self.send_json(await catalog_admin.update_item(self.svc, me["tenant"], code, body.item, me, body.expected_version))


class PublishHandler(APIHandler):
    """Publish one version of an item."""

    ops = {"post": Op("发布事项版本", ADMIN_TAGS, PUBLISHERS, PublishBody, {200: "已发布"}, (404, 409))}

    async def post(self, code: str) -> None:
        me, body = self.principal, self.payload
        self.send_json(await catalog_admin.publish(self.svc, me["tenant"], code, body.version, me, body.effective_date))


class WithdrawHandler(APIHandler):
    """Withdraw an item from the public list, with a reason."""

    ops = {"post": Op("撤销事项", ADMIN_TAGS, PUBLISHERS, WithdrawBody, {200: "已撤销"}, (404, 409))}

    async def post(self, code: str) -> None:
        me = self.principal
        self.send_json(await catalog_admin.withdraw(self.svc, me["tenant"], code, me, self.payload.reason))


CODE = ITEM_CODE


def default_handlers() -> list:
    return [
        (r"/api/v1/items", ItemsHandler),
        (rf"/api/v1/items/{CODE}", ItemHandler),
        (r"/api/v1/catalogue/facets", FacetsHandler),
        (r"/api/v1/catalogue/compression", CompressionHandler),
        (r"/api/v1/admin/items", AdminItemsHandler),
        (rf"/api/v1/admin/items/{CODE}", AdminItemHandler),
        (rf"/api/v1/admin/items/{CODE}/publish", PublishHandler),
        (rf"/api/v1/admin/items/{CODE}/withdraw", WithdrawHandler),
    ]
