"""What the generated documents show, prepared once for both HTML and PDF (文书视图).

Items come in as ``Item`` objects, stored documents (``Item.to_dict``) or the
public guide JSON; each is read with ``Item.from_dict`` and shown through
``public_guide`` so the service guide (办事指南) can never show internal fields.
Only ``internal_view`` (for the business manual, 业务手册) reads internal notes.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from backend.domain.errors import NotFound
from backend.domain.items import (COMPRESSION_TARGET, DELIVERY_METHODS, KINDS, LEVELS, MATERIAL_FORMS,
                                  REQUIREMENTS, STATUSES, Item)
from backend.reports.charts import percent

GENERATED_BY = "本指南由阳光365根据权力清单自动生成"
MANUAL_GENERATED_BY = "本手册由阳光365根据权力清单自动生成，供部门内部使用"


def as_item(item: Any) -> Item:
    return item if isinstance(item, Item) else Item.from_dict(item)


def department_names(departments: Any) -> dict[str, str]:
    """code -> name from a mapping or a list of {"code", "name"} documents."""
    if not departments:
        return {}
    if isinstance(departments, Mapping):
        return {str(k): str(v) for k, v in departments.items()}
    return {str(d["code"]): str(d.get("name") or d["code"]) for d in departments}


def tenant_view(tenant: Mapping | None) -> dict:
    tenant = tenant or {}
    name = tenant.get("name") or ""
    return {"name": name, "centre_name": tenant.get("centre_name") or f"{name}政务服务中心",
            "hotline": tenant.get("hotline") or "", "business_hours": tenant.get("business_hours") or ""}


def _township_names(tenant: Mapping | None) -> dict[str, str]:
    towns = (tenant or {}).get("townships") or {}
    if isinstance(towns, Mapping):
        return dict(towns)
    return {t[0]: t[1] for t in towns if isinstance(t, (list, tuple)) and len(t) == 2}


def days_text(days: Any, zero: str = "当场办结") -> str:
    return f"{days} 个工作日" if isinstance(days, int) and days > 0 else zero


def limits_view(guide: Mapping) -> dict:
    """Promised vs statutory days and the compression (压缩比) for the side-by-side panel."""
    promised, statutory = guide["promised_days"], guide["statutory_days"]
    ratio = guide["compression"]
    return {
        "promised": days_text(promised), "statutory": days_text(statutory, "法律法规未规定"),
        "ratio": ratio, "ratio_text": percent(ratio),
        "saved_text": f"比法定时限缩短 {percent(1 - ratio)}" if ratio is not None else "",
        "meets_target": ratio is not None and ratio <= COMPRESSION_TARGET,
        "bar_width": round(min(ratio, 1) * 100, 1) if ratio is not None else 0,
    }


def _material_row(m: Mapping) -> dict:
    requirement = REQUIREMENTS.get(m["requirement"], m["requirement"])
    notes = [m["note"]] if m.get("note") else []
    if m.get("blank_form"):
        notes.append(f"提供空白表格：{m['blank_form']}")
    if m.get("sample"):
        notes.append(f"提供填写示例：{m['sample']}")
    return {"name": m["name"], "requirement": m["requirement"], "requirement_label": requirement,
            "condition": m.get("condition") or "", "form": MATERIAL_FORMS.get(m["form"], m["form"]),
            "copies": m["copies"], "source": m.get("source") or "", "notes": "；".join(notes)}


def guide_view(item: Any, departments: Any = None, tenant: Mapping | None = None) -> dict:
    """Everything the service guide shows, all public (no internal notes, no status)."""
    names = department_names(departments)
    guide = as_item(item).public_guide(names)
    towns = _township_names(tenant)
    return {
        **guide,
        "anchor": f"item-{guide['code']}",
        "department_name": guide["department"]["name"] or guide["department"]["code"],
        "kind_label": KINDS.get(guide["kind"], guide["kind"]),
        "level_label": LEVELS.get(guide["level"], guide["level"]),
        "township_names": [towns.get(t, t) for t in guide["townships"]],
        "limits": limits_view(guide),
        "material_rows": [_material_row(m) for m in guide["materials"]],
        "step_rows": [{**s, "days_text": days_text(s["days"], "当日办理")} for s in guide["steps"]],
        "delivery_labels": [DELIVERY_METHODS.get(d, d) for d in guide["delivery_methods"]],
    }


def internal_view(item: Any) -> dict:
    """Internal manual information: status, step day totals and the internal notes (内部备注)."""
    it = as_item(item)
    steps_total = sum(s.days for s in it.steps if isinstance(s.days, int))
    promised = it.promised_days if isinstance(it.promised_days, int) else 0
    return {"status_label": STATUSES.get(it.status, it.status), "internal_notes": it.internal_notes,
            "steps_total": steps_total, "steps_over": steps_total > promised}


def _involves(item: Item, code: str) -> bool:
    return item.department == code or any(j.code == code for j in item.joint_departments)


def manual_groups(items: Iterable[Any], departments: Any = None, department_code: str | None = None,
                  tenant: Mapping | None = None) -> list[dict]:
    """Items grouped by department, numbered 1.1, 1.2 ...; one department (lead or joint) when asked."""
    names = department_names(departments)
    parsed = [as_item(i) for i in items]
    if department_code:
        if names and department_code not in names:
            raise NotFound(f"未找到部门「{department_code}」", code="department_not_found")
        grouped = {department_code: [i for i in parsed if _involves(i, department_code)]}
    else:
        grouped = {}
        for it in parsed:
            grouped.setdefault(it.department, []).append(it)
    groups = []
    for number, code in enumerate(sorted(grouped), 1):
        members = sorted(grouped[code], key=lambda i: i.code)
        name = names.get(code) or next((i.department_name for i in members if i.department == code), "") or code
        entries = []
        for sub, it in enumerate(members, 1):
            view = guide_view(it, names, tenant)
            entries.append({**view, "number": f"{number}.{sub}", "internal": internal_view(it),
                            "led_elsewhere": it.department != code})
        groups.append({"code": code, "name": name, "number": number, "items": entries})
    return groups


def compression_view(report: Mapping) -> dict:
    """Rows of the compression report with labels, plus the rows of its bar chart."""
    target = report.get("target", COMPRESSION_TARGET)

    def row(r: Mapping, name: str) -> dict:
        ratio = r.get("ratio")
        meets = ratio is not None and ratio <= target
        return {**r, "name": name, "ratio_text": percent(ratio), "average_text": percent(r.get("average_ratio")),
                "share_text": percent(r.get("meeting_share")), "meets": meets,
                "verdict": "无法定时限" if ratio is None else ("达标" if meets else "未达标")}

    rows = [row(r, r.get("name") or r.get("code", "")) for r in report.get("departments", [])]
    overall = row(report.get("overall", {}), "全县合计")
    ranked = sorted([r for r in rows if r["ratio"] is not None], key=lambda r: -r["ratio"])
    chart_rows = [(r["name"], r["ratio"]) for r in ranked] + [(overall["name"], overall["ratio"], True)]
    return {"target": target, "target_text": percent(target), "rows": rows, "overall": overall,
            "over": [r for r in rows if r["verdict"] == "未达标"], "chart_rows": chart_rows}
