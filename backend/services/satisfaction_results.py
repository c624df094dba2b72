"""Satisfaction results (满意度结果): figures per window, staff member, department and township, the
consequences, the published results and the half-yearly summary (半年满意度测评报告).

Figures of a half year read the tenant's ``ratings`` (one ``_id`` prefix range; every source: window
pad, mini-program, SMS link, hotline callbacks, survey callbacks and defaults, which every figure
also shows apart) and compare with the previous half year for the two-period rule
(:func:`backend.domain.satisfaction.flags`). Publishing stores a snapshot once per period
(``satisfaction_published/{tenant}:{period}``, units only, no names of staff), which the public page
and API read. The summary (HTML and PDF with charts) is stored once per period
(``satisfaction_reports/{tenant}:{period}``, an insert that decides), on demand or by the schedule
under the lease ``satisfaction``, which also draws the half year's callback sample.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta, timezone

from pymongo.errors import DuplicateKeyError

from backend.domain import satisfaction as sat
from backend.domain.clock import SHANGHAI, to_shanghai
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.services import audit, survey, tenant_config, tenants
from backend.services.context import Services
from backend.store.work import prefix_range

log = logging.getLogger("sunshine.satisfaction")

PUBLISHED = "satisfaction_published"
REPORTS = "satisfaction_reports"
INTERVAL_S = 600.0
NO_BODIES = {"html": 0, "pdf": 0}
FORMATS = ("html", "pdf")


async def period_ratings(svc: Services, tenant: str, period: str) -> list[dict]:
    first, last = sat.period_range(period)
    start = datetime.combine(first, time(0), SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time(0), SHANGHAI)
    docs = await svc.db.ratings.find({"_id": prefix_range(f"{tenant}:")}).to_list(None)
    return [d for d in docs if d.get("at") and start <= _aware(d["at"]) < end]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _names(org: tenant_config.Org) -> dict[str, dict[str, str]]:
    return {"window": {c: p.get("name", c) for c, p in org.posts.items()},
            "department": org.department_names(),
            "township": {c: t.get("name", c) for c, t in org.townships.items()},
            "staff": {i: s.get("name", i) for i, s in org.staff.items()}}


async def results(svc: Services, tenant: str, period: str) -> dict:
    """The figures of ``period`` with the flags (this period against the previous one)."""
    first, _ = sat.period_range(period)
    period = sat.half_year(first)
    org = await tenant_config.org(svc, tenant)
    rules = sat.rules_from(org.settings.get("satisfaction"))
    current = sat.tally(await period_ratings(svc, tenant, period))
    previous = sat.tally(await period_ratings(svc, tenant, sat.previous_period(period)))
    names = _names(org)
    flags = sat.flags(current, previous, rules)
    for flag in flags:
        flag["name"] = names[flag["unit_kind"]].get(flag["code"], flag["code"])
    flagged = {(f["unit_kind"], f["code"]): f for f in flags}
    rows = {}
    for kind in ("window", "department", "township", "staff"):
        rows[kind] = []
        for code, t in sorted(current[kind].items(), key=lambda kv: (-(kv[1].rate or 0), kv[0])):
            row = {"code": code, "name": names[kind].get(code, code), **t.view()}
            if kind == "window":
                row["assessment"] = sat.assessment_score(t.rate)
            if (kind, code) in flagged:
                row["flag"] = flagged[(kind, code)]
            if kind == "staff":
                before = previous["staff"].get(code)
                row["previous_rate"] = before.rate if before else None
            rows[kind].append(row)
    county = current["county"]["all"].view() if "all" in current["county"] else sat.Tally().view()
    return {"period": period, "period_label": sat.period_label(period), "previous_period": sat.previous_period(period),
            "county": county, "windows": rows["window"], "departments": rows["department"],
            "townships": rows["township"], "staff": rows["staff"], "flags": flags,
            "thresholds": {"unit": rules.unit_threshold, "staff": rules.staff_threshold},
            "sources": sat.SOURCES, "levels": list(sat.LEVELS.values())}


def _public(figures: dict) -> dict:
    unit_flags = [f for f in figures["flags"] if f["unit_kind"] != "staff"]
    return {k: figures[k] for k in ("period", "period_label", "county", "windows", "departments", "townships",
                                    "thresholds", "levels")} | {"flags": unit_flags}


async def publish(svc: Services, tenant: str, period: str, principal: dict) -> dict:
    """公布: the period's unit figures, stored once (a second publication of the period is refused)."""
    figures = await results(svc, tenant, period)
    doc = {"_id": f"{tenant}:{figures['period']}", "tenant": tenant, "period": figures["period"],
           "published_at": svc.now(), "published_by": principal["id"], "figures": _public(figures)}
    try:
        await svc.db[PUBLISHED].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"{figures['period_label']}的满意度结果已经公布", code="already_published") from None
    await audit.record(svc, tenant, principal["id"], "satisfaction.published", {"period": figures["period"]})
    return {"period": figures["period"], "published_at": doc["published_at"], **doc["figures"]}


