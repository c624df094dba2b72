"""The supervision report (电子监察日报/月报) as one HTML page and one PDF file, with the same charts.

Pure: ``report`` (kind, period, title, generated_at and the ``figures`` of
``services.report_figures.summarise``) and the county profile in, text or bytes out.
Charts are drawn once as scenes (``charts.py``): SVG in the page, reportlab drawings in the PDF.
"""

from __future__ import annotations

import io
from typing import Mapping

from reportlab.lib import colors
from reportlab.platypus import Spacer

from backend.domain.clock import to_shanghai
from backend.reports.charts import (column_chart_drawing, column_chart_svg, hbar_chart_drawing, hbar_chart_svg,
                                    percent)
from backend.reports.guide import _css, _loader
from backend.reports.pdfkit import FRAME_W, ReportDoc, columns, grid, para, styles
from backend.reports.views import tenant_view

GENERATED_BY = "本报表由阳光365电子监察系统自动生成"
NOTES = ("收件量按申请提交日期统计；办结量按办结日期统计；办结率 = 本期收件中本期内办结的件数 ÷ 本期收件量；"
         "按时办结率 = 按时办结件数 ÷ 计时办结件数（不含不予受理、撤回）；天数均为工作日；"
         "满意率 = （非常满意 + 满意 + 基本满意）÷ 评价总数；联办件计入每个承办部门，全县合计只计一次。")


def _days(value) -> str:
    return "—" if value is None else f"{value:g}"


def tiles(county: Mapping) -> list[dict]:
    """The headline figures of the county row."""
    return [
        {"label": "收件量", "value": str(county["received"]), "note": f"本期办结 {county['completed']} 件"},
        {"label": "办结量", "value": str(county["finished"]), "note": f"计时办结 {county['counted']} 件"},
        {"label": "办结率", "value": percent(county["completion_rate"]), "note": "本期收件中已办结"},
        {"label": "按时办结率", "value": percent(county["on_time_rate"]),
         "note": f"按时 {county['on_time']} 件，超期 {county['late']} 件", "over": county["late"] > 0},
        {"label": "满意率", "value": percent(county["satisfied_share"]), "note": f"评价 {county['rated']} 次"},
        {"label": "预警卡", "value": f"{county['cards_yellow']} / {county['cards_red']}", "note": "黄牌 / 红牌",
         "over": county["cards_red"] > 0},
    ]


def table_rows(figures: Mapping) -> list[list[str]]:
    """The department table (county total last), as text cells shared by HTML and PDF."""
    rows = []
    for r in list(figures["departments"]) + [figures["county"]]:
        rows.append([r["name"], str(r["received"]), str(r["finished"]), percent(r["completion_rate"]),
                     f"{percent(r['on_time_rate'])}（{r['on_time']}/{r['counted']}）",
                     f"{_days(r['avg_used_days'])} / {_days(r['avg_promised_days'])} / {_days(r['avg_statutory_days'])}",
                     str(r["rated"]), percent(r["satisfied_share"]), f"{r['cards_yellow']} / {r['cards_red']}"])
    return rows


HEADERS = ["部门", "收件", "办结", "办结率", "按时办结率（按时/计时）", "平均用时 / 承诺 / 法定（工作日）", "评价", "满意率",
           "黄牌 / 红牌"]


def _on_time_rows(figures: Mapping) -> list:
    return [(r["name"], r["on_time_rate"]) for r in figures["departments"] if r["counted"]] + \
        [("全县合计", figures["county"]["on_time_rate"], True)]


def _volume_series(report: Mapping) -> tuple[list[str], list[int], list[int], str]:
    figures = report["figures"]
    if report["kind"] == "monthly":
        days = figures["days"]
        return ([d["day"][8:] for d in days], [d["received"] for d in days], [d["finished"] for d in days],
                "每日收件量与办结量")
    rows = [r for r in figures["departments"] if r["received"] or r["finished"]]
    return [r["name"].replace("紫阳县", "") for r in rows], [r["received"] for r in rows], \
        [r["finished"] for r in rows], "各部门收件量与办结量"


def _satisfaction_rows(figures: Mapping) -> list:
    return [(level, figures["county"]["satisfaction"][level]) for level in figures["levels"]]


def charts_svg(report: Mapping) -> dict[str, str]:
    """The three charts as inline SVG (the volume chart's title is a heading: narrow charts would cut it)."""
    figures = report["figures"]
    labels, received, finished, title = _volume_series(report)
    return {
        "on_time": hbar_chart_svg(_on_time_rows(figures), title="各部门按时办结率"),
        "volume": column_chart_svg(labels, received, line=finished, bar_label="收件量", line_label="办结量",
                                   unit="件") if labels else "",
        "volume_title": title,
        "satisfaction": hbar_chart_svg(_satisfaction_rows(figures), title="群众评价（五级）", as_percent=False),
    }


def _generated(report: Mapping) -> str:
    return to_shanghai(report["generated_at"]).strftime("%Y-%m-%d %H:%M")


def report_html(report: Mapping, tenant: Mapping | None) -> str:
    """The report as a self-contained printable page (inline CSS and SVG, no scripts)."""
    figures = report["figures"]
    return _loader().load("supervision_report.html").generate(
        css=_css(), title=report["title"], report=report, figures=figures, tenant=tenant_view(tenant),
        tiles=tiles(figures["county"]), headers=HEADERS, rows=table_rows(figures), charts=charts_svg(report),
        generated=_generated(report), notes=NOTES, generated_by=GENERATED_BY, percent=percent).decode("utf-8")


def report_pdf(report: Mapping, tenant: Mapping | None) -> bytes:
    """The report as PDF bytes: headline table, charts, department table, satisfaction levels."""
    st, info, figures = styles(), tenant_view(tenant), report["figures"]
    headline = tiles(figures["county"])
    labels, received, finished, title = _volume_series(report)
    story = [para(info["centre_name"], st["org"]), para(report["title"], st["title"]),
             para(f"统计期：{figures['from']} 至 {figures['to']}　生成时间：{_generated(report)}", st["sub"]),
             grid([[t["label"] for t in headline], [t["value"] for t in headline], [t["note"] for t in headline]],
                  columns([1] * len(headline)), st),
             Spacer(1, 10), hbar_chart_drawing(_on_time_rows(figures), max_width=FRAME_W, title="各部门按时办结率")]
    if labels:
        story += [para(title, st["h3"]), column_chart_drawing(labels, received, max_width=FRAME_W, line=finished,
                                                              bar_label="收件量", line_label="办结量", unit="件")]
    total = len(figures["departments"]) + 1
    shade = [("BACKGROUND", (0, total), (-1, total), colors.HexColor("#fdf1ea"))]
    story += [para("分部门统计", st["h2"]),
              grid([HEADERS] + table_rows(figures), columns([2.4, 0.8, 0.8, 0.9, 1.5, 1.7, 0.7, 0.9, 1]), st, extra=shade),
              para("群众评价", st["h2"]),
              hbar_chart_drawing(_satisfaction_rows(figures), max_width=FRAME_W, title="群众评价（五级）", as_percent=False),
              para(NOTES, st["small"])]
    buffer = io.BytesIO()
    doc = ReportDoc(buffer, title=report["title"], footer=f"{info['name']} · {GENERATED_BY}")
    doc.build(story, onFirstPage=doc.decorate, onLaterPages=doc.decorate)
    return buffer.getvalue()
