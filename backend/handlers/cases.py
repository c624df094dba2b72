"""The case pipeline over HTTP: intake, every step by name, progress lookup, queues.

Who may call each operation is declared in its ``Op`` (checked before the handler runs); the case
scope (the case's centre for window staff, the departments with a task for approvers, the
submitter for an information officer, the applicant for a citizen) is checked by the service
before anything is written.
"""

from backend.domain.errors import ValidationFailed
from backend.handlers import case_bodies as bodies
from backend.handlers.base import CASE_NUMBER, APIHandler
from backend.handlers.operations import PUBLIC, Op, roles, staff
from backend.services import case_actions, case_views, intake

NUMBER = CASE_NUMBER
TAGS = ("办件",)
QUERY_CODE = {"name": "code", "in": "query", "required": False, "schema": {"type": "string"},
              "description": "受理回执上的办件查询码"}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200},
               "description": "重复提交同一键只生成一个办件（小程序必填）"}
PAGING = ({"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
          {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}})
CASE_READERS = ("window_clerk", "dept_approver", "centre_manager", "supervisor", "info_officer", "operator")


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

    ops = {"post": Op("提交办件申请（一事一号）", TAGS, roles("window_clerk", "info_officer", "operator", "citizen",
                                                      scope="centre"),
                      bodies.SubmitBody, {201: "办件（含编号与查询码）"}, (404, 409), (IDEMPOTENCY,))}

    async def post(self) -> None:
        me = self.principal
        key = self.request.headers.get("Idempotency-Key", "").strip()
        if me.get("kind") == "citizen" and not key:
            raise ValidationFailed("小程序提交须携带 Idempotency-Key", code="idempotency_key_required")
        loaded = await intake.submit(self.svc, me["tenant"], me, self.body, key, accept=self.payload.accept)
        case = loaded[0]
        if me.get("kind") == "citizen":
            view = await case_views.progress(self.svc, me["tenant"], case.number, me, "", loaded)
            view["query_code"] = case.app.query_code
        else:
            view = await case_views.staff_view(self.svc, me["tenant"], case.number, me, loaded)
        self.send_json(view, status=201)


class CaseHandler(APIHandler):
    """Staff view of one case with its full trail."""

    ops = {"get": Op("办件详情（工作人员）", TAGS, staff(*CASE_READERS, scope="case"),
                     answers={200: "办件、材料、任务、完整事件链"}, errors=(404,))}

    async def get(self, number: str) -> None:
        me = self.principal
        self.send_json(await case_views.staff_view(self.svc, me["tenant"], number, me))


class CaseNoticesHandler(APIHandler):
    """The notices sent to the applicant of one case, for staff who may read the case."""

    ops = {"get": Op("办件通知记录（工作人员）", TAGS, staff(*CASE_READERS, scope="case"),
                     answers={200: "每条通知的渠道、接收方（脱敏）、状态、尝试次数与失败原因（按事件顺序）"},
                     errors=(404,))}

    async def get(self, number: str) -> None:
        me = self.principal
        self.send_json(await case_views.notices(self.svc, me["tenant"], number, me))


class ResendNoticeHandler(APIHandler):
    """Send again a notice to the applicant that failed for good (e.g. once the county has set up SMS)."""

    ops = {"post": Op("重新发送失败的通知", TAGS, staff(*case_views.NOTICE_SENDERS, scope="case"),
                      bodies.NoticeBody, {200: "办件的通知记录（该通知已重新排队发送）"}, (404, 409))}

    async def post(self, number: str) -> None:
        me = self.principal
        self.send_json(await case_views.resend_notice(self.svc, me["tenant"], number, me, self.payload.notice))


class ProgressHandler(APIHandler):
    """Progress lookup: the signed-in applicant, or anyone holding the receipt's query code."""

    ops = {"get": Op("办件进度查询（凭查询码）", TAGS, PUBLIC, answers={200: "状态、时间线、承诺办结时间（仅显示脱敏姓名）"},
                     errors=(404,), parameters=(QUERY_CODE,))}

    async def get(self, number: str) -> None:
        tenant = self.principal["tenant"] if self.principal else self.tenant()
        self.send_json(await case_views.progress_text(self.svc, tenant, number, self.principal,
                                                      self.get_query_argument("code", "")))


class ClaimHandler(APIHandler):
    """A signed-in citizen adds a case to “my cases” with its query code (scanning the receipt)."""

    ops = {"post": Op("扫码添加到“我的办件”", TAGS, roles("citizen", scope="own"), bodies.ClaimBody,
                      {200: "办件进度"}, (404,))}

    async def post(self, number: str) -> None:
        me = self.principal
        self.send_json(await case_views.claim_for_citizen(self.svc, me["tenant"], number, me, self.payload.query_code))


class MyCasesHandler(APIHandler):
    """A citizen's cases; for staff, the cases they submitted (e.g. an information officer's proxy submissions)."""

    ops = {"get": Op("我的办件", TAGS, roles("signed_in", scope="own"), answers={200: "办件列表（新的在前）"},
                     errors=(422,), parameters=PAGING)}

    async def get(self) -> None:
        me = self.principal
        page, size = _page(self)
        self.send_json(await case_views.my_cases(self.svc, me["tenant"], me, page, size))


class TaskQueueHandler(APIHandler):
    """The department's open approval tasks."""

    ops = {"get": Op("部门审批任务队列", TAGS, staff("dept_approver", "centre_manager", "supervisor", scope="department"),
                     answers={200: "未办结的审批任务"})}

    async def get(self) -> None:
        self.send_json(await case_views.task_queue(self.svc, self.principal["tenant"], self.principal))


class IntakeQueueHandler(APIHandler):
    """Online and proxy submissions waiting at this centre's window."""

    ops = {"get": Op("窗口待受理队列", TAGS, staff("window_clerk", "centre_manager", scope="centre"),
                     answers={200: "待受理、待补正的申请"})}

    async def get(self) -> None:
        self.send_json(await case_views.intake_queue(self.svc, self.principal["tenant"], self.principal))


def action_access(action: case_actions.Action):
    """Who may take an action: its role, the centre manager standing in, and for the applicant's own
    steps (resubmit, withdraw) the citizen and the information officer who submitted for them."""
    names = {action.role, "centre_manager"} | ({"citizen", "info_officer"} if action.citizen_may else set())
    return roles(*names, scope="case")


def _action_handler(name: str, action: case_actions.Action) -> type:
    class CaseActionHandler(APIHandler):
        ops = {"post": Op(action.summary, ("办件操作",), action_access(action), bodies.ACTION_BODIES[name],
                          {200: "操作后的办件"}, (404, 409))}

        async def post(self, number: str) -> None:
            me = self.principal
            loaded = await case_actions.perform(self.svc, me["tenant"], number, me, name, self.body)
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
        (rf"/api/v1/cases/{NUMBER}/notifications", CaseNoticesHandler),
        (rf"/api/v1/cases/{NUMBER}/notifications/resend", ResendNoticeHandler),
        (rf"/api/v1/cases/{NUMBER}/claim", ClaimHandler),
        (r"/api/v1/my/cases", MyCasesHandler),
        (r"/api/v1/queues/tasks", TaskQueueHandler),
        (r"/api/v1/queues/intake", IntakeQueueHandler),
        *[(rf"/api/v1/cases/{NUMBER}/{name}", _action_handler(name, action)) for name, action in case_actions.ACTIONS.items()],
    ]
