"""Calls over HTTP: the CTI webhooks and the operators' live call cards.

- ``POST /api/v1/hotline/cti/events`` (signed, see ``hotline.domain.call_events``) and ``/cti/aliyun``
  (``hotline.services.cti_aliyun``).
- ``/api/v1/hotline/calls/...``: live call cards and registering a ticket during a call (operators).
"""

from __future__ import annotations

import json

from backend.domain.errors import RequestRejected
from backend.handlers.base import APIHandler
from backend.handlers.operations import Access, Op
from backend.services import tenants
from hotline.domain import call_events
from hotline.handlers.bodies import CallTicketBody
from hotline.handlers.operations import HOTLINE, op, query
from hotline.services import cti, cti_aliyun

SIGNED = Access(frozenset({"*"}), "signature")  # anyone may call; the body's signature decides
CALL_ID = r"(?P<call_id>[A-Za-z0-9._:@-]{1,100})"


async def _known_tenant(handler: APIHandler, named) -> str:
    tenant = named if isinstance(named, str) and named else handler.svc.settings.default_tenant
    return await tenants.require(handler.svc, tenant)


def _json(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RequestRejected(400, "malformed_json", "请求内容不是有效的 JSON") from None


class CtiEventsHandler(APIHandler):
    """Signed call events from the switch (话务系统)."""

    raw_body = True
    ops = {"post": Op("话务系统事件（签名：X-Sunshine-Timestamp + X-Sunshine-Signature = HMAC-SHA256(时间戳.原文)）",
                      ("12345热线",), SIGNED, answers={200: "来电卡片"}, errors=(400, 401, 404, 422), extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["event_id", "type", "call_id"], "properties": {
                "event_id": {"type": "string"}, "type": {"type": "string", "enum": list(call_events.EVENT_TYPES)},
                "call_id": {"type": "string"}, "caller": {"type": "string"}, "callee": {"type": "string"},
                "seat": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
                "recording_url": {"type": "string"}, "tenant": {"type": "string"}}}}}}})}

    async def post(self) -> None:
        call_events.check_signature(self.svc.settings.cti_secret, self.request.headers.get("X-Sunshine-Timestamp", ""),
                            self.request.headers.get("X-Sunshine-Signature", ""), self.request.body, self.svc.now())
        data = _json(self.request.body)
        tenant = await _known_tenant(self, data.get("tenant") if isinstance(data, dict) else None)
        event = call_events.parse_event(data, self.svc.now())
        self.send_json({"accepted": True, "call": await cti.record_event(self.svc, tenant, event)})


class CtiAliyunHandler(APIHandler):
    """Relayed Aliyun Cloud Call Center events."""

    raw_body = True
    ops = {"post": Op("阿里云云联络中心事件（X-Ccc-Signature = HMAC-SHA256(AccessKey Secret, 原文)）", ("12345热线",),
                      SIGNED, answers={200: "来电卡片或已忽略"}, errors=(400, 401, 404, 422), extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["eventType"], "properties": {
                "eventType": {"type": "string"}, "eventTime": {"type": "string"}, "instanceId": {"type": "string"},
                "contactId": {"type": "string"}, "agentId": {"type": "string"}, "caller": {"type": "string"},
                "callee": {"type": "string"}}}}}}})}

    async def post(self) -> None:
        cti_aliyun.check_signature(self.svc.settings.aliyun_access_key_secret,
                                   self.request.headers.get("X-Ccc-Signature", ""), self.request.body)
        tenant = await _known_tenant(self, self.get_query_argument("tenant", ""))
        self.send_json(await cti_aliyun.handle(self.svc, tenant, _json(self.request.body)))


class LiveCallsHandler(APIHandler):
    """Calls on the console now."""

    ops = {"get": op("当前来电（振铃、通话中及 30 分钟内挂机，含来电人历史）与今日话务量", "来电卡片", HOTLINE,
                      params=(query("seat", "只看本坐席"),))}

    async def get(self) -> None:
        me = self.principal
        self.send_json(await cti.live_calls(self.svc, me["tenant"], self.get_query_argument("seat", ""), me))


class CallHandler(APIHandler):
    ops = {"get": op("一通来电的卡片（含来电人历史与本次通话登记的工单）", "来电卡片", HOTLINE)}

    async def get(self, call_id: str) -> None:
        me = self.principal
        self.send_json(await cti.get_call(self.svc, me["tenant"], call_id, me))


class CallTicketsHandler(APIHandler):
    ops = {"post": op("通话中登记工单（工单保留 call_id，来电号码默认取自通话，短信告知工单编号）", "工单", HOTLINE,
                       CallTicketBody, created=True)}

    async def post(self, call_id: str) -> None:
        me = self.principal
        view = await cti.register_during_call(self.svc, me["tenant"], me, call_id, self.body)
        self.send_json(view, status=201)
