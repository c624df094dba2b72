"""Open311 GeoReport v2 (开放311接口) over the hotline: other platforms file and follow tickets.

Services (服务): the ticket types a platform may file (group 诉求类型: consult, help, complaint,
report, suggestion) and the county's departments (group 承办部门, service_code = department code;
such a request is filed as a complaint unless the form names ``type``). No service has extra
attributes (``metadata`` false).

``POST requests`` (form-encoded, ``api_key`` required) files a ticket through
``tickets.register_ticket`` with channel ``open311`` and a system principal naming the key's
channel; ``phone`` and ``description`` are required by the hotline (the caller gets the reply), a
location is required by the spec (``lat``+``long``, ``address_string`` or ``address_id``).
``media_url`` is kept and added to the content for the operator.

Each request is remembered in ``open311_requests/{tenant}:{number}`` (inserted once): service
code, token, media URL, and the time. Only tickets filed through Open311 are listed or shown:
tickets from calls and the mini-program stay private. Times are ISO 8601 in China time.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from pathlib import Path

from backend.domain.errors import ValidationFailed
from backend.services import tenant_config
from backend.services.context import Services
from hotline.domain.open311 import (
    TYPE_DESCRIPTIONS, TYPE_SERVICES, Open311Error, parse_date, request_view, ticket_payload,
)
from hotline.domain.tickets import TYPES, ticket_from_document
from hotline.services import tickets

REQUESTS = "open311_requests"
MAX_LIST = 1000
DEFAULT_DAYS = 90
_KEYWORDS = Path(__file__).resolve().parents[1] / "data" / "departments.json"


def _keywords() -> dict[str, list[str]]:
    try:
        return {d["code"]: d.get("keywords", []) for d in json.loads(_KEYWORDS.read_text("utf-8"))}
    except (OSError, ValueError, KeyError):
        return {}


async def tenant_of(svc: Services, jurisdiction_id: str) -> str:
    """The tenant a request names by ``jurisdiction_id`` (default: the default tenant)."""
    tenant = jurisdiction_id or svc.settings.default_tenant
    if not (await tenant_config.org(svc, tenant)).tenant:
        raise Open311Error(404, f"未找到辖区 {tenant}")
    return tenant


async def services(svc: Services, tenant: str) -> list[dict]:
    """GET services: ticket types, then departments."""
    rows = [{"service_code": code, "service_name": TYPES[code], "description": TYPE_DESCRIPTIONS[code],
             "metadata": False, "type": "realtime", "keywords": TYPES[code], "group": "诉求类型"}
            for code in TYPE_SERVICES]
    words = _keywords()
    in_use = (await tenant_config.org(svc, tenant)).active("departments")
    departments = sorted(in_use.values(), key=lambda d: d["code"])
    rows += [{"service_code": d["code"], "service_name": d["name"], "description": d.get("duties", ""),
              "metadata": False, "type": "realtime", "keywords": ",".join(words.get(d["code"], [])[:12]),
              "group": "承办部门"} for d in departments]
    return rows


async def find_service(svc: Services, tenant: str, code: str, status: int = 404) -> dict:
    for row in await services(svc, tenant):
        if row["service_code"] == code:
            return row
    raise Open311Error(status, f"未知的服务代码：{code}" if code else "缺少服务代码 service_code")


async def definition(svc: Services, tenant: str, code: str) -> dict:
    """GET services/{code}: no extra attributes for any service."""
    await find_service(svc, tenant, code)
    return {"service_code": code, "attributes": []}


async def submit(svc: Services, tenant: str, key: dict, form: dict) -> list[dict]:
    """POST requests: file the ticket, remember the request, text the caller its number."""
    row = await find_service(svc, tenant, (form.get("service_code") or "").strip(), status=400)
    payload = ticket_payload(form, row)
    principal = {"kind": "system", "id": "open311", "name": f"Open311接口（{key['name']}）", "tenant": tenant}
    try:
        view = await tickets.register_ticket(svc, tenant, principal, payload)
    except ValidationFailed as error:
        raise Open311Error(400, error.message) from None
    token = secrets.token_urlsafe(12)
    await svc.db[REQUESTS].insert_one({
        "_id": f"{tenant}:{view['number']}", "tenant": tenant, "number": view["number"], "token": token,
        "service_code": row["service_code"], "service_name": row["service_name"], "key": key["id"],
        "media_url": (form.get("media_url") or "").strip()[:500], "address_id": (form.get("address_id") or "")[:100],
        "email": (form.get("email") or "")[:100], "device_id": (form.get("device_id") or "")[:100],
        "requested_at": view["registered_at"]})
    await tickets.notify_caller(svc, tenant, view["number"])
    return [{"service_request_id": view["number"], "token": token, "account_id": None,
             "service_notice": f"已受理，工单编号 {view['number']}，办理结果将以短信告知"}]


async def get_request(svc: Services, tenant: str, number: str) -> list[dict]:
    meta = await svc.db[REQUESTS].find_one({"_id": f"{tenant}:{number}"})
    if not meta:
        raise Open311Error(404, f"未找到服务请求 {number}")
    ticket, _ = await tickets.load(svc, tenant, number)
    return [request_view(ticket, meta)]


async def list_requests(svc: Services, tenant: str, args: dict) -> list[dict]:
    """GET requests: by ids, or by service code, period (default the last 90 days) and status."""
    ids = [i.strip() for i in (args.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        metas = [m async for m in svc.db[REQUESTS].find({"_id": {"$in": [f"{tenant}:{i}" for i in ids[:MAX_LIST]]}})]
    else:
        end = parse_date(args.get("end_date", ""), "end_date") or svc.now()
        start = parse_date(args.get("start_date", ""), "start_date") or end - timedelta(days=DEFAULT_DAYS)
        query = {"tenant": tenant, "requested_at": {"$gte": start, "$lte": end}}
        codes = [c.strip() for c in (args.get("service_code") or "").split(",") if c.strip()]
        if codes:
            query["service_code"] = {"$in": codes}
        metas = [m async for m in svc.db[REQUESTS].find(query)]
    statuses = {s.strip() for s in (args.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed")
    by_number = {m["number"]: m for m in metas}
    docs = [d async for d in svc.db[tickets.TICKETS].find({"_id": {"$in": [f"{tenant}:{n}" for n in by_number]}})]
    rows = [request_view(ticket_from_document(d), by_number[d["number"]]) for d in docs]
    rows = [r for r in rows if not statuses or r["status"] in statuses]
    rows.sort(key=lambda r: (r["requested_datetime"], r["service_request_id"]), reverse=True)
    return rows[:MAX_LIST]


async def token(svc: Services, tenant: str, value: str) -> list[dict]:
    meta = await svc.db[REQUESTS].find_one({"tenant": tenant, "token": value})
    if not meta:
        raise Open311Error(404, "未找到该 token")
    return [{"service_request_id": meta["number"], "token": value}]
