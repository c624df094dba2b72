"""Supervision reports (监察报表): daily (日报) and monthly (月报) summaries, stored once each.

A report is ``supervision_reports/{tenant}:{kind}:{period}`` (``daily`` + ``YYYY-MM-DD`` or
``monthly`` + ``YYYY-MM``). Generating it computes the figures (``report_figures``) from the
working sets the supervision hook keeps (``open_cases``, ``finished_cases``) plus the period's
``ratings`` and ``cards``, renders the HTML page and the PDF file once, and *inserts* the lot:
the unique ``_id`` decides, so two processes (or a person and the schedule) racing for the same
report store it exactly once (docs/decisions/0003). A stored report is never rewritten: both
formats are served as they were generated.

Only ended periods are reported. The schedule (:func:`report_task`, a ``server.BACKGROUND_TASKS``
entry under the lease ``reports``) makes sure, from 01:00 China time, that yesterday's daily
report and last month's monthly report exist; the monthly one is therefore made on the 1st, or
on the first day the service runs after it.
"""

from __future__ import annotations

import asyncio
import calendar as month_calendar
import logging
from datetime import date, datetime, time, timedelta

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from backend.domain.clock import to_shanghai
from backend.domain.errors import NotFound, ValidationFailed
from backend.services import audit, report_figures, supervision, tenant_config, tenants
from backend.services.context import Services
from backend.store.indexes import declare

log = logging.getLogger("sunshine.reports")

REPORTS = "supervision_reports"
KINDS = {"daily": "日报", "monthly": "月报"}
SCHEDULE_FROM = time(1, 0)
INTERVAL_S = 300.0
SYSTEM = "system"
NO_BODIES = {"html": 0, "pdf": 0}
FORMATS = ("html", "pdf")

declare(REPORTS, IndexModel([("tenant", ASCENDING), ("kind", ASCENDING), ("period", DESCENDING)], name="tenant_kind_period"))


def report_id(tenant: str, kind: str, period: str) -> str:
    return f"{tenant}:{kind}:{period}"


def period_range(kind: str, period: str) -> tuple[date, date]:
    """First and last China-time day of a period; a 422 naming the expected form otherwise."""
    if kind not in KINDS:
        raise ValidationFailed("报表类型应为 daily（日报）或 monthly（月报）", code="bad_report_kind")
    text = str(period or "").strip()
    try:
        if kind == "daily":
            if len(text) != 10:
                raise ValueError
            day = date.fromisoformat(text)
            return day, day
        year, month = (int(p) for p in text.split("-")) if len(text) == 7 else (0, 0)
        first = date(year, month, 1)
    except ValueError:
        form = "YYYY-MM-DD" if kind == "daily" else "YYYY-MM"
        raise ValidationFailed(f"统计期格式不正确：{text}（{KINDS[kind]}应为 {form}）", code="bad_report_period") from None
    return first, first.replace(day=month_calendar.monthrange(first.year, first.month)[1])


def _title(county: str, kind: str, first: date) -> str:
    when = f"{first.year}年{first.month}月{first.day}日" if kind == "daily" else f"{first.year}年{first.month}月"
    return f"{county}政务服务电子监察{KINDS[kind]}（{when}）"


async def gather(svc: Services, tenant: str, first: date, last: date, *, rated: bool = True) -> dict:
    """The figures of ``first``..``last`` from the working sets and the day files (no scan of all
    cases, ratings or cards); ``rated`` False leaves out ratings and cards."""
    open_entries = await supervision.open_entries(svc, tenant, {"number": 1, "departments": 1})
    finished = await supervision.finished_between(svc, tenant, first)  # received in the period, finished since
    wanted = {"level": 1, "department": 1}
    ratings = await supervision.filed_between(svc, supervision.RATING_DAYS, tenant, first, last, wanted) if rated else []
    cards = await supervision.filed_between(svc, supervision.CARD_DAYS, tenant, first, last, wanted) if rated else []
    names = (await tenant_config.org(svc, tenant)).department_names()
    return report_figures.summarise(first, last, open_entries, finished, ratings, cards, names)


async def trend(svc: Services, tenant: str, today: date, days: int) -> dict:
    """Received and finished cases per day over the last ``days`` days up to ``today`` (live, not stored)."""
    figures = await gather(svc, tenant, today - timedelta(days=max(days, 1) - 1), today, rated=False)
    return {"from": figures["from"], "to": figures["to"], "days": figures["days"]}


def summary_view(doc: dict) -> dict:
    """A stored report without its bodies, with its two download addresses."""
    county = (doc.get("figures") or {}).get("county", {})
    base = f"/api/v1/supervision/reports/{doc['_id']}"
    return {"id": doc["_id"], "kind": doc["kind"], "kind_label": KINDS[doc["kind"]], "period": doc["period"],
            "title": doc["title"], "from": doc["from"], "to": doc["to"], "generated_at": doc["generated_at"],
            "generated_by": doc["generated_by"], "generated_by_name": doc.get("generated_by_name", ""),
            "pdf_bytes": doc.get("pdf_bytes", 0),
            "county": {k: county.get(k) for k in ("received", "finished", "completion_rate", "on_time_rate",
                                                  "rated", "satisfied_share", "cards_yellow", "cards_red")},
            "html_url": base + ".html", "pdf_url": base + ".pdf"}


