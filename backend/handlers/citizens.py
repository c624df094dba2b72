"""Citizen sign-in for the mini-program (小程序登录) and the signed-in citizen's profile."""

from pydantic import BaseModel, Field

from backend.handlers.base import APIHandler
from backend.handlers.operations import PUBLIC, Op, roles
from backend.services import citizens

TAGS = ("群众用户",)


class CitizenLoginBody(BaseModel):
    code: str = Field(title="登录凭证", description="wx.login 返回的临时登录凭证，只能使用一次", min_length=1, max_length=200)
    tenant: str = Field("", title="县区代码", description="缺省为默认县区", max_length=40)
CITIZEN = {"type": "object", "properties": {
    "tenant": {"type": "string"}, "openid_masked": {"type": "string", "description": "脱敏后的 openid"},
    "has_unionid": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"},
    "last_login_at": {"type": "string", "format": "date-time"}}}


class CitizenLoginHandler(APIHandler):
    """Exchange a wx.login code for a citizen session token."""

    ops = {"post": Op("小程序用户登录（wx.login code 换取会话）", TAGS, PUBLIC, CitizenLoginBody, errors=(404, 503), extra={
        "responses": {"200": {"description": "登录成功：{token, citizen}；不返回 session_key", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"token": {"type": "string"}, "citizen": CITIZEN}}}}},
            "401": {"description": "微信登录凭证无效或已过期，请重新登录"},
            "503": {"description": "小程序登录未配置，或暂时无法连接微信服务器"}}})}

    async def post(self) -> None:
        body = self.payload
        token, citizen = await citizens.login(self.svc, body.tenant or self.svc.settings.default_tenant, body.code)
        self.send_json({"token": token, "citizen": citizen})


class CitizenMeHandler(APIHandler):
    """The signed-in citizen (bearer token from the login)."""

    ops = {"get": Op("当前小程序用户", TAGS, roles("citizen", scope="own"), extra={"responses": {
        "200": {"description": "当前用户", "content": {"application/json": {"schema": CITIZEN}}}}})}

    async def get(self) -> None:
        self.send_json(await citizens.me(self.svc, self.principal))


def default_handlers() -> list:
    return [
        (r"/api/v1/citizen/login", CitizenLoginHandler),
        (r"/api/v1/citizen/me", CitizenMeHandler),
    ]
