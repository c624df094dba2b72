"""Open311 GeoReport v2 over HTTP (``/open311/v2/...``, ``.json`` or ``.xml``); errors ``[{"code", "description"}]``."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import tornado.web

from backend.domain.errors import DomainError
from backend.handlers.base import APIHandler
from backend.handlers.operations import Access, Op
from backend.json_text import to_json
from hotline.domain.open311 import Open311Error
from hotline.handlers.operations import query
from hotline.services import open311, open311_keys

KEYED = Access(frozenset({"*"}), "key")  # anyone may call; an Open311 api_key decides for writes
FMT = r"\.(?P<fmt>json|xml)"
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
        """``json`` or ``xml`` from the path; an error raised before the path was parsed (a 405) answers in JSON."""
        return (getattr(self, "path_kwargs", None) or {}).get("fmt", "json")

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
                raise Open311Error(400, "请求内容不是有效的 JSON") from None
            return {k: str(v) for k, v in data.items() if v is not None} if isinstance(data, dict) else {}
        if ctype == "multipart/form-data":
            return {k: v[-1].decode("utf-8", "replace") for k, v in self.request.body_arguments.items()}
        try:
            return dict(parse_qsl(self.request.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise Open311Error(400, "请求内容应为 UTF-8 编码的表单") from None

    def args(self) -> dict:
        return {k: self.get_query_argument(k) for k in self.request.query_arguments}

    async def tenant_named(self, named: str = "") -> str:
        return await open311.tenant_of(self.svc, named or self.get_query_argument("jurisdiction_id", ""))


class ServicesHandler(Open311Handler):
    kind = "services"
    ops = {"get": _o311("Open311 服务列表（诉求类型与承办部门）", "服务列表",
                        [query("jurisdiction_id", "辖区（县区代码，默认本县）")])}

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
            query("service_request_id", "逗号分隔的工单编号"), query("service_code", "服务代码"),
            query("start_date", "开始时间 ISO 8601"), query("end_date", "结束时间 ISO 8601"),
            query("status", "open 或 closed"), query("jurisdiction_id", "辖区")]),
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
        key = await open311_keys.verify_key(self.svc, form.get("api_key") or self.get_query_argument("api_key", ""))
        if key is None:
            raise Open311Error(403, "缺少或无效的接口密钥 api_key")
        tenant = await self.tenant_named(form.get("jurisdiction_id", ""))
        if tenant != key["tenant"]:
            raise Open311Error(403, "该接口密钥不能向此辖区提交")
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
