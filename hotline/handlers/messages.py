"""Citizens' hotline messages (热线留言) over HTTP, from the mini-program."""

from __future__ import annotations

from backend.handlers.base import APIHandler
from backend.handlers.operations import roles
from hotline.handlers.bodies import MessageBody
from hotline.handlers.operations import op
from hotline.services import messages, tickets

CITIZENS = roles("citizen", scope="own")


class MessagesHandler(APIHandler):
    ops = {"get": op("我的热线留言（新的在前）", "留言列表", CITIZENS),
           "post": op("提交热线留言（市民；类型不填时按内容推断）", "留言（工单编号与状态）", CITIZENS, MessageBody,
                       created=True)}

    async def get(self) -> None:
        me = self.principal
        self.send_json({"items": await messages.list_messages(self.svc, me["tenant"], me)})

    async def post(self) -> None:
        me = self.principal
        self.send_json(await messages.leave_message(self.svc, me["tenant"], me, self.body), status=201)


class MessageHandler(APIHandler):
    ops = {"get": op("一条热线留言的办理情况", "留言", CITIZENS)}

    async def get(self, number: str) -> None:
        me = self.principal
        self.send_json(messages.citizen_view(await tickets.get_ticket(self.svc, me["tenant"], number, me)))
