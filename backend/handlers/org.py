"""The organisation over HTTP (机构设置): profile, departments, townships, centres, posts and staff;
the workbook as upload and download. Administrators and centre managers of the county."""

from urllib.parse import quote

from backend.handlers.base import APIHandler
from backend.services import org_admin, org_import, seed

ERR = {"description": "错误（JSON 错误结构；机构问题逐条列于 details.problems）"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND = r"(?P<kind>departments|townships|centres|posts|staff)"
CODE = r"(?P<code>[a-z0-9][a-z0-9_.-]*)"
KIND_DOC = "departments 部门 / townships 乡镇 / centres 服务中心 / posts 窗口与岗位 / staff 人员"
ENTITY = {"application/json": {"schema": {"type": "object", "description": (
    "部门 {code, name, duties}；乡镇 {code, name, villages[]}；服务中心 {code, name, level: county|township, township, "
    "items[], address}；岗位 {code, name, kind: window|approval, centre, departments[], holder_a, holder_b}；"
    "人员 {username, password, name, roles[], department, centre, phone}；均可含 active")}}}
MANAGERS = org_admin.MANAGERS


class ProfileHandler(APIHandler):
    """The county's profile and rules: name, area code, office hours, warning days, closing time."""

    spec = {
        "get": {"summary": "县区信息与规则", "tags": ["机构设置"], "responses": {"200": {"description": "县区信息"}, "403": ERR}},
        "put": {"summary": "修改县区信息与规则", "tags": ["机构设置"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "name": {"type": "string"}, "province": {"type": "string"}, "city": {"type": "string"},
                    "area_code": {"type": "string", "description": "6 位行政区划代码，用于办件编号"},
                    "hotline": {"type": "string"}, "business_hours": {"type": "string", "example": "08:30-18:00"},
                    "works_weekends": {"type": "boolean"}, "yellow_days": {"type": "integer"},
                    "acceptance_days": {"type": "integer"},
                    "deadline_at_closing": {"type": "boolean", "description": "承诺期限届满于下班时间（否则 24:00）"}}}}}},
                "responses": {"200": {"description": "修改后的县区信息"}, "403": ERR, "422": ERR}},
    }

    async def get(self) -> None:
        me = self.require_roles(*MANAGERS)
        self.send_json(await org_admin.profile_view(self.svc, me["tenant"]))

    async def put(self) -> None:
        me = self.require_roles(*MANAGERS)
        self.send_json(await org_admin.edit_profile(self.svc, me["tenant"], self.json_body(), me))


class EntitiesHandler(APIHandler):
    """List one kind of the organisation (deactivated ones too), or create one."""

    spec = {
        "get": {"summary": "机构列表（" + KIND_DOC + "）", "tags": ["机构设置"],
                "responses": {"200": {"description": "{items: [...]}"}, "403": ERR, "404": ERR}},
        "post": {"summary": "新建部门、乡镇、服务中心、岗位或人员", "tags": ["机构设置"],
                 "requestBody": {"required": True, "content": ENTITY},
                 "responses": {"201": {"description": "已创建"}, "403": ERR, "409": ERR, "422": ERR}},
    }

    async def get(self, kind: str) -> None:
        me = self.require_roles(*MANAGERS)
        self.send_json({"items": await org_admin.list_entities(self.svc, me["tenant"], kind)})

    async def post(self, kind: str) -> None:
        me = self.require_roles(*MANAGERS)
        self.send_json(await org_admin.create(self.svc, me["tenant"], kind, self.json_body(), me), status=201)


class EntityHandler(APIHandler):
    """One entity with its change history; an edit changes the fields given."""

    spec = {
        "get": {"summary": "机构详情（含变更历史与曾用名）", "tags": ["机构设置"],
                "responses": {"200": {"description": "详情"}, "403": ERR, "404": ERR}},
        "put": {"summary": "修改机构（只改所给字段；active: false 即停用）", "tags": ["机构设置"],
                "requestBody": {"required": True, "content": ENTITY},
                "responses": {"200": {"description": "修改后的详情"}, "403": ERR, "404": ERR, "422": ERR}},
    }

    async def get(self, kind: str, code: str) -> None:
        me = self.require_roles(*MANAGERS)
        self.send_json(await org_admin.entity_view(self.svc, me["tenant"], kind, code, with_history=True))

    async def put(self, kind: str, code: str) -> None:
        me = self.require_roles(*MANAGERS)
        self.send_json(await org_admin.edit(self.svc, me["tenant"], kind, code, self.json_body(), me))


