"""The hotline's edges over HTTP: Open311 GeoReport v2, the CTI webhooks, live calls, citizens' messages.

- ``/open311/v2/...``: GeoReport v2 (``.json`` or ``.xml``); errors ``[{"code", "description"}]``.
- ``POST /api/v1/hotline/cti/events`` (signed, see ``hotline.cti``) and ``/cti/aliyun`` (``hotline.cti_aliyun``).
- ``/api/v1/hotline/calls/...``: live call cards and registering a ticket during a call (operators).
- ``/api/v1/hotline/messages``: 热线留言 from the mini-program (citizens).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import tornado.web

from typing import Literal

from pydantic import BaseModel, Field

from backend.domain.errors import DomainError, RequestRejected
from backend.handlers.base import CASE_NUMBER, APIHandler, to_json
from backend.handlers.operations import Access, Op, roles
from backend.services import tenants
from hotline import cti, cti_aliyun, keys, messages, open311, service
from hotline.bodies import Location, TicketType
from hotline.handlers import HOTLINE, _op, _query

SIGNED = Access(frozenset({"*"}), "signature")  # anyone may call; the body's signature decides
KEYED = Access(frozenset({"*"}), "key")  # anyone may call; an Open311 api_key decides for writes
CITIZENS = roles("citizen", scope="own")


class CallTicketBody(BaseModel):
    type: TicketType = Field(title="诉求类型")
    content: str = Field(title="诉求内容", min_length=1, max_length=2000)
    caller_phone: str = Field("", title="来电号码", max_length=30)
    caller_name: str = Field("", title="来电人", max_length=50)
    township: str = Field("", title="乡镇", max_length=40)
    urgency: Literal["normal", "urgent"] = Field("normal", title="紧急程度")


class MessageBody(BaseModel):
    content: str = Field(title="留言内容", min_length=1, max_length=2000)
    phone: str = Field(title="联系电话", min_length=1, max_length=30)
    township: str = Field("", title="乡镇", max_length=40)
    type: TicketType | Literal[""] = Field("", title="诉求类型")
    photos: list[str] = Field(default_factory=list, title="照片", max_length=9)
    location: Location = Field(default_factory=Location, title="位置")
FMT = r"\.(?P<fmt>json|xml)"
NUMBER = CASE_NUMBER
CALL_ID = r"(?P<call_id>[A-Za-z0-9._:@-]{1,100})"
OPEN311_TAGS = ["Open311 GeoReport v2"]
XML_ROOTS = {"services": ("services", "service"), "requests": ("service_requests", "request"),
             "errors": ("errors", "error")}


def _o311(summary: str, ok: str, params: list | None = None, form: dict | None = None) -> Op:
    extra = {}
    if form:
        extra["requestBody"] = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "properties": {k: {"type": "string", "description": v} for k, v in form.items()}}}}}
    return Op(summary, OPEN311_TAGS, KEYED, answers={200: ok}, errors=(400, 403, 404) if form else (400, 404),
              parameters=tuple(params or ()), extra=extra)


def _xml(kind: str, rows) -> bytes:
    root_tag, item_tag = XML_ROOTS.get(kind, (kind, None))
    root = ElementTree.Element(root_tag)

    def fill(parent, data: dict):
        for key, value in data.items():
            child = ElementTree.SubElement(parent, key)
            if isinstance(value, list):
                for entry in value:
                    fill(ElementTree.SubElement(child, "attribute"), entry)
            elif isinstance(value, bool):
                child.text = "true" if value else "false"
            elif value is not None:
                child.text = str(value)

    for row in rows if isinstance(rows, list) else [rows]:
        fill(ElementTree.SubElement(root, item_tag) if item_tag else root, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(root, encoding="utf-8")


class Open311Handler(APIHandler):
    """Base of the GeoReport endpoints: public, form bodies, the spec's error list."""

    public = True
    raw_body = True
    kind = "requests"

    def fmt(self) -> str:
        return (self.path_kwargs or {}).get("fmt", "json")

    def reply(self, data, status: int = 200, kind: str | None = None) -> None:
        self.set_status(status)
        if self.fmt() == "xml":
            self.set_header("Content-Type", "text/xml; charset=UTF-8")
            self.finish(_xml(kind or self.kind, data))
        else:
            self.finish(to_json(data))

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = "服务器内部错误，请稍后再试"
        if isinstance(exc, DomainError):
            status_code, message = exc.status, exc.message
        elif isinstance(exc, tornado.web.HTTPError):
            status_code, message = exc.status_code, {405: "不支持该请求方法"}.get(exc.status_code, "请求有误")
        self.clear_header("Content-Type")
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.reply([{"code": status_code, "description": message}], status_code, "errors")

    def form(self) -> dict:
        ctype = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype == "application/json":
            try:
                data = json.loads(self.request.body or b"{}")
            except ValueError:
                raise open311.Open311Error(400, "请求内容不是有效的 JSON") from None
            return {k: str(v) for k, v in data.items() if v is not None} if isinstance(data, dict) else {}
        if ctype == "multipart/form-data":
            return {k: v[-1].decode("utf-8", "replace") for k, v in self.request.body_arguments.items()}
        try:
            return dict(parse_qsl(self.request.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise open311.Open311Error(400, "请求内容应为 UTF-8 编码的表单") from None

    def args(self) -> dict:
        return {k: self.get_query_argument(k) for k in self.request.query_arguments}

    async def tenant_named(self, named: str = "") -> str:
        return await open311.tenant_of(self.svc, named or self.get_query_argument("jurisdiction_id", ""))


class ServicesHandler(Open311Handler):
    kind = "services"
    ops = {"get": _o311("Open311 服务列表（诉求类型与承办部门）", "服务列表",
                        [_query("jurisdiction_id", "辖区（县区代码，默认本县）")])}

    async def get(self, fmt: str) -> None:
        self.reply(await open311.services(self.svc, await self.tenant_named()))


class ServiceDefinitionHandler(Open311Handler):
    kind = "service_definition"
    ops = {"get": _o311("Open311 服务定义（无附加属性）", "服务定义")}

    async def get(self, code: str, fmt: str) -> None:
        self.reply(await open311.definition(self.svc, await self.tenant_named(), code))


class RequestsHandler(Open311Handler):
    ops = {
        "get": _o311("Open311 服务请求列表（仅经 Open311 提交的工单）", "服务请求", [
            _query("service_request_id", "逗号分隔的工单编号"), _query("service_code", "服务代码"),
            _query("start_date", "开始时间 ISO 8601"), _query("end_date", "结束时间 ISO 8601"),
            _query("status", "open 或 closed"), _query("jurisdiction_id", "辖区")]),
        "post": _o311("Open311 提交服务请求（登记热线工单，渠道 open311）", "[{service_request_id, token, service_notice, account_id}]",
                      form={"api_key": "接口密钥（必填）", "service_code": "服务代码（必填）", "lat": "纬度",
                            "long": "经度", "address_string": "地址", "address_id": "地址编号",
                            "description": "问题描述（必填）", "phone": "联系电话（必填）", "first_name": "名",
                            "last_name": "姓", "email": "电子邮箱", "media_url": "图片地址", "device_id": "设备编号",
                            "type": "诉求类型（部门服务时选填，默认 complaint）", "jurisdiction_id": "辖区"}),
    }

    async def get(self, fmt: str) -> None:
        self.reply(await open311.list_requests(self.svc, await self.tenant_named(), self.args()))

    async def post(self, fmt: str) -> None:
        form = self.form()
        key = await keys.verify_key(self.svc, form.get("api_key") or self.get_query_argument("api_key", ""))
        if key is None:
            raise open311.Open311Error(403, "缺少或无效的接口密钥 api_key")
        tenant = await self.tenant_named(form.get("jurisdiction_id", ""))
        if tenant != key["tenant"]:
            raise open311.Open311Error(403, "该接口密钥不能向此辖区提交")
        self.reply(await open311.submit(self.svc, tenant, key, form))


class RequestHandler(Open311Handler):
    ops = {"get": _o311("Open311 单个服务请求（状态、承办单位、期限）", "[服务请求]")}

    async def get(self, number: str, fmt: str) -> None:
        self.reply(await open311.get_request(self.svc, await self.tenant_named(), number))


class TokenHandler(Open311Handler):
    ops = {"get": _o311("Open311 由 token 查服务请求编号", "[{service_request_id, token}]")}

    async def get(self, token: str, fmt: str) -> None:
        self.reply(await open311.token(self.svc, await self.tenant_named(), token))


# --- CTI ----------------------------------------------------------------------------------------


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
                "event_id": {"type": "string"}, "type": {"type": "string", "enum": list(cti.EVENT_TYPES)},
                "call_id": {"type": "string"}, "caller": {"type": "string"}, "callee": {"type": "string"},
                "seat": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
                "recording_url": {"type": "string"}, "tenant": {"type": "string"}}}}}}})}

    async def post(self) -> None:
        cti.check_signature(self.svc.settings.cti_secret, self.request.headers.get("X-Sunshine-Timestamp", ""),
                            self.request.headers.get("X-Sunshine-Signature", ""), self.request.body, self.svc.now())
        data = _json(self.request.body)
        tenant = await _known_tenant(self, data.get("tenant") if isinstance(data, dict) else None)
        event = cti.parse_event(data, self.svc.now())
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

    ops = {"get": _op("当前来电（振铃、通话中及 30 分钟内挂机，含来电人历史）与今日话务量", "来电卡片", HOTLINE,
                      params=(_query("seat", "只看本坐席"),))}

    async def get(self) -> None:
        me = self.principal
        self.send_json(await cti.live_calls(self.svc, me["tenant"], self.get_query_argument("seat", ""), me))


