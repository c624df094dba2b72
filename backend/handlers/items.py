"""The power list over HTTP: the public catalogue and the staff maintenance endpoints."""

from backend.domain.errors import ValidationFailed
from backend.handlers.base import ITEM_CODE, APIHandler
from backend.services import catalog, catalog_admin

ERR = {"description": "错误（JSON 错误结构）"}
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}


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

    public = True
    spec = {"get": {
        "summary": "查询权力清单事项", "tags": ["权力清单"],
        "parameters": [
            _query("q", "搜索词：中文（如“办营业执照”“生孩子要办什么”）或拼音首字母（如 yyzz）"),
            _query("department", "实施部门代码"), _query("township", "乡镇代码"),
            _query("kind", "办件类型：immediate 即办件 / promised 承诺件 / joint 联办件 / report_up 上报件"),
            _query("life_event", "人生事件"), _query("theme", "主题"), _query("tenant", "县区代码"), *PAGING],
        "responses": {"200": {"description": "{items, total, page, page_size, pages}"}, "422": ERR}}}

    async def get(self) -> None:
        arg = self.get_query_argument
        self.send_json(await catalog.list_public(
            self.svc, self.tenant(), q=arg("q", ""), department=arg("department", ""), township=arg("township", ""),
            kind=arg("kind", ""), life_event=arg("life_event", ""), theme=arg("theme", ""),
            page=_int_arg(self, "page", 1), page_size=_int_arg(self, "page_size", 20)))


class ItemHandler(APIHandler):
    """One published item's full service guide (办事指南)."""

    public = True
    spec = {"get": {"summary": "事项办事指南", "tags": ["权力清单"],
                    "responses": {"200": {"description": "ItemGuide：材料、流程、时限、收费、地点"}, "404": ERR}}}

    async def get(self, code: str) -> None:
        self.send_json(await catalog.public_guide(self.svc, self.tenant(), code))


class FacetsHandler(APIHandler):
    """Counts for browsing: by department, township, life event, theme and kind."""

    public = True
    spec = {"get": {"summary": "分类浏览（部门、乡镇、人生事件、主题、办件类型）", "tags": ["权力清单"],
                    "responses": {"200": {"description": "各分类及事项数"}}}}

    async def get(self) -> None:
        self.send_json(await catalog.facets(self.svc, self.tenant()))


class CompressionHandler(APIHandler):
    """Promised vs statutory days per department and overall (target: promised ≤ 50% of statutory)."""

    public = True
    spec = {"get": {"summary": "承诺时限压缩情况", "tags": ["权力清单"],
                    "responses": {"200": {"description": "按部门与全县的承诺/法定时限对比"}}}}

    async def get(self) -> None:
        self.send_json(await catalog.compression(self.svc, self.tenant()))


class AdminItemsHandler(APIHandler):
    """Staff: every item (drafts and withdrawn too); create a draft."""

    spec = {
        "get": {"summary": "事项管理列表（含草稿、已撤销）", "tags": ["权力清单管理"],
                "parameters": [_query("q", "名称或编码"), _query("status", "draft / published / withdrawn"),
                               _query("department", "部门代码"), _query("sort", "code / name / updated，前加 - 为倒序"),
                               *PAGING],
                "responses": {"200": {"description": "事项列表"}, "401": ERR, "403": ERR}},
        "post": {"summary": "新建事项（草稿第 1 版）", "tags": ["权力清单管理"],
                 "requestBody": {"required": True, "content": JSON_OBJECT},
                 "responses": {"201": {"description": "已创建"}, "403": ERR, "409": ERR, "422": ERR}},
    }

    async def get(self) -> None:
        me = self.require_roles(*catalog_admin.EDITORS, "window_clerk")
        arg = self.get_query_argument
        self.send_json(await catalog_admin.list_for_staff(
            self.svc, me["tenant"], q=arg("q", ""), status=arg("status", ""), department=arg("department", ""),
            sort=arg("sort", "code"), page=_int_arg(self, "page", 1), page_size=_int_arg(self, "page_size", 20)))

    async def post(self) -> None:
        me = self.require_roles(*catalog_admin.EDITORS)
        self.send_json(await catalog_admin.create_item(self.svc, me["tenant"], self.json_body(), me), status=201)


class AdminItemHandler(APIHandler):
    """Staff: one item with its version history; an edit makes a new draft version."""

    spec = {
        "get": {"summary": "事项详情与版本历史", "tags": ["权力清单管理"],
                "responses": {"200": {"description": "head、versions、latest"}, "404": ERR}},
        "put": {"summary": "编辑事项（生成新版本草稿）", "tags": ["权力清单管理"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["expected_version", "item"],
                    "properties": {"expected_version": {"type": "integer"}, "item": {"type": "object"}}}}}},
                "responses": {"200": {"description": "新版本"}, "403": ERR, "409": ERR, "422": ERR}},
    }

    async def get(self, code: str) -> None:
        me = self.require_roles(*catalog_admin.EDITORS, "window_clerk")
        self.send_json(await catalog_admin.item_detail(self.svc, me["tenant"], code))

    async def put(self, code: str) -> None:
        me = self.require_roles(*catalog_admin.EDITORS)
        body = self.json_body()
        expected = body.get("expected_version")
        if not isinstance(expected, int):
            raise ValidationFailed("请提供 expected_version（编辑所基于的版本号）", code="expected_version_required")
        self.send_json(await catalog_admin.update_item(self.svc, me["tenant"], code, body.get("item"), me, expected))


class PublishHandler(APIHandler):
    """Publish one version of an item."""

    spec = {"post": {"summary": "发布事项版本", "tags": ["权力清单管理"],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["version"],
                         "properties": {"version": {"type": "integer"}, "effective_date": {"type": "string"}}}}}},
                     "responses": {"200": {"description": "已发布"}, "403": ERR, "404": ERR, "409": ERR}}}

    async def post(self, code: str) -> None:
        me = self.require_roles(*catalog_admin.PUBLISHERS)
        body = self.json_body()
        if not isinstance(body.get("version"), int):
            raise ValidationFailed("请指定要发布的版本号", code="version_required")
        self.send_json(await catalog_admin.publish(self.svc, me["tenant"], code, body["version"], me,
                                                   str(body.get("effective_date") or "")))


class WithdrawHandler(APIHandler):
    """Withdraw an item from the public list, with a reason."""

    spec = {"post": {"summary": "撤销事项", "tags": ["权力清单管理"],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}}}},
                     "responses": {"200": {"description": "已撤销"}, "403": ERR, "409": ERR, "422": ERR}}}

    async def post(self, code: str) -> None:
        me = self.require_roles(*catalog_admin.PUBLISHERS)
        self.send_json(await catalog_admin.withdraw(self.svc, me["tenant"], code, me, str(self.json_body().get("reason", ""))))


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
