"""Notices after acceptance (决定书, 审查中补正告知书, 上级批复告知书) in HTML and in large-print PDF."""

from datetime import datetime, timezone

import pytest

from backend.reports.notices import notice_html, notice_pdf
from tests.unit.test_large_print import LARGE_PRINT_PT, printed_text
from tests.unit.test_receipt import BASE, CASE, TENANT

DECIDED = datetime(2026, 12, 3, 7, 30, tzinfo=timezone.utc)  # 15:30 in Ziyang
APPROVED = {**CASE, "outcome": "approved", "decided_at": DECIDED, "result_name": "最低生活保障金领取证",
            "decisions": [{"department": "紫阳县民政局", "decider": "周审批", "opinion": "符合低保条件"}]}
REFUSED = {**APPROVED, "outcome": "refused", "outcome_reason": "家庭人均收入高于当地低保标准"}
REVIEW = {**CASE, "review": {"materials": ["房屋租赁合同原件", "家庭成员收入证明"], "reason": "租赁合同为复印件，须核对原件",
                             "department": "紫阳县民政局", "asked_at": DECIDED, "answered_at": None}}
REPLY = {**CASE, "kind": "report_up", "kind_label": "上报件", "outcome": "approved", "higher_authority": "安康市自然资源局",
         "reply_reference": "安自然资发〔2026〕12号", "replied_at": DECIDED}
REPLY_REFUSED = {**REPLY, "outcome": "refused", "outcome_reason": "矿区范围与生态保护红线重叠"}

NOTICES = {
    "approval": ("decision-notice", APPROVED, ["准予办理决定书", "紫阳县民政局", "周审批", "最低生活保障金领取证"]),
    "refusal": ("decision-notice", REFUSED, ["不予办理决定书", "家庭人均收入高于当地低保标准", "行政复议"]),
    "review supplement": ("review-supplement-notice", REVIEW,
                          ["审查中补正告知书", "房屋租赁合同原件", "家庭成员收入证明", "租赁合同为复印件", "暂停计时", "不再要求"]),
    "reply approved": ("reply-notice", REPLY, ["上级机关批复告知书", "安康市自然资源局", "安自然资发〔2026〕12号", "准予"]),
    "reply refused": ("reply-notice", REPLY_REFUSED, ["不予批准", "矿区范围与生态保护红线重叠", "行政诉讼"]),
}


@pytest.mark.parametrize("name", NOTICES)
def test_every_notice_says_what_the_citizen_must_know_in_html_and_pdf(name):
    document, view, phrases = NOTICES[name]
    html = notice_html(document, view, TENANT, BASE)
    text = "".join(piece for _, piece, _ in printed_text(notice_pdf(document, view, TENANT, BASE)))
    for phrase in phrases:
        assert phrase in html and phrase in text, phrase
    assert "张*三" in html and "张小三" not in html and "610924199001011234" not in html + text
    assert CASE["number"] in text and "7KQ3-MX9P" in text and "<svg" in html


@pytest.mark.parametrize("name", NOTICES)
@pytest.mark.parametrize("paper", ["A4", "A5"])
def test_no_text_in_a_notice_pdf_is_smaller_than_12_pt(name, paper):
    document, view, _ = NOTICES[name]
    pieces = printed_text(notice_pdf(document, view, TENANT, BASE, paper=paper))
    assert len(pieces) > 10
    assert [p for p in pieces if p[2] < LARGE_PRINT_PT - 0.01] == []


def test_the_approval_does_not_carry_the_remedies_and_the_refusal_does():
    assert "行政复议" not in notice_html("decision-notice", APPROVED, TENANT, BASE)
    assert "行政复议" in notice_html("decision-notice", REFUSED, TENANT, BASE)
