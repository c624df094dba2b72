"""Notifications to the applicant (办件进度通知): an outbox that reacts to case events.

Every stored case step derives (``on_step``, a ``casework.DERIVERS`` entry) one queued notice per
event the applicant is told about (accepted, supplement requested at the window or during review,
rejected, a report-up case sent to the higher authority, decided, dispatched, delivered). A notice
is named ``tenant:number:seq`` (:func:`notice_id`) and queued in ``work`` under
``{tenant}:outbox:{number}:{seq}`` (:func:`queue_key`), so filing twice is harmless and the queue
joins the step's other working-set writes in one insert (migration 0009). The queue holds only
pending work; ``notify_worker.deliver_due`` sends it (WeChat subscribe message for mini-program
applicants, SMS otherwise), retries with backoff and moves every finished notice to
``notification_log`` (one document per notice, ``_id`` its notice id). Sending never touches the case.
A mini-program applicant who declined the subscribe message (WeChat 43101) is sent an SMS instead.
A phone number is held as its vault reference (``to``, ``fallback_phone``), read back by the worker
just before sending (:mod:`backend.services.vault`), so neither the queue nor the log holds the number.

Each queued notice is also filed on the ``notice`` wheel of ``work`` (the minute layout of
:mod:`backend.store.timers`): ``{tenant}:notice:{YYYYMMDDHHMM}:{notice id}``, the minute it falls
due, named by the notice's ``due_key``. The worker reads the minutes since its cursor, so finding
what is due costs what is due, not the whole queue (an SMS outage leaves thousands of notices
waiting for their next attempt). An entry whose notice is gone, or names another ``due_key``, is
stale and is dropped when read. File a notice with :func:`plan` (with a step's derived writes) or
:func:`file_now`; read the queue with :func:`queued` and :func:`queued_for`, which give each
notice keyed by its notice id.

Params are one flat dict of short strings shared by both channels: ``item`` (item name),
``number`` (case number), ``state`` (state label), ``note`` (reason, materials, tracking number,
promised date...), ``time`` (event time, Beijing time) and ``due`` (promised date, when known).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from backend.domain.case_model import Case, Kind
from backend.domain.clock import to_shanghai
from backend.domain.errors import Conflict, NotFound
from backend.domain.identity import mask_phone
from backend.domain.numbering import case_id
from backend.domain.progress_labels import state_label
from backend.domain.trail import Event
from backend.services.context import Services
from backend.services import vault
from backend.services.deadlines import deadline_fields
from backend.store import timers, work

log = logging.getLogger("sunshine.notify")

OUTBOX = "outbox"  # the work kind of a queued notice
LOG = "notification_log"
CLAIMS = "notification_claims"
SHORT = 20  # WeChat "thing" values hold at most 20 characters

TEMPLATE_LABELS = {"accepted": "受理通知", "supplement": "补正通知", "rejected": "不予受理通知",
                   "forwarded": "上报通知", "decided": "办理结果通知", "dispatched": "结果送达通知",
                   "delivered": "办结通知", "rating": "评价邀请"}
CHANNEL_LABELS = {"wechat": "微信订阅消息", "sms": "短信"}
STATUS_LABELS = {"pending": "待发送", "retrying": "发送失败，等待重试", "sent": "已发送", "failed": "发送失败"}
OUTCOME_LABELS = {"approved": "准予办理", "refused": "不予办理"}
DISPATCH_NOTES = {"window": "请携带身份证件到窗口领取", "electronic": "电子结果已发送，请注意查收"}


WHEEL = "notice"  # the work wheel of notices due to be sent


def notice_id(tenant: str, number: str, seq: int) -> str:
    return f"{tenant}:{number}:{seq}"


def queue_key(notice: str) -> str:
    """The ``work`` key a notice waits under: ``tenant:number:seq`` -> ``tenant:outbox:number:seq``."""
    tenant, rest = notice.split(":", 1)
    return work.key(tenant, OUTBOX, rest)


def stored(doc: dict) -> tuple[str, dict]:
    """(key, document) of a notice as ``work`` keeps it: under its queue key, naming its notice id."""
    return queue_key(doc["_id"]), {**{k: v for k, v in doc.items() if k != "_id"}, "notice": doc["_id"]}


def _read(found: dict) -> dict:
    """A notice read from ``work``, keyed by its notice id again."""
    doc = {k: v for k, v in found.items() if k != "notice"}
    doc["_id"] = found["notice"]
    return doc


async def queued(svc: Services, ids) -> dict[str, dict]:
    """The notices among ``ids`` (notice ids) still queued, by notice id (one read)."""
    keys = [queue_key(notice) for notice in ids]
    found = await svc.db[work.WORK].find({"_id": {"$in": keys}}).to_list(None) if keys else []
    return {doc["_id"]: doc for doc in map(_read, found)}


async def queued_for(svc: Services, tenant: str, number: str | None = None) -> list[dict]:
    """Every notice still queued of one case (or of the whole county): an ``_id`` range of ``work``."""
    prefix = work.key(tenant, OUTBOX, number, "") if number else work.key(tenant, OUTBOX, "")
    return [_read(doc) for doc in await work.read_prefix(svc.db, prefix)]


def due_key(tenant: str, notice: str, at) -> str:
    """The ``work`` key of a notice falling due at ``at`` (its minute on the ``notice`` wheel)."""
    return f"{timers.bucket_id(tenant, at, WHEEL)}:{notice}"


def due_entry(doc: dict) -> tuple[str, dict]:
    """The wheel entry of a queued notice (``doc`` with its ``due_key``)."""
    minute = timers.minute_floor(doc["next_attempt_at"])
    return doc["due_key"], {"tenant": doc["tenant"], "notice": doc["_id"], "due_at": doc["next_attempt_at"],
                            "minute": minute}


def with_due(doc: dict) -> dict:
    """``doc`` (a notice to queue) with the key of its entry on the wheel."""
    doc["due_key"] = due_key(doc["tenant"], doc["_id"], doc["next_attempt_at"])
    return doc


def plan(effects, doc: dict) -> None:
    """Queue a notice with a step's derived writes: the notice (kept as it is when a repair derives
    it again: it may be on its way), and its entry on the wheel."""
    effects.work.add(*stored(with_due(doc)), once=True)
    effects.work.add(*due_entry(doc))


async def file_now(svc: Services, doc: dict) -> bool:
    """Queue one notice outside a step (and file it on the wheel); False when it was queued already."""
    key, queued_doc = stored(with_due(doc))
    if not await work.insert_once(svc.db, {"_id": key, **queued_doc}):
        return False
    key, entry = due_entry(doc)
    await work.insert_once(svc.db, {"_id": key, **entry})
    return True


NOTICE_NOT_FOUND = "未找到该通知"


async def resend(svc: Services, tenant: str, number: str, notice: str) -> dict:
    """Queue again a notice of case ``number`` that failed for good (the county has since set up
    SMS, or staff want one more try): a new round of attempts, numbered on from the last one so the
    claims of the earlier round never stand in its way. The failed log entry stays until the new
    round finishes and replaces it. Returns the queued notice; Conflict when it is already queued
    (someone resent it a moment ago) or was sent."""
    if not notice.startswith(f"{tenant}:{number}:"):
        raise NotFound(NOTICE_NOT_FOUND, code="notice_not_found")
    if await queued(svc, [notice]):
        raise Conflict("该通知正在发送，请稍后刷新查看结果", code="notice_queued")
    logged = await svc.db[LOG].find_one({"_id": notice})
    if logged is None:
        raise NotFound(NOTICE_NOT_FOUND, code="notice_not_found")
    if logged["status"] != "failed":
        raise Conflict("该通知已发送成功，无需重新发送", code="notice_already_sent")
    now = svc.now()
    doc = {k: v for k, v in logged.items() if k not in ("status", "finished_at", "sent_at", "failed_at")}
    doc.update(next_attempt_at=now, claimed_until=None, last_error="", resent_after=logged["attempts"], resent_at=now)
    if not await file_now(svc, doc):
        raise Conflict("该通知正在发送，请稍后刷新查看结果", code="notice_queued")
    return doc


def round_attempts(doc: dict) -> int:
    """The attempts of a notice's current round (a resent notice starts a new one)."""
    return doc["attempts"] - doc.get("resent_after", 0)


