"""What people are told a case's state is (办理状态的说法), in words the applicant understands.

A report-up case (上报件) is approved by the county first and decided by the higher authority
later, so "准予办理" after the county's part would tell the applicant something nobody has
decided yet. For those cases the applicant reads:

    approved        县级审核通过，已报上级   (the county's part is done; the file goes up)
    forwarded       上级审批中               (the higher authority is deciding)
    reply_recorded  上级已批复               (with the reply's outcome beside it)

Staff read the same words, except that an approved report-up case still waiting to be sent
says so (待报送上级), because sending it is their next step.
"""

from __future__ import annotations

from typing import Mapping

from backend.domain.case_model import STATE_LABELS, Kind

REPORT_UP_STATES = {"approved": "县级审核通过，已报上级", "forwarded": "上级审批中", "reply_recorded": "上级已批复"}
REPORT_UP_STAFF_STATES = {**REPORT_UP_STATES, "approved": "县级审核通过，待报送上级"}
REPLY_OUTCOMES = {"approved": "准予", "refused": "不予批准"}
COUNTY_APPROVAL = "县级审核通过"


def state_label(kind: str, state: str, staff: bool = False) -> str:
    """The state as a sentence; report-up cases never read 准予办理 before the higher authority's reply."""
    if kind == Kind.REPORT_UP:
        labels = REPORT_UP_STAFF_STATES if staff else REPORT_UP_STATES
        if state in labels:
            return labels[state]
    return STATE_LABELS.get(state, state)


def event_label(kind: str, event_type: str, data: Mapping, default: str) -> str:
    """A timeline entry's name; report-up steps name the county's and the higher authority's parts."""
    if kind != Kind.REPORT_UP:
        return default
    if event_type == "CaseApproved":
        return COUNTY_APPROVAL
    if event_type == "ReplyRecorded":
        return f"上级已批复（{REPLY_OUTCOMES.get(str(data.get('outcome')), '已批复')}）"
    return default


def public_outcome(kind: str, state: str, outcome: str) -> str:
    """The outcome the applicant may be told: none for a report-up case the higher authority has not decided."""
    if kind == Kind.REPORT_UP and state in ("approved", "forwarded"):
        return ""
    return outcome
