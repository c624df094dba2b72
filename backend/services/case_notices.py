"""The notices printed after acceptance (decision, supplement during review, higher authority's reply).

``notice_view`` gives the renderer in ``backend.reports.notices`` what it needs: the receipt's fields
plus the decision, the departments that decided, the review supplement and the reply. A notice the
case does not have yet answers 409, as the window's notices do.
"""

from __future__ import annotations

from backend.domain.case_documents import DOCUMENT_TITLES, available_documents
from backend.domain.errors import Conflict
from backend.services import casework, case_views, catalog
from backend.services.context import Services

AFTER_ACCEPTANCE = ("decision-notice", "review-supplement-notice", "reply-notice")


async def _result_name(svc: Services, case) -> str:
    try:
        item = await catalog.item_version(svc, case.app.tenant, case.app.item_code, case.app.item_version)
    except Exception:  # a missing version only leaves the result's name out of the notice
        return ""
    return item.result.name


def _review(case, names: dict) -> dict:
    pause = case.review_supplement
    if pause is None:
        return {}
    asked = next(e for e in case.events if e.type == "ReviewSupplementRequested")
    materials = [m for m in str(asked.data.get("materials", "")).split("\n") if m]
    return {"materials": materials, "reason": pause.reason, "department": names.get(pause.department, pause.department),
            "asked_at": pause.started_at, "answered_at": pause.ended_at}


async def notice_view(svc: Services, tenant: str, number: str, principal: dict, document: str) -> tuple[dict, dict]:
    """(case view, tenant document) for one of ``AFTER_ACCEPTANCE``; 409 when the case has no such notice yet."""
    view, county = await case_views.receipt_view(svc, tenant, number, principal)
    case, _ = await casework.load(svc, tenant, number)
    if document not in available_documents(case):
        raise Conflict(f"办件当前没有{DOCUMENT_TITLES[document]}", code="wrong_state")
    names = await case_views.department_names(svc, tenant)
    decisions = [{"department": names.get(t.department, t.department), "decider": t.decided_by_name, "opinion": t.opinion}
                 for t in case.tasks if t.state in ("approved", "refused")]
    view.update(outcome=case.outcome, outcome_reason=case.outcome_reason, decided_at=case.decided_at,
                decisions=decisions, result_name=await _result_name(svc, case),
                higher_authority=case.app.higher_authority, reply_reference=case.reply_reference,
                replied_at=case.replied_at, review=_review(case, names))
    issued = {"decision-notice": case.decided_at, "reply-notice": case.replied_at,
              "review-supplement-notice": case.review_supplement.started_at if case.review_supplement else None}
    view["issued_at"] = issued[document] or view["issued_at"]
    return view, county
