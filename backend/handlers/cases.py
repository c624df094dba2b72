"""The case pipeline over HTTP: intake, every step by name, progress lookup, queues."""

from backend.domain.errors import ValidationFailed
from backend.handlers.base import CASE_NUMBER, APIHandler
from backend.services import case_actions, case_views, intake

ERR = {"description": "错误（JSON 错误结构）"}
NUMBER = CASE_NUMBER


def _body_schema(properties: dict, required: list | None = None) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": properties, **({"required": required} if required else {})}}}}


def _page(handler: APIHandler) -> tuple[int, int]:
    try:
        page = int(handler.get_query_argument("page", "1"))
        size = int(handler.get_query_argument("page_size", "20"))
    except ValueError:
        raise ValidationFailed("页码参数应为整数", code="bad_page") from None
    if page < 1 or not 1 <= size <= 100:
        raise ValidationFailed("页码须从 1 开始，每页 1-100 条", code="bad_page")
    return page, size


class CasesHandler(APIHandler):
    """Submit an application: at the window, from the mini-program, by an information officer, from the hotline."""

    spec = {"post": {
        "summary": "提交办件申请（一事一号）", "tags": ["办件"],
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"},
                        "description": "重复提交同一键只生成一个办件（小程序与代办必填）"}],
        "requestBody": _body_schema({
            "item_code": {"type": "string"}, "township": {"type": "string", "description": "乡镇事项的办理乡镇"},
            "applicant": {"type": "object", "properties": {"name": {"type": "string"}, "id_number": {"type": "string"},
                                                           "phone": {"type": "string"}}},
            "form": {"type": "object"}, "materials": {"type": "array", "items": {"type": "object"}},
            "delivery": {"type": "object", "properties": {"method": {"type": "string", "enum": ["window", "post", "electronic"]},
                                                          "address": {"type": "string"}}},
            "accept": {"type": "boolean", "description": "窗口人员登记后当场受理"}}, ["item_code", "applicant"]),
        "responses": {"201": {"description": "办件（含编号与查询码）"}, "401": ERR, "403": ERR, "404": ERR, "409": ERR, "422": ERR}}}

    async def post(self) -> None:
        me = self.require_login()
        body = self.json_body()
        key = self.request.headers.get("Idempotency-Key", "").strip()
        if me.get("kind") == "citizen" and not key:
            raise ValidationFailed("小程序提交须携带 Idempotency-Key", code="idempotency_key_required")
        loaded = await intake.submit(self.svc, me["tenant"], me, body, key, accept=body.get("accept") is True)
        case = loaded[0]
        if me.get("kind") == "citizen":
            view = await case_views.progress(self.svc, me["tenant"], case.number, me, "", loaded)
            view["query_code"] = case.app.query_code
        else:
            view = await case_views.staff_view(self.svc, me["tenant"], case.number, me, loaded)
        self.send_json(view, status=201)


class CaseHandler(APIHandler):
    """Staff view of one case with its full trail."""

    spec = {"get": {"summary": "办件详情（工作人员）", "tags": ["办件"],
                    "responses": {"200": {"description": "办件、材料、任务、完整事件链"}, "401": ERR, "403": ERR, "404": ERR}}}

    async def get(self, number: str) -> None:
        me = self.require_login()
        if me.get("kind") != "staff":
            raise ValidationFailed("请使用办件进度查询", code="use_progress")
        self.send_json(await case_views.staff_view(self.svc, me["tenant"], number, me))


class ProgressHandler(APIHandler):
    """Progress lookup: the signed-in applicant, or anyone holding the receipt's query code."""

    public = True
    spec = {"get": {"summary": "办件进度查询（凭查询码）", "tags": ["办件"],
                    "parameters": [{"name": "code", "in": "query", "required": False, "schema": {"type": "string"},
                                    "description": "受理回执上的办件查询码"}],
                    "responses": {"200": {"description": "状态、时间线、承诺办结时间（仅显示脱敏姓名）"}, "404": ERR}}}

    async def get(self, number: str) -> None:
        tenant = self.principal["tenant"] if self.principal else self.tenant()
        self.send_json(await case_views.progress(self.svc, tenant, number, self.principal,
                                                 self.get_query_argument("code", "")))


