"""The promised-time deadline (承诺时限) of a case on the tenant's statutory clock."""

from __future__ import annotations

from backend.domain.case_model import Case
from backend.domain.clock import Pause as ClockPause
from backend.domain.clock import compute_deadline
from backend.services.calendar import load_calendar
from backend.services.context import Services


async def deadline_fields(svc: Services, case: Case) -> dict:
    """The promised-time deadline (承诺时限) on the statutory clock, or None while paused or not accepted."""
    if not case.accepted_at or case.kind == "immediate":
        return {"due_at": None, "due_provisional": False}
    calendar = await load_calendar(svc, case.app.tenant)
    # One step asks several times (snapshot, queues, notices); the answer depends on the case version
    # and the calendar, so remember the last few.
    memo = svc.extras.setdefault("deadline_memo", {})
    key = (case.app.tenant, case.number, case.version, id(calendar))
    if key not in memo:
        pauses = [ClockPause(p.started_at, p.ended_at, p.reason) for p in case.statutory_pauses]
        deadline = compute_deadline(calendar, case.accepted_at, case.app.promised_days, pauses)
        if len(memo) >= 256:
            memo.clear()
        memo[key] = {"due_at": deadline.due_at, "due_provisional": deadline.provisional,
                     "due_explanation": deadline.explanation_zh}
    return dict(memo[key])
