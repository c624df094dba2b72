"""Trail verification (监察留痕校验) and tenant-wide checkpoints (监察存证点).

``case_steps`` is the authority (one inserted document per step, see docs/decisions/0003); the
``events`` inside each ``cases`` document are a snapshot. :func:`verify_tenant` recomputes every
case's hash chain from its steps, checks the snapshot's chain as well, and compares the two event
by event, so a changed byte, a deleted event or step, or a reordering in either place is named
with its case number and event seq.

A chain cannot show that its newest events were cut off. Every stored step puts its case's head
into the journal (``services.journal``); the sweep folds the journal and periodically inserts
``trail_checkpoints/{tenant}:{n}`` committing to the heads folded since checkpoint n-1 and to that
checkpoint's hash (``trail.checkpoint``), then forgets those heads. A unique ``_id`` makes each n final: two sweepers racing for n cannot both write it.
``trail_checkpoints/{tenant}:head`` points at the latest n (it may lag; readers step forward).
Verification checks the checkpoint chain and that every head a checkpoint saw is still in its
case's chain.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from backend.domain import trail
from backend.services import journal
from backend.services.context import Services
from backend.store import snapshots, work
from backend.store.indexes import declare

CHECKPOINTS = "trail_checkpoints"
RESEALS = "trail_reseals"  # chains a migration rewrote once (migration 0003), committed by a checkpoint
CHECKPOINT_INTERVAL = timedelta(minutes=10)
SOURCES = {"case_steps": "办件记录（case_steps）", "cases": "办件快照（cases）", "checkpoints": "存证点"}

declare(CHECKPOINTS, IndexModel([("tenant", ASCENDING), ("n", ASCENDING)], name="tenant_n"))


async def _latest_checkpoint(svc: Services, tenant: str) -> dict | None:
    head = await svc.db[CHECKPOINTS].find_one({"_id": f"{tenant}:head"})
    n, latest = (head or {}).get("n", 0), None
    if n:
        latest = await svc.db[CHECKPOINTS].find_one({"_id": f"{tenant}:{n}"})
    while True:  # the pointer may lag behind the chain
        following = await svc.db[CHECKPOINTS].find_one({"_id": f"{tenant}:{n + 1}"})
        if following is None:
            return latest
        n, latest = n + 1, following


async def checkpoint_docs(svc: Services, tenant: str) -> list[dict]:
    docs = await svc.db[CHECKPOINTS].find({"_id": work.prefix_range(f"{tenant}:")}).to_list(None)
    return sorted((d for d in docs if d.get("tenant") == tenant and d["_id"] != f"{tenant}:head"
                   and isinstance(d.get("n"), int)), key=lambda d: d["n"])


async def maybe_checkpoint(svc: Services, tenant: str, now: datetime,
                           min_interval: timedelta = CHECKPOINT_INTERVAL, token: int = 0) -> int | None:
    """Insert the next checkpoint when ``min_interval`` has passed and some case changed; its n or None.

    The heads come from the journal as the sweep folded it (``journal.folded_heads``).
    """
    latest = await _latest_checkpoint(svc, tenant)
    if latest and now - _aware(latest["at"]) < min_interval:
        return None
    heads = await journal.folded_heads(svc, tenant)
    if not heads:
        return None
    n = (latest["n"] + 1) if latest else 1
    prev = latest["hash"] if latest else trail.checkpoint_genesis(tenant)
    try:
        await svc.db[CHECKPOINTS].insert_one({
            "_id": f"{tenant}:{n}", "tenant": tenant, "n": n, "at": now, "prev_hash": prev,
            "hash": trail.checkpoint(heads, prev), "heads": [{"number": k, "hash": v} for k, v in sorted(heads.items())]})
    except DuplicateKeyError:
        return None  # another sweeper wrote checkpoint n; the folded heads go into the next one
    await svc.db[CHECKPOINTS].update_one({"_id": f"{tenant}:head"}, {"$set": {"tenant": tenant, "n": n}}, upsert=True)
    await journal.clear_heads(svc, tenant, token, heads)
    return n


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# -- verification ---------------------------------------------------------------------------

def _finding(problem: trail.Problem, source: str) -> dict:
    return {"number": problem.case_number, "seq": problem.seq, "kind": problem.kind, "source": source,
            "message": f"[{SOURCES[source]}] {problem.message}"}


def _problem(number: str, seq, kind: str, source: str, text: str) -> dict:
    return _finding(trail.Problem(number, seq, kind, f"办件 {number}：{text}"), source)


def _events(number: str, docs: list, source: str, findings: list) -> list[trail.Event]:
    events = []
    for doc in docs:
        try:
            events.append(trail.event_from_document(doc))
        except Exception:  # tampered beyond parsing: a missing field or a wrong type
            seq = doc.get("seq") if isinstance(doc, dict) else None
            findings.append(_problem(number, seq, "unreadable", source, f"第 {seq} 条记录无法读取（字段被删改）"))
    return events


def _step_order(number: str, steps: list[dict], findings: list) -> list[dict]:
    """The steps' events in ``_id`` order, noting a step whose first seq does not match its ``_id``."""
    docs = []
    for step in steps:
        events = step.get("events") or []
        first = events[0].get("seq") if events and isinstance(events[0], dict) else None
        if first != step.get("first_seq"):
            findings.append(_problem(number, step.get("first_seq"), "reordered", "case_steps",
                                     f"环节记录 {step['_id']} 的首条序号与记录位置不符（顺序被调换）"))
        docs += events
    return docs


