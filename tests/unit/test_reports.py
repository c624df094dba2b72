"""Generated documents of the power list: service guide, business manual, compression report, PDFs."""

import io
import json
import re
from pathlib import Path

import pypdf
import pytest

from backend.domain.errors import NotFound
from backend.domain.items import Item, compression_report
from backend.reports.charts import column_chart_svg, hbar_chart_svg
from backend.reports.flowchart import flowchart_svg
from backend.reports.guide import business_manual_html, compression_report_html, service_guide_html
from backend.reports.pdf import business_manual_pdf, compression_report_pdf, service_guide_pdf
from backend.reports.scene import wrap
from backend.services.seed import sample_book, sample_profile

SEED = Path(__file__).resolve().parents[2] / "backend" / "seed"
CATALOGUE = json.loads((SEED / "catalogue.json").read_text(encoding="utf-8"))["items"]
TENANT = sample_profile()
DEPARTMENTS = {code: d["name"] for code, d in sample_book().state.departments.items()}


def stored(name: str) -> dict:
    """A stored item document from the sample catalogue (the renderers' input in these tests)."""
    return next(dict(item) for item in CATALOGUE if item["name"] == name)


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def step_names_in_svg(svg: str) -> list[str]:
    return re.findall(r'class="step-name">([^<]*)</text>', svg)


LOW_INCOME = stored("最低生活保障审批")  # promised 20 of 30 days, internal notes, a conditional material
PROPERTY = stored("不动产转移登记")  # charged, five steps


def test_service_guide_shows_name_code_department_and_both_time_limits():
    html = service_guide_html(LOW_INCOME, TENANT, DEPARTMENTS)
    for text in ("最低生活保障审批", LOW_INCOME["code"], "紫阳县民政局", "承诺件", "法定时限", "30 个工作日",
                 "承诺时限", "20 个工作日", "67%", "本指南由阳光365根据权力清单自动生成"):
        assert text in html
    assert "@media print" in html


def test_service_guide_lists_every_material_with_its_condition():
    html = service_guide_html(LOW_INCOME, TENANT, DEPARTMENTS)
    for material in LOW_INCOME["materials"]:
        assert material["name"] in html
    conditional = [m for m in LOW_INCOME["materials"] if m["requirement"] == "conditional"]
    assert conditional and all(m["condition"] in html for m in conditional)
    assert "按情形" in html and "必要" in html


def test_flowchart_in_the_guide_shows_every_step_in_order():
    html = service_guide_html(PROPERTY, TENANT, DEPARTMENTS)
    expected = [s["name"] for s in sorted(PROPERTY["steps"], key=lambda s: s["order"])]
    assert step_names_in_svg(html) == expected
    assert "收费窗口" in html and "4" in re.findall(r">(\d+)</text>", html)


def test_flowchart_follows_step_order_not_list_order_and_wraps_long_names():
    steps = [{"order": 2, "name": "决定", "role": "dept_approver", "days": 3},
             {"order": 1, "name": "受理并核验申请人提交的全部申请材料原件与复印件是否一致以及是否齐全有效", "role": "window_clerk"}]
    svg = flowchart_svg(steps)
    names = step_names_in_svg(svg)
    assert len(names) > 2 and names[-1] == "决定"
    assert "".join(names[:-1]) == steps[1]["name"]
    short = flowchart_svg([steps[0]])
    height = lambda s: float(re.search(r'height="([\d.]+)"', s).group(1))
    assert height(svg) > height(short)


def test_flowchart_without_steps_says_so():
    assert "暂无办理流程" in flowchart_svg([])


def test_guide_shows_fee_table_for_charged_items_and_no_fee_otherwise():
    charged = service_guide_html(PROPERTY, TENANT, DEPARTMENTS)
    assert "不动产登记费" in charged and "住宅类 80 元/件" in charged
    free = service_guide_html(LOW_INCOME, TENANT, DEPARTMENTS)
    assert "<p>不收费</p>" in free


def test_immediate_item_without_statutory_limit_is_shown_as_finished_on_the_spot():
    html = service_guide_html(stored("结婚登记"), TENANT, DEPARTMENTS)
    assert "法律法规未规定" in html and "当场办结" in html


def test_internal_notes_appear_in_the_business_manual_but_never_in_the_service_guide():
    notes = LOW_INCOME["internal_notes"]
    assert notes
    assert notes in business_manual_html([LOW_INCOME], TENANT, DEPARTMENTS)
    assert notes not in service_guide_html(LOW_INCOME, TENANT, DEPARTMENTS)
    public = Item.from_dict(LOW_INCOME).public_guide(DEPARTMENTS)
    assert notes not in service_guide_html(public, TENANT, DEPARTMENTS)
    assert notes not in pdf_text(service_guide_pdf(LOW_INCOME, TENANT, DEPARTMENTS))[1]


def test_guide_from_public_json_matches_guide_from_stored_document():
    public = Item.from_dict(PROPERTY).public_guide(DEPARTMENTS)
    assert service_guide_html(public, TENANT, DEPARTMENTS) == service_guide_html(PROPERTY, TENANT, DEPARTMENTS)


def test_all_text_is_escaped_in_the_guide_and_the_flowchart():
    hostile = {**LOW_INCOME, "name": "<script>alert(1)</script>低保",
               "materials": [{**LOW_INCOME["materials"][0], "name": '"><img src=x onerror=alert(1)>'}],
               "steps": [{**LOW_INCOME["steps"][0], "name": "<b>受理</b>"}]}
    for html in (service_guide_html(hostile, TENANT, DEPARTMENTS), business_manual_html([hostile], TENANT, DEPARTMENTS)):
        assert "<script>" not in html and "<img" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;低保" in html
        assert "&lt;b&gt;受理&lt;/b&gt;" in html


