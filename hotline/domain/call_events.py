"""Call events from the switch (话务系统事件): their format, signature and the call card they fold into.

Pure rules, no store: ``hotline.services.cti`` stores the events and cards.

Event format (``POST /api/v1/hotline/cti/events``, JSON, UTF-8)::

    {"event_id": "evt-0001",            # unique per event; a replay is refused
     "type": "ringing" | "answered" | "hungup" | "recording",
     "call_id": "call-20261123-0001",   # one call card per call_id
     "caller": "13800001234",          # the citizen's number (needed on ringing)
     "callee": "12345",                # the number dialled
     "seat": "A01",                    # operator seat (坐席), known from answered on
     "at": "2026-11-23T09:30:00+08:00", # when it happened (ISO 8601 with offset)
     "recording_url": "https://..."}     # recording only

Signature: header ``X-Sunshine-Timestamp`` (Unix seconds) and ``X-Sunshine-Signature``, the hex
HMAC-SHA256 of ``timestamp + "." + raw body`` keyed with ``SUNSHINE_CTI_SECRET``. A timestamp more
than five minutes from the server clock is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone

from backend.domain.clock import SHANGHAI
from backend.domain.errors import NotFound, Unauthenticated, ValidationFailed
from hotline.domain.tickets import normalise_phone

EVENT_TYPES = {"ringing": "来电振铃", "answered": "接听", "hungup": "挂机", "recording": "录音生成"}
CALL_STATES = {"ringing": "振铃中", "answered": "通话中", "hungup": "已挂机", "missed": "未接听"}
ORDER = {"ringing": 0, "answered": 1, "hungup": 2, "recording": 3}
SKEW = timedelta(minutes=5)
_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,100}$")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 a sender puts in ``X-Sunshine-Signature``."""
    return hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def check_signature(secret: str, timestamp: str, signature: str, body: bytes, now: datetime) -> None:
    if not secret:  # switched off: the address answers as an unknown one does
        raise NotFound("未找到该地址")
    if not timestamp or not timestamp.isdigit() or not signature:
        raise Unauthenticated("缺少签名或时间戳", code="signature_missing")
    sent = datetime.fromtimestamp(int(timestamp), timezone.utc)
    if abs(now - sent) > SKEW:
        raise Unauthenticated("时间戳与服务器时间相差超过 5 分钟", code="stale_timestamp")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip().lower()):
        raise Unauthenticated("签名不正确", code="bad_signature")


def _when(value, now: datetime) -> datetime:
    if value in (None, ""):
        return now
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed("事件时间 at 应为 ISO 8601 时间", code="bad_event_time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).astimezone(timezone.utc)


def _field(data: dict, key: str, limit: int = 100) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool) or len(str(value)) > limit:
        raise ValidationFailed(f"事件字段 {key} 格式不正确", code="bad_event_field")
    return str(value).strip()


def parse_event(data, now: datetime) -> dict:
    """A checked event: ``{event_id, type, call_id, caller, callee, seat, at, recording_url}``."""
    if not isinstance(data, dict):
        raise ValidationFailed("事件应为 JSON 对象", code="bad_event")
    event = {k: _field(data, k, 500 if k == "recording_url" else 100)
             for k in ("event_id", "type", "call_id", "caller", "callee", "seat", "recording_url")}
    if event["type"] not in EVENT_TYPES:
        raise ValidationFailed(f"事件类型只能是：{'、'.join(EVENT_TYPES)}", code="bad_event_type")
    for key in ("event_id", "call_id"):
        if not _ID.match(event[key]):
            raise ValidationFailed(f"事件字段 {key} 缺失或含非法字符", code="bad_event_field")
    if event["type"] == "ringing" and not event["caller"]:
        raise ValidationFailed("振铃事件须带来电号码 caller", code="caller_required")
    if event["type"] == "recording" and not event["recording_url"].startswith(("http://", "https://")):
        raise ValidationFailed("录音事件须带录音地址 recording_url", code="recording_url_required")
    if event["caller"]:
        try:
            event["caller"] = normalise_phone(event["caller"])
        except ValidationFailed:
            pass  # withheld or odd numbers are shown as they came
    event["at"] = _when(data.get("at"), now)
    return event


def fold(call_id: str, events: list[dict]) -> dict:
    """The call card from the call's events, in time order (pure)."""
    card = {"call_id": call_id, "caller": "", "callee": "", "seat": "", "state": "ringing", "ringing_at": None,
            "answered_at": None, "hungup_at": None, "recording_url": "", "event_ids": []}
    for event in sorted(events, key=lambda e: (e["at"], ORDER[e["type"]], e["event_id"])):
        card["event_ids"].append(event["event_id"])
        for key in ("caller", "callee", "seat"):
            card[key] = event.get(key) or card[key]
        kind = event["type"]
        if kind == "recording":
            card["recording_url"] = event["recording_url"]
            continue
        card[f"{kind}_at"] = card[f"{kind}_at"] or event["at"]
    if card["hungup_at"]:
        card["state"] = "hungup" if card["answered_at"] else "missed"
    elif card["answered_at"]:
        card["state"] = "answered"
    return card
