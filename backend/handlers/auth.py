"""Staff sign-in (password, then a code for the roles with a second factor), sign-out, the current
principal, and account management for admins."""

from pydantic import BaseModel, Field

from backend.handlers.base import SESSION_COOKIE, APIHandler
from backend.handlers.operations import ANY_SIGNED_IN, PUBLIC, Op, staff
from backend.services import accounts, org_admin, second_factor

TAGS = ("账号",)
SIGNED_IN_ANSWER = "登录成功：会话令牌与账号；需要两步验证的账号得到 second_factor（totp 或 totp_enrol）与 challenge"


class LoginBody(BaseModel):
    username: str = Field(title="用户名", min_length=1, max_length=64)
    password: str = Field(title="密码", min_length=1, max_length=256)
    tenant: str = Field("", title="县区代码", description="缺省为默认县区", max_length=40)


class ChallengeBody(BaseModel):
    challenge: str = Field(title="登录挑战", min_length=1, max_length=100)


class CodeBody(ChallengeBody):
    code: str = Field(title="验证码", min_length=1, max_length=10)


class NewStaffBody(BaseModel):
    username: str = Field(title="用户名", max_length=32)
    password: str = Field(title="密码", max_length=256)
    name: str = Field(title="姓名", max_length=50)
    roles: list[str] = Field(title="角色", max_length=20)
    department: str = Field("", title="部门代码", max_length=40)
    centre: str = Field("", title="服务中心", max_length=40)
    phone: str = Field("", title="手机号码", max_length=11)


class SignInStep(APIHandler):
    """A step of signing in: its answer may open a session, set as a cookie for the console."""

    opens_session = True

    def client(self) -> dict:
        return {"address": self.request.remote_ip, "agent": self.request.headers.get("User-Agent", "")}

    def answer(self, result: dict) -> None:
        if result.get("token"):
            settings = self.svc.settings
            self.set_cookie(SESSION_COOKIE, result["token"], httponly=True, samesite="Lax",
                            secure=settings.cookies_secure, expires_days=settings.session_hours / 24)
        self.send_json(result)


class LoginHandler(SignInStep):
    """Staff sign-in with username and password; sets the session cookie and returns the token."""

    ops = {"post": Op("工作人员登录", TAGS, PUBLIC, LoginBody, {200: SIGNED_IN_ANSWER}, (401, 403, 429))}

    async def post(self) -> None:
        body = self.payload
        tenant = body.tenant or self.svc.settings.default_tenant
        self.answer(await accounts.login(self.svc, tenant, body.username, body.password, **self.client()))


class SecondFactorHandler(SignInStep):
    """The six-digit code after the password (confirms the enrolment the first time)."""

    ops = {"post": Op("两步验证：提交验证码（首次提交即完成绑定）", TAGS, PUBLIC, CodeBody,
                      {200: "登录成功，返回会话令牌与账号"}, (401, 403, 409, 429))}

    async def post(self) -> None:
        body = self.payload
        self.answer(await accounts.complete_second_factor(self.svc, body.challenge, body.code, **self.client()))


class EnrolmentHandler(APIHandler):
    """The secret to enrol in an authenticator app, as a QR code and as text."""

    ops = {"post": Op("两步验证：取得绑定二维码（首次登录）", TAGS, PUBLIC, ChallengeBody,
                      {200: "{secret, uri, qr}：二维码为 PNG data URI"}, (401, 409))}

    async def post(self) -> None:
        self.send_json(await second_factor.enrolment(self.svc, self.payload.challenge))


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
