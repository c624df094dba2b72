"""The step journal (办件日志) and what is folded from it: live counts, daily tallies, trail heads.

Every stored step puts one entry into ``work/{tenant}:journal:{number}:{seq}`` (supervision's
deriver): the case's new trail head, the open-case contribution it replaced and the one it made
(:mod:`backend.domain.open_counts`), and, when the case finished, its summary. A raised or closed
card adds an entry of its own. Entries are inserts, so nothing is lost to FerretDB's unisolated
updates. An entry is stored packed (:func:`stored_entry`: ``{_id, packed}``, as case snapshots are):
FerretDB writes and reads each stored field on its own, and an entry's dozen nested fields cost it
about half a millisecond per entry when the sweep read thousands after a burst. :func:`entries`
reads them unpacked (an entry stored unpacked, by an older writer, reads as it is).

The sweep, under its lease, folds the journal (:func:`fold`): it adds the entries to the tenant's
state ``journal_state/{tenant}`` (open counts, trail heads awaiting the next checkpoint, and the
ids it folded) and to the day's tally ``journal_days/{tenant}:{day}``, then deletes the entries.
The entries are deleted ``DELETE_BATCH`` ids at a time: after a burst (a busy morning, a sweep that
was stopped for a while) one ``$in`` of thousands of ids cost FerretDB seconds of CPU, as it
compares every document it deletes with every id named.
Only the lease holder writes the state, so no increment is lost; the ids folded last time are kept
in the state, so a fold that died after writing the state and before deleting its entries does not
count them twice (a day tally keeps the ids it added for the same reason). Readers add the entries
not yet folded themselves, so figures are live. :func:`recount` rebuilds the counts from the open
cases, for a store that predates the journal or whose counts drifted after a crash.
"""

from __future__ import annotations

from datetime import date, timedelta

from backend.domain.clock import to_shanghai
from backend.domain.open_counts import Contribution, DayTally, OpenCounts, contribution
from backend.services import open_sets
from backend.services.context import Services
from backend.store import snapshots, work

STATE = "journal_state"
DAYS = "journal_days"


def entry_key(tenant: str, number: str, suffix: str) -> str:
    return work.key(tenant, "journal", number, suffix)


def prefix(tenant: str) -> str:
    return work.key(tenant, "journal", "")


def stored_entry(fields: dict) -> dict:
    """An entry's fields (all but ``_id``) as stored: packed into one value."""
    return snapshots.pack(fields, ())


async def entries(db, start: str) -> list[dict]:
    """The entries whose ``_id`` starts with ``start`` (:func:`prefix`, or one case's), unpacked."""
    return [snapshots.unpack(e) for e in await work.read_prefix(db, start)]


def day_of(entry: dict) -> str:
    return to_shanghai(entry["finished"]["finished_at"]).date().isoformat()


class Figures:
    """The state as stored plus the journal entries not yet folded into it."""

    def __init__(self, state: dict | None, entries: list[dict]):
        state = state or {}
        self.counts = OpenCounts.from_doc(state.get("counts"))
        self.heads: dict[str, dict] = dict(state.get("heads") or {})
        folded, recounted = set(state.get("folded") or ()), set(state.get("recounted_with") or ())
        self.entries = [e for e in entries if e["_id"] not in folded]
        self.stale = [e["_id"] for e in entries if e["_id"] in folded]
        for entry in self.entries:
            apply_entry(self.counts, self.heads, entry, counted=entry["_id"] in recounted)


def apply_entry(counts: OpenCounts, heads: dict, entry: dict, counted: bool = False) -> None:
    """Add an entry; ``counted``: a recount already holds its change of the counts."""
    if not counted:
        counts.change(Contribution.from_doc(entry.get("before")), Contribution.from_doc(entry.get("after")))
        for card, by in (entry.get("cards") or {}).items():
            kind, level = card.split(":", 1)
            counts.card(kind, level, by)
    if entry.get("hash"):
        held = heads.get(entry["number"])
        if held is None or held["seq"] < entry["seq"]:
            heads[entry["number"]] = {"seq": entry["seq"], "hash": entry["hash"]}


async def read(svc: Services, tenant: str) -> Figures:
    """The live figures: the stored state with the unfolded entries added (two reads)."""
    state = await svc.db[STATE].find_one({"_id": tenant})
    return Figures(state, await entries(svc.db, prefix(tenant)))


DELETE_BATCH = 500


