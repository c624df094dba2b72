"""Citizen sign-in for the mini-program (小程序登录) and the signed-in citizen's profile."""

from backend.handlers.base import APIHandler
from backend.services import citizens

ERR = {"description": "错误（JSON 错误结构）"}
CITIZEN = {"type": "object", "properties": {
    "tenant": {"type": "string"}, "openid_masked": {"type": "string", "description": "脱敏后的 openid"},
    "has_unionid": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"},
    "last_login_at": {"type": "string", "format": "date-time"}}}


class CitizenLoginHandler(APIHandler):
    """Exchange a wx.login code for a citizen session token."""

    public = True
    spec = {"post": {
        "summary": "小程序用户登录（wx.login code 换取会话）", "tags": ["群众用户"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["code"],
            "properties": {"code": {"type": "string", "description": "wx.login 返回的临时登录凭证，只能使用一次"},
                           "tenant": {"type": "string", "description": "县区代码，缺省为默认县区"}}}}}},
        "responses": {
            "200": {"description": "登录成功：{token, citizen}；不返回 session_key", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"token": {"type": "string"}, "citizen": CITIZEN}}}}},
            "401": {"description": "微信登录凭证无效或已过期，请重新登录"},
            "404": ERR, "422": ERR,
            "503": {"description": "小程序登录未配置，或暂时无法连接微信服务器"}}}}

    async def post(self) -> None:
        body = self.json_body()
        tenant = str(body.get("tenant") or self.svc.settings.default_tenant)
        token, citizen = await citizens.login(self.svc, tenant, str(body.get("code") or ""))
        self.send_json({"token": token, "citizen": citizen})


class CitizenMeHandler(APIHandler):
    """The signed-in citizen (bearer token from the login)."""

    spec = {"get": {
        "summary": "当前小程序用户", "tags": ["群众用户"],
        "responses": {"200": {"description": "当前用户", "content": {"application/json": {"schema": CITIZEN}}},
                      "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        self.send_json(await citizens.me(self.svc, self.principal))


def default_handlers() -> list:
    return [
        (r"/api/v1/citizen/login", CitizenLoginHandler),
        (r"/api/v1/citizen/me", CitizenMeHandler),
    ]
