"""Every notice a citizen keeps is printable as a large-print PDF from the window, once the case has it."""

from tests.integration.test_case_pipeline import ITEMS, staff, walk_in
from tests.unit.test_large_print import LARGE_PRINT_PT, printed_text


async def pdf(clerk, number: str, document: str) -> tuple[int, list]:
    response = await clerk.get(f"/api/v1/cases/{number}/{document}.pdf")
    if response.status != 200:
        return response.status, []
    assert response.headers["Content-Type"] == "application/pdf"
    return 200, printed_text(response.body)


def words(pieces) -> str:
    return "".join(text for _, text, _ in pieces)


async def test_a_decided_case_has_its_decision_notice_as_pdf(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    number = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    assert (await pdf(clerk, number, "decision-notice"))[0] == 409  # nothing decided yet
    assert "decision-notice" not in (await clerk.get(f"/api/v1/cases/{number}")).json["documents"]
    await approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "材料齐全，符合条件"})
    status, pieces = await pdf(clerk, number, "decision-notice")
    assert status == 200 and "准予办理决定书" in words(pieces) and "营业执照" in words(pieces)
    assert min(size for _, _, size in pieces) >= LARGE_PRINT_PT - 0.01
    assert "decision-notice" in (await clerk.get(f"/api/v1/cases/{number}")).json["documents"]


async def test_a_refusal_notice_names_the_reason_and_the_remedies(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    number = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    await approver.post(f"/api/v1/cases/{number}/refuse", {"reason": "经营场所位于居民楼内，不符合条件"})
    html = await clerk.get(f"/api/v1/cases/{number}/decision-notice.html")
    assert html.status == 200 and "不予办理决定书" in html.body.decode() and "行政复议" in html.body.decode()
    status, pieces = await pdf(clerk, number, "decision-notice")
    assert status == 200 and "经营场所位于居民楼内" in words(pieces)


async def test_the_review_supplement_notice_lists_what_the_department_asked(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    number = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    await approver.post(f"/api/v1/cases/{number}/review-supplement",
                        {"materials": ["房屋租赁合同原件"], "reason": "租赁合同为复印件"})
    status, pieces = await pdf(clerk, number, "review-supplement-notice")
    assert status == 200 and "审查中补正告知书" in words(pieces) and "房屋租赁合同原件" in words(pieces)
    assert min(size for _, _, size in pieces) >= LARGE_PRINT_PT - 0.01


async def test_a_report_up_case_has_the_reply_notice_and_no_county_decision_notice(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "zrzyj_a")
    number = (await walk_in(api, clerk, ITEMS["report_up"]))["number"]
    await approver.post(f"/api/v1/cases/{number}/approve", {})
    assert (await pdf(clerk, number, "decision-notice"))[0] == 409  # the county's part is not the decision
    await approver.post(f"/api/v1/cases/{number}/forward", {})
    await approver.post(f"/api/v1/cases/{number}/record-reply",
                        {"approved": False, "reference": "安自然资函〔2026〕3号", "reason": "矿区与保护区重叠"})
    status, pieces = await pdf(clerk, number, "reply-notice")
    text = words(pieces)
    assert status == 200 and "上级机关批复告知书" in text and "安自然资函〔2026〕3号" in text and "矿区与保护区重叠" in text


async def test_the_window_notices_before_acceptance_are_pdfs_too(api, seeded):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, ITEMS["promised"], accept=False))["number"]
    await clerk.post(f"/api/v1/cases/{number}/supplement", {"materials": ["经营者身份证明"]})
    status, pieces = await pdf(clerk, number, "supplement-notice")
    assert status == 200 and "经营者身份证明" in words(pieces)
