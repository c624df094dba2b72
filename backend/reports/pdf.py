"""The generated documents as PDF files (PDF 文书), built with reportlab platypus.

Same content as the HTML renderers in ``guide.py`` (both read ``views.py``):
``service_guide_pdf`` (办事指南), ``business_manual_pdf`` (业务手册) and
``compression_report_pdf`` (时限压缩报告). Each returns the PDF bytes.
"""

from __future__ import annotations

import io
from typing import Any, Iterable, Mapping

from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer
from reportlab.platypus.tableofcontents import TableOfContents

from backend.reports.charts import hbar_chart_drawing
from backend.reports.flowchart import flowchart_drawings
from backend.reports.pdfkit import (BRAND, FRAME_H, FRAME_W, MUTED, OK, OVER, ReportDoc, columns, grid, para,
                                    styles)
from backend.reports.views import (GENERATED_BY, MANUAL_GENERATED_BY, compression_view, department_names,
                                   guide_view, manual_groups, tenant_view)


def _build(story: list, *, title: str, footer: str, toc: bool = False) -> bytes:
    buffer = io.BytesIO()
    doc = ReportDoc(buffer, title=title, footer=footer, outline=toc)
    if toc:
        doc.multiBuild(story, onFirstPage=doc.decorate, onLaterPages=doc.decorate)
    else:
        doc.build(story, onFirstPage=doc.decorate, onLaterPages=doc.decorate)
    return buffer.getvalue()


def _list(values: Iterable[str], st: dict, empty: str = "—") -> list:
    values = list(values)
    if not values:
        return [para(empty, st["body"])]
    return [para(f"{n}. {v}", st["body"]) for n, v in enumerate(values, 1)]


def _meta(g: Mapping, st: dict) -> list:
    level = g["level_label"] + (f"（{'、'.join(g['township_names'])}）" if g["township_names"] else "")
    rows = [["实施编码", g["code"], "基本编码", g["base_code"] or "—"],
            ["实施部门", g["department_name"], "事项类型", g["item_type"] or "—"],
            ["办件类型", g["kind_label"], "办理层级", level],
            ["网上办理", "可网上申请" if g["online"] else "需到窗口申请", "是否收费", "收费" if g["charged"] else "不收费"]]
    shade = [("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#fafafa")) for c in (0, 2)]
    return [grid(rows, columns([1, 2.2, 1, 2.2]), st, header=False, extra=shade)]


def _limits(g: Mapping, st: dict) -> list:
    """Statutory and promised days side by side with the compression ratio."""
    lim = g["limits"]
    ratio_colour = (OK if lim["meets_target"] else OVER) if lim["ratio"] is not None else MUTED
    head = [para(t, st["center"]) for t in ("法定时限", "承诺时限", "承诺/法定（压缩比）")]
    values = [para(lim["statutory"], st["big"]), para(lim["promised"], st["big"], BRAND),
              para(lim["ratio_text"], st["big"], ratio_colour)]
    notes = [para("", st["center"]), para("", st["center"]),
             para(lim["saved_text"] or "法律法规未规定办理时限", st["center"])]
    shade = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fafafa"))]
    return [grid([head, values, notes], columns([1, 1, 1]), st, header=False, extra=shade)]


def _materials(g: Mapping, st: dict) -> list:
    if not g["material_rows"]:
        return [para("无需提交材料", st["body"])]
    rows = [["序号", "材料名称", "必要性", "材料形式", "份数", "来源渠道", "备注"]]
    for n, m in enumerate(g["material_rows"], 1):
        need = m["requirement_label"] + (f"：{m['condition']}" if m["condition"] else "")
        rows.append([n, m["name"], need, m["form"], m["copies"], m["source"], m["notes"]])
    return [grid(rows, columns([0.75, 3, 1.8, 1.2, 0.75, 1.3, 1.6]), st)]


def _fees(g: Mapping, st: dict) -> list:
    if not g["fees"]:
        return [para("不收费", st["body"])]
    rows = [["收费项目", "收费标准", "收费依据", "减免"]]
    rows += [[f["name"], f["standard"], f["basis"], "可申请减免" if f["exemption_allowed"] else "—"] for f in g["fees"]]
    return [grid(rows, columns([1.4, 2.4, 2.4, 0.9]), st), para("费用在政务服务中心统一收费窗口缴纳。", st["small"])]


