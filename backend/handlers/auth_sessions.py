"""Sessions and second factors after sign-in: one's own sessions, the county's (administrators),
and resetting someone's second factor (another administrator)."""

from backend.handlers.base import APIHandler
from backend.handlers.operations import ANY_STAFF, Op, staff
from backend.services import second_factor, sessions

TAGS = ("账号",)
SID = r"(?P<sid>[0-9a-f]{16})"
USERNAME = r"(?P<username>[a-z0-9_.-]{3,32})"


class MySessionsHandler(APIHandler):
    """The signed-in person's sessions and second factor."""

    ops = {"get": Op("我的登录会话与两步验证状态", TAGS, ANY_STAFF, answers={200: "{items, second_factor}"})}

    async def get(self) -> None:
        me = self.principal
        found = await sessions.listed(self.svc, me["tenant"], me["username"])
        factor = await second_factor.status(self.svc, me["id"])
        self.send_json({"items": [sessions.view(s, me["session"]) for s in found],
                        "second_factor": {**factor, "required": second_factor.required(me["roles"])}})


class MySessionHandler(APIHandler):
    """End one of one's own sessions (another browser, a lost phone)."""

    ops = {"delete": Op("结束我的一个登录会话", TAGS, ANY_STAFF, answers={200: "已结束"}, errors=(404,))}

    async def delete(self, sid: str) -> None:
        me = self.principal
        ended = await sessions.revoke(self.svc, me["tenant"], sid, me["username"])
        self.send_json({"ended": sessions.view(ended)})


class CountySessionsHandler(APIHandler):
    """Every staff session of the county (administrators)."""

    ops = {"get": Op("本县区全部登录会话（仅系统管理员）", TAGS, staff("admin"), answers={200: "{items}"})}

    async def get(self) -> None:
        me = self.principal
        found = await sessions.listed(self.svc, me["tenant"])
        self.send_json({"items": [sessions.view(s, me["session"]) for s in found]})


class CountySessionHandler(APIHandler):
    """End anyone's session in the county (administrators)."""

    ops = {"delete": Op("结束某人的登录会话（仅系统管理员）", TAGS, staff("admin"), answers={200: "已结束"},
                        errors=(404,))}

    async def delete(self, sid: str) -> None:
        me = self.principal
        ended = await sessions.revoke(self.svc, me["tenant"], sid)
        from backend.services import audit

        await audit.record(self.svc, me["tenant"], me["id"], "staff.session_revoked", {"staff": ended["subject"]})
        self.send_json({"ended": sessions.view(ended)})


class SecondFactorResetHandler(APIHandler):
    """Remove someone's second factor (lost phone): their sessions end; the next sign-in enrols again."""

    ops = {"post": Op("重置某人的两步验证（另一位系统管理员操作）", TAGS, staff("admin"),
                      answers={200: "{username, reset, sessions_ended}"}, errors=(404,))}

    async def post(self, username: str) -> None:
        me = self.principal
        self.send_json(await second_factor.reset(self.svc, me["tenant"], username, me))


def default_handlers() -> list:
    return [
        (r"/api/v1/auth/sessions", MySessionsHandler),
        (rf"/api/v1/auth/sessions/{SID}", MySessionHandler),
        (r"/api/v1/sessions", CountySessionsHandler),
        (rf"/api/v1/sessions/{SID}", CountySessionHandler),
        (rf"/api/v1/staff/{USERNAME}/second-factor/reset", SecondFactorResetHandler),
    ]