async def fold(svc: Services, tenant: str, token: int) -> int:
    """Fold the journal into the state and the day tallies (lease holder only); how many entries."""
    state = await svc.db[STATE].find_one({"_id": tenant})
    if state is None:
        await recount(svc, tenant, token)
        state = await svc.db[STATE].find_one({"_id": tenant})
    figures = Figures(state, await entries(svc.db, prefix(tenant)))
    if not figures.entries and not figures.stale:
        return 0
    await _add_days(svc, tenant, figures)
    await _write_state(svc, tenant, token, figures.counts, figures.heads, [e["_id"] for e in figures.entries])
    done = [e["_id"] for e in figures.entries] + figures.stale
    for at in range(0, len(done), DELETE_BATCH):
        await svc.db[work.WORK].delete_many({"_id": {"$in": done[at:at + DELETE_BATCH]}})
    return len(figures.entries)


async def _add_days(svc: Services, tenant: str, figures: Figures) -> None:
    finished = [e for e in figures.entries if e.get("finished")]
    if not finished:
        return
    ids = sorted({f"{tenant}:{day_of(e)}" for e in finished})
    stored = {d["_id"]: d for d in await svc.db[DAYS].find({"_id": {"$in": ids}}).to_list(None)}
    for day_id in ids:
        doc = stored.get(day_id) or {}
        added = set(doc.get("added") or ())
        tally = DayTally.from_doc(doc.get("tally"))
        fresh = [e for e in finished if f"{tenant}:{day_of(e)}" == day_id and e["_id"] not in added]
        for entry in fresh:
            tally.add(entry["finished"])
        await svc.db[DAYS].replace_one({"_id": day_id}, {
            "tenant": tenant, "day": day_id.split(":", 1)[1], "tally": tally.to_doc(),
            "added": sorted(added | {e["_id"] for e in fresh})}, upsert=True)


async def _write_state(svc: Services, tenant: str, token: int, counts: OpenCounts, heads: dict,
                       folded: list[str], recounted_with: list[str] = ()) -> None:
    await svc.db[STATE].replace_one({"_id": tenant}, {
        "tenant": tenant, "token": token, "counts": counts.to_doc(), "heads": heads, "folded": folded,
        "recounted_with": list(recounted_with)}, upsert=True)


async def folded_heads(svc: Services, tenant: str) -> dict[str, str]:
    """The trail heads folded since the last checkpoint (case number -> hash of its newest event)."""
    state = await svc.db[STATE].find_one({"_id": tenant}) or {}
    return {number: h["hash"] for number, h in (state.get("heads") or {}).items()}


async def clear_heads(svc: Services, tenant: str, token: int, taken: dict[str, str]) -> None:
    """After a checkpoint committed to ``taken``: forget those heads (newer ones stay)."""
    state = await svc.db[STATE].find_one({"_id": tenant}) or {}
    heads = {n: h for n, h in (state.get("heads") or {}).items() if taken.get(n) != h["hash"]}
    await svc.db[STATE].update_one({"_id": tenant}, {"$set": {"heads": heads, "token": token}})


async def recount(svc: Services, tenant: str, token: int) -> OpenCounts:
    """Rebuild the open counts from the open cases and the open cards (reads them all: for a store
    that predates the journal, or after a crash left counts astray). Trail heads are kept."""
    state = await svc.db[STATE].find_one({"_id": tenant}) or {}
    pending = await work.read_prefix(svc.db, prefix(tenant), {"_id": 1})
    counts = OpenCounts()
    for entry in await open_sets.open_entries(svc, tenant):
        counts.add(contribution(entry), +1)
    for card in await open_sets.open_cards(svc.db, tenant):
        counts.card(card["kind"], card["level"], +1)
    await _write_state(svc, tenant, token, counts, state.get("heads") or {}, state.get("folded") or [],
                       recounted_with=[e["_id"] for e in pending])
    return counts


async def days(svc: Services, tenant: str, first: date, last: date, figures: Figures) -> DayTally:
    """Finished cases of ``first``..``last``: the stored day tallies plus unfolded entries."""
    ids = [f"{tenant}:{(first + timedelta(n)).isoformat()}" for n in range((last - first).days + 1)]
    total, added = DayTally(), set()
    for doc in await svc.db[DAYS].find({"_id": {"$in": ids}}).to_list(None):
        total.merge(DayTally.from_doc(doc.get("tally")))
        added.update(doc.get("added") or ())
    for entry in figures.entries:
        if entry.get("finished") and entry["_id"] not in added and first.isoformat() <= day_of(entry) <= last.isoformat():
            single = DayTally()
            single.add(entry["finished"])
            total.merge(single)
    return total
