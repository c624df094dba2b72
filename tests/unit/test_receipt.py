"""Window documents: the acceptance receipt (受理回执), its QR code and the two notices."""

import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdf
import pytest

from backend.reports.qr import case_link, qr_drawing, qr_matrix, qr_png, qr_svg
from backend.reports.receipt import (receipt_html, receipt_pdf, rejection_notice_html,
                                     supplement_notice_html)

SEED = Path(__file__).resolve().parents[2] / "backend" / "seed"
TENANT = json.loads((SEED / "county.json").read_text(encoding="utf-8"))["tenant"]
BASE = "https://zwfw.ziyang.gov.cn"
SVG = "{http://www.w3.org/2000/svg}"

CASE = {
    "number": "610924-20261128-00042", "query_code": "7KQ3MX9P",
    "item_name": "最低生活保障审批", "item_version": 3, "kind": "promised", "kind_label": "承诺件",
    "applicant_name": "张小三", "applicant_phone": "13812341234",
    "applicant_id_number": "610924199001011234",  # present in the case, must never be printed
    "channel_label": "中心窗口",
    "accepted_at": datetime(2026, 11, 28, 1, 5, 7, tzinfo=timezone.utc),  # 09:05:07 in Ziyang
    "due_at": datetime(2026, 12, 11, 17, 0, tzinfo=timezone.utc),  # 01:00 on 12 December in Ziyang
    "promised_days": 10, "delivery_method_label": "EMS邮寄",
    "materials": [{"name": "居民身份证", "form_label": "原件和复印件", "copies": 1},
                  {"name": "户口簿", "form_label": "复印件", "copies": 2},
                  {"name": "家庭收入情况说明", "form_label": "原件", "copies": 1}],
    "clerk_name": "李四", "post_name": "综合受理窗口3号",
    "missing_materials": ["户口簿首页及本人页复印件", "近六个月收入证明", "残疾人证"],
    "reason": "收入证明未加盖单位公章",
}


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def qr_module_paths(svg: str) -> str:
    root = ET.fromstring(svg)
    return "".join(p.get("d", "") for p in root.iter(f"{SVG}path"))


# -- the QR code ---------------------------------------------------------------------------

def test_case_link_carries_number_and_code_to_the_mini_program_path():
    link = case_link(BASE + "/", CASE["number"], CASE["query_code"])
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "zwfw.ziyang.gov.cn", "/m/case")
    assert parse_qs(parts.query) == {"number": [CASE["number"]], "code": [CASE["query_code"]]}


def test_case_link_encodes_characters_that_would_break_the_query():
    link = case_link(BASE, "A&B=1 #2", "7KQ3MX9P")
    assert parse_qs(urlsplit(link).query)["number"] == ["A&B=1 #2"]


def test_qr_svg_is_well_formed_with_dark_modules_at_the_asked_size():
    svg = qr_svg(case_link(BASE, CASE["number"], CASE["query_code"]), size_mm=30)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("width") == "30mm" and root.get("height") == "30mm"
    assert qr_module_paths(svg).count("M") > 100
    assert not svg.startswith("<?xml")  # inline in HTML, no declaration


def test_different_links_give_different_codes():
    one = qr_svg(case_link(BASE, "610924-20261128-00042", "7KQ3MX9P"))
    other = qr_svg(case_link(BASE, "610924-20261128-00043", "7KQ3MX9P"))
    assert qr_module_paths(one) != qr_module_paths(other)


def test_qr_png_is_a_png_and_the_pdf_drawing_uses_the_same_modules():
    text = case_link(BASE, CASE["number"], CASE["query_code"])
    assert qr_png(text).startswith(b"\x89PNG\r\n\x1a\n")
    matrix = qr_matrix(text)
    assert matrix[2][2] and not matrix[0][0]  # finder pattern corner inside the quiet zone
    assert len(qr_drawing(text).contents) == sum(
        1 for row in matrix for c, dark in enumerate(row) if dark and (c == 0 or not row[c - 1]))


# -- the receipt --------------------------------------------------------------------------

def test_receipt_shows_title_centre_number_and_grouped_query_code():
    html = receipt_html(CASE, TENANT, BASE)
    assert "受理通知书（回执）" in html and "紫阳县政务服务中心" in html
    assert "610924-20261128-00042" in html and "7KQ3-MX9P" in html


def test_receipt_masks_the_applicant_and_never_prints_full_phone_or_id_number():
    html = receipt_html(CASE, TENANT, BASE)
    assert "张*三" in html and "138****1234" in html
    assert "张小三" not in html and "13812341234" not in html and "610924199001011234" not in html


def test_receipt_lists_every_received_material_with_form_and_copies():
    html = receipt_html(CASE, TENANT, BASE)
    for m in CASE["materials"]:
        assert f"<td>{m['name']}</td><td>{m['form_label']}</td><td class=\"num\">{m['copies']}</td>" in html


