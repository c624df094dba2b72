"""Reconciliation (对账): the daily statement per tenant, statement files, mismatches to resolve.

The daily statement adds up the day's ledger (``fee_ledger/{t}:{day}:…``, one prefix read): slips
issued, voided, paid, exempted, refunds owed and paid, by channel. A statement file of one channel
and day is read whole (``domain.fee_statements``) and compared with our payments of that channel
and day (``fees.reconcile``): paid here but not there, amount differs, unknown transaction. The
import is ``fee_statements/{t}:{channel}:{day}`` (once per channel and day, decided by its insert);
each mismatch is ``fee_mismatches/{t}:{channel}:{day}:{n}`` and waits in ``work/{t}:mismatch:…``
until the fee window resolves it with a reason (``fee_resolutions``, insert-decided).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date

from pymongo.errors import DuplicateKeyError

from backend.domain import fee_statements, fees
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.services import audit, fee_slips
from backend.services.context import Services
from backend.store import work

STATEMENTS, MISMATCHES, RESOLUTIONS = "fee_statements", "fee_mismatches", "fee_resolutions"
CHANNEL_LABELS = {"bank": "银行对账单", "wechat": "微信支付交易账单"}


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except (TypeError, ValueError):
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", code="invalid_date") from None


async def ledger(svc: Services, tenant: str, day: str) -> list[dict]:
    return await svc.db[fee_slips.LEDGER].find({"_id": work.prefix_range(f"{tenant}:{_day(day)}:")}).to_list(None)


async def daily_statement(svc: Services, tenant: str, day: str) -> dict:
    """日结单: counts and sums of the day's fee facts, with payments by channel."""
    entries = await ledger(svc, tenant, day)
    counts, sums, by_channel = Counter(), Counter(), defaultdict(lambda: {"count": 0, "amount_fen": 0})
    for entry in entries:
        counts[entry["fact"]] += 1
        sums[entry["fact"]] += entry.get("amount_fen") or 0
        if entry["fact"] in ("paid", "exempted"):
            bucket = by_channel[entry["channel"]]
            bucket["count"] += 1
            bucket["amount_fen"] += entry.get("amount_fen") or 0
    facts = [{"fact": f, "label": label, "count": counts[f], "amount_fen": sums[f], "amount_yuan": fees.yuan(sums[f])}
             for f, label in fee_slips.FACTS.items()]
    channels = [{"channel": c, "label": fees.CHANNELS.get(c, c), **v, "amount_yuan": fees.yuan(v["amount_fen"])}
                for c, v in sorted(by_channel.items())]
    statements = await svc.db[STATEMENTS].find({"_id": {"$in": [f"{tenant}:{c}:{_day(day)}" for c in CHANNEL_LABELS]}},
                                               {"lines": 0}).to_list(None)
    return {"day": _day(day), "facts": facts, "channels": channels,
            "imported": [{"channel": s["channel"], "label": CHANNEL_LABELS[s["channel"]], "lines": s["line_count"],
                          "mismatches": s["mismatch_count"], "imported_at": s["imported_at"]} for s in statements]}