class CallHandler(APIHandler):
    ops = {"get": _op("一通来电的卡片（含来电人历史与本次通话登记的工单）", "来电卡片", HOTLINE)}

    async def get(self, call_id: str) -> None:
        me = self.principal
        self.send_json(await cti.get_call(self.svc, me["tenant"], call_id, me))


class CallTicketsHandler(APIHandler):
    ops = {"post": _op("通话中登记工单（工单保留 call_id，来电号码默认取自通话，短信告知工单编号）", "工单", HOTLINE,
                       CallTicketBody, created=True)}

    async def post(self, call_id: str) -> None:
        me = self.principal
        view = await cti.register_during_call(self.svc, me["tenant"], me, call_id, self.body)
        self.send_json(view, status=201)


# --- citizens' messages (热线留言) --------------------------------------------------------------


class MessagesHandler(APIHandler):
    ops = {"get": _op("我的热线留言（新的在前）", "留言列表", CITIZENS),
           "post": _op("提交热线留言（市民；类型不填时按内容推断）", "留言（工单编号与状态）", CITIZENS, MessageBody,
                       created=True)}

    async def get(self) -> None:
        me = self.principal
        self.send_json({"items": await messages.list_messages(self.svc, me["tenant"], me)})

    async def post(self) -> None:
        me = self.principal
        self.send_json(await messages.leave_message(self.svc, me["tenant"], me, self.body), status=201)