def _relations(g: Mapping, st: dict) -> list:
    story = []
    if g["prerequisites"]:
        story += [para("前置事项", st["h3"])] + _list((f"{p['name'] or p['code']}（{p['code']}）"
                                                      for p in g["prerequisites"]), st)
    if g["joint_departments"]:
        names = "、".join(j["name"] or j["code"] for j in g["joint_departments"])
        story += [para("联办部门", st["h3"]), para(f"{names}（并联审批）", st["body"])]
    if g["report_to"]:
        story += [para("上报机关", st["h3"]), para(g["report_to"], st["body"])]
    return story


def _places(g: Mapping, tenant: Mapping, st: dict) -> list:
    if g["places"]:
        rows = [["办理地点", "地址", "办理时间"]] + [[p["name"], p["address"], p["hours"]] for p in g["places"]]
        places = [grid(rows, columns([2, 2.2, 2.6]), st)]
    else:
        places = [para("，".join(x for x in (tenant["centre_name"], tenant["business_hours"]) if x), st["body"])]
    phone = g["phone"] or tenant["hotline"] or "—"
    complaint = g["complaint_phone"] or tenant["hotline"] or "—"
    return places + [para("咨询与投诉", st["h3"]), para(f"咨询电话：{phone}　　投诉电话：{complaint}", st["body"])]


def _item_story(g: Mapping, tenant: Mapping, st: dict) -> list:
    """The sections every item shows, in the order of the HTML guide."""
    result = g["result"]["name"] or "—"
    if g["result"]["type"]:
        result += f"（{g['result']['type']}）"
    flows = flowchart_drawings(g["steps"], max_width=FRAME_W, max_height=FRAME_H - 40)
    return [
        *_meta(g, st),
        para("办理时限", st["h3"]), *_limits(g, st),
        para("受理条件", st["h3"]), *_list(g["conditions"], st, "无特别条件"),
        para("申请材料", st["h3"]), *_materials(g, st),
        CondPageBreak(min(flows[0].height + 30, FRAME_H)), para("办理流程", st["h3"]), *flows,
        para("收费标准", st["h3"]), *_fees(g, st),
        para("设定依据", st["h3"]), *_list(g["legal_basis"], st),
        *_relations(g, st),
        para("办理结果", st["h3"]), para(result, st["body"]),
        para(f"送达方式：{'、'.join(g['delivery_labels']) or '窗口领取'}", st["body"]),
        para("办理地点和时间", st["h3"]), *_places(g, tenant, st),
    ]


def service_guide_pdf(item: Any, tenant: Mapping | None, departments: Any = None) -> bytes:
    """办事指南 of one item as PDF bytes (public information only)."""
    st, g, info = styles(), guide_view(item, departments, tenant), tenant_view(tenant)
    story = [para(f"{info['centre_name']} · 政务服务事项办事指南", st["org"]), para(g["name"], st["title"]),
             para(f"实施编码 {g['code']} · {g['department_name']}", st["sub"]),
             *_item_story(g, info, st), Spacer(1, 12),
             para(f"版本：第 {g['version']} 版　生效日期：{g['effective_date'] or '—'}", st["small"])]
    return _build(story, title=f"{g['name']} · 办事指南", footer=GENERATED_BY)


def _internal_story(g: Mapping, st: dict) -> list:
    inner = g["internal"]
    story = [para("内部办理信息", st["h3"]),
             para(f"状态：{inner['status_label']}　版本：第 {g['version']} 版　生效日期：{g['effective_date'] or '—'}",
                  st["body"])]
    if g["step_rows"]:
        rows = [["环节", "名称", "办理角色", "环节时限", "办理要求"]]
        rows += [[s["order"], s["name"], s["role_label"], s["days_text"], s["description"]] for s in g["step_rows"]]
        story += [grid(rows, columns([0.6, 1.4, 1.3, 1.2, 4]), st), Spacer(1, 4)]
        total = f"环节时限合计 {inner['steps_total']} 个工作日，承诺时限 {g['promised_days']} 个工作日"
        story.append(para(total + ("（环节时限合计超出承诺时限，请调整）" if inner["steps_over"] else "。"),
                          st["body"], OVER if inner["steps_over"] else None))
    prerequisites = "、".join(p["name"] or p["code"] for p in g["prerequisites"]) or "无"
    story.append(para(f"前置事项：{prerequisites}", st["body"]))
    if inner["internal_notes"]:
        story.append(para(f"内部备注：{inner['internal_notes']}", st["body"]))
    return story