def compare_case(number: str, steps: list[dict], snapshot: dict | None, heads: set[str]) -> list[dict]:
    """Every finding for one case: both chains, their differences, and the checkpoint heads.

    A snapshot that holds an intact prefix of an intact step chain (or is missing while the steps
    are intact) is a crash remnant, not tampering: the writer died between storing its step and
    rewriting the snapshot. It is reported as one ``remnant`` finding (see ``verify_tenant``).
    """
    findings: list[dict] = []
    step_docs = _step_order(number, steps, findings)
    from_steps = _events(number, step_docs, "case_steps", findings)
    findings += [_finding(p, "case_steps") for p in trail.verify_chain(number, from_steps)]
    snap_docs = (snapshot.get("events") or []) if snapshot is not None else []
    if not findings and _behind(step_docs, snap_docs, snapshot):
        snap_events = _events(number, snap_docs, "cases", [])
        if not trail.verify_chain(number, snap_events):
            first = len(snap_docs) + 1
            return [_problem(number, first, "remnant", "cases",
                             f"第 {first}–{len(step_docs)} 条记录已存入办件记录，快照尚未更新"
                             "（写入中断的残留，办件记录完整，不是篡改）")]
    if snapshot is None:
        findings.append(_problem(number, None, "missing", "cases", "办件快照被删除"))
    else:
        snap_events = _events(number, snap_docs, "cases", findings)
        findings += [_finding(p, "cases") for p in trail.verify_chain(number, snap_events)]
    findings += _differences(number, step_docs, snap_docs if snapshot is not None else None)
    known = {e.hash for e in from_steps}
    for head in sorted(heads - known):
        findings.append(_problem(number, None, "truncated", "checkpoints",
                                 f"存证点记录的哈希 {head[:12]}… 在办件记录中找不到（记录被截断或改写）"))
    return findings


def _behind(step_docs: list, snap_docs: list, snapshot: dict | None) -> bool:
    """The snapshot is missing, or holds exactly the first events of the steps and fewer of them."""
    if not isinstance(snap_docs, list) or len(snap_docs) >= len(step_docs):
        return False
    return snapshot is None or snap_docs == step_docs[:len(snap_docs)]


def _differences(number: str, step_docs: list, snap_docs: list | None) -> list[dict]:
    if snap_docs is None:
        return []
    findings = []
    by_seq = {d.get("seq"): d for d in step_docs if isinstance(d, dict)}
    snap_by_seq = {d.get("seq"): d for d in snap_docs if isinstance(d, dict)}
    for seq in sorted(set(by_seq) | set(snap_by_seq), key=lambda s: (s is None, s if isinstance(s, int) else 0)):
        mine, theirs = by_seq.get(seq), snap_by_seq.get(seq)
        if theirs is None:
            findings.append(_problem(number, seq, "missing", "cases", f"快照缺少第 {seq} 条记录（被删除或写入中断）"))
        elif mine is None:
            findings.append(_problem(number, seq, "extra", "cases", f"快照中的第 {seq} 条记录在办件记录中不存在"))
        elif mine != theirs:
            findings.append(_problem(number, seq, "mismatch", "cases", f"快照第 {seq} 条记录与办件记录不一致"))
    return findings


def _checkpoint_findings(tenant: str, docs: list[dict]) -> tuple[list[dict], dict[str, set[str]]]:
    findings, heads, points = [], {}, []
    expected = 1
    for doc in docs:
        if doc.get("n") != expected:
            findings.append(_finding(trail.Problem(tenant, expected, "missing", f"第 {expected} 个存证点缺失（被删除）"),
                                     "checkpoints"))
        expected = doc.get("n", expected) + 1
        pairs = {h["number"]: h["hash"] for h in doc.get("heads", [])}
        points.append(trail.Checkpoint(doc.get("n"), pairs, doc.get("prev_hash", ""), doc.get("hash", ""),
                                       doc.get("note", "")))
        for number, head in pairs.items():
            heads.setdefault(number, set()).add(head)
    findings += [_finding(p, "checkpoints") for p in trail.verify_checkpoints(tenant, points)]
    return findings, heads


