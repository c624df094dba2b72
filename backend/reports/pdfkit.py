"""Building blocks of the PDF documents (PDF 版式): styles, escaped paragraphs, tables, page frame.

All text uses the built-in CID font STSong-Light with CJK line breaking, so no
font file is needed. Large print (适老化): no style is smaller than 12 pt (``MIN_PT``), so
receipts, notices and guides read without a magnifier; colours keep 4.5:1 on white. The document template numbers pages, prints the footer line
and turns headings into PDF bookmarks and table-of-contents entries.
"""

from __future__ import annotations

from html import escape
from typing import Any, Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from backend.reports.pdfdraw import cjk_font

BRAND, BRAND_DARK, INK, MUTED, LINE = "#b4461a", "#8f3512", "#1f2329", "#4b5563", "#e5e7eb"
OK, OVER = "#15803d", "#b91c1c"
MIN_PT = 12
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
FRAME_W = PAGE_W - 2 * MARGIN
FRAME_H = PAGE_H - 2 * MARGIN - 8 * mm


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles keyed by role: title, org, h1, h2, h3, body, small, cell, cell_head, big."""
    font = cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=MIN_PT, leading=18, textColor=colors.HexColor(INK),
                          wordWrap="CJK")

    def style(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "title": style("title", fontSize=20, leading=28, spaceAfter=4),
        "org": style("org", fontSize=MIN_PT, textColor=colors.HexColor(BRAND_DARK)),
        "sub": style("sub", fontSize=MIN_PT, textColor=colors.HexColor(MUTED), spaceAfter=6),
        "h1": style("h1", fontSize=16, leading=24, spaceBefore=6, spaceAfter=6, keepWithNext=1, textColor=colors.HexColor(BRAND_DARK)),
        "h2": style("h2", fontSize=14, leading=20, spaceBefore=6, spaceAfter=6, keepWithNext=1),
        "h3": style("h3", fontSize=13.5, leading=20, spaceBefore=10, spaceAfter=4, keepWithNext=1, textColor=colors.HexColor(BRAND_DARK)),
        "small": style("small", fontSize=MIN_PT, leading=17, textColor=colors.HexColor(MUTED)),
        "cell": style("cell", fontSize=MIN_PT, leading=16),
        "cell_head": style("cell_head", fontSize=MIN_PT, leading=16, textColor=colors.HexColor(MUTED)),
        "big": style("big", fontSize=16, leading=22, alignment=TA_CENTER),
        "center": style("center", fontSize=MIN_PT, leading=16, alignment=TA_CENTER, textColor=colors.HexColor(MUTED)),
    }


def para(text: Any, style: ParagraphStyle, colour: str | None = None) -> Paragraph:
    """A paragraph of plain text: markup characters are escaped, newlines kept."""
    safe = escape("" if text is None else str(text), quote=False).replace("\n", "<br/>")
    if colour:
        safe = f'<font color="{colour}">{safe}</font>'
    return Paragraph(safe, style)


def grid(rows: Sequence[Sequence[Any]], widths: Sequence[float], st: dict, header: bool = True,
         extra: Sequence[tuple] = ()) -> Table:
    """A ruled table; plain values become wrapped paragraphs, flowables pass through."""
    cells = []
    for r, row in enumerate(rows):
        style = st["cell_head"] if header and r == 0 else st["cell"]
        cells.append([c if hasattr(c, "wrap") else para(c, style) for c in row])
    table = Table(cells, colWidths=list(widths), repeatRows=1 if header else 0)
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor(LINE)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fafafa")))
    table.setStyle(TableStyle(commands + list(extra)))
    return table


def columns(fractions: Sequence[float], width: float = FRAME_W) -> list[float]:
    total = sum(fractions)
    return [width * f / total for f in fractions]


class ReportDoc(SimpleDocTemplate):
    """A4 document with page numbers, a footer line and (``outline``) bookmarks and contents entries."""

    def __init__(self, buffer, *, title: str, footer: str, outline: bool = False, **kw: Any):
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                         bottomMargin=MARGIN + 6 * mm, title=title, author="阳光365", creator="阳光365", **kw)
        self.footer = footer
        self.outline = outline
        self._marks = 0

    def beforeDocument(self) -> None:
        self._marks = 0

    def afterFlowable(self, flowable) -> None:
        style = getattr(flowable, "style", None)
        level = {"h1": 0, "h2": 1}.get(getattr(style, "name", ""))
        if level is None or not self.outline:
            return
        text = flowable.getPlainText()
        key = f"mark-{self._marks}"
        self._marks += 1
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
        self.notify("TOCEntry", (level, text, self.page, key))

    def decorate(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font(), MIN_PT)
        canvas.setFillColor(colors.HexColor(MUTED))
        canvas.setStrokeColor(colors.HexColor(LINE))
        canvas.line(MARGIN, MARGIN, PAGE_W - MARGIN, MARGIN)
        canvas.drawString(MARGIN, MARGIN - 15, self.footer)
        canvas.drawRightString(PAGE_W - MARGIN, MARGIN - 15, f"第 {doc.page} 页")
        canvas.restoreState()
