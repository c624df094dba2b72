"""Delivering queued notices (通知发送): claim, send, retry with backoff, log.

Queued notices wait in ``work`` (``notifications.queue_key``); every read of them here gives each
keyed by its notice id. Claiming is an *insert* of ``notification_claims/{notice id}#{attempt}``:
the unique ``_id`` lets exactly one of any number of workers take an attempt, on MongoDB and on
FerretDB v1 alike (where two concurrent conditional updates of one document can both "succeed", see
``store.lease``). The winner re-reads the notice, counts the attempt and parks it for ``CLAIM_TTL``
(so a crashed worker's notice is retried, as a new attempt, once that passes), then sends. Success
or a final failure writes ``notification_log`` first, then removes the notice from the queue, then
its claims. A worker that stalls longer than ``CLAIM_TTL`` mid-send may see its notice sent twice
(at least once).

What is due is found on the notices' wheel in ``work`` (``notifications.due_key``), read per tenant
from a cursor (``timer_cursors/{tenant}:notices-cursor``, the last minute known to hold no entry
still to read) up to now. A claimed notice keeps its entry (parked, it is simply not due yet); a
retry moves it to the minute of the next attempt; a finished notice takes it away. The cursor stays
before the oldest entry read that is still there, so a run that fails half-way leaves nothing
behind it: the next run reads those minutes again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from pymongo.errors import DuplicateKeyError, PyMongoError

from backend.config import Settings
from backend.integrations.sms import AliyunSms, SmsError
from backend.integrations.wechat import WeChatError, WeChatMiniProgram
from backend.services import notifications, vault
from backend.services.context import Services
from backend.services.notifications import CLAIMS, LOG, TEMPLATE_LABELS, WHEEL, queue_key
from backend.services.tenants import all_ids as tenant_ids
from backend.store import batch, timers, work

log = logging.getLogger("sunshine.notify")

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(minutes=120))
MAX_ATTEMPTS = 6
CLAIM_TTL = timedelta(minutes=2)
_EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # where a tenant's first read of the wheel starts
CLOCK_SLACK = timedelta(minutes=5)  # the cursor stays this far behind now (clocks of other processes and hosts)
SUBSCRIPTION_DECLINED = 43101  # WeChat: the user has not accepted (or used up) this subscription
PARALLEL_SENDS = 8
LEASE_NAME = "notifications"
INTERVAL_S = 10.0
_SENDERS = "notify_senders"


class NotifyError(Exception):
    """A notice that cannot be sent as configured (channel off, no template); retrying will not help."""

    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_pairs(text: str, setting: str) -> dict[str, str]:
    """``"a=1, b=2"`` -> ``{"a": "1", "b": "2"}``; ValueError naming ``setting`` on a malformed entry."""
    pairs = {}
    for part in (text or "").split(","):
        key, sep, value = (s.strip() for s in part.partition("="))
        if not part.strip():
            continue
        if not sep or not key or not value:
            raise ValueError(f"{setting}: 应为 key=value，以逗号分隔 / expected key=value pairs, got {part.strip()!r}")
        pairs[key] = value
    return pairs


def _template(templates: dict[str, str], key: str, what: str) -> str:
    found = templates.get(key) or templates.get("default")
    if not found:
        raise NotifyError(f"未配置“{TEMPLATE_LABELS.get(key, key)}”的{what}")
    return found


@dataclass
class Senders:
    """The two ways to reach an applicant, with the template of each notice (built from settings)."""

    program: WeChatMiniProgram | None = None
    sms_client: AliyunSms | None = None
    wechat_templates: dict[str, str] = field(default_factory=dict)
    wechat_fields: dict[str, str] = field(default_factory=dict)  # template data key -> param name
    sms_templates: dict[str, str] = field(default_factory=dict)
    page: str = ""

    @classmethod
    def from_settings(cls, settings: Settings, program: WeChatMiniProgram | None = None) -> Senders:
        """Nothing connects here; a channel without credentials is simply off."""
        if program is None and settings.wechat_appid and settings.wechat_secret:
            program = WeChatMiniProgram(settings.wechat_appid, settings.wechat_secret, settings.wechat_api_base)
        sms_client = None
        if settings.aliyun_access_key_id and settings.aliyun_access_key_secret:
            sms_client = AliyunSms(settings.aliyun_access_key_id, settings.aliyun_access_key_secret,
                                   settings.aliyun_sms_sign_name, settings.aliyun_sms_endpoint)
        return cls(program, sms_client,
                   parse_pairs(settings.wechat_notify_templates, "WECHAT_NOTIFY_TEMPLATES"),
                   parse_pairs(settings.wechat_notify_fields, "WECHAT_NOTIFY_FIELDS"),
                   parse_pairs(settings.aliyun_sms_templates, "ALIYUN_SMS_TEMPLATES"),
                   settings.wechat_notify_page)

    def channel_off(self, channel: str) -> str:
        """Why ``channel`` cannot send anything here ("" when it can): no credentials for it."""
        if channel == "wechat":
            return "" if self.program is not None else "小程序消息未配置（WECHAT_APPID）"
        return "" if self.sms_client is not None else "短信通道未配置（ALIYUN_ACCESS_KEY_ID）"

    async def wechat(self, openid: str, template_key: str, params: dict) -> None:
        """A subscribe message (订阅消息) whose data keys come from ``wechat_fields``."""
        if self.program is None:
            raise NotifyError(self.channel_off("wechat"))
        template_id = _template(self.wechat_templates, template_key, "小程序订阅消息模板")
        data = {data_key: params.get(name, "") for data_key, name in self.wechat_fields.items()}
        page = f"{self.page}?number={params.get('number', '')}" if self.page else None
        await self.program.send_subscribe_message(openid, template_id, data, page)

    async def sms(self, phone: str, template_key: str, params: dict) -> None:
        """A template text message (模板短信) with the params as its variables."""
        if self.sms_client is None:
            raise NotifyError(self.channel_off("sms"))
        template_code = _template(self.sms_templates, template_key, "短信模板")
        await self.sms_client.send(phone, template_code, params)

    def close(self) -> None:
        for client in (self.program, self.sms_client):
            if client is not None:
                client.close()


def senders_for(svc: Services) -> Senders:
    """The process's senders, built from settings on first use and kept in ``svc.extras``."""
    senders = svc.extras.get(_SENDERS)
    if senders is None:
        from backend.services.citizens import mini_program  # one adapter: the login shares its token

        program = mini_program(svc) if svc.settings.wechat_appid and svc.settings.wechat_secret else None
        senders = Senders.from_settings(svc.settings, program)
        svc.extras[_SENDERS] = senders
    return senders


