"""The documents a window prints for a case (窗口文书): the acceptance receipt and two notices.

- ``receipt_html`` / ``receipt_pdf``: 受理通知书（回执）, handed over when a case is accepted;
- ``supplement_notice_html`` / ``supplement_notice_pdf``: 一次性告知补正通知书, every missing material in one go;
- ``rejection_notice_html`` / ``rejection_notice_pdf``: 不予受理通知书, the reason and the applicant's remedies.

Large print: the PDFs print no text below 12 pt (A5 included), and every document has the
case number and query code in text beside its QR code.

Pure renderers: a ``case_view`` dict and the tenant document in, one self-contained
page out (inline CSS and QR SVG, no scripts; values escaped by the template engine).
The applicant's name and phone are masked here (脱敏), so raw values may be passed;
the ID number is never read.

``case_view`` (build it from a ``Case``; keys marked * may be missing):

    number                 "610924-20261128-00042"     办件编号
    query_code             "7KQ3MX9P"                  办件查询码 (printed as 7KQ3-MX9P)
    item_name, item_version  "最低生活保障审批", 3
    kind, kind_label*      "promised", "承诺件"        (label defaults from ``kind``)
    applicant_name         "张小三"                    (printed 张*三)
    applicant_phone        "13812341234"               (printed 138****1234)
    channel_label          "中心窗口"
    accepted_at            aware datetime              (receipt only; naive is taken as UTC)
    due_at*                aware datetime or None      promised finish moment
    promised_days          int                         working days; 0 for 即办件
    delivery_method_label  "窗口领取"
    materials              [{"name", "form_label", "copies"}]  received materials
    clerk_name, post_name  "李四", "综合受理窗口3号"
    missing_materials*     ["户口簿复印件", ...]        (supplement notice)
    reason*                str                         why supplement / rejection
    issued_at*             aware datetime              notice date (defaults to accepted_at)

``tenant`` is the tenant document (``centre_name``, ``hotline``, optional
``complaint_hotline``); ``base_url`` is the public https root used by ``case_link``.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any, Mapping

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle
from tornado.template import Loader

from backend.domain.identity import mask_name, mask_phone
from backend.domain.item_rules import KINDS
from backend.domain.numbering import CHINA_TIME, display_query_code
from backend.reports.pdfkit import LINE, MIN_PT, columns, grid, para, styles
from backend.reports.qr import case_link, qr_drawing, qr_svg
from backend.reports.guide import TEMPLATES, _css, _loader
from backend.reports.views import days_text, tenant_view

RECEIPT_TITLE = "受理通知书（回执）"
SUPPLEMENT_TITLE = "一次性告知补正通知书"
REJECTION_TITLE = "不予受理通知书"
QR_CAPTION = "微信扫码查看办理进度"
RECEIPT_NOTES = (
    "请妥善保管本回执，凭办件编号和查询码可在阳光365小程序或政务服务中心查询办理进度。",
    "承诺时限按工作日计算；补正材料、听证、专家评审、现场勘查、公示等法定情形所需时间不计入承诺时限。",
    "办结后将按您选择的送达方式送达结果，并以短信或微信通知您。",
)
SUPPLEMENT_NOTES = (
    "请补齐上述全部材料后到窗口提交，或在阳光365小程序中上传；补正期间不计入办理时限。",
    "材料补齐且符合法定形式的，即予受理，不再要求提交本通知书所列以外的材料。",
)
RIGHTS = ("申请人如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
          "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。")
PAPERS = {"A4": A4, "A5": A5}


def china_time(moment: datetime | None) -> datetime | None:
    """The moment in Asia/Shanghai; naive values are UTC (as MongoDB returns them)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(CHINA_TIME)


def moment_text(moment: datetime | None, seconds: bool = True) -> str:
    """2026年11月28日 09:05:07 (China time), or "" for no moment."""
    local = china_time(moment)
    if local is None:
        return ""
    return local.strftime("%Y年%m月%d日 %H:%M:%S" if seconds else "%Y年%m月%d日 %H:%M")


def date_text(moment: datetime | None) -> str:
    local = china_time(moment)
    return local.strftime("%Y年%m月%d日") if local else "　　年　　月　　日"


def _due_text(view: Mapping) -> str:
    due = view.get("due_at")
    if due is not None:
        return moment_text(due, seconds=False) + " 前"
    return "当场办结" if not view.get("promised_days") else "—"


def _hotline(tenant: Mapping | None) -> str:
    return (tenant or {}).get("complaint_hotline") or tenant_view(tenant)["hotline"]