async def verify_tenant(svc: Services, tenant: str, repair: bool = False) -> dict:
    """Check every case of ``tenant`` and its checkpoints; ``ok`` is False when anything was found.

    Crash remnants (a step stored, its snapshot not rewritten) are reported apart and do not make
    the result fail; with ``repair`` their snapshots are rebuilt from the steps. A stored document
    too damaged to read is reported as such, never as a crash of the check.
    """
    points = await checkpoint_docs(svc, tenant)
    findings, heads = _checkpoint_findings(tenant, points)
    findings += await _reseals(svc, tenant, points, heads)
    seen, checked, remnants, repaired = set(), 0, [], []
    group: list[dict] = []

    async def finish_group() -> None:
        nonlocal checked
        if group:
            number = str(group[0].get("number"))
            found = await _check_group(svc, tenant, number, list(group), heads.get(number, set()))
            for finding in found:
                (remnants if finding["kind"] == "remnant" else findings).append(finding)
            if repair and any(f["kind"] == "remnant" for f in found):
                repaired.append(await _repair(svc, tenant, number, group[0].get("kind")))
            seen.add(number)
            checked += 1
            group.clear()

    async for step in svc.db.case_steps.find({"_id": work.prefix_range(f"{tenant}:")}).sort("_id", ASCENDING):
        if group and group[0].get("number") != step.get("number"):
            await finish_group()
        group.append(step)
    await finish_group()
    for collection in (svc.db.cases, svc.db.hotline_tickets):
        for doc in await collection.find({"_id": work.prefix_range(f"{tenant}:")}, {"number": 1}).to_list(None):
            number = str(doc.get("number") or doc["_id"].split(":", 1)[-1])
            if number not in seen:
                checked += 1
                findings.append(_problem(number, None, "missing", "case_steps", "办件记录全部缺失（case_steps 被删除）"))
    for number in sorted(set(heads) - seen):
        findings.append(_problem(number, None, "missing", "checkpoints", "存证点记录的办件已不存在"))
    return {"tenant": tenant, "ok": not findings, "cases_checked": checked,
            "checkpoints_checked": len(points), "problems": findings, "remnants": remnants,
            "repaired": [n for n in repaired if n]}


async def _reseals(svc: Services, tenant: str, checkpoint_docs: list[dict], heads: dict[str, set[str]]) -> list[dict]:
    """Chains a migration resealed (``trail_reseals``): the ledger must match the digest a checkpoint
    committed to; the old heads it lists stand for the new chain, so earlier checkpoints still check."""
    ledger = await svc.db[RESEALS].find({"_id": work.prefix_range(f"{tenant}:")}).to_list(None)
    notes = {doc.get("note", "") for doc in checkpoint_docs}
    findings, by_migration = [], {}
    for entry in ledger:
        by_migration.setdefault(entry.get("migration", ""), []).append(entry)
        if entry["number"] in heads:
            heads[entry["number"]] -= {h["hash"] for h in entry.get("old_heads", [])}
    for migration, entries in sorted(by_migration.items()):
        if f"reseal:{migration}:{trail.reseal_digest(entries)}" not in notes:
            findings.append(_finding(trail.Problem(tenant, None, "changed", f"换链记录（{migration}）与存证点不符（被改动）"),
                                     "checkpoints"))
    return findings


async def _check_group(svc: Services, tenant: str, number: str, steps: list[dict], heads: set[str]) -> list[dict]:
    try:
        steps = [snapshots.unpack(step) for step in steps]
        collection = svc.db.hotline_tickets if steps[0].get("kind") == "ticket" else svc.db.cases
        snapshot = await snapshots.read(collection, f"{tenant}:{number}")
        return compare_case(number, steps, snapshot, heads)
    except Exception:  # a document damaged beyond what the comparison expects
        return [_problem(number, None, "unreadable", "case_steps", "办件记录或快照的结构被破坏，无法校验")]


async def _repair(svc: Services, tenant: str, number: str, kind: str | None) -> str:
    """Rebuild a remnant's snapshot from its steps; the number, or "" when it could not be done."""
    try:
        if kind == "ticket":
            from hotline.services import tickets as hotline_tickets  # hotline builds on the case pipeline

            await hotline_tickets.load(svc, tenant, number)
        else:
            from backend.services import casework

            await casework.load(svc, tenant, number)
        return number
    except Exception:
        return ""


def report_zh(result: dict) -> str:
    """The verification result as Chinese text for the command line."""
    lines = [f"租户 {result['tenant']}：校验办件 {result['cases_checked']} 件，存证点 {result['checkpoints_checked']} 个。"]
    if result["ok"]:
        lines.append("未发现篡改：全部记录链完整。" + ("" if result.get("remnants") else "快照与办件记录一致。"))
    else:
        lines.append(f"发现 {len(result['problems'])} 处问题：")
        lines += [f"  - {p['message']}" for p in result["problems"]]
    if result.get("remnants"):
        lines.append(f"写入中断的残留 {len(result['remnants'])} 件（不是篡改）：")
        lines += [f"  - {p['message']}" for p in result["remnants"]]
        if result.get("repaired"):
            lines.append(f"已按办件记录修复快照：{'、'.join(result['repaired'])}")
    return "\n".join(lines)
