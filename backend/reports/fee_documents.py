"""Fee documents (收费文书) as PDF: the payment slip (缴款单) and the payment receipt (缴费凭证).

Pure renderers: a slip view (``fee_slips.slip_view``) and the tenant document in, one A4 page out.
The slip carries its number in text beside the QR code the fee window scans or the applicant pays
by; the receipt repeats the lines and adds the channel, the bank's or WeChat Pay's reference and who
recorded it. No text is printed below 12 pt (large print). The payer is already masked in the view.
"""

from __future__ import annotations

import io
from typing import Mapping

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from backend.reports.pdfkit import LINE, columns, grid, para, styles
from backend.reports.qr import qr_drawing
from backend.reports.receipt import date_text, moment_text
from backend.reports.views import tenant_view

SLIP_TITLE = "缴款单"
RECEIPT_TITLE = "缴费凭证"
SLIP_NOTES = ("请凭本单到银行收费窗口缴费，或在阳光365小程序“我的办件”中用微信支付缴费；窗口工作人员不收取现金。",
              "收费金额由系统按收费标准生成，任何人不得更改；如有疑问请拨打监督投诉电话。",
              "缴费期间不计入办理时限，缴费后办件自动继续办理。")


def _head(title: str, tenant: Mapping | None, st: dict) -> list:
    centred = {k: ParagraphStyle(f"{k}-fee", parent=st[k], alignment=TA_CENTER) for k in ("org", "title")}
    return [para(tenant_view(tenant)["centre_name"], centred["org"]), para(title, centred["title"]), Spacer(1, 2 * mm)]


def _ids(view: Mapping, st: dict, width: float) -> Table:
    left = [para("缴款单号", st["small"]), para(view["slip"], st["title"]), para("办件编号", st["small"]),
            para(view["number"], st["h2"])]
    right = [qr_drawing(view["qr"], 30), para("扫码缴费", st["center"])]
    table = Table([[left, right]], colWidths=[width - 38 * mm, 38 * mm])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor(LINE)),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "CENTER")]))
    return table


def _lines(view: Mapping, st: dict, width: float) -> Table:
    rows = [["收费项目", "情形", "单价（元）", "数量", "金额（元）", "收费依据"]]
    rows += [[l["name"], l["option"] or "—", l["unit_yuan"], f"{l['quantity']} {l['unit']}", l["amount_yuan"], l["basis"]]
             for l in view["lines"]]
    rows.append(["合计", "", "", "", view["total_yuan"], ""])
    return grid(rows, columns([2.2, 1.6, 1.1, 0.9, 1.1, 2.6], width), st)


def _meta(view: Mapping, st: dict, width: float, extra: list[list[str]]) -> Table:
    rows = [["事项名称", view["item_name"], "缴款人", view["payer"]],
            ["开具时间", moment_text(view["issued_at"]), "缴费期限", view.get("due_date") or "—"], *extra]
    return grid(rows, columns([1, 2.2, 1, 2.2], width), st, header=False)


def _build(title: str, story: list) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=title, author="阳光365", creator="阳光365")
    doc.build(story)
    return buffer.getvalue()


def slip_pdf(view: Mapping, tenant: Mapping | None) -> bytes:
    """缴款单: number and QR code, payer (masked), case, lines, total, due date."""
    st, width = styles(), A4[0] - 28 * mm
    story = [*_head(SLIP_TITLE, tenant, st), _ids(view, st, width), Spacer(1, 4 * mm), _meta(view, st, width, []),
             para("收费明细", st["h3"]), _lines(view, st, width), para("温馨提示", st["h3"]),
             *[para(f"{n}. {t}", st["small"]) for n, t in enumerate(SLIP_NOTES, 1)]]
    return _build(f"{SLIP_TITLE} {view['slip']}", story)


def receipt_pdf(view: Mapping, tenant: Mapping | None) -> bytes:
    """缴费凭证: the paid slip with the channel, the transaction reference and the time paid."""
    st, width = styles(), A4[0] - 28 * mm
    paid = view.get("settlement") or {}
    extra = [["缴费方式", paid.get("channel_label") or "—", "交易流水号", paid.get("reference") or "—"],
             ["缴费时间", moment_text(paid.get("at")), "收款人", paid.get("by_name") or "—"]]
    story = [*_head(RECEIPT_TITLE, tenant, st), _ids(view, st, width), Spacer(1, 4 * mm),
             _meta(view, st, width, extra), para("收费明细", st["h3"]), _lines(view, st, width), Spacer(1, 6 * mm),
             para(f"{tenant_view(tenant)['centre_name']}（收费专用章）　{date_text(paid.get('at'))}", st["body"]),
             para(f"监督投诉电话：{(tenant or {}).get('complaint_hotline') or tenant_view(tenant)['hotline'] or '12345'}",
                  st["small"])]
    return _build(f"{RECEIPT_TITLE} {view['slip']}", story)