def _toc(st: dict) -> TableOfContents:
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [st["h3"].clone("toc0", spaceBefore=6, leftIndent=0),
                       st["body"].clone("toc1", fontSize=12, leading=18, leftIndent=18)]
    return toc


def business_manual_pdf(items: Iterable[Any], tenant: Mapping | None, departments: Any = None,
                        department_code: str | None = None) -> bytes:
    """业务手册 as PDF bytes: contents with page numbers, then each item with internal information."""
    st, info = styles(), tenant_view(tenant)
    groups = manual_groups(items, departments, department_code, tenant)
    owner = (department_names(departments).get(department_code) or groups[0]["name"]) if department_code \
        else info["name"]
    count = sum(len(group["items"]) for group in groups)
    story = [para(f"{info['name']}权力清单", st["org"]), para(f"{owner}业务手册", st["title"]),
             para(f"共 {count} 个事项，按实施部门编排", st["sub"]), para("目录", st["h2"].clone("toc_head")), _toc(st)]
    for group in groups:
        story += [PageBreak(), para(f"{group['number']}. {group['name']}", st["h1"])]
        if not group["items"]:
            story.append(para("该部门暂无事项", st["body"]))
        for index, g in enumerate(group["items"]):
            if index:
                story.append(PageBreak())
            joined = "（参与联办）" if g["led_elsewhere"] else ""
            story += [para(f"{g['number']} {g['name']}{joined}", st["h2"]), *_item_story(g, info, st),
                      KeepTogether(_internal_story(g, st))]
    return _build(story, title=f"{owner}业务手册", footer=MANUAL_GENERATED_BY, toc=True)


def compression_report_pdf(report: Mapping, tenant: Mapping | None) -> bytes:
    """时限压缩报告 as PDF bytes: summary, bar chart against the 50% target, department table."""
    st, info, view = styles(), tenant_view(tenant), compression_view(report)
    o = view["overall"]
    over = "、".join(r["name"] for r in view["over"]) or "全部达标"
    summary = [["事项总数", "全县压缩比", "单项达标", "未达标部门"],
               [o.get("count", 0), f"{o['ratio_text']}（{o['verdict']}）",
                f"{o.get('meeting_target', 0)}/{o.get('timed_count', 0)}（{o['share_text']}）", over]]
    chart = hbar_chart_drawing(view["chart_rows"], max_width=FRAME_W, target=view["target"],
                               title="各部门承诺时限压缩比（承诺/法定）")
    rows = [["部门", "事项数", "有法定时限", "承诺天数合计", "法定天数合计", "压缩比", "平均压缩比", "单项达标", "结论"]]
    extra = []
    for n, r in enumerate(view["rows"] + [o], 1):
        rows.append([r["name"], r.get("count", 0), r.get("timed_count", 0), r.get("promised_days", 0),
                     r.get("statutory_days", 0), r["ratio_text"], r["average_text"],
                     f"{r.get('meeting_target', 0)}（{r['share_text']}）",
                     para(r["verdict"], st["cell"], OVER if r["verdict"] == "未达标" else None)])
        if r is o:
            extra.append(("BACKGROUND", (0, n), (-1, n), colors.HexColor("#fdf1ea")))
    story = [para(info["centre_name"], st["org"]), para(f"{info['name']}权力事项时限压缩情况", st["title"]),
             para(f"目标：承诺时限不超过法定时限的 {view['target_text']}", st["sub"]),
             grid(summary, columns([1, 1.4, 1.4, 2.4]), st), Spacer(1, 10), chart,
             para("分部门明细", st["h2"]),
             grid(rows, columns([2.6, 0.8, 1, 1.1, 1.1, 0.9, 1, 1.2, 0.9]), st, extra=extra),
             para("天数均为工作日。压缩比 = 承诺时限合计 ÷ 法定时限合计（只计规定了法定时限的事项）；"
                  "单项达标指承诺时限不超过该事项法定时限的一半。", st["small"])]
    return _build(story, title=f"{info['name']}时限压缩情况", footer="本报告由阳光365根据权力清单自动生成")
