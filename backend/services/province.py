"""The province view (全省概况): read-only figures of every county of a province, nothing personal.

A province is a tenant of kind ``province``; its counties are the county tenants whose profile names
the same province. For each county the figures are the county row of a supervision report over the
period (received, finished, on-time rate, cards, satisfaction; ``reports.gather`` from the working
sets) plus the open and overdue cases now. Names of people, applicants and case numbers never
leave the county: only counts and rates do.
"""

from __future__ import annotations

from datetime import date, datetime

from backend.domain.errors import Forbidden
from backend.services import journal, reports
from backend.services.context import Services

FIGURES = ("received", "completed", "completion_rate", "finished", "counted", "on_time", "late", "on_time_rate",
           "avg_used_days", "rated", "satisfied", "satisfied_share", "cards_yellow", "cards_red")
SUMMED = ("received", "completed", "finished", "counted", "on_time", "late", "rated", "satisfied", "cards_yellow",
          "cards_red", "open", "overdue")


async def province_of(svc: Services, tenant: str) -> dict:
    """The province a provincial account belongs to; Forbidden for a county's accounts."""
    doc = await svc.db.tenants.find_one({"_id": tenant})
    if not doc or doc.get("kind") != "province":
        raise Forbidden("全省概况仅供省级监察账号查看", code="not_province")
    return doc


async def counties(svc: Services, province: dict) -> list[dict]:
    """The province's counties (the tenants list is one small document per county)."""
    docs = await svc.db.tenants.find({}, {"name": 1, "province": 1, "kind": 1, "area_code": 1}).to_list(None)
    return sorted((d for d in docs if d.get("kind") != "province" and d.get("province") == province.get("name")),
                  key=lambda d: d.get("area_code") or d["_id"])


async def _live(svc: Services, tenant: str, now: datetime) -> dict:
    """Open and overdue cases now, from the counts the dashboard reads (no scan of open cases)."""
    figures = (await journal.read(svc, tenant)).counts.county.figures(now)
    return {"open": figures["open"], "overdue": figures["overdue"]}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def figures(svc: Services, tenant: str, first: date, last: date) -> dict:
    """Every county's figures for ``first``..``last`` and the province's totals."""
    province = await province_of(svc, tenant)
    rows = []
    for county in await counties(svc, province):
        row = (await reports.gather(svc, county["_id"], first, last))["county"]
        rows.append({"tenant": county["_id"], "name": county.get("name", county["_id"]),
                     "area_code": county.get("area_code", ""), **{k: row.get(k) for k in FIGURES},
                     **await _live(svc, county["_id"], svc.now())})
    total = {k: sum(r[k] or 0 for r in rows) for k in SUMMED}
    total.update(completion_rate=_rate(total["completed"], total["received"]),
                 on_time_rate=_rate(total["on_time"], total["counted"]),
                 satisfied_share=_rate(total["satisfied"], total["rated"]))
    return {"province": province.get("name", tenant), "from": first.isoformat(), "to": last.isoformat(),
            "counties": rows, "total": total}