def document_view(view: Mapping, tenant: Mapping | None) -> dict:
    """The printable fields of any window document: masked, labelled and in China time."""
    kind = str(view.get("kind") or "")
    issued = view.get("issued_at") or view.get("accepted_at")
    return {
        "centre_name": tenant_view(tenant)["centre_name"], "hotline": _hotline(tenant),
        "number": view["number"], "query_code": display_query_code(view["query_code"]),
        "item_name": view["item_name"], "item_version": f"第 {view.get('item_version') or 1} 版",
        "kind_label": view.get("kind_label") or KINDS.get(kind, kind),
        "applicant_name": mask_name(view.get("applicant_name") or ""),
        "applicant_phone": mask_phone(view.get("applicant_phone") or "") or "—",
        "channel_label": view.get("channel_label") or "—",
        "accepted_at": moment_text(view.get("accepted_at")),
        "promised": days_text(view.get("promised_days")), "due_at": _due_text(view),
        "delivery_method_label": view.get("delivery_method_label") or "—",
        "materials": [dict(m) for m in view.get("materials") or ()],
        "clerk_name": view.get("clerk_name") or "", "post_name": view.get("post_name") or "",
        "missing_materials": list(view.get("missing_materials") or ()),
        "reason": view.get("reason") or "", "issued_date": date_text(issued),
    }


def render_html(template: str, title: str, case_view: Mapping, tenant: Mapping | None, base_url: str,
            paper: str, **values: Any) -> str:
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}")
    link = case_link(base_url, case_view["number"], case_view["query_code"])
    return _loader().load(template).generate(
        css=_css(), title=title, r=document_view(case_view, tenant), paper=paper,
        qr=qr_svg(link, 28 if paper == "A4" else 24), qr_caption=QR_CAPTION, **values).decode("utf-8")


def receipt_html(case_view: Mapping, tenant: Mapping | None, base_url: str, paper: str = "A4") -> str:
    """受理通知书（回执）: number, query code, item, applicant (masked), dates, materials and QR code."""
    return render_html("receipt.html", RECEIPT_TITLE, case_view, tenant, base_url, paper, notes=RECEIPT_NOTES)


def supplement_notice_html(case_view: Mapping, tenant: Mapping | None, base_url: str,
                           paper: str = "A4") -> str:
    """一次性告知补正通知书: the complete list of missing materials and the reason."""
    return render_html("notice_supplement.html", SUPPLEMENT_TITLE, case_view, tenant, base_url, paper,
                   notes=SUPPLEMENT_NOTES)


def rejection_notice_html(case_view: Mapping, tenant: Mapping | None, base_url: str,
                          paper: str = "A4") -> str:
    """不予受理通知书: the reason and the applicant's right to administrative review or litigation."""
    return render_html("notice_rejection.html", REJECTION_TITLE, case_view, tenant, base_url, paper,
                   rights=RIGHTS)


# -- PDF -------------------------------------------------------------------------------------

def _pdf_styles(paper: str) -> dict[str, ParagraphStyle]:
    """The report styles; on A5 headings shrink by a sixth and spacing tightens, but no text goes below 12 pt."""
    st = styles()
    if paper == "A4":
        return st
    smaller = {k: max(MIN_PT, v.fontSize * 0.82) for k, v in st.items()}
    return {k: ParagraphStyle(f"{k}-a5", parent=v, fontSize=smaller[k], leading=max(v.leading * 0.8, smaller[k] * 1.3),
                              spaceBefore=v.spaceBefore * 0.6, spaceAfter=v.spaceAfter * 0.6)
            for k, v in st.items()}


def _pdf_ids(r: Mapping, link: str, st: dict, width: float) -> Table:
    """Number and query code on the left, the QR code with its caption on the right."""
    qr_side = 30 if width > 150 * mm else 24
    left = [para("办件编号", st["small"]), para(r["number"], st["title"]),
            para("办件查询码", st["small"]), para(r["query_code"], st["h1"])]
    right = [qr_drawing(link, qr_side), para(QR_CAPTION, st["center"])]
    table = Table([[left, right]], colWidths=[width - (qr_side + 8) * mm, (qr_side + 8) * mm])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor(LINE)),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "CENTER")]))
    return table


def _pdf_meta(r: Mapping, st: dict, width: float) -> Table:
    rows = [["事项名称", r["item_name"], "事项版本", r["item_version"]],
            ["办件类型", r["kind_label"], "受理渠道", r["channel_label"]],
            ["申请人", r["applicant_name"], "联系电话", r["applicant_phone"]],
            ["受理时间", r["accepted_at"], "承诺时限", r["promised"]],
            ["承诺办结", r["due_at"], "送达方式", r["delivery_method_label"]]]
    shade = [("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#fafafa")) for c in (0, 2)]
    return grid(rows, columns([1, 2.2, 1, 2.2], width), st, header=False, extra=shade)


def _pdf_materials(r: Mapping, st: dict, width: float) -> list:
    if not r["materials"]:
        return [para("本事项无需提交材料", st["body"])]
    rows = [["序号", "材料名称", "材料形式", "份数"]]
    rows += [[n, m["name"], m["form_label"], m["copies"]] for n, m in enumerate(r["materials"], 1)]
    return [grid(rows, columns([0.7, 4.5, 1.6, 0.7], width), st)]