def short(text: str, limit: int = SHORT) -> str:
    """One line of at most ``limit`` characters, cut with an ellipsis."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def template_key(case: Case, event: Event) -> str | None:
    """Which notice an event sends (``None``: the applicant is not told about it)."""
    if event.type == "CaseApproved" and case.kind == Kind.REPORT_UP:
        return None  # only the county's part: the applicant hears of it when the file goes up (forwarded)
    return {"CaseAccepted": "accepted", "SupplementRequested": "supplement", "CaseRejected": "rejected",
            "ReviewSupplementRequested": "supplement", "CaseForwarded": "forwarded",
            "CaseApproved": "decided", "CaseRefused": "decided", "ReplyRecorded": "decided",
            "ResultDispatched": "dispatched", "ResultDelivered": "delivered"}.get(event.type)


def recipient(case: Case) -> tuple[str, str] | None:
    """(channel, address): WeChat for mini-program applicants with an openid, else SMS (to the phone's
    vault reference), else nobody."""
    app = case.app
    if app.channel == "miniprogram" and app.applicant_openid:
        return "wechat", app.applicant_openid
    if app.applicant_phone:
        return "sms", app.applicant_phone
    return None


def _note(key: str, event: Event, due: str) -> str:
    if key == "accepted":
        return f"承诺{due}前办结" if due else "请留意后续办理进度"
    if key == "supplement":
        materials = [m for m in str(event.data.get("materials", "")).split("\n") if m]
        return "请补正：" + "、".join(materials)
    if key == "rejected":
        return event.reason or "详见不予受理告知书"
    if key == "forwarded":
        return f"县级审核通过，已报{event.data.get('authority') or '上级机关'}"
    if key == "decided":
        if _outcome(event) == "approved":
            return "上级准予办理，结果将按您选择的方式送达" if event.type == "ReplyRecorded" else "办理结果将按您选择的方式送达"
        if event.type == "ReplyRecorded":
            return "上级不予批准：" + (event.reason or "详见批复告知书")
        return event.reason or "详见不予办理决定书"
    if key == "dispatched":
        if event.data.get("method") == "post":
            return f"EMS运单号{event.data.get('tracking_number', '')}"
        return DISPATCH_NOTES.get(str(event.data.get("method")), "请注意查收办理结果")
    return "感谢您的办理，欢迎评价"


def _outcome(event: Event) -> str:
    if event.type == "ReplyRecorded":
        return str(event.data.get("outcome", ""))
    return "approved" if event.type == "CaseApproved" else "refused"


def notice_params(case: Case, event: Event, key: str, due: str = "") -> dict[str, str]:
    """The flat, short strings both channels fill their templates from."""
    if key == "decided" and event.type != "ReplyRecorded":
        state = OUTCOME_LABELS.get(_outcome(event), "")
    else:  # a report-up reply reads 上级已批复, its outcome in the note
        state = state_label(case.kind, event.to_state)
    return {"item": short(case.app.item_name), "number": case.number, "state": state,
            "note": short(_note(key, event, due)), "time": to_shanghai(event.at).strftime("%Y-%m-%d %H:%M"),
            "due": due}


async def _promised_date(svc: Services, case: Case) -> str:
    """The promised finishing date (承诺办结日期) in Beijing time, or "" when there is none."""
    try:
        due_at = (await deadline_fields(svc, case)).get("due_at")
    except Exception:  # a missing calendar must not stop the notice; it just says less
        log.warning("no promised date for %s", case.number, exc_info=True)
        return ""
    if not due_at:
        return ""
    return (to_shanghai(due_at) - timedelta(microseconds=1)).strftime("%Y-%m-%d")  # 24:00 ends the day before


def _notices(case: Case, events, now) -> list[dict]:
    """The queue documents for the notifiable events of a step (before the promised date is known)."""
    to = recipient(case)
    if to is None:
        return []
    docs = []
    for event in events:
        key = template_key(case, event)
        if key is not None:
            docs.append(_document(notice_id(case.app.tenant, case.number, event.seq), case, event, key, to, now))
    return docs


async def _fill_and_skip_finished(svc: Services, case: Case, docs: list[dict], check_log: bool) -> list[dict]:
    """Fill each notice's params; with ``check_log`` (a repair), leave out notices already sent."""
    if check_log and docs:
        done = {d["_id"] for d in await svc.db[LOG].find({"_id": {"$in": [d["_id"] for d in docs]}}, {"_id": 1}).to_list(None)}
        docs = [d for d in docs if d["_id"] not in done]
    events = {e.seq: e for e in case.events}
    for doc in docs:
        due = await _promised_date(svc, case) if doc["template"] == "accepted" else ""
        doc["params"] = notice_params(case, events[doc["event_seq"]], doc["template"], due)
    return docs