class MessageHandler(APIHandler):
    ops = {"get": _op("一条热线留言的办理情况", "留言", CITIZENS)}

    async def get(self, number: str) -> None:
        me = self.principal
        self.send_json(messages.citizen_view(await service.get_ticket(self.svc, me["tenant"], number, me)))


def default_handlers() -> list:
    return [
        (rf"/open311/v2/services{FMT}", ServicesHandler),
        (rf"/open311/v2/services/(?P<code>[A-Za-z0-9_-]+){FMT}", ServiceDefinitionHandler),
        (rf"/open311/v2/requests{FMT}", RequestsHandler),
        (rf"/open311/v2/requests/{NUMBER}{FMT}", RequestHandler),
        (rf"/open311/v2/tokens/(?P<token>[A-Za-z0-9_-]+){FMT}", TokenHandler),
        (r"/api/v1/hotline/cti/events", CtiEventsHandler),
        (r"/api/v1/hotline/cti/aliyun", CtiAliyunHandler),
        (r"/api/v1/hotline/calls/live", LiveCallsHandler),
        (rf"/api/v1/hotline/calls/{CALL_ID}", CallHandler),
        (rf"/api/v1/hotline/calls/{CALL_ID}/tickets", CallTicketsHandler),
        (r"/api/v1/hotline/messages", MessagesHandler),
        (rf"/api/v1/hotline/messages/{NUMBER}", MessageHandler),
    ]