async def published(svc: Services, tenant: str, period: str = "") -> dict:
    """The published results (public): the periods, and the chosen one's figures (the latest by default)."""
    docs = await svc.db[PUBLISHED].find({"_id": prefix_range(f"{tenant}:")}).to_list(None)
    docs.sort(key=lambda d: d["period"], reverse=True)
    periods = [{"period": d["period"], "label": sat.period_label(d["period"])} for d in docs]
    chosen = next((d for d in docs if d["period"] == period.upper()), None) if period else (docs[0] if docs else None)
    if period and chosen is None:
        raise NotFound("该期满意度结果尚未公布", code="not_published")
    county = (await tenant_config.org(svc, tenant)).tenant.get("name", "")
    return {"county": county, "periods": periods,
            "results": {**chosen["figures"], "published_at": chosen["published_at"]} if chosen else None}


# -- the half-yearly summary -------------------------------------------------------------------

def _check_ended(period: str, now: datetime) -> None:
    _, last = sat.period_range(period)
    if last >= to_shanghai(now).date():
        raise ValidationFailed("半年期尚未结束，结束后才能生成测评报告", code="period_not_ended")


def summary_view(doc: dict) -> dict:
    base = f"/api/v1/satisfaction/reports/{doc['period']}"
    county = (doc.get("figures") or {}).get("county", {})
    return {"period": doc["period"], "title": doc["title"], "generated_at": doc["generated_at"],
            "generated_by": doc["generated_by"], "pdf_bytes": doc.get("pdf_bytes", 0),
            "rated": county.get("rated"), "rate": county.get("rate"), "html_url": base + ".html",
            "pdf_url": base + ".pdf"}


async def generate_report(svc: Services, tenant: str, period: str, actor: dict) -> tuple[dict, bool]:
    """The stored summary of the half year, generated now if missing; True when this call stored it."""
    from backend.reports import satisfaction_report

    first, _ = sat.period_range(period)
    period = sat.half_year(first)
    _check_ended(period, svc.now())
    ident = f"{tenant}:{period}"
    existing = await svc.db[REPORTS].find_one({"_id": ident}, NO_BODIES)
    if existing:
        return summary_view(existing), False
    county = await tenants.profile(svc, tenant)
    figures = await results(svc, tenant, period)
    title = f"{county['name']}政务服务满意度测评报告（{figures['period_label']}）"
    report = {"title": title, "generated_at": svc.now(), "figures": figures}
    html = satisfaction_report.report_html(report, county)
    pdf = await asyncio.to_thread(satisfaction_report.report_pdf, report, county)
    doc = {"_id": ident, "tenant": tenant, "period": period, "title": title, "generated_at": report["generated_at"],
           "generated_by": actor["id"], "figures": figures, "html": html, "pdf": pdf, "pdf_bytes": len(pdf)}
    try:
        await svc.db[REPORTS].insert_one(doc)
    except DuplicateKeyError:
        return summary_view(await svc.db[REPORTS].find_one({"_id": ident}, NO_BODIES)), False
    await audit.record(svc, tenant, actor["id"], "satisfaction.report_generated", {"period": period})
    return summary_view(doc), True


async def list_reports(svc: Services, tenant: str) -> dict:
    docs = await svc.db[REPORTS].find({"_id": prefix_range(f"{tenant}:")}, NO_BODIES).to_list(None)
    return {"items": [summary_view(d) for d in sorted(docs, key=lambda d: d["period"], reverse=True)]}


async def report_body(svc: Services, tenant: str, period: str, fmt: str) -> tuple[str, bytes | str]:
    doc = await svc.db[REPORTS].find_one({"_id": f"{tenant}:{period.upper()}"}, {fmt: 1, "title": 1}) \
        if fmt in FORMATS else None
    if doc is None:
        raise NotFound("未找到该期测评报告", code="report_not_found")
    return doc["title"], doc[fmt]


async def run_scheduled(svc: Services, tenant: str) -> list[str]:
    """After a half year ends: its callback sample and its summary, each made once."""
    done = []
    ended = sat.previous_period(sat.half_year(to_shanghai(svc.now()).date()))
    actor = {"id": "system", "name": "定时生成"}
    try:
        _, drawn = await survey.draw(svc, tenant, actor, ended, scheduled=True)
        done += [f"sample:{ended}"] if drawn else []
    except ValidationFailed:
        pass  # nothing finished in that half year
    _, created = await generate_report(svc, tenant, ended, actor)
    return done + ([f"report:{ended}"] if created else [])


async def satisfaction_task(svc: Services, stop_event: asyncio.Event) -> None:
    """For ``server.BACKGROUND_TASKS``: every 10 minutes, under the lease ``satisfaction``, each county's
    half-yearly sample and summary once the half year has ended."""
    await tenants.each_county_under_lease(svc, "satisfaction", INTERVAL_S, run_scheduled, stop_event, log)