def test_business_manual_of_a_department_holds_its_items_with_contents_and_step_roles():
    html = business_manual_html(CATALOGUE, TENANT, DEPARTMENTS, department_code="mzj")
    own = [item for item in CATALOGUE if item["department"] == "mzj"]
    assert "紫阳县民政局业务手册" in html
    for item in own:
        assert f'href="#item-{item["code"]}"' in html and f'id="item-{item["code"]}"' in html
    assert "个体工商户设立登记" not in html
    assert "部门审批人" in html and "环节时限合计" in html


def test_business_manual_of_a_department_includes_joint_items_it_takes_part_in():
    html = business_manual_html(CATALOGUE, TENANT, DEPARTMENTS, department_code="cgj")
    assert "开办餐饮店一件事" in html and "参与联办" in html


def test_business_manual_of_all_departments_groups_items_by_department():
    html = business_manual_html(CATALOGUE, TENANT, DEPARTMENTS)
    assert html.count('class="item"') == len(CATALOGUE)
    assert html.count('class="department"') == len({item["department"] for item in CATALOGUE})


def test_business_manual_for_an_unknown_department_is_not_found():
    with pytest.raises(NotFound):
        business_manual_html(CATALOGUE, TENANT, DEPARTMENTS, department_code="nosuch")


def _small_report() -> dict:
    items = [Item(code="a1", department="swj", promised_days=12, statutory_days=20),
             Item(code="b1", department="scjgj", promised_days=5, statutory_days=20),
             Item(code="c1", department="jtj", promised_days=10, statutory_days=20)]
    return compression_report(items, DEPARTMENTS)


def test_compression_chart_marks_only_departments_above_half_of_the_statutory_limit():
    html = compression_report_html(_small_report(), TENANT)
    over = re.findall(r'<rect [^>]*class="bar over"[^>]*data-label="([^"]+)"', html)
    fine = re.findall(r'<rect [^>]*class="bar"[^>]*data-label="([^"]+)"', html)
    assert over == ["紫阳县商务局"]
    assert set(fine) == {"紫阳县市场监督管理局", "紫阳县交通运输局", "全县合计"}
    assert 'class="target"' in html and "目标 50%" in html
    assert html.count("未达标") >= 2  # the tile naming the department and its row


def test_compression_report_of_the_sample_catalogue_names_the_departments_above_target():
    report = compression_report([Item.from_dict(item) for item in CATALOGUE], DEPARTMENTS)
    over = {row["name"] for row in report["departments"] if row["ratio"] is not None and row["ratio"] > 0.5}
    html = compression_report_html(report, TENANT)
    marked = set(re.findall(r'class="bar over"[^>]*data-label="([^"]+)"', html))
    assert over and marked == over


def test_hbar_chart_without_target_marks_nothing_and_notes_missing_values():
    svg = hbar_chart_svg([("甲", 0.9), ("乙", None)])
    assert "bar over" not in svg and "无数据" in svg and "<script" not in svg


def test_column_chart_draws_taller_columns_for_larger_values_and_the_line_series():
    svg = column_chart_svg(["1月", "2月"], [10, 40], line=[2, 3], title="办件量", line_label="超期件")
    heights = [float(h) for h in re.findall(r'height="([\d.]+)"[^>]*class="column"', svg)]
    assert len(heights) == 2 and heights[1] == pytest.approx(4 * heights[0])
    assert "<polyline" in svg and "超期件" in svg and "1月" in svg


def test_closing_punctuation_never_starts_a_wrapped_line():
    lines = wrap("窗口人员核验材料，符合条件的当场受理并出具受理回执。", 8 * 12, 12)
    assert len(lines) > 1 and not any(line[0] in "，。" for line in lines)


def test_service_guide_pdf_is_a_pdf_with_the_item_and_its_materials():
    data = service_guide_pdf(PROPERTY, TENANT, DEPARTMENTS)
    pages, text = pdf_text(data)
    assert data.startswith(b"%PDF") and pages >= 1
    assert "不动产转移登记" in text and "不动产登记费" in text and "缴费" in text
    assert "本指南由阳光365根据权力清单自动生成" in text


def test_service_guide_pdf_survives_markup_in_names():
    hostile = {**LOW_INCOME, "name": "低保<审批> & 复核"}
    assert "低保<审批> & 复核" in pdf_text(service_guide_pdf(hostile, TENANT, DEPARTMENTS))[1]


def test_business_manual_pdf_has_contents_items_and_internal_notes():
    data = business_manual_pdf(CATALOGUE, TENANT, DEPARTMENTS, department_code="mzj")
    pages, text = pdf_text(data)
    own = [item for item in CATALOGUE if item["department"] == "mzj"]
    assert data.startswith(b"%PDF") and pages > len(own)
    assert "目录" in text and LOW_INCOME["internal_notes"] in text
    assert all(item["name"] in text for item in own)


def test_compression_report_pdf_names_the_departments_above_target():
    data = compression_report_pdf(_small_report(), TENANT)
    pages, text = pdf_text(data)
    assert data.startswith(b"%PDF") and pages >= 1
    assert "紫阳县商务局" in text and "未达标" in text and "目标 50%" in text
