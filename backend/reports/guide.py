"""Printable HTML documents generated from the power list (权力清单文书).

- ``service_guide_html``: the 办事指南 citizens read before they come;
- ``business_manual_html``: the 业务手册 for departments (adds internal information);
- ``compression_report_html``: promised vs statutory days against the ≤50% target.

Pure renderers: data in, one self-contained HTML page out (inline CSS and SVG, no
scripts). Every value is escaped by the template engine (autoescape is on).
"""

from __future__ import annotations

import functools
import os
from typing import Any, Iterable, Mapping

from tornado.template import Loader

from backend.reports.charts import hbar_chart_svg
from backend.reports.flowchart import flowchart_svg
from backend.reports.views import (GENERATED_BY, MANUAL_GENERATED_BY, compression_view, department_names,
                                   guide_view, manual_groups, tenant_view)

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")


@functools.lru_cache(maxsize=1)
def _loader() -> Loader:
    return Loader(TEMPLATES, autoescape="xhtml_escape")


@functools.lru_cache(maxsize=1)
def _css() -> str:
    with open(os.path.join(TEMPLATES, "report.css"), encoding="utf-8") as f:
        return f.read()


def _render(name: str, **values: Any) -> str:
    return _loader().load(name).generate(css=_css(), flowchart=flowchart_svg, **values).decode("utf-8")


def service_guide_html(item: Any, tenant: Mapping | None, departments: Any = None) -> str:
    """办事指南: the public guide of one item (an Item, a stored document or the public JSON)."""
    view = guide_view(item, departments, tenant)
    return _render("guide.html", title=f"{view['name']} · 办事指南", g=view, tenant=tenant_view(tenant),
                   generated_by=GENERATED_BY)


def business_manual_html(items: Iterable[Any], tenant: Mapping | None, departments: Any = None,
                         department_code: str | None = None) -> str:
    """业务手册: every item (or those a department leads or joins) with internal information.

    Raises NotFound when ``department_code`` is not one of ``departments``.
    """
    groups = manual_groups(items, departments, department_code, tenant)
    info = tenant_view(tenant)
    if department_code:
        owner = department_names(departments).get(department_code) or groups[0]["name"]
    else:
        owner = info["name"]
    return _render("manual.html", title=f"{owner}业务手册", groups=groups, tenant=info,
                   generated_by=MANUAL_GENERATED_BY)


def compression_chart_svg(report: Mapping) -> str:
    """The departments' compression ratios as bars against the target line (worst first)."""
    view = compression_view(report)
    return hbar_chart_svg(view["chart_rows"], target=view["target"], title="各部门承诺时限压缩比（承诺/法定）")


def compression_report_html(report: Mapping, tenant: Mapping | None) -> str:
    """时限压缩报告: the output of ``compression_report`` as summary tiles, a bar chart and a table."""
    info = tenant_view(tenant)
    return _render("compression.html", title=f"{info['name']}权力事项时限压缩情况", view=compression_view(report),
                   chart=compression_chart_svg(report), tenant=info)
