"""Staff sign-in, sign-out, the current principal, and account management for admins."""

from pydantic import BaseModel, Field

from backend.handlers.base import SESSION_COOKIE, APIHandler
from backend.handlers.operations import ANY_SIGNED_IN, PUBLIC, Op, staff
from backend.services import accounts, org_admin

TAGS = ("账号",)


class LoginBody(BaseModel):
    username: str = Field(title="用户名", min_length=1, max_length=64)
    password: str = Field(title="密码", min_length=1, max_length=256)
    tenant: str = Field("", title="县区代码", description="缺省为默认县区", max_length=40)


class NewStaffBody(BaseModel):
    username: str = Field(title="用户名", max_length=32)
    password: str = Field(title="密码", max_length=256)
    name: str = Field(title="姓名", max_length=50)
    roles: list[str] = Field(title="角色", max_length=20)
    department: str = Field("", title="部门代码", max_length=40)
    centre: str = Field("", title="服务中心", max_length=40)
    phone: str = Field("", title="手机号码", max_length=11)


class LoginHandler(APIHandler):
    """Staff sign-in with username and password; sets the session cookie and returns the token."""

    ops = {"post": Op("工作人员登录", TAGS, PUBLIC, LoginBody, {200: "登录成功，返回会话令牌与账号"}, (401,))}

    async def post(self) -> None:
        body = self.payload
        tenant = body.tenant or self.svc.settings.default_tenant
        token, staff = await accounts.login(self.svc, tenant, body.username, body.password)
        self.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=self.svc.settings.secure_cookies,
                        expires_days=self.svc.settings.session_hours / 24)
        self.send_json({"token": token, "staff": staff})


class LogoutHandler(APIHandler):
    """End the current session."""

    ops = {"post": Op("退出登录", TAGS, ANY_SIGNED_IN, answers={200: "已退出"})}

    async def post(self) -> None:
        await accounts.logout(self.svc, self.session_token())
        self.clear_cookie(SESSION_COOKIE)
        self.send_json({"ok": True})


class MeHandler(APIHandler):
    """Who is signed in, with roles and console navigation."""

    ops = {"get": Op("当前登录人", TAGS, ANY_SIGNED_IN, answers={200: "当前账号"})}

    def get(self) -> None:
        self.send_json(self.principal)


class StaffHandler(APIHandler):
    """List and create staff accounts (admin only)."""

    ops = {"get": Op("工作人员列表", TAGS, staff("admin", "centre_manager"), answers={200: "账号列表"}),
           "post": Op("创建工作人员账号", TAGS, staff("admin"), NewStaffBody, {201: "已创建"}, (404, 409))}

    async def get(self) -> None:
        me = self.principal
        self.send_json({"staff": await accounts.list_staff(self.svc, me["tenant"])})

    async def post(self) -> None:
        me = self.principal
        self.send_json(await org_admin.create_account(self.svc, me["tenant"], self.body, me), status=201)
