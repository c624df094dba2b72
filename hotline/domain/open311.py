"""Open311 GeoReport v2 (开放311接口) format rules: a request's form as a ticket, a ticket as a request.

Pure rules, no store: ``hotline.services.open311`` files and lists the requests. Errors take the
spec's shape ``[{"code": status, "description": 中文说明}]`` (``Open311Error``); times are ISO 8601
in China time.
"""

from __future__ import annotations

from datetime import datetime

from backend.domain.clock import SHANGHAI, to_shanghai
from backend.domain.errors import DomainError
from hotline.domain.tickets import STATES, Ticket

TYPE_SERVICES = ("consult", "help", "complaint", "report", "suggestion")
TYPE_DESCRIPTIONS = {"consult": "政策、办事流程等咨询", "help": "生活中遇到困难需要政府部门帮助",
                     "complaint": "对公共服务、市场经营等问题的投诉", "report": "对违法违规行为的举报",
                     "suggestion": "对政府工作的意见和建议"}
DEFAULT_TYPE = "complaint"


class Open311Error(DomainError):
    """An error in the spec's shape: ``[{"code": status, "description": 中文说明}]``."""

    def __init__(self, status: int, message: str):
        super().__init__(message, code=str(status))
        self.status = status


def iso(moment: datetime | None) -> str | None:
    return to_shanghai(moment).isoformat(timespec="seconds") if moment else None


def coordinate(form: dict, key: str, bound: float) -> float | None:
    raw = (form.get(key) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{key} 应为数字") from None
    if abs(value) > bound:
        raise Open311Error(400, f"{key} 超出范围")
    return value


def ticket_payload(form: dict, row: dict) -> dict:
    lat, lng = coordinate(form, "lat", 90), coordinate(form, "long", 180)
    address = (form.get("address_string") or "").strip()[:200]
    if (lat is None) != (lng is None):
        raise Open311Error(400, "经纬度须同时提供 lat 和 long")
    if lat is None and not address and not form.get("address_id"):
        raise Open311Error(400, "请提供位置：lat/long、address_string 或 address_id")
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "请填写问题描述 description")
    if not (form.get("phone") or "").strip():
        raise Open311Error(400, "请提供联系电话 phone（用于告知办理结果）")
    media = (form.get("media_url") or "").strip()[:500]
    if media and not media.startswith(("http://", "https://")):
        raise Open311Error(400, "media_url 应为 http(s) 地址")
    ticket_type = row["service_code"] if row["group"] == "诉求类型" else (form.get("type") or DEFAULT_TYPE)
    if ticket_type not in TYPE_SERVICES:
        raise Open311Error(400, f"诉求类型 type 只能是：{'、'.join(TYPE_SERVICES)}")
    content = description + (f"\n（附图：{media}）" if media else "")
    name = f"{(form.get('last_name') or '').strip()}{(form.get('first_name') or '').strip()}"[:50]
    payload = {"caller_phone": form["phone"].strip(), "caller_name": name, "type": ticket_type,
               "content": content, "channel": "open311", "service_code": row["service_code"]}
    if lat is not None or address:
        payload["location"] = {"lat": lat, "lng": lng, "address": address}
    return payload


def status_notes(ticket: Ticket) -> str:
    if ticket.reply_text and ticket.state in ("reply_accepted", "called_back", "closed"):
        return f"{ticket.target_name}答复：{ticket.reply_text}"
    if ticket.answer_title:
        return f"已当场答复（依据：{ticket.answer_title}）"
    if ticket.case_number:
        return f"已转为办件 {ticket.case_number}"
    return STATES[ticket.state]


def request_view(ticket: Ticket, meta: dict) -> dict:
    reg = ticket.reg
    return {
        "service_request_id": ticket.number, "status": "closed" if ticket.state == "closed" else "open",
        "status_notes": status_notes(ticket), "service_name": meta["service_name"], "service_code": meta["service_code"],
        "description": reg.content, "agency_responsible": ticket.target_name or None, "service_notice": None,
        "requested_datetime": iso(ticket.registered_at), "updated_datetime": iso(ticket.events[-1].at),
        "expected_datetime": iso(ticket.due_at), "address": reg.location_address or None,
        "address_id": meta.get("address_id") or None, "zipcode": None,
        "lat": float(reg.location_lat) if reg.location_lat else None,
        "long": float(reg.location_lng) if reg.location_lng else None, "media_url": meta.get("media_url") or None,
    }


def parse_date(raw: str, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(400, f"{name} 应为 ISO 8601 时间，如 2026-11-23T00:00:00+08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)