class ActiveHandler(APIHandler):
    """Deactivate (停用) or reactivate; refused while work still points at it, naming that work."""

    spec = {"post": {"summary": "停用或启用（不删除；有未办结任务的部门、岗位不能停用）", "tags": ["机构设置"],
                     "responses": {"200": {"description": "修改后的详情"}, "403": ERR, "404": ERR, "422": ERR}}}

    async def post(self, kind: str, code: str, action: str) -> None:
        me = self.require_roles(*MANAGERS)
        self.send_json(await org_admin.edit(self.svc, me["tenant"], kind, code, {"active": action == "activate"}, me))


class HoldersHandler(APIHandler):
    """Put a person in the A or B slot of a post (调岗); open tasks follow the A/B rules."""

    spec = {"put": {"summary": "调整岗位 A/B 岗人员（人员离开原岗位，未办结任务按AB岗规则移交）", "tags": ["机构设置"],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["slot"],
                        "properties": {"slot": {"type": "string", "enum": ["A", "B"]},
                                       "username": {"type": "string", "description": "留空表示该岗位不设此人"}}}}}},
                    "responses": {"200": {"description": "岗位详情"}, "403": ERR, "404": ERR, "422": ERR}}}

    async def put(self, code: str) -> None:
        me = self.require_roles(*MANAGERS)
        body = self.json_body()
        self.send_json(await org_admin.assign(self.svc, me["tenant"], code, str(body.get("slot") or ""),
                                              str(body.get("username") or "").strip(), me))


class ImportHandler(APIHandler):
    """Upload the organisation workbook: checked whole, imported at once or not at all."""

    raw_body = True
    spec = {"post": {"summary": "上传机构设置表（.xlsx；任何一处有误则全部不导入）", "tags": ["机构设置"],
                     "requestBody": {"required": True, "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                     "responses": {"200": {"description": "各类新增、更新数及新账号的初始密码（只显示这一次）"},
                                   "403": ERR, "422": {"description": "逐条列出问题：details.errors[{sheet,row,column,message}]"}}}}

    @property
    def max_body(self) -> int:
        return self.svc.settings.max_upload_bytes

    async def post(self) -> None:
        me = self.require_roles("admin")
        self.send_json(await org_import.import_workbook(self.svc, me["tenant"], self.request.body, me))


class WorkbookHandler(APIHandler):
    """Download the county's organisation as a workbook, or the blank template."""

    spec = {"get": {"summary": "下载机构设置表（export：本县现状；template：空白模板）", "tags": ["机构设置"],
                    "responses": {"200": {"description": "xlsx 文件", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                                  "403": ERR}}}

    async def get(self, which: str) -> None:
        me = self.require_roles(*MANAGERS)
        if which == "template":
            data, name = seed.TEMPLATE_WORKBOOK.read_bytes(), "机构设置表-空白模板.xlsx"
        else:
            data, name = await org_import.export_workbook(self.svc, me["tenant"]), f"机构设置表-{me['tenant']}.xlsx"
        self.set_header("Content-Type", XLSX)
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}")
        self.finish(data)


def default_handlers() -> list:
    return [
        (r"/api/v1/org/profile", ProfileHandler),
        (r"/api/v1/org/import", ImportHandler),
        (r"/api/v1/org/(?P<which>export|template)\.xlsx", WorkbookHandler),
        (rf"/api/v1/org/posts/{CODE}/holders", HoldersHandler),
        (rf"/api/v1/org/{KIND}", EntitiesHandler),
        (rf"/api/v1/org/{KIND}/{CODE}", EntityHandler),
        (rf"/api/v1/org/{KIND}/{CODE}/(?P<action>deactivate|activate)", ActiveHandler),
    ]
