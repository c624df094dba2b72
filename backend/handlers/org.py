"""The organisation over HTTP (机构设置): profile, departments, townships, centres, posts and staff;
the workbook as upload and download. Administrators and centre managers of the county."""

from urllib.parse import quote

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.handlers.base import APIHandler
from backend.handlers.operations import Op, staff
from backend.services import org_admin, org_import, seed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND = r"(?P<kind>departments|townships|centres|posts|staff)"
CODE = r"(?P<code>[a-z0-9][a-z0-9_.-]*)"
KIND_DOC = "departments 部门 / townships 乡镇 / centres 服务中心 / posts 窗口与岗位 / staff 人员"
ENTITY = {"application/json": {"schema": {"type": "object", "description": (
    "部门 {code, name, duties}；乡镇 {code, name, villages[]}；服务中心 {code, name, level: county|township, township, "
    "items[], address}；岗位 {code, name, kind: window|approval, centre, departments[], holder_a, holder_b}；"
    "人员 {username, password, name, roles[], department, centre, phone}；均可含 active")}}}
MANAGERS = staff(*org_admin.MANAGERS)
TAGS = ("机构设置",)


class ProfileBody(BaseModel):
    """Only the fields given are changed."""

    name: str | None = Field(None, title="县区名称", max_length=50)
    province: str | None = Field(None, title="省", max_length=20)
    city: str | None = Field(None, title="市", max_length=20)
    area_code: str | None = Field(None, title="行政区划代码", description="6 位，用于办件编号", max_length=6)
    hotline: str | None = Field(None, title="热线电话", max_length=30)
    business_hours: str | None = Field(None, title="办公时间", examples=["08:30-18:00"], max_length=20)
    works_weekends: bool | None = Field(None, title="周末是否办公")
    yellow_days: int | None = Field(None, title="黄牌提前工作日数", ge=0, le=365)
    acceptance_days: int | None = Field(None, title="网上申请受理时限（工作日）", ge=0, le=365)
    deadline_at_closing: bool | None = Field(None, title="承诺期限届满于下班时间", description="否则为 24:00")


class EntityBody(BaseModel):
    """部门、乡镇、服务中心、岗位或人员的字段（由机构规则逐项检查）."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"description": ENTITY["application/json"]["schema"]["description"]})


class HoldersBody(BaseModel):
    slot: Literal["A", "B"] = Field(title="A 岗或 B 岗")
    username: str = Field("", title="人员用户名", description="留空表示该岗位不设此人", max_length=64)


class ProfileHandler(APIHandler):
    """The county's profile and rules: name, area code, office hours, warning days, closing time."""

    ops = {"get": Op("县区信息与规则", TAGS, MANAGERS, answers={200: "县区信息"}),
           "put": Op("修改县区信息与规则", TAGS, MANAGERS, ProfileBody, {200: "修改后的县区信息"})}

    async def get(self) -> None:
        me = self.principal
        self.send_json(await org_admin.profile_view(self.svc, me["tenant"]))

    async def put(self) -> None:
        me = self.principal
        body = self.payload.model_dump(exclude_none=True)
        self.send_json(await org_admin.edit_profile(self.svc, me["tenant"], body, me))


class EntitiesHandler(APIHandler):
    """List one kind of the organisation (deactivated ones too), or create one."""

    ops = {"get": Op("机构列表（" + KIND_DOC + "）", TAGS, MANAGERS, answers={200: "{items: [...]}"}, errors=(404,)),
           "post": Op("新建部门、乡镇、服务中心、岗位或人员", TAGS, MANAGERS, EntityBody, {201: "已创建"}, (404, 409))}

    async def get(self, kind: str) -> None:
        me = self.principal
        self.send_json({"items": await org_admin.list_entities(self.svc, me["tenant"], kind)})

    async def post(self, kind: str) -> None:
        me = self.principal
        self.send_json(await org_admin.create(self.svc, me["tenant"], kind, self.json_body(), me), status=201)


class EntityHandler(APIHandler):
    """One entity with its change history; an edit changes the fields given."""

    ops = {"get": Op("机构详情（含变更历史与曾用名）", TAGS, MANAGERS, answers={200: "详情"}, errors=(404,)),
           "put": Op("修改机构（只改所给字段；active: false 即停用）", TAGS, MANAGERS, EntityBody, {200: "修改后的详情"},
                     (404,))}

    async def get(self, kind: str, code: str) -> None:
        me = self.principal
        self.send_json(await org_admin.entity_view(self.svc, me["tenant"], kind, code, with_history=True))

    async def put(self, kind: str, code: str) -> None:
        me = self.principal
        self.send_json(await org_admin.edit(self.svc, me["tenant"], kind, code, self.json_body(), me))


class ActiveHandler(APIHandler):
    """Deactivate (停用) or reactivate; refused while work still points at it, naming that work."""

    ops = {"post": Op("停用或启用（不删除；有未办结任务的部门、岗位不能停用）", TAGS, MANAGERS, answers={200: "修改后的详情"},
                      errors=(404, 422))}

    async def post(self, kind: str, code: str, action: str) -> None:
        me = self.principal
        self.send_json(await org_admin.edit(self.svc, me["tenant"], kind, code, {"active": action == "activate"}, me))


class HoldersHandler(APIHandler):
    """Put a person in the A or B slot of a post (调岗); open tasks follow the A/B rules."""

    ops = {"put": Op("调整岗位 A/B 岗人员（人员离开原岗位，未办结任务按AB岗规则移交）", TAGS, MANAGERS, HoldersBody,
                     {200: "岗位详情"}, (404,))}

    async def put(self, code: str) -> None:
        me, body = self.principal, self.payload
        self.send_json(await org_admin.assign(self.svc, me["tenant"], code, body.slot, body.username.strip(), me))


class ImportHandler(APIHandler):
    """Upload the organisation workbook: checked whole, imported at once or not at all."""

    raw_body = True
    ops = {"post": Op("上传机构设置表（.xlsx；任何一处有误则全部不导入）", TAGS, staff("admin"), errors=(413,), extra={
        "requestBody": {"required": True, "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {"200": {"description": "各类新增、更新数及新账号的初始密码（只显示这一次）"},
                      "422": {"description": "逐条列出问题：details.errors[{sheet,row,column,message}]"}}})}

    @property
    def max_body(self) -> int:
        return self.svc.settings.max_upload_bytes

    async def post(self) -> None:
        me = self.principal
        self.send_json(await org_import.import_workbook(self.svc, me["tenant"], self.request.body, me))


class WorkbookHandler(APIHandler):
    """Download the county's organisation as a workbook, or the blank template."""

    ops = {"get": Op("下载机构设置表（export：本县现状；template：空白模板）", TAGS, MANAGERS, extra={"responses": {
        "200": {"description": "xlsx 文件", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}})}

    async def get(self, which: str) -> None:
        me = self.principal
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
