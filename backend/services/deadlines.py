"""The promised-time deadline (承诺时限) of a case on the tenant's statutory clock."""

from __future__ import annotations

from backend.domain.case_model import PAUSE_LABELS, Case
from backend.domain.clock import Deadline, Pause, compute_deadline
from backend.services.calendar import load_calendar
from backend.services.context import Services

MEMO = "deadline_memo"


def promised_deadline(calendar, case: Case) -> Deadline | None:
    """承诺时限 from acceptance, statutory pauses removed; None before acceptance."""
    if not case.accepted_at:
        return None
    return compute_deadline(calendar, case.accepted_at, case.app.promised_days, clock_pauses(case.statutory_pauses),
                            label="承诺时限")


def clock_pauses(pauses, since=None) -> list[Pause]:
    """A case's pauses (those begun at or after ``since``) for the clock, each with its reason or its
    kind's name for the explanation."""
    return [Pause(p.started_at, p.ended_at, p.reason or PAUSE_LABELS.get(p.kind, p.kind)) for p in pauses
            if since is None or p.started_at >= since]


async def promised(svc: Services, case: Case) -> Deadline | None:
    """:func:`promised_deadline` on the tenant's calendar. One step asks several times (snapshot,
    supervision, notices); the answer depends on the case version and the calendar, so the last
    few answers are remembered."""
    if not case.accepted_at:
        return None
    calendar = await load_calendar(svc, case.app.tenant)
    memo = svc.extras.setdefault(MEMO, {})
    key = (case.app.tenant, case.number, case.version, id(calendar))
    if key not in memo:
        if len(memo) >= 256:
            memo.clear()
        memo[key] = promised_deadline(calendar, case)
    return memo[key]


async def deadline_fields(svc: Services, case: Case) -> dict:
    """The promised-time deadline (承诺时限) on the statutory clock, or None while paused or not accepted."""
    if not case.accepted_at or case.kind == "immediate":
        return {"due_at": None, "due_provisional": False}
    deadline = await promised(svc, case)
    return {"due_at": deadline.due_at, "due_provisional": deadline.provisional,
            "due_explanation": deadline.explanation_zh}