class ClaimHandler(APIHandler):
    """A signed-in citizen adds a case to “my cases” with its query code (scanning the receipt)."""

    spec = {"post": {"summary": "扫码添加到“我的办件”", "tags": ["办件"],
                     "requestBody": _body_schema({"query_code": {"type": "string"}}, ["query_code"]),
                     "responses": {"200": {"description": "办件进度"}, "401": ERR, "404": ERR}}}

    async def post(self, number: str) -> None:
        me = self.require_roles("citizen")
        code = self.json_body().get("query_code")
        if not isinstance(code, str) or not code.strip():
            raise ValidationFailed("请提供查询码", code="query_code_required")
        self.send_json(await case_views.claim_for_citizen(self.svc, me["tenant"], number, me, code))


class MyCasesHandler(APIHandler):
    """A citizen's cases; for staff, the cases they submitted (e.g. an information officer's proxy submissions)."""

    spec = {"get": {"summary": "我的办件", "tags": ["办件"],
                    "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer"}},
                                   {"name": "page_size", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "办件列表（新的在前）"}, "401": ERR}}}

    async def get(self) -> None:
        me = self.require_login()
        page, size = _page(self)
        self.send_json(await case_views.my_cases(self.svc, me["tenant"], me, page, size))


class TaskQueueHandler(APIHandler):
    """The department's open approval tasks."""

    spec = {"get": {"summary": "部门审批任务队列", "tags": ["办件"],
                    "responses": {"200": {"description": "未办结的审批任务"}, "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles("dept_approver", "centre_manager", "supervisor")
        self.send_json(await case_views.task_queue(self.svc, me["tenant"], me))


class IntakeQueueHandler(APIHandler):
    """Online and proxy submissions waiting at this centre's window."""

    spec = {"get": {"summary": "窗口待受理队列", "tags": ["办件"],
                    "responses": {"200": {"description": "待受理、待补正的申请"}, "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles("window_clerk", "centre_manager")
        self.send_json(await case_views.intake_queue(self.svc, me["tenant"], me))


def _action_handler(name: str, action: case_actions.Action) -> type:
    class CaseActionHandler(APIHandler):
        spec = {"post": {"summary": action.summary, "tags": ["办件操作"], "requestBody": _body_schema({
            "reason": {"type": "string"}, "materials": {"type": "array", "items": {"type": "string"}},
            "opinion": {"type": "string"}, "approve": {"type": "boolean"}, "approved": {"type": "boolean"},
            "kind": {"type": "string", "enum": ["hearing", "expert_review", "inspection", "public_notice"]},
            "reference": {"type": "string"}, "tracking_number": {"type": "string"}, "received_by": {"type": "string"},
            "note": {"type": "string"}}),
            "responses": {"200": {"description": "操作后的办件"}, "401": ERR, "403": ERR, "404": ERR, "409": ERR, "422": ERR}}}

        async def post(self, number: str) -> None:
            me = self.require_login()
            body = self.body if isinstance(self.body, dict) else {}
            loaded = await case_actions.perform(self.svc, me["tenant"], number, me, name, body)
            if me.get("kind") == "citizen":
                self.send_json(await case_views.progress(self.svc, me["tenant"], number, me, "", loaded))
            else:
                self.send_json(await case_views.staff_view(self.svc, me["tenant"], number, me, loaded))

    CaseActionHandler.__name__ = CaseActionHandler.__qualname__ = f"Case_{name.replace('-', '_')}_Handler"
    CaseActionHandler.__doc__ = action.summary
    return CaseActionHandler


def default_handlers() -> list:
    return [
        (r"/api/v1/cases", CasesHandler),
        (rf"/api/v1/cases/{NUMBER}", CaseHandler),
        (rf"/api/v1/cases/{NUMBER}/progress", ProgressHandler),
        (rf"/api/v1/cases/{NUMBER}/claim", ClaimHandler),
        (r"/api/v1/my/cases", MyCasesHandler),
        (r"/api/v1/queues/tasks", TaskQueueHandler),
        (r"/api/v1/queues/intake", IntakeQueueHandler),
        *[(rf"/api/v1/cases/{NUMBER}/{name}", _action_handler(name, action)) for name, action in case_actions.ACTIONS.items()],
    ]
