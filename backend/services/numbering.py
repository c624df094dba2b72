"""One number per matter (一事一号): cases and hotline tickets share one daily sequence per tenant.

A number is claimed by inserting the matter's first step ``case_steps/{tenant}:{number}:000001``:
the unique ``_id`` decides which of any number of racing submissions gets it, on MongoDB and on
FerretDB v1 alike, and the number exists exactly when its matter does (no gap can open between
claiming a number and storing the matter). Which number to try is handed out by the process (the
day's next sequence, without waiting for earlier inserts, so concurrent submissions are written
together); a process that loses a race, or starts fresh, looks ahead with one ``$in`` lookup of
the next ``PROBE`` first steps and goes on from the first free one. The
``counters/case-seq:{tenant}:{day}`` hint, written every ``HINT_EVERY`` claims, lets a fresh
process start near the end of the day's numbers instead of at 1. The workers of ``serve
--processes N`` take their sequences from one counter in shared memory
(:mod:`backend.store.shared_sequences`, in ``svc.extras["sequences"]``) instead of one each, so
they do not race each other for the same numbers.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from pymongo.errors import DuplicateKeyError

from backend.domain.numbering import counter_id, format_case_number, local_day
from backend.services.context import Services

PROBE = 64
HINT_EVERY = 16
MAX_TRIES = 1000
_NEXT = "numbering_days"


def first_step_id(tenant: str, number: str) -> str:
    return f"{tenant}:{number}:{1:06d}"


async def _start(svc: Services, tenant: str, hint_id: str) -> int:
    hint = await svc.db.counters.find_one({"_id": hint_id})
    return (hint or {}).get("seq", 0) + 1


async def _first_free(svc: Services, tenant: str, area_code: str, day, seq: int) -> int:
    """The first sequence from ``seq`` whose first step is not stored (one lookup per ``PROBE``)."""
    while True:
        window = {first_step_id(tenant, format_case_number(area_code, day, s)): s for s in range(seq, seq + PROBE)}
        taken = {d["_id"] for d in await svc.db.case_steps.find({"_id": {"$in": list(window)}}, {"_id": 1}).to_list(None)}
        free = [s for step_id, s in window.items() if step_id not in taken]
        if free:
            return free[0]
        seq += PROBE


class _Day:
    """This process's view of one tenant's day: the next sequence to hand out, and returned ones."""

    def __init__(self) -> None:
        self.next: int | None = None
        self.returned: list[int] = []
        self.starting = asyncio.Lock()

    def take(self) -> int:
        if self.returned:
            return self.returned.pop(0)
        seq, self.next = self.next, self.next + 1
        return seq


async def _take(svc: Services, state: _Day, tenant: str, area_code: str, day, hint_id: str) -> int:
    """The next sequence to try: one this process kept back, else (workers of ``serve --processes``)
    one any worker handed back or the next of their shared counter (started from the first free
    number when no worker has started it), else the next of this process's own."""
    if state.returned:
        return state.returned.pop(0)
    shared = svc.extras.get("sequences")
    if shared is not None:
        seq = shared.take(hint_id, day.toordinal())
        if seq is None:  # not started, or a worker died: from the hint, or a little before where it stood
            begin = shared.look_from(hint_id) or await _start(svc, tenant, hint_id)
            seq = shared.take(hint_id, day.toordinal(), await _first_free(svc, tenant, area_code, day, begin))
        if seq is not None:
            return seq
    if state.next is None:
        async with state.starting:
            if state.next is None:
                state.next = await _first_free(svc, tenant, area_code, day, await _start(svc, tenant, hint_id))
    return state.take()


async def claim(svc: Services, tenant: str, area_code: str,
                insert_first_step: Callable[[str], Awaitable[None]]) -> str:
    """Claim the next number by ``await insert_first_step(number)``, which must insert the first
    step (raising ``DuplicateKeyError`` when that number is taken); returns the number it got.

    Numbers are handed out without waiting for each other's inserts (so concurrent submissions are
    written together); a number whose insert failed for another reason is handed out again, so a
    failure leaves no gap.
    """
    day = local_day(svc.now())
    hint_id = counter_id(tenant, day)
    state = svc.extras.setdefault(_NEXT, {}).setdefault(hint_id, _Day())
    for _ in range(MAX_TRIES):
        seq = await _take(svc, state, tenant, area_code, day, hint_id)
        number = format_case_number(area_code, day, seq)
        try:
            await insert_first_step(number)
        except DuplicateKeyError:  # another process took it: look ahead past what it took
            free = await _first_free(svc, tenant, area_code, day, seq + 1)
            if svc.extras.get("sequences") is not None:
                svc.extras["sequences"].advance(hint_id, free)
            state.next = max(state.next or 0, free)
            continue
        except BaseException:
            shared = svc.extras.get("sequences")
            if shared is None or not shared.give_back(hint_id, seq):
                state.returned = sorted(state.returned + [seq])
            raise
        if seq % HINT_EVERY == 0 or seq == 1:
            await _write_hint(svc, tenant, hint_id, seq)
        return number
    raise RuntimeError(f"no free case number after {MAX_TRIES} tries")


async def _write_hint(svc: Services, tenant: str, hint_id: str, seq: int) -> None:
    try:
        await svc.db.counters.update_one({"_id": hint_id}, {"$max": {"seq": seq}, "$set": {"tenant": tenant}},
                                         upsert=True)
    except DuplicateKeyError:
        pass  # another process created the hint at the same moment; it is only a hint
