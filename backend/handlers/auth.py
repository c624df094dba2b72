"""Staff sign-in, sign-out, the current principal, and account management for admins."""

from backend.handlers.base import SESSION_COOKIE, APIHandler
from backend.services import accounts, org_admin

ERR = {"description": "错误（JSON 错误结构）"}


class LoginHandler(APIHandler):
    """Staff sign-in with username and password; sets the session cookie and returns the token."""

    public = True
    spec = {"post": {
        "summary": "工作人员登录", "tags": ["账号"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                           "tenant": {"type": "string", "description": "县区代码，缺省为默认县区"}}}}}},
        "responses": {"200": {"description": "登录成功，返回会话令牌与账号"}, "401": ERR, "422": ERR}}}

    async def post(self) -> None:
        body = self.json_body()
        tenant = str(body.get("tenant") or self.svc.settings.default_tenant)
        token, staff = await accounts.login(self.svc, tenant, str(body.get("username", "")), str(body.get("password", "")))
        self.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=self.svc.settings.secure_cookies,
                        expires_days=self.svc.settings.session_hours / 24)
        self.send_json({"token": token, "staff": staff})


class LogoutHandler(APIHandler):
    """End the current session."""

    spec = {"post": {"summary": "退出登录", "tags": ["账号"], "responses": {"200": {"description": "已退出"}, "401": ERR}}}

    async def post(self) -> None:
        self.require_login()
        await accounts.logout(self.svc, self.session_token())
        self.clear_cookie(SESSION_COOKIE)
        self.send_json({"ok": True})


class MeHandler(APIHandler):
    """Who is signed in, with roles and console navigation."""

    spec = {"get": {"summary": "当前登录人", "tags": ["账号"], "responses": {"200": {"description": "当前账号"}, "401": ERR}}}

    def get(self) -> None:
        self.send_json(self.require_login())


class StaffHandler(APIHandler):
    """List and create staff accounts (admin only)."""

    spec = {
        "get": {"summary": "工作人员列表", "tags": ["账号"], "responses": {"200": {"description": "账号列表"}, "403": ERR}},
        "post": {"summary": "创建工作人员账号", "tags": ["账号"],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["username", "password", "name", "roles"],
                     "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                                    "name": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}},
                                    "department": {"type": "string", "description": "本县部门代码"},
                                    "centre": {"type": "string", "description": "本县服务中心代码"},
                                    "phone": {"type": "string"}}}}}},
                 "responses": {"201": {"description": "已创建"}, "403": ERR, "409": ERR, "422": ERR}},
    }

    async def get(self) -> None:
        me = self.require_roles("admin", "centre_manager")
        self.send_json({"staff": await accounts.list_staff(self.svc, me["tenant"])})

    async def post(self) -> None:
        me = self.require_roles("admin")
        self.send_json(await org_admin.create_account(self.svc, me["tenant"], self.json_body(), me), status=201)
