"""The half-yearly satisfaction summary (半年满意度测评报告) as one HTML page and one PDF file, same charts.

Pure: ``report`` (title, generated_at and the ``figures`` of ``services.satisfaction_results.results``)
and the county profile in, text or bytes out. Charts are drawn once as scenes (``charts.py``).
"""

from __future__ import annotations

import io
from typing import Mapping

from reportlab.platypus import Spacer

from backend.domain.clock import to_shanghai
from backend.reports.charts import hbar_chart_drawing, hbar_chart_svg, percent
from backend.reports.guide import _css, _loader
from backend.reports.pdfkit import FRAME_W, ReportDoc, columns, grid, para, styles
from backend.reports.views import tenant_view

GENERATED_BY = "本报告由阳光365好差评系统自动生成"
NOTES = ("满意率 =（非常满意 + 满意 + 基本满意）÷ 评价总数，含群众逾期未评时的默认评价（另列）；"
         "来源包括窗口评价器、小程序、短信链接、热线回访和社情民意调查中心回访。"
         "窗口考核得分 = 满意率 × 10（窗口绩效占年度考核 10%）。")
UNIT_HEADERS = ["名称", "评价数", "满意数", "差评数", "默认评价", "满意率", "不含默认满意率"]


def _rows(units) -> list[list[str]]:
    return [[u["name"], str(u["rated"]), str(u["satisfied"]), str(u["bad"]), str(u["defaults"]), percent(u["rate"]),
             percent(u["rate_without_defaults"])] for u in units]


def _window_rows(figures: Mapping) -> list[list[str]]:
    return [[w["name"], str(w["rated"]), percent(w["rate"]),
             "—" if w["assessment"] is None else f"{w['assessment']:g}"] for w in figures["windows"]]


def tiles(figures: Mapping) -> list[dict]:
    county = figures["county"]
    return [{"label": "评价总数", "value": str(county["rated"]), "note": f"其中默认评价 {county['defaults']} 次"},
            {"label": "满意率", "value": percent(county["rate"]),
             "note": f"不含默认 {percent(county['rate_without_defaults'])}"},
            {"label": "差评", "value": str(county["bad"]), "note": "不满意与非常不满意"},
            {"label": "预警标记", "value": str(len(figures["flags"])), "note": "低于满意率底线的单位和个人"}]


def charts(figures: Mapping) -> dict[str, list]:
    """Rows of the three charts: levels, windows and departments (their satisfaction rates)."""
    return {"levels": [(label, figures["county"]["levels"][label]) for label in figures["levels"]],
            "windows": [(w["name"], w["rate"]) for w in figures["windows"]],
            "departments": [(d["name"].replace("紫阳县", ""), d["rate"]) for d in figures["departments"]]}


def _generated(report: Mapping) -> str:
    return to_shanghai(report["generated_at"]).strftime("%Y-%m-%d %H:%M")


def report_html(report: Mapping, tenant: Mapping | None) -> str:
    figures, rows = report["figures"], charts(report["figures"])
    svg = {"levels": hbar_chart_svg(rows["levels"], title="群众评价（五级）", as_percent=False),
           "windows": hbar_chart_svg(rows["windows"], title="各窗口满意率") if rows["windows"] else "",
           "departments": hbar_chart_svg(rows["departments"], title="各部门满意率") if rows["departments"] else ""}
    return _loader().load("satisfaction_report.html").generate(
        css=_css(), title=report["title"], figures=figures, tenant=tenant_view(tenant), tiles=tiles(figures),
        charts=svg, unit_headers=UNIT_HEADERS, units=[("窗口", _rows(figures["windows"])),
                                                      ("部门", _rows(figures["departments"])),
                                                      ("乡镇", _rows(figures["townships"]))],
        window_rows=_window_rows(figures), generated=_generated(report), notes=NOTES,
        generated_by=GENERATED_BY, percent=percent).decode("utf-8")


def report_pdf(report: Mapping, tenant: Mapping | None) -> bytes:
    st, info, figures = styles(), tenant_view(tenant), report["figures"]
    rows, head = charts(figures), tiles(figures)
    story = [para(info["centre_name"], st["org"]), para(report["title"], st["title"]),
             para(f"统计期：{figures['period_label']}　生成时间：{_generated(report)}", st["sub"]),
             grid([[t["label"] for t in head], [t["value"] for t in head], [t["note"] for t in head]],
                  columns([1] * len(head)), st), Spacer(1, 10),
             hbar_chart_drawing(rows["levels"], max_width=FRAME_W, title="群众评价（五级）", as_percent=False)]
    if rows["windows"]:
        story.append(hbar_chart_drawing(rows["windows"], max_width=FRAME_W, title="各窗口满意率"))
    if rows["departments"]:
        story.append(hbar_chart_drawing(rows["departments"], max_width=FRAME_W, title="各部门满意率"))
    story += [para("窗口考核得分（占年度考核 10%）", st["h2"]),
              grid([["窗口", "评价数", "满意率", "考核得分"]] + _window_rows(figures), columns([3, 1, 1, 1]), st)]
    for label, unit_rows in (("各部门", _rows(figures["departments"])), ("各乡镇", _rows(figures["townships"]))):
        if unit_rows:
            story += [para(f"{label}满意度", st["h2"]),
                      grid([UNIT_HEADERS] + unit_rows, columns([2.4, 0.8, 0.8, 0.8, 0.9, 0.9, 1.2]), st)]
    story.append(para("预警与结果运用", st["h2"]))
    story += [para(f"{f['name']}：满意率 {percent(f['rate'])}，{f['label']}", st["small"]) for f in figures["flags"]] \
        or [para("本期没有低于满意率底线的单位和个人。", st["small"])]
    story.append(para(NOTES, st["small"]))
    buffer = io.BytesIO()
    doc = ReportDoc(buffer, title=report["title"], footer=f"{info['name']} · {GENERATED_BY}")
    doc.build(story, onFirstPage=doc.decorate, onLaterPages=doc.decorate)
    return buffer.getvalue()
