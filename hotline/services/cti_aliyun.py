"""Adapter for Aliyun Cloud Call Center 2.0 (阿里云云联络中心 CCC) call events.

CCC publishes events as JSON messages with the common fields ``eventTime`` (ISO 8601, UTC),
``eventType`` and ``instanceId``; agent events add ``agentId`` (``seat@instance``) and call events
``contactId`` (the call), ``callType`` and the numbers. CCC delivers them to a message queue or log
store, so a small relay (e.g. a Function Compute trigger) forwards each message here unchanged to
``POST /api/v1/hotline/cti/aliyun``.

Field mapping to our event (``hotline.domain.call_events``)::

    contactId                      -> call_id
    eventType                      -> type: AgentRinging -> ringing, AgentTalk -> answered,
                                      AgentCallReleased -> hungup, RecordingReady -> recording
                                      (other event types are acknowledged and ignored)
    caller | callerNumber          -> caller
    callee | calleeNumber          -> callee
    agentId (part before "@")      -> seat
    eventTime                      -> at
    sha256(instanceId|contactId|eventType|eventTime|agentId) -> event_id (CCC sends no event id)

The event names above are our reading of the CCC 2.0 event list; check them against the
instance's event subscription before going live (``EVENT_MAP`` is the one place to change).

Signature: we found no documented signature for relayed CCC messages, so the relay signs the raw
body with the instance's AccessKey secret: header ``X-Ccc-Signature`` = hex HMAC-SHA256
(``ALIYUN_ACCESS_KEY_SECRET``, raw body). Replays are refused by the derived event id.

RecordingReady carries no URL: it is fetched with the CCC API ``GetMonoRecording``
(version 2020-07-01; ``InstanceId``, ``ContactId`` -> ``Data.FileUrl``) through
aliyun-python-sdk-core. The endpoint is ``svc.extras["aliyun_ccc_endpoint"]`` (host or URL),
else ``ccc.cn-shanghai.aliyuncs.com``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from backend.domain.errors import NotFound, RequestRejected, Unauthenticated, ValidationFailed
from backend.services.context import Services
from hotline.domain.call_events import parse_event
from hotline.services import cti

EVENT_MAP = {"AgentRinging": "ringing", "AgentTalk": "answered", "AgentCallReleased": "hungup",
             "RecordingReady": "recording"}
API_VERSION = "2020-07-01"
DEFAULT_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def check_signature(secret: str, signature: str, body: bytes) -> None:
    if not secret:  # switched off: the address answers as an unknown one does
        raise NotFound("未找到该地址")
    if not signature or not hmac.compare_digest(sign(secret, body), signature.strip().lower()):
        raise Unauthenticated("签名不正确", code="bad_signature")


def to_event(message: dict) -> dict | None:
    """Our event (before ``call_events.parse_event``) from a CCC message; None for types we ignore."""
    if not isinstance(message, dict):
        raise ValidationFailed("事件应为 JSON 对象", code="bad_event")
    kind = EVENT_MAP.get(str(message.get("eventType", "")))
    if kind is None:
        return None
    parts = [str(message.get(k, "")) for k in ("instanceId", "contactId", "eventType", "eventTime", "agentId")]
    return {"event_id": "ccc-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32], "type": kind,
            "call_id": str(message.get("contactId", "")),
            "caller": message.get("caller") or message.get("callerNumber") or "",
            "callee": message.get("callee") or message.get("calleeNumber") or "",
            "seat": str(message.get("agentId") or "").split("@")[0], "at": message.get("eventTime")}


def _client(svc: Services) -> tuple[AcsClient, str, str]:
    settings = svc.settings
    endpoint = svc.extras.get("aliyun_ccc_endpoint") or DEFAULT_ENDPOINT
    scheme, _, host = endpoint.rpartition("://")
    client = AcsClient(settings.aliyun_access_key_id, settings.aliyun_access_key_secret, "cn-shanghai",
                       auto_retry=False, connect_timeout=5, timeout=10)
    return client, host, scheme or "https"


def _fetch_recording(svc: Services, instance_id: str, contact_id: str) -> str:
    client, host, scheme = _client(svc)
    request = CommonRequest(domain=host, version=API_VERSION, action_name="GetMonoRecording")
    request.set_method("POST")
    request.set_protocol_type(scheme)
    request.set_accept_format("json")
    request.add_query_param("InstanceId", instance_id)
    request.add_query_param("ContactId", contact_id)
    try:
        answer = json.loads(client.do_action_with_exception(request))
    except (ServerException, ClientException) as error:
        raise RequestRejected(502, "ccc_unavailable", f"获取通话录音失败：{error.get_error_code()}") from error
    finally:
        client.session.close()
    url = (answer.get("Data") or {}).get("FileUrl", "")
    if not url:
        raise RequestRejected(502, "ccc_unavailable", "获取通话录音失败：未返回录音地址")
    return url


async def recording_url(svc: Services, instance_id: str, contact_id: str) -> str:
    """The recording's download URL from CCC (the SDK blocks, so it runs in a thread)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(_fetch_recording, svc, instance_id, contact_id))


async def handle(svc: Services, tenant: str, message: dict) -> dict:
    """One relayed CCC message, recorded like our own events (``{accepted, call}``); ``{ignored}`` for others."""
    event = to_event(message)
    if event is None:
        return {"ignored": True, "event_type": str(message.get("eventType", ""))[:60]}
    if event["type"] == "recording":
        event["recording_url"] = await recording_url(svc, str(message.get("instanceId", "")), event["call_id"])
    return {"accepted": True, "call": await cti.record_event(svc, tenant, parse_event(event, svc.now()))}
