"""Printed matter in large print (适老化): receipts, notices and guides print no text below 12 pt, and the
case number and query code stand in text beside the QR code. Sizes are read back from the PDFs with pypdf,
as the effective size on the page (font size times the text and drawing transforms)."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from backend.reports.pdf import service_guide_pdf
from backend.reports.receipt import (receipt_html, receipt_pdf, rejection_notice_html, rejection_notice_pdf,
                                     supplement_notice_html, supplement_notice_pdf)
from tests.unit.test_receipt import BASE, CASE, TENANT
from tests.unit.test_reports import DEPARTMENTS, LOW_INCOME, PROPERTY

LARGE_PRINT_PT = 12


def printed_text(data: bytes) -> list[tuple[int, str, float]]:
    """(page, text, size in points) of every piece of text on every page."""
    pieces = []
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(data)).pages, 1):
        def visit(text, cm, tm, font, size, number=number):
            if text.strip():
                a, b, c, d = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3], \
                    tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
                vertical = (c * c + d * d) ** 0.5  # how tall one unit of type is drawn
                pieces.append((number, text.strip(), round(size * vertical, 2)))
        page.extract_text(visitor_text=visit)
    return pieces


DOCUMENTS = {
    "receipt A4": lambda: receipt_pdf(CASE, TENANT, BASE),
    "receipt A5": lambda: receipt_pdf(CASE, TENANT, BASE, paper="A5"),
    "supplement notice": lambda: supplement_notice_pdf(CASE, TENANT, BASE),
    "rejection notice": lambda: rejection_notice_pdf(CASE, TENANT, BASE),
    "service guide with a five-step flowchart": lambda: service_guide_pdf(PROPERTY, TENANT, DEPARTMENTS),
    "service guide with conditional materials": lambda: service_guide_pdf(LOW_INCOME, TENANT, DEPARTMENTS),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_text_in_the_pdf_is_smaller_than_12_pt(name):
    pieces = printed_text(DOCUMENTS[name]())
    assert len(pieces) > 10
    small = [(page, text, size) for page, text, size in pieces if size < LARGE_PRINT_PT - 0.01]
    assert small == []


@pytest.mark.parametrize("name", ["receipt A4", "receipt A5", "supplement notice", "rejection notice"])
def test_the_case_number_and_query_code_are_printed_larger_than_the_body_on_the_first_page(name):
    pieces = printed_text(DOCUMENTS[name]())
    sizes = {text: size for page, text, size in pieces if page == 1}
    assert sizes.get(CASE["number"], 0) >= 16 and sizes.get("7KQ3-MX9P", 0) >= 13


def test_the_whole_five_step_flowchart_is_in_the_guide_at_full_size():
    pieces = printed_text(DOCUMENTS["service guide with a five-step flowchart"]())
    text = "".join(t for _, t, _ in pieces)
    for step in PROPERTY["steps"]:
        assert step["name"] in text
    assert "第5步" in text and "开始" in text and "办结" in text


@pytest.mark.parametrize("render", [receipt_html, supplement_notice_html, rejection_notice_html])
def test_the_printed_html_keeps_number_and_code_beside_the_qr_code_and_large_type_in_print(render):
    html = render(CASE, TENANT, BASE)
    ids = re.search(r'<section class="ids">(.*?)</section>', html, re.S).group(1)
    assert CASE["number"] in ids and "7KQ3-MX9P" in ids and "<svg" in ids
    a5 = render(CASE, TENANT, BASE, paper="A5")
    printed = [float(n) for n in re.findall(r"font-size:\s*([\d.]+)pt", a5)]
    assert printed and min(printed) >= LARGE_PRINT_PT