async def on_step(svc: Services, effects) -> None:
    """What a stored step derives: one queued notice per event the applicant is told about."""
    docs = await _fill_and_skip_finished(svc, effects.case, _notices(effects.case, effects.events, effects.now),
                                         check_log=effects.repair)
    for doc in docs:
        plan(effects, doc)


async def enqueue_for_events(svc: Services, case: Case, events) -> list[str]:
    """File the notices of ``events`` now (outside a step); returns the ids newly queued.

    Idempotent: a notice already queued or already finished is not filed again.
    """
    queued = []
    for doc in await _fill_and_skip_finished(svc, case, _notices(case, events, svc.now()), check_log=True):
        if await file_now(svc, doc):
            queued.append(doc["_id"])
    return queued


def _document(qid: str, case: Case, event: Event, key: str, to: tuple[str, str], now) -> dict:
    return {"_id": qid, "tenant": case.app.tenant, "case_number": case.number, "event_seq": event.seq,
            "event_type": event.type, "channel": to[0], "to": to[1], "template": key, "params": {},
            "attempts": 0, "next_attempt_at": now, "claimed_until": None, "last_error": "", "created_at": now,
            "fallback_phone": case.app.applicant_phone if to[0] == "wechat" else ""}


async def case_notifications(svc: Services, tenant: str, number: str, known: bool = False) -> list[dict]:
    """Every notice of one case for the staff console, pending and finished, in event order.

    ``known``: the caller has just read the case (no need to check that it exists).
    """
    if not known and not await svc.db.cases.find_one({"_id": case_id(tenant, number)}, {"_id": 1}):
        raise NotFound("未找到该办件", code="case_not_found")
    pending = await queued_for(svc, tenant, number)
    # every notice of the case is named tenant:number:..., its events' and its rating invitations' alike;
    # a resent notice is shown as queued until its new round replaces the failed entry
    waiting = {doc["_id"] for doc in pending}
    finished = [doc for doc in await svc.db[LOG].find({"_id": work.prefix_range(f"{tenant}:{number}:")}).to_list(None)
                if doc["_id"] not in waiting]
    phones = await vault.reveal(svc, tenant, [d["to"] for d in pending + finished if d["channel"] == "sms"])
    rows = [_staff_view(doc, "retrying" if round_attempts(doc) else "pending", phones) for doc in pending]
    rows += [_staff_view(doc, doc["status"], phones) for doc in finished]
    return sorted(rows, key=lambda row: row["event_seq"])


def _staff_view(doc: dict, status: str, phones: dict[str, str]) -> dict:
    to = phones.get(doc["to"], "") if doc["channel"] == "sms" else doc["to"]
    return {
        "id": doc["_id"], "event_seq": doc["event_seq"], "event_type": doc["event_type"],
        "template": doc["template"], "template_label": TEMPLATE_LABELS.get(doc["template"], doc["template"]),
        "channel": doc["channel"], "channel_label": CHANNEL_LABELS.get(doc["channel"], doc["channel"]),
        "to": mask_phone(to) if doc["channel"] == "sms" else f"{to[:4]}****{to[-4:]}",
        "status": status, "status_label": STATUS_LABELS[status], "attempts": doc["attempts"],
        "params": doc["params"], "created_at": doc["created_at"],
        "next_attempt_at": doc.get("next_attempt_at") if status in ("pending", "retrying") else None,
        "sent_at": doc.get("sent_at"), "failed_at": doc.get("failed_at"), "last_error": doc.get("last_error", ""),
        "resent_at": doc.get("resent_at"),
    }

