"""The notices a citizen keeps after acceptance (办理文书), as HTML and as large-print PDF.

- ``decision``: 准予办理决定书 / 不予办理决定书, the department's decision with the refusal reason
  and the applicant's remedies;
- ``review_supplement``: 审查中补正告知书, the one list asked for during review and the pause;
- ``reply``: 上级机关批复告知书, the higher authority's reply to a report-up case (上报件).

Same renderer as the receipt (``receipt.render_html`` / ``receipt.render_pdf``): the centre, the
title, the case number and query code beside the QR code, the body, the centre's seal line; in the
PDF nothing is printed below 12 pt. Pure: a ``case_view`` dict (the receipt's keys plus those
below) and the tenant document in, one document out.

Extra ``case_view`` keys: ``outcome`` ("approved" / "refused"), ``outcome_reason``, ``decided_at``,
``decisions`` ([{"department", "decider", "opinion"}]), ``result_name``, ``higher_authority``,
``reply_reference``, ``replied_at``, ``review`` ({"materials", "reason", "department", "asked_at",
"answered_at"}).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from backend.reports.pdfkit import columns, grid, para
from backend.reports.receipt import RIGHTS, document_view, moment_text, render_html, render_pdf

TITLES = {"decision-approved": "准予办理决定书", "decision-refused": "不予办理决定书",
          "review_supplement": "审查中补正告知书", "reply": "上级机关批复告知书"}
REVIEW_NOTES = (
    "本告知书所列材料为审查期间一次性告知的全部补正内容，本办件不再要求补正本告知书以外的材料。",
    "补正期间暂停计时，补正材料提交后恢复审查并继续计时；请补齐后到窗口提交，或在阳光365小程序中上传。",
)
DECISION_NOTES = ("办理结果将按您申请时选择的送达方式统一送达，请留意短信或微信通知。",)


@dataclass(frozen=True)
class Notice:
    """What a notice says, independent of HTML or PDF."""

    title: str
    lead: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    reason: str = ""
    rights: str = ""
    notes: tuple[str, ...] = ()


def _who(view: Mapping) -> str:
    r = document_view(view, None)
    return f"{r['applicant_name']}：您申请办理的「{r['item_name']}」（{r['kind_label']}）"


def _deciders(view: Mapping) -> list[tuple[str, str]]:
    return [(f"审批部门：{d['department']}", f"{d.get('decider') or '—'}　{d.get('opinion') or ''}".strip())
            for d in view.get("decisions") or ()]


def decision_notice(view: Mapping) -> Notice:
    """准予办理决定书 or 不予办理决定书, from the case's outcome."""
    approved = view.get("outcome") == "approved"
    rows = [("决定时间", moment_text(view.get("decided_at"))), *_deciders(view)]
    if approved:
        rows.append(("办理结果", view.get("result_name") or "—"))
        return Notice(TITLES["decision-approved"], f"{_who(view)}，经审查，符合法定条件和标准，决定准予办理。",
                      rows, notes=DECISION_NOTES)
    return Notice(TITLES["decision-refused"], f"{_who(view)}，经审查，决定不予办理。", rows,
                  reason=f"不予办理理由：{view.get('outcome_reason') or '—'}", rights=RIGHTS)


def review_supplement_notice(view: Mapping) -> Notice:
    """审查中补正告知书: the department's one list, its reason, and the pause."""
    review = view.get("review") or {}
    rows = [("提出部门", review.get("department") or "—"), ("告知时间", moment_text(review.get("asked_at")))]
    if review.get("answered_at"):
        rows.append(("补正提交时间", moment_text(review["answered_at"])))
    return Notice(TITLES["review_supplement"], f"{_who(view)}已于受理后进入审查。审查中发现需要补正以下材料，"
                  "现一次性告知如下：", rows, list(review.get("materials") or ()),
                  reason=f"补正理由：{review.get('reason') or '—'}", notes=REVIEW_NOTES)


def reply_notice(view: Mapping) -> Notice:
    """上级机关批复告知书: who replied, the reply's document number and its outcome."""
    approved = view.get("outcome") == "approved"
    rows = [("上级机关", view.get("higher_authority") or "—"), ("批复文号", view.get("reply_reference") or "—"),
            ("登记时间", moment_text(view.get("replied_at"))), ("批复结果", "准予" if approved else "不予批准")]
    if approved:
        return Notice(TITLES["reply"], f"{_who(view)}，经县级审核通过后报送上级机关，上级机关已批复准予办理。",
                      rows, notes=DECISION_NOTES)
    return Notice(TITLES["reply"], f"{_who(view)}，经县级审核通过后报送上级机关，上级机关已批复不予批准。", rows,
                  reason=f"不予批准理由：{view.get('outcome_reason') or '—'}", rights=RIGHTS)


BUILDERS = {"decision-notice": decision_notice, "review-supplement-notice": review_supplement_notice,
            "reply-notice": reply_notice}


def notice_html(document: str, view: Mapping, tenant: Mapping | None, base_url: str, paper: str = "A4") -> str:
    """The notice as one self-contained HTML page (same look as the receipt)."""
    notice = BUILDERS[document](view)
    return render_html("notice_after_acceptance.html", notice.title, view, tenant, base_url, paper, notice=notice)


def notice_pdf(document: str, view: Mapping, tenant: Mapping | None, base_url: str, paper: str = "A4") -> bytes:
    """The notice as a PDF in large print (nothing below 12 pt)."""
    notice = BUILDERS[document](view)

    def body(r: Mapping, st: dict, width: float) -> list:
        story = [para(notice.lead, st["body"]), Spacer(1, 2 * mm)]
        if notice.rows:
            story.append(grid([list(row) for row in notice.rows], columns([1.3, 4.2], width), st, header=False))
        story += [para(f"{n}. {m}", st["body"]) for n, m in enumerate(notice.listed, 1)]
        for text in (notice.reason, notice.rights):
            if text:
                story += [Spacer(1, 2 * mm), para(text, st["body"])]
        if notice.notes:
            story += [para("温馨提示", st["h3"]), *[para(f"{n}. {t}", st["small"]) for n, t in enumerate(notice.notes, 1)]]
        return story

    return render_pdf(notice.title, body, view, tenant, base_url, paper)