def _pdf_sign(r: Mapping, st: dict, width: float) -> Table:
    """Clerk, post and hotline on the left; the centre's seal line and the date on the right."""
    right = ParagraphStyle("sign-right", parent=st["body"], alignment=TA_RIGHT)
    left = [para(f"经办窗口：{r['post_name'] or '—'}　经办人：{r['clerk_name'] or '—'}", st["body"]),
            para(f"监督投诉电话：{r['hotline'] or '12345'}", st["body"])]
    seal = [para(f"{r['centre_name']}（盖章）", right), para(r["issued_date"], right)]
    table = Table([[left, seal]], colWidths=[width * 0.55, width * 0.45])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (0, 0), 0),
                               ("RIGHTPADDING", (1, 0), (1, 0), 0)]))
    return table


def _receipt_body(r: Mapping, st: dict, width: float) -> list:
    return [para(f"{r['applicant_name']}：您申请办理的「{r['item_name']}」，申请材料齐全、符合法定形式，"
                 "本中心已予受理，特此回执。", st["body"]), Spacer(1, 3 * mm),
            _pdf_meta(r, st, width), para("已收材料", st["h3"]), *_pdf_materials(r, st, width),
            para("温馨提示", st["h3"]), *[para(f"{n}. {t}", st["small"]) for n, t in enumerate(RECEIPT_NOTES, 1)]]


def _supplement_body(r: Mapping, st: dict, width: float) -> list:
    story = [para(f"{r['applicant_name']}：您申请办理的「{r['item_name']}」（{r['kind_label']}），经审查，申请材料不齐全"
                  "或者不符合法定形式。现将需要补正的全部材料一次性告知如下：", st["body"]), Spacer(1, 2 * mm)]
    story += [para(f"{n}. {m}", st["body"]) for n, m in enumerate(r["missing_materials"], 1)]
    if r["reason"]:
        story += [Spacer(1, 2 * mm), para(f"补正说明：{r['reason']}", st["body"])]
    return story + [para("温馨提示", st["h3"]), *[para(f"{n}. {t}", st["small"]) for n, t in enumerate(SUPPLEMENT_NOTES, 1)]]


def _rejection_body(r: Mapping, st: dict, width: float) -> list:
    return [para(f"{r['applicant_name']}：您申请办理的「{r['item_name']}」（{r['kind_label']}），经审查，决定不予受理。",
                 st["body"]), Spacer(1, 2 * mm), para(f"不予受理理由：{r['reason'] or '—'}", st["body"]),
            Spacer(1, 2 * mm), para(RIGHTS, st["body"])]


def render_pdf(title: str, body, case_view: Mapping, tenant: Mapping | None, base_url: str, paper: str) -> bytes:
    """A window document: centre and title, number and query code beside the QR code, ``body``, signature."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}")
    page_w, _ = PAPERS[paper]
    margin = (14 if paper == "A4" else 9) * mm
    width = page_w - 2 * margin
    r, st = document_view(case_view, tenant), _pdf_styles(paper)
    link = case_link(base_url, case_view["number"], case_view["query_code"])
    centred = {k: ParagraphStyle(f"{k}-centred", parent=st[k], alignment=TA_CENTER) for k in ("org", "title")}
    story = [para(r["centre_name"], centred["org"]), para(title, centred["title"]), Spacer(1, 2 * mm),
             _pdf_ids(r, link, st, width), Spacer(1, 4 * mm), *body(r, st, width),
             Spacer(1, 6 * mm), _pdf_sign(r, st, width)]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAPERS[paper], leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin, title=f"{title} {r['number']}",
                            author="阳光365", creator="阳光365")
    doc.build(story)
    return buffer.getvalue()


def receipt_pdf(case_view: Mapping, tenant: Mapping | None, base_url: str, paper: str = "A4") -> bytes:
    """The receipt as a PDF (same content as ``receipt_html``); one A4 page."""
    return render_pdf(RECEIPT_TITLE, _receipt_body, case_view, tenant, base_url, paper)


def supplement_notice_pdf(case_view: Mapping, tenant: Mapping | None, base_url: str, paper: str = "A4") -> bytes:
    """一次性告知补正通知书 as a PDF (same content as ``supplement_notice_html``)."""
    return render_pdf(SUPPLEMENT_TITLE, _supplement_body, case_view, tenant, base_url, paper)


def rejection_notice_pdf(case_view: Mapping, tenant: Mapping | None, base_url: str, paper: str = "A4") -> bytes:
    """不予受理通知书 as a PDF (same content as ``rejection_notice_html``)."""
    return render_pdf(REJECTION_TITLE, _rejection_body, case_view, tenant, base_url, paper)
