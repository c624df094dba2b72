"""Load years of finished cases into a store, as the pipeline would have stored them (历史办件).

Each case is made by the domain itself (submitted and accepted at the window, its department's task
approved, the result handed over), so its events are real hash chains; its documents are the ones
``casework`` writes for such a case: one ``case_steps`` document per step, the ``cases`` snapshot,
the person index (phone, by its keyed hash, and submitter), the applicant's phone in the vault,
the finished-case summary (by number and by day) and the notices sent. Days run
back from a date before the benchmark's, about 300 cases a working day, numbered as the county
would have numbered them, so none collides with a case the benchmark submits.

    .venv/bin/python bench/history.py MONGODB_URI DATABASE [--cases 300000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pymongo import AsyncMongoClient  # noqa: E402

from backend import keyring  # noqa: E402
from backend.domain import cases  # noqa: E402
from backend.domain.identity import reference  # noqa: E402
from backend.domain.case_model import Actor, Application  # noqa: E402
from backend.domain.numbering import format_case_number, new_query_code  # noqa: E402
from backend.domain.posts import Post  # noqa: E402
from backend.domain.trail import event_to_document  # noqa: E402
from backend.store import snapshots  # noqa: E402
from harness import BENCH_KEYS  # noqa: E402

TENANT, AREA = "ziyang", "610924"
CLERK = Actor("ziyang:clerk_a", "张敏", "window_clerk", "w01", "")
APPROVER = Actor("ziyang:scjgj_a", "周建国", "dept_approver", "d-scjgj", "scjgj")
POST = Post("d-scjgj", "scjgj", "市场监管局审批岗", "ziyang:scjgj_a", "ziyang:scjgj_b", ())
PER_DAY = 300
BATCH = 2_000
KEYS = keyring.Keyring(keyring.parse_data_keys(BENCH_KEYS["SUNSHINE_DATA_KEYS"]),
                       keyring.parse_lookup_key(BENCH_KEYS["SUNSHINE_LOOKUP_KEY"]))


def _phone(day: date, seq: int) -> tuple[str, str, dict]:
    """A phone number of its own for each case: (reference, keyed hash, vault document)."""
    phone = f"1{(day.toordinal() * 1000 + seq) % 10 ** 10:010d}"
    pseudonym = KEYS.pseudonym(TENANT, "tel", phone)
    doc_id = f"{TENANT}:tel:{pseudonym}"
    return reference("tel", pseudonym), pseudonym, {"_id": doc_id, "tenant": TENANT, "kind": "tel",
                                                     **KEYS.encrypt(phone, doc_id)}


def _one(day: date, seq: int) -> dict[str, list[dict]]:
    number = format_case_number(AREA, day, seq)
    at = datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=1, seconds=seq * 7)
    phone, pseudonym, kept = _phone(day, seq)
    app = Application(tenant=TENANT, number=number, query_code=new_query_code(), item_code="610924-010001001000-01",
                      item_name="个体工商户设立登记", kind="promised", channel="window", applicant_name=f"申请人{seq}",
                      applicant_id_number="", applicant_phone=phone, departments=("scjgj",),
                      delivery_method="window", promised_days=3, statutory_days=15)
    submitted = cases.submit(app, CLERK, at)
    accepted = submitted.then(cases.accept(submitted.case, CLERK, at))
    first = accepted.then(cases.start_review(accepted.case, CLERK, at, {"scjgj": POST}))
    second = cases.approve_task(first.case, APPROVER, at + timedelta(days=1), "同意")
    third = cases.confirm_delivery(second.case, CLERK, at + timedelta(days=2), app.applicant_name)
    steps = [first, second, third]
    out = {"case_steps": [snapshots.pack_step({"_id": f"{TENANT}:{number}:{s.events[0].seq:06d}", "tenant": TENANT,
                                               "number": number, "first_seq": s.events[0].seq,
                                               "events": [event_to_document(e) for e in s.events]})
                          for s in steps]}
    snapshot = cases.case_to_document(third.case)
    out["cases"] = [snapshots.pack({**snapshot, "tenant": TENANT, "form": {}, "materials": [], "links": {}, "timers": [],
                                    "counted": None})]
    out["case_index"] = [{"_id": f"{TENANT}:{kind}:{key}:{number}", "tenant": TENANT, "kind": kind, "key": key,
                          "number": number, "at": at} for kind, key in (("phone", pseudonym),
                                                                        ("submitter", CLERK.staff_id))]
    out["pii"] = [kept]
    summary = {"tenant": TENANT, "number": number, "day": (at + timedelta(days=2)).date().isoformat(),
               "finished_at": at + timedelta(days=2), "outcome": "approved", "kind": "promised",
               "departments": ["scjgj"], "counted": True, "on_time": True, "used_days": 2, "promised_days": 3,
               "statutory_days": 15}
    out["finished_cases"] = [{"_id": f"{TENANT}:{number}", **summary}]
    out["finished_days"] = [{"_id": f"{TENANT}:{summary['day']}:{number}", **summary}]
    out["notification_log"] = [{"_id": f"{TENANT}:{number}:{e.seq}", "tenant": TENANT, "case_number": number,
                                "event_seq": e.seq, "status": "sent", "channel": "sms", "to": app.applicant_phone,
                                "sent_at": e.at} for e in third.case.events if e.type in ("CaseAccepted", "CaseApproved")]
    return out


def _days(until: date):
    day = until
    while True:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            yield day


def _batch(pairs: list[tuple[date, int]]) -> dict[str, list[dict]]:
    batch: dict[str, list[dict]] = {}
    for day, seq in pairs:
        for collection, docs in _one(day, seq).items():
            batch.setdefault(collection, []).extend(docs)
    return batch


async def load(uri: str, database: str, count: int, until: date, progress=print) -> float:
    """Insert ``count`` finished cases on working days before ``until``; returns the seconds it took.

    The cases are made in worker processes (one per core) while this one writes the previous batch.
    """
    client = AsyncMongoClient(uri, tz_aware=True)
    db, began, made = client[database], time.perf_counter(), 0
    pairs = ((day, seq) for day in _days(until) for seq in range(1, PER_DAY + 1))
    chunks = [list(itertools.islice(pairs, min(BATCH, count - start))) for start in range(0, count, BATCH)]
    loop = asyncio.get_running_loop()
    try:
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            ahead = 4  # batches being made while one is written: bounded memory
            pending = [loop.run_in_executor(pool, _batch, chunk) for chunk in chunks[:ahead]]
            for index in range(len(chunks)):
                batch = await pending[index]
                pending[index] = None
                if index + ahead < len(chunks):
                    pending.append(loop.run_in_executor(pool, _batch, chunks[index + ahead]))
                await asyncio.gather(*(db[c].insert_many(docs, ordered=False) for c, docs in batch.items()))
                made += len(batch["cases"])
                progress(f"  history: {made:,}/{count:,} finished cases loaded ({time.perf_counter() - began:,.0f} s)")
    finally:
        await client.close()
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("uri")
    parser.add_argument("database")
    parser.add_argument("--cases", type=int, default=300_000)
    args = parser.parse_args()
    seconds = asyncio.run(load(args.uri, args.database, args.cases, date.today() - timedelta(days=7)))
    print(f"{args.cases:,} finished cases in {seconds:,.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
