"""Posts and A/B cover over HTTP (centre managers)."""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from backend.handlers.base import APIHandler
from backend.handlers.operations import Op, staff
from backend.services import posts

TAGS = ("岗位",)
MANAGERS = staff("centre_manager", scope="centre")


class AwayBody(BaseModel):
    slot: Literal["A", "B"] = Field(title="A 岗或 B 岗")
    reason: str = Field(title="离岗原因", min_length=1, max_length=200)
    until: AwareDatetime | None = Field(None, title="预计返岗时间")


class BackBody(BaseModel):
    slot: Literal["A", "B"] = Field(title="A 岗或 B 岗")


class PostsHandler(APIHandler):
    """Every post with its A and B holders, who is on duty, and recent absences."""

    ops = {"get": Op("岗位与AB岗在岗情况", TAGS, staff("centre_manager", "supervisor", "window_clerk", "dept_approver"),
                     answers={200: "岗位列表"}, parameters=({"name": "centre", "in": "query", "schema": {"type": "string"},
                                                             "description": "服务中心（county 或乡镇代码）"},))}

    async def get(self) -> None:
        me = self.principal
        self.send_json({"posts": await posts.list_posts(self.svc, me["tenant"], self.get_query_argument("centre", ""))})


class AwayHandler(APIHandler):
    """Mark the A or B holder away; open tasks are handed over to the one who covers."""

    ops = {"post": Op("登记离岗（AB岗自动顶岗并移交任务）", TAGS, MANAGERS, AwayBody, {200: "移交的任务数"}, (404,))}

    async def post(self, code: str) -> None:
        me, body = self.principal, self.payload
        self.send_json(await posts.mark_holder_away(self.svc, me["tenant"], code, body.slot, body.reason, me, body.until))


class BackHandler(APIHandler):
    """The holder is back at the post."""

    ops = {"post": Op("登记返岗", TAGS, MANAGERS, BackBody, {200: "已返岗"}, (404,))}

    async def post(self, code: str) -> None:
        me = self.principal
        self.send_json(await posts.mark_holder_back(self.svc, me["tenant"], code, self.payload.slot, me))


POST = r"(?P<code>[a-z0-9-]+)"


def default_handlers() -> list:
    return [(r"/api/v1/posts", PostsHandler), (rf"/api/v1/posts/{POST}/away", AwayHandler),
            (rf"/api/v1/posts/{POST}/back", BackHandler)]