def _check_ended(last: date, now: datetime) -> None:
    if last >= to_shanghai(now).date():
        raise ValidationFailed("统计期尚未结束：日报在次日生成，月报在次月生成", code="period_not_ended")


async def _render(svc: Services, tenant: str, kind: str, period: str, actor: dict) -> dict:
    from backend.reports import supervision_report

    first, last = period_range(kind, period)
    county = await tenants.profile(svc, tenant)
    figures = await gather(svc, tenant, first, last)
    report = {"kind": kind, "kind_label": KINDS[kind], "period": period, "title": _title(county["name"], kind, first),
              "generated_at": svc.now(), "figures": figures}
    html = supervision_report.report_html(report, county)
    pdf = await asyncio.to_thread(supervision_report.report_pdf, report, county)  # seconds of CPU: off the loop
    return {"_id": report_id(tenant, kind, period), "tenant": tenant, "kind": kind, "period": period,
            "from": figures["from"], "to": figures["to"], "title": report["title"], "generated_at": report["generated_at"],
            "generated_by": actor["id"], "generated_by_name": actor.get("name", ""), "figures": figures,
            "html": html, "pdf": pdf, "pdf_bytes": len(pdf)}


async def generate(svc: Services, tenant: str, kind: str, period: str, actor: dict) -> tuple[dict, bool]:
    """The stored report of the period, generated now if missing; True when this call stored it."""
    _, last = period_range(kind, period)
    _check_ended(last, svc.now())
    ident = report_id(tenant, kind, period)
    existing = await svc.db[REPORTS].find_one({"_id": ident}, NO_BODIES)
    if existing:
        return summary_view(existing), False
    doc = await _render(svc, tenant, kind, period, actor)
    try:
        await svc.db[REPORTS].insert_one(doc)
    except DuplicateKeyError:  # another process stored it meanwhile: theirs stands
        return summary_view(await svc.db[REPORTS].find_one({"_id": ident}, NO_BODIES)), False
    await audit.record(svc, tenant, actor["id"], "report.generated", {"report": ident, "kind": kind, "period": period})
    return summary_view(doc), True


async def list_reports(svc: Services, tenant: str, kind: str = "", page: int = 1, page_size: int = 20) -> dict:
    """Stored reports, newest period first (bodies left out)."""
    if kind and kind not in KINDS:
        raise ValidationFailed("报表类型应为 daily（日报）或 monthly（月报）", code="bad_report_kind")
    query = {"tenant": tenant, **({"kind": kind} if kind else {})}
    found = await svc.db[REPORTS].find(query, NO_BODIES).to_list(None)
    found.sort(key=lambda d: (d["period"], d["kind"]), reverse=True)
    start = (page - 1) * page_size
    return {"items": [summary_view(d) for d in found[start:start + page_size]], "total": len(found),
            "page": page, "page_size": page_size}


async def report_body(svc: Services, tenant: str, ident: str, fmt: str) -> tuple[str, bytes | str]:
    """(file name without extension, body) of a stored report in ``fmt`` (html or pdf)."""
    doc = await svc.db[REPORTS].find_one({"_id": ident}, {fmt: 1, "title": 1}) \
        if ident.startswith(f"{tenant}:") and fmt in FORMATS else None
    if doc is None:
        raise NotFound("未找到该报表", code="report_not_found")
    return doc["title"], doc[fmt]


# -- the schedule ----------------------------------------------------------------------------

def due_periods(now: datetime) -> list[tuple[str, str]]:
    """What the schedule must have stored at ``now``: nothing before 01:00, then yesterday and last month."""
    local = to_shanghai(now)
    if local.time() < SCHEDULE_FROM:
        return []
    yesterday = local.date() - timedelta(days=1)
    last_month = local.date().replace(day=1) - timedelta(days=1)
    return [("daily", yesterday.isoformat()), ("monthly", last_month.strftime("%Y-%m"))]


async def run_scheduled(svc: Services, tenant: str) -> list[str]:
    """Store every due report of ``tenant`` that is missing; the ids this call stored."""
    stored = []
    for kind, period in due_periods(svc.now()):
        summary, created = await generate(svc, tenant, kind, period, {"id": SYSTEM, "name": "定时生成"})
        if created:
            stored.append(summary["id"])
    return stored


async def report_task(svc: Services, stop_event: asyncio.Event) -> None:
    """For ``server.BACKGROUND_TASKS``: every 5 minutes, under the lease ``reports``, each county's due reports."""
    await tenants.each_county_under_lease(svc, "reports", INTERVAL_S, run_scheduled, stop_event, log)
