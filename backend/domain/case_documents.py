"""Which printed documents (窗口文书) a case has now: the receipt and every notice the applicant keeps.

A document exists once the fact it records exists, and stays available afterwards, except the two
notices that ask something of the applicant before acceptance (supplement, rejection), which are
printed while the case waits in that state.
"""

from __future__ import annotations

from backend.domain.case_model import Case, Kind

DOCUMENT_TITLES = {
    "receipt": "受理回执",
    "supplement-notice": "一次性告知补正通知书",
    "rejection-notice": "不予受理通知书",
    "review-supplement-notice": "审查中补正告知书",
    "decision-notice": "办理决定书",
    "reply-notice": "上级机关批复告知书",
}


def _decided_here(case: Case) -> bool:
    """The county's decision is the case's decision (not a report-up case the county sent up)."""
    if not case.decided_at or case.outcome not in ("approved", "refused"):
        return False
    return case.kind != Kind.REPORT_UP or (case.outcome == "refused" and not case.forwarded_at)


def available_documents(case: Case) -> list[str]:
    """The documents that can be printed for ``case`` now, in the order they arise."""
    found = []
    if case.accepted_at:
        found.append("receipt")
    if case.state == "supplement_requested":
        found.append("supplement-notice")
    if case.state == "rejected":
        found.append("rejection-notice")
    if case.review_supplement is not None:
        found.append("review-supplement-notice")
    if _decided_here(case):
        found.append("decision-notice")
    if case.kind == Kind.REPORT_UP and case.replied_at:
        found.append("reply-notice")
    return found