def test_receipt_gives_acceptance_to_the_second_and_due_date_in_china_time():
    html = receipt_html(CASE, TENANT, BASE)
    assert "2026年11月28日 09:05:07" in html
    assert "2026年12月12日 01:00" in html and "2026年12月11日" not in html
    assert "10 个工作日" in html


def test_receipt_shows_item_kind_channel_delivery_clerk_post_and_hotline():
    html = receipt_html(CASE, TENANT, BASE)
    for text in ("最低生活保障审批", "第 3 版", "承诺件", "中心窗口", "EMS邮寄", "李四", "综合受理窗口3号",
                 TENANT["hotline"]):
        assert text in html


def test_receipt_of_an_immediate_case_says_finished_on_the_spot():
    case = {**CASE, "kind": "immediate", "kind_label": "", "promised_days": 0, "due_at": None}
    html = receipt_html(case, TENANT, BASE)
    assert "即办件" in html and "当场办结" in html


def test_receipt_treats_naive_moments_as_utc_as_the_store_returns_them():
    case = {**CASE, "accepted_at": datetime(2026, 11, 28, 1, 5, 7)}
    assert "2026年11月28日 09:05:07" in receipt_html(case, TENANT, BASE)


def test_receipt_carries_the_case_qr_code_with_its_caption():
    html = receipt_html(CASE, TENANT, BASE)
    assert '<svg class="qr"' in html and "微信扫码查看办理进度" in html
    expected = qr_svg(case_link(BASE, CASE["number"], CASE["query_code"]), 28)
    assert expected in html


def test_hostile_text_is_escaped_in_every_document():
    case = {**CASE, "item_name": "<script>alert(1)</script>", "clerk_name": "<b>李</b>",
            "materials": [{"name": "身份证<img src=x onerror=alert(1)>", "form_label": "原件", "copies": 1}],
            "missing_materials": ["户口簿</li><script>x()</script>"], "reason": "\"><iframe>"}
    for render in (receipt_html, supplement_notice_html, rejection_notice_html):
        html = render(case, TENANT, BASE)
        assert "<script>" not in html and "<img" not in html and "<iframe>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in receipt_html(case, TENANT, BASE)


def test_receipt_can_be_printed_on_a5_paper():
    html = receipt_html(CASE, TENANT, BASE, paper="A5")
    assert "size: A5" in html and "size: A4" not in html.split("</style>")[0].split(".paper-a5")[-1]
    with pytest.raises(ValueError):
        receipt_html(CASE, TENANT, BASE, paper="Letter")


# -- the notices --------------------------------------------------------------------------

def test_supplement_notice_lists_every_missing_material_and_the_reason_at_once():
    html = supplement_notice_html({**CASE, "issued_at": CASE["accepted_at"] + timedelta(hours=20)},
                                  TENANT, BASE)
    assert "一次性告知补正通知书" in html and "收入证明未加盖单位公章" in html
    assert [f"<li>{m}</li>" in html for m in CASE["missing_materials"]] == [True, True, True]
    assert "2026年11月29日" in html  # 05:05 the next morning in Ziyang
    assert "张小三" not in html and "610924-20261128-00042" in html


def test_rejection_notice_gives_the_reason_and_the_rights_to_review_and_litigation():
    html = rejection_notice_html({**CASE, "reason": "申请事项不属于本机关职权范围"}, TENANT, BASE)
    assert "不予受理通知书" in html and "申请事项不属于本机关职权范围" in html
    assert "行政复议" in html and "行政诉讼" in html and "六十日" in html and "六个月" in html
    assert "610924199001011234" not in html


# -- the PDF ------------------------------------------------------------------------------

def test_receipt_pdf_is_one_page_with_the_number_code_materials_and_masked_applicant():
    data = receipt_pdf(CASE, TENANT, BASE)
    pages, text = pdf_text(data)
    assert data.startswith(b"%PDF") and pages == 1
    assert "610924-20261128-00042" in text and "7KQ3-MX9P" in text and "张*三" in text
    assert all(m["name"] in text for m in CASE["materials"])
    assert "2026年12月12日 01:00" in text
    assert "13812341234" not in text and "张小三" not in text


def test_receipt_pdf_survives_markup_and_prints_on_a5_in_large_print():
    hostile = {**CASE, "item_name": "低保<审批> & 复核"}
    data = receipt_pdf(hostile, TENANT, BASE, paper="A5")
    pages, text = pdf_text(data)
    assert pages <= 2 and "低保<审批> & 复核" in text  # 12 pt type no longer fits one A5 page
    first = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "610924-20261128-00042" in first and "7KQ3-MX9P" in first
    width, height = (float(v) for v in pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox[2:])
    assert round(width) == 420 and round(height) == 595
