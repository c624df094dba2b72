"""Posts and A/B cover over HTTP (centre managers)."""

from datetime import datetime

from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from backend.services import posts

ERR = {"description": "错误（JSON 错误结构）"}


class PostsHandler(APIHandler):
    """Every post with its A and B holders, who is on duty, and recent absences."""

    spec = {"get": {"summary": "岗位与AB岗在岗情况", "tags": ["岗位"],
                    "parameters": [{"name": "centre", "in": "query", "schema": {"type": "string"}, "description": "服务中心（county 或乡镇代码）"}],
                    "responses": {"200": {"description": "岗位列表"}, "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles("centre_manager", "supervisor", "window_clerk", "dept_approver")
        self.send_json({"posts": await posts.list_posts(self.svc, me["tenant"], self.get_query_argument("centre", ""))})


class AwayHandler(APIHandler):
    """Mark the A or B holder away; open tasks are handed over to the one who covers."""

    spec = {"post": {"summary": "登记离岗（AB岗自动顶岗并移交任务）", "tags": ["岗位"],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["slot", "reason"],
                         "properties": {"slot": {"type": "string", "enum": ["A", "B"]}, "reason": {"type": "string"},
                                        "until": {"type": "string", "format": "date-time"}}}}}},
                     "responses": {"200": {"description": "移交的任务数"}, "403": ERR, "404": ERR, "422": ERR}}}

    async def post(self, code: str) -> None:
        me = self.require_roles("centre_manager")
        body = self.json_body()
        until = None
        if body.get("until"):
            try:
                until = datetime.fromisoformat(str(body["until"]))
            except ValueError:
                raise ValidationFailed("返岗时间格式不正确", code="bad_until") from None
            if until.tzinfo is None:
                raise ValidationFailed("返岗时间须带时区", code="bad_until")
        self.send_json(await posts.mark_holder_away(self.svc, me["tenant"], code, str(body.get("slot", "")),
                                                    str(body.get("reason", "")), me, until))


class BackHandler(APIHandler):
    """The holder is back at the post."""

    spec = {"post": {"summary": "登记返岗", "tags": ["岗位"],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["slot"], "properties": {"slot": {"type": "string", "enum": ["A", "B"]}}}}}},
                     "responses": {"200": {"description": "已返岗"}, "403": ERR, "404": ERR}}}

    async def post(self, code: str) -> None:
        me = self.require_roles("centre_manager")
        self.send_json(await posts.mark_holder_back(self.svc, me["tenant"], code, str(self.json_body().get("slot", "")), me))


POST = r"(?P<code>[a-z0-9-]+)"


def default_handlers() -> list:
    return [(r"/api/v1/posts", PostsHandler), (rf"/api/v1/posts/{POST}/away", AwayHandler),
            (rf"/api/v1/posts/{POST}/back", BackHandler)]
