"""Tamper-evident trail (防篡改监察留痕): case events chained by SHA-256.

Every case event carries the hash of the event before it; the first event of a
case links to a genesis hash derived from the case number, so a trail cannot be
moved to another case. ``hash = sha256(prev_hash + canonical(event without hash))``
where ``canonical`` is stable JSON (sorted keys, no whitespace, UTC times with
microseconds). An outside auditor can re-run ``verify_chain`` with nothing but
the stored events.

A chain alone cannot reveal that its newest events were cut off; tenant-wide
checkpoints (监察存证点) close that gap: ``checkpoint`` commits to the heads of
the cases touched since the previous checkpoint and to the previous checkpoint's
hash, and ``verify_chain(..., checkpoint_head=...)`` checks a case still holds
the head a checkpoint saw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Iterable, Mapping, Sequence

_SCALARS = (str, int, bool, type(None))
_HASHED = ("type", "at", "actor_id", "actor_name", "actor_role", "actor_post", "actor_department",
           "from_state", "to_state", "reason", "data", "seq", "prev_hash")


@dataclass(frozen=True)
class Event:
    """One step of a case (办件环节记录); past tense ``type`` such as ``CaseAccepted``."""

    type: str
    at: datetime
    actor_id: str
    actor_name: str
    actor_role: str
    actor_post: str
    actor_department: str
    from_state: str
    to_state: str
    reason: str = ""
    data: Mapping[str, str | int | bool | None] = field(default_factory=dict)
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""

    def __post_init__(self):
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("event time must be timezone-aware")
        object.__setattr__(self, "at", self.at.astimezone(timezone.utc))
        object.__setattr__(self, "data", dict(self.data))
        for key, value in self.data.items():
            if not isinstance(key, str) or "." in key or key.startswith("$"):
                raise ValueError(f"bad event data key {key!r}")
            if not isinstance(value, _SCALARS):
                raise ValueError(f"event data {key!r} must be a scalar, not {type(value).__name__}")


@dataclass(frozen=True)
class Problem:
    """One finding of a verification: which case, which event (seq) and what is wrong."""

    case_number: str
    seq: int | None
    kind: str  # changed | missing | duplicate | reordered | broken_link | bad_genesis | truncated
    message: str


def iso_utc(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds, e.g. 2026-11-28T01:02:03.000004Z."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _dumps(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def canonical(event: Event) -> bytes:
    """Stable bytes of an event without its own hash."""
    body = {name: getattr(event, name) for name in _HASHED}
    body["at"] = iso_utc(event.at)
    body["data"] = dict(event.data)
    return _dumps(body)


def event_hash(event: Event) -> str:
    return hashlib.sha256(event.prev_hash.encode("utf-8") + canonical(event)).hexdigest()


def genesis_hash(case_number: str) -> str:
    """The ``prev_hash`` of a case's first event; binds the trail to its case number."""
    return hashlib.sha256(f"sunshine365-case-genesis:{case_number}".encode("utf-8")).hexdigest()


def chain(case_number: str, drafts: Iterable[Event], last: Event | None = None) -> tuple[Event, ...]:
    """Number and hash ``drafts`` so they follow ``last`` (or start the case's trail)."""
    seq = last.seq if last else 0
    prev = last.hash if last else genesis_hash(case_number)
    out = []
    for draft in drafts:
        seq += 1
        linked = replace(draft, seq=seq, prev_hash=prev, hash="")
        object.__setattr__(linked, "hash", event_hash(linked))  # a fresh copy nobody else holds yet
        out.append(linked)
        prev = linked.hash
    return tuple(out)


def verify_chain(case_number: str, events: Sequence[Event],
                 checkpoint_head: str | None = None) -> list[Problem]:
    """Every way the stored trail differs from an untouched one, empty when intact."""
    problems: list[Problem] = []

    def found(seq, kind, message):
        problems.append(Problem(case_number, seq, kind, f"办件 {case_number}：{message}"))

    seqs = [e.seq for e in events]
    for seq in sorted(set(range(1, max(seqs, default=0) + 1)) - set(seqs)):
        found(seq, "missing", f"第 {seq} 条记录缺失（被删除）")
    for seq in sorted({s for s in seqs if seqs.count(s) > 1}):
        found(seq, "duplicate", f"第 {seq} 条记录重复出现")
    for before, after in zip(events, events[1:]):
        if after.seq < before.seq:
            found(after.seq, "reordered", f"第 {after.seq} 条记录排在第 {before.seq} 条之后（顺序被调换）")
    for index, event in enumerate(events):
        if event_hash(event) != event.hash:
            found(event.seq, "changed", f"第 {event.seq} 条记录的内容与其哈希不符（记录被改动）")
        if index == 0:
            if event.prev_hash != genesis_hash(case_number):
                found(event.seq, "bad_genesis", "首条记录的起始哈希不属于本办件")
        elif event.prev_hash != events[index - 1].hash:
            found(event.seq, "broken_link", f"第 {event.seq} 条记录未接续前一条记录的哈希（链条断裂）")
    if checkpoint_head and checkpoint_head not in {e.hash for e in events}:
        found(None, "truncated", "存证点记录的最新哈希在记录链中找不到（记录被截断或改写）")
    return problems