def _mismatch_view(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["id"] = doc["_id"]
    out["kind_label"] = fees.MISMATCH_KINDS[doc["kind"]]
    out["channel_label"] = fees.CHANNELS.get(doc["channel"], doc["channel"])
    for key in ("ours_fen", "theirs_fen"):
        out[key.replace("_fen", "_yuan")] = fees.yuan(doc[key]) if doc.get(key) is not None else "—"
    return out


async def import_statement(svc: Services, tenant: str, principal: dict, channel: str, day: str, text: str) -> dict:
    """Read a statement file of ``channel`` for ``day`` and list every difference; nothing half-imported."""
    if channel not in fee_statements.PARSERS:
        raise ValidationFailed("对账渠道只能是银行（bank）或微信支付（wechat）", code="bad_channel")
    day = _day(day)
    theirs = fee_statements.PARSERS[channel](text)
    ours = [{"slip": e["slip"], "reference": e["reference"], "amount_fen": e["amount_fen"]}
            for e in await ledger(svc, tenant, day) if e["fact"] == "paid" and e["channel"] == channel]
    result = fees.reconcile(ours, theirs)
    now, statement_id = svc.now(), f"{tenant}:{channel}:{day}"
    mismatches = [{"_id": f"{statement_id}:{n:04d}", "tenant": tenant, "channel": channel, "day": day,
                   "kind": m.kind, "slip": m.slip, "reference": m.reference, "ours_fen": m.ours_fen,
                   "theirs_fen": m.theirs_fen, "line": m.line, "status": "open", "found_at": now}
                  for n, m in enumerate(result.mismatches, 1)]
    try:
        await svc.db[STATEMENTS].insert_one({
            "_id": statement_id, "tenant": tenant, "channel": channel, "day": day, "imported_at": now,
            "imported_by": principal["id"], "line_count": len(theirs), "matched": len(result.matched),
            "mismatch_count": len(mismatches), "lines": [l.__dict__ for l in theirs]})
    except DuplicateKeyError:
        raise Conflict(f"{day} 的{CHANNEL_LABELS[channel]}已导入过", code="statement_imported") from None
    if mismatches:
        await svc.db[MISMATCHES].insert_many(mismatches)
        await work.apply(svc.db, _open_changes(tenant, mismatches))
    await audit.record(svc, tenant, principal["id"], "fee.statement_imported",
                       {"channel": channel, "day": day, "mismatches": len(mismatches)})
    return {"day": day, "channel": channel, "lines": len(theirs), "matched": len(result.matched),
            "mismatches": [_mismatch_view(m) for m in mismatches]}


def _open_changes(tenant: str, mismatches: list[dict]) -> work.Changes:
    changes = work.Changes()
    for m in mismatches:
        changes.add(work.key(tenant, "mismatch", m["_id"].split(":", 1)[1]), {k: v for k, v in m.items() if k != "_id"}
                    | {"mismatch_id": m["_id"]})
    return changes


async def mismatches(svc: Services, tenant: str, open_only: bool) -> dict:
    """未处理的差错 (the working set) or every mismatch with its resolution."""
    if open_only:
        found = [{**e, "_id": e["mismatch_id"]} for e in await work.read_prefix(svc.db, work.key(tenant, "mismatch", ""))]
    else:
        found = await svc.db[MISMATCHES].find({"_id": work.prefix_range(f"{tenant}:")}).to_list(None)
    items = sorted((_mismatch_view(d) for d in found), key=lambda d: d["id"])
    return {"items": items, "total": len(items)}


async def resolve(svc: Services, tenant: str, principal: dict, mismatch_id: str, reason: str) -> dict:
    """处理差错: the fee window records why a difference is settled (once)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("处理差错必须说明理由", code="reason_required")
    doc = await svc.db[MISMATCHES].find_one({"_id": mismatch_id}) if re.match(rf"^{re.escape(tenant)}:", mismatch_id) else None
    if doc is None:
        raise NotFound("未找到该差错记录", code="mismatch_not_found")
    resolved = {"status": "resolved", "resolution": reason, "resolved_by": principal["id"],
                "resolved_by_name": principal.get("name", ""), "resolved_at": svc.now()}
    try:
        await svc.db[RESOLUTIONS].insert_one({"_id": mismatch_id, "tenant": tenant, **resolved})
    except DuplicateKeyError:
        raise Conflict("该差错已处理", code="mismatch_resolved") from None
    await svc.db[MISMATCHES].update_one({"_id": mismatch_id}, {"$set": resolved})
    await svc.db[work.WORK].delete_one({"_id": work.key(tenant, "mismatch", mismatch_id.split(":", 1)[1])})
    await audit.record(svc, tenant, principal["id"], "fee.mismatch_resolved", {"id": mismatch_id, "reason": reason})
    return _mismatch_view({**doc, **resolved})