# --- delivering ---------------------------------------------------------------------------------

async def deliver_due(svc: Services, senders, now: datetime, limit: int = 50) -> dict[str, int]:
    """Send up to ``limit`` notices that are due; counts of sent / retrying / failed / skipped."""
    due = []
    for tenant in await tenant_ids(svc):
        if len(due) < limit:
            due += await due_notices(svc, tenant, now, limit - len(due))
    gate = asyncio.Semaphore(PARALLEL_SENDS)

    async def one(doc: dict) -> str:
        async with gate:
            return await _deliver_one(svc, senders, doc, now)

    counts = {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    off = {doc["_id"] for doc in due if senders.channel_off(doc["channel"])}
    counts["failed"] += await _fail_unsendable(svc, senders, [doc for doc in due if doc["_id"] in off], now)
    for outcome in await asyncio.gather(*(one(doc) for doc in due if doc["_id"] not in off)):
        counts[outcome] += 1
    return counts


async def _fail_unsendable(svc: Services, senders, docs: list[dict], now: datetime) -> int:
    """Notices on a channel this server has no credentials for fail for good, as one attempt each
    would: logged first, then out of the queue and off the wheel (one delete in ``work``). No
    attempt is made, so none is claimed, and a batch of them costs three commands, not seven each
    (a county that has not set up SMS yet files a notice at every step). Every write is decided by
    ``_id``, so a second worker doing the same at the same moment changes nothing."""
    if not docs:
        return 0
    entries = [_log_entry({**doc, "attempts": doc["attempts"] + 1}, now, "failed", senders.channel_off(doc["channel"]))
               for doc in docs]
    await batch.insert_new(svc.db, LOG, entries)  # one already logged (an earlier run stopped here) stays
    for entry in entries:
        if "resent_after" in entry:  # the failed entry of the round before the resend is replaced
            await _replace_earlier_round(svc, entry)
    await svc.db.work.delete_many({"_id": {"$in": [key for doc in docs for key in _work_keys(doc)]}})
    claims = [f"{doc['_id']}#{attempt}" for doc in docs for attempt in range(1, doc["attempts"] + 1)]
    if claims:
        await svc.db[CLAIMS].delete_many({"_id": {"$in": claims}})
    log.warning("%d notice(s) failed: %s", len(docs), "; ".join(sorted({e["last_error"] for e in entries})))
    return len(docs)


def _cursor_id(tenant: str) -> str:
    return f"{tenant}:notices-cursor"


async def _wheel_entries(svc: Services, tenant: str, now: datetime, enough: int) -> tuple[datetime, list[dict], datetime | None]:
    """(cursor, at most ``enough`` entries of the minutes after it up to now, oldest pieces first,
    and where reading was cut short: the first minute of the piece not read to its end, or None
    when every minute up to now was read). A busy minute holds thousands of entries; only as many
    as are wanted are read (the ``_id`` index gives a piece's entries in key order)."""
    found = await svc.db[timers.CURSORS].find_one({"_id": _cursor_id(tenant)})
    since = found["upto"] if found else _EARLIEST
    entries: list[dict] = []
    for id_filter in timers.window_filters(tenant, since, now, wheel=WHEEL):
        entries += await svc.db.work.find({"_id": id_filter}).limit(enough - len(entries)).to_list(None)
        if len(entries) >= enough:
            return since, entries, timers.piece_start(tenant, id_filter, wheel=WHEEL)
    return since, entries, None


async def due_notices(svc: Services, tenant: str, now: datetime, limit: int) -> list[dict]:
    """Up to ``limit`` of ``tenant``'s queued notices due at ``now``, oldest first. Stale wheel
    entries are dropped, and the cursor moves up to the oldest entry still standing."""
    since, entries, cut = await _wheel_entries(svc, tenant, now, limit)
    ids = list({e["notice"] for e in entries})
    notices = await notifications.queued(svc, ids)
    standing = [e for e in entries if (notices.get(e["notice"]) or {}).get("due_key") == e["_id"]]
    standing_ids = {e["_id"] for e in standing}
    stale = [e["_id"] for e in entries if e["_id"] not in standing_ids]
    if stale:
        await svc.db.work.delete_many({"_id": {"$in": stale}})
    upto = timers.minute_floor(now) - CLOCK_SLACK  # minutes another process's clock may still be filing into
    if standing:
        upto = min(upto, min(_aware(e["minute"]) for e in standing) - timedelta(minutes=1))
    if cut is not None:  # that piece was not read to its end
        upto = min(upto, cut - timedelta(minutes=1))
    if upto > _aware(since):
        try:
            await svc.db[timers.CURSORS].update_one({"_id": _cursor_id(tenant)},
                                                    {"$set": {"tenant": tenant, "upto": upto}}, upsert=True)
        except DuplicateKeyError:
            pass  # another worker created the cursor at this moment; either value leaves nothing behind
    due = [notices[e["notice"]] for e in standing if _aware(notices[e["notice"]]["next_attempt_at"]) <= now]
    return sorted(due, key=lambda d: (_aware(d["next_attempt_at"]), d["_id"]))[:limit]


async def oldest_due(svc: Services, tenant: str, now: datetime) -> datetime | None:
    """When the longest-waiting notice of ``tenant`` that is due now fell due (None: none waits)."""
    _, entries, _ = await _wheel_entries(svc, tenant, now, 1)
    waiting = [_aware(e["due_at"]) for e in entries if _aware(e["due_at"]) <= now]
    return min(waiting) if waiting else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


async def _move_due(svc: Services, doc: dict, update: dict) -> None:
    """Update the notice with ``update`` (which sets its next attempt) and move its wheel entry:
    the new entry first, then the notice, then the old entry (a crash leaves a stale entry, or
    the old one, due now, never none)."""
    moved = {**doc, **update}
    moved["due_key"] = notifications.due_key(doc["tenant"], doc["_id"], update["next_attempt_at"])
    key, entry = notifications.due_entry(moved)
    if key != doc.get("due_key"):
        await work.insert_once(svc.db, {"_id": key, **entry})
    await svc.db.work.update_one({"_id": queue_key(doc["_id"]), "attempts": doc["attempts"]},
                                 {"$set": {**update, "due_key": key}})
    if doc.get("due_key") and key != doc["due_key"]:
        await svc.db.work.delete_one({"_id": doc["due_key"]})


async def _deliver_one(svc: Services, senders, doc: dict, now: datetime) -> str:
    claimed = await _claim(svc, doc, now)
    if claimed is None:
        return "skipped"
    try:
        if claimed["channel"] == "wechat":
            await senders.wechat(claimed["to"], claimed["template"], claimed["params"])
        else:
            await senders.sms(await _phone(svc, claimed), claimed["template"], claimed["params"])
    except (WeChatError, SmsError, NotifyError) as error:
        if _declined_on_wechat(error) and claimed.get("fallback_phone"):
            return await _switch_to_sms(svc, claimed, now, _describe(error))
        return await _after_failure(svc, claimed, now, error.retryable, _describe(error))
    except Exception as error:  # an unexpected failure is retried like a network one, and shown
        log.exception("sending notice %s failed unexpectedly", claimed["_id"])
        return await _after_failure(svc, claimed, now, True, f"{type(error).__name__}: {error}")
    await _finish(svc, claimed, now, "sent", "")
    return "sent"


async def _claim(svc: Services, doc: dict, now: datetime) -> dict | None:
    """Take the next attempt of ``doc`` for this worker, or ``None`` when another worker has it."""
    attempt = doc["attempts"] + 1
    claim_id = f"{doc['_id']}#{attempt}"
    try:
        await svc.db[CLAIMS].insert_one({"_id": claim_id, "tenant": doc["tenant"], "notice": doc["_id"],
                                         "claimed_at": now})
    except DuplicateKeyError:
        return None
    fresh = (await notifications.queued(svc, [doc["_id"]])).get(doc["_id"])
    if fresh is None or fresh["attempts"] != doc["attempts"]:  # finished (claims cleared) meanwhile
        await svc.db[CLAIMS].delete_one({"_id": claim_id})
        return None
    parked = {"attempts": attempt, "claimed_until": now + CLAIM_TTL, "next_attempt_at": now + CLAIM_TTL}
    await svc.db.work.update_one({"_id": queue_key(doc["_id"]), "attempts": doc["attempts"]}, {"$set": parked})
    return {**fresh, **parked}


async def _phone(svc: Services, doc: dict) -> str:
    """The number a text goes to, read from the vault just before sending (the notice holds its reference)."""
    phone = await vault.reveal_one(svc, doc["tenant"], doc["to"])
    if not phone:
        raise NotifyError("手机号码已不在个人信息库中，无法发送短信")
    return phone


def _declined_on_wechat(error: Exception) -> bool:
    return isinstance(error, WeChatError) and error.errcode == SUBSCRIPTION_DECLINED


async def _switch_to_sms(svc: Services, doc: dict, now: datetime, error: str) -> str:
    """The applicant did not accept the subscribe message: text their phone instead, now."""
    await svc.db.work.update_one({"_id": queue_key(doc["_id"]), "attempts": doc["attempts"]}, {"$set": {
        "channel": "sms", "to": doc["fallback_phone"], "fallback_phone": "", "next_attempt_at": now,
        "claimed_until": None, "last_error": error}})
    return "retrying"


async def _after_failure(svc: Services, doc: dict, now: datetime, retryable: bool, error: str) -> str:
    tries = notifications.round_attempts(doc)
    if not retryable or tries >= MAX_ATTEMPTS:
        log.warning("notice %s failed for good after %s attempt(s): %s", doc["_id"], doc["attempts"], error)
        await _finish(svc, doc, now, "failed", error)
        return "failed"
    wait = BACKOFF[min(tries, len(BACKOFF)) - 1]
    await _move_due(svc, doc, {"next_attempt_at": now + wait, "claimed_until": None, "last_error": error})
    return "retrying"


async def _finish(svc: Services, doc: dict, now: datetime, status: str, error: str) -> None:
    """Log first, then leave the queue, then drop the claims (a re-run of any step is harmless)."""
    entry = _log_entry(doc, now, status, error)
    try:
        await svc.db[LOG].insert_one(entry)
    except DuplicateKeyError:  # logged by an earlier run that stopped before leaving the queue,
        await _replace_earlier_round(svc, entry)  # or the failed entry of the round before a resend
    await svc.db.work.delete_many({"_id": {"$in": _work_keys(doc)}})
    for attempt in range(1, doc["attempts"] + 1):
        await svc.db[CLAIMS].delete_one({"_id": f"{doc['_id']}#{attempt}"})


async def _replace_earlier_round(svc: Services, entry: dict) -> None:
    """Put ``entry`` in the log in place of the entry of an earlier round of the same notice (fewer
    attempts); an entry of the same round (a re-run of the finish) stays as it is."""
    await svc.db[LOG].replace_one({"_id": entry["_id"], "attempts": {"$lt": entry["attempts"]}}, entry)


def _work_keys(doc: dict) -> list[str]:
    """What a finished notice leaves in ``work``: its place in the queue and its entry on the wheel."""
    return [queue_key(doc["_id"]), *([doc["due_key"]] if doc.get("due_key") else [])]


def _log_entry(doc: dict, now: datetime, status: str, error: str) -> dict:
    """What the log keeps of a finished notice: the notice without its scheduling, and the outcome."""
    entry = {k: v for k, v in doc.items() if k not in ("next_attempt_at", "claimed_until")}
    entry.update(status=status, last_error=error, finished_at=now,
                 **({"sent_at": now} if status == "sent" else {"failed_at": now}))
    return entry


def _describe(error: Exception) -> str:
    if isinstance(error, WeChatError):
        return f"微信 {error.errcode}: {error.errmsg}"[:200]
    if isinstance(error, SmsError):
        return f"短信 {error.code}: {error.message}"[:200]
    return str(getattr(error, "message", error))[:200]


# --- the background task ------------------------------------------------------------------------

async def notification_task(svc: Services, stop_event: asyncio.Event) -> None:
    """For ``server.BACKGROUND_TASKS``: every ~10 s, under the store lease, send what is due."""
    from backend.store.lease import default_holder, run_under_lease

    try:
        senders = senders_for(svc)
    except ValueError as problem:
        log.error("notifications are off: %s", problem)
        return

    async def work(lease) -> None:
        try:
            counts = await deliver_due(svc, senders, svc.now())
        except PyMongoError as exc:
            log.warning("notifications: store unavailable (%s)", exc)
            return
        if any(counts[k] for k in ("sent", "retrying", "failed")):
            log.info("notifications (lease token %s): %s", lease.token, counts)

    await run_under_lease(svc, LEASE_NAME, default_holder(), work,
                          interval_s=INTERVAL_S, ttl_s=INTERVAL_S * 6, stop_event=stop_event)