# -- tenant-wide checkpoints --------------------------------------------------------------

def checkpoint_genesis(tenant: str) -> str:
    """The ``prev_checkpoint_hash`` of a tenant's first checkpoint."""
    return hashlib.sha256(f"sunshine365-checkpoint-genesis:{tenant}".encode("utf-8")).hexdigest()


def checkpoint(case_heads: Mapping[str, str], prev_checkpoint_hash: str, note: str = "") -> str:
    """Hash committing to each case's last event hash, to the previous checkpoint and to ``note``
    (a reseal's ledger digest, see :func:`reseal_digest`; checkpoints without a note hash as before)."""
    body = {"heads": dict(sorted(case_heads.items())), "prev": prev_checkpoint_hash}
    if note:
        body["note"] = note
    return hashlib.sha256(prev_checkpoint_hash.encode("utf-8") + _dumps(body)).hexdigest()


def verify_checkpoint(case_heads: Mapping[str, str], prev_checkpoint_hash: str, expected: str, note: str = "") -> bool:
    return checkpoint(case_heads, prev_checkpoint_hash, note) == expected


@dataclass(frozen=True)
class Checkpoint:
    """One stored checkpoint: heads of the cases changed since the previous one."""

    seq: int
    heads: Mapping[str, str]
    prev_hash: str
    hash: str
    note: str = ""


# -- resealing (换链): a one-time rewrite of chains, committed by a checkpoint -------------------

def reseal_digest(entries: Iterable[Mapping]) -> str:
    """The digest a reseal checkpoint commits to: per case, whether its chain was intact (and so
    rehashed), the old hashes checkpoints or the journal had named, and the new head.

    A reseal replaces values in stored events (personal data by vault references, migration 0003),
    which changes their hashes; each case's chain is recomputed only when it verified before, so a
    break stays visible. The ledger of old and new heads is committed by a checkpoint in the same
    chain as every other, so it cannot be changed afterwards unnoticed (docs/decisions/0007).
    """
    rows = sorted(({"number": e["number"], "intact": bool(e["intact"]), "new_head": e["new_head"],
                    "old_heads": sorted([int(h["seq"]), h["hash"]] for h in e["old_heads"])} for e in entries),
                  key=lambda row: row["number"])
    return hashlib.sha256(_dumps(rows)).hexdigest()


def verify_checkpoints(tenant: str, checkpoints: Sequence[Checkpoint]) -> list[Problem]:
    """Checks the checkpoint chain itself (each names its predecessor, each hash recomputes)."""
    problems = []
    prev = checkpoint_genesis(tenant)
    for point in checkpoints:
        if point.prev_hash != prev:
            problems.append(Problem(tenant, point.seq, "broken_link",
                                    f"第 {point.seq} 个存证点未接续前一个存证点"))
        if not verify_checkpoint(point.heads, point.prev_hash, point.hash, point.note):
            problems.append(Problem(tenant, point.seq, "changed", f"第 {point.seq} 个存证点内容被改动"))
        prev = point.hash
    return problems


# -- BSON-friendly documents ----------------------------------------------------------------

def event_to_document(event: Event) -> dict:
    """A dict for MongoDB/FerretDB: UTC datetime plus ``at_us``, since BSON keeps only milliseconds."""
    doc = {f.name: getattr(event, f.name) for f in fields(event)}
    doc["data"] = dict(event.data)
    doc["at_us"] = event.at.microsecond
    return doc


def event_from_document(doc: Mapping) -> Event:
    """The reverse of ``event_to_document``; accepts naive datetimes as UTC (PyMongo's default)."""
    at = doc["at"]
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    at = at.replace(microsecond=int(doc.get("at_us", at.microsecond)))
    values = {f.name: doc[f.name] if f.default is MISSING else doc.get(f.name, f.default)
              for f in fields(Event) if f.name not in ("at", "data")}
    return Event(at=at, data=dict(doc.get("data") or {}), **values)
