"""Supervision reports (监察日报/月报) on the real store: the figures, HTML and PDF, stored once each."""

import asyncio
import io

import pypdf

from backend.services import reports
from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_hotline_pipeline import act, register
from tests.integration.test_supervision import PROMISED_1_DAY, TENANT, shanghai, sweep_now
from tests.integration.test_supervision_timers import FIVE_DAYS

MARRIAGE = "结婚登记"  # immediate, mzj


async def finish(api, number, approver="scjgj_a"):
    await (await staff(api, approver)).post(f"/api/v1/cases/{number}/approve", {"opinion": "同意"})
    done = await (await staff(api, "clerk_a")).post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "本人"})
    assert done.json["state"] == "delivered", done.json


async def rated_consultation(api, satisfaction):
    operator = await staff(api, "operator")
    number = (await register(operator, type="consult", content="请问县政务服务中心周末开不开门？"))["number"]
    await act(operator, number, "answer", {"source": "article", "id": "kb-hours"})
    await act(operator, number, "callback", {"satisfaction": satisfaction})


async def rated_complaint(api, department, satisfaction):
    operator, unit = await staff(api, "operator"), await staff(api, f"{department}_a")
    number = (await register(operator))["number"]
    await act(operator, number, "dispatch", {"department": department})
    await act(unit, number, "reply", {"text": "已现场核实处理"})
    await act(operator, number, "accept-reply", {})
    await act(operator, number, "callback", {"satisfaction": satisfaction})


async def a_wednesday_of_work(api, clock) -> dict:
    """Monday: two scjgj cases and an unhappy caller. Wednesday: one finished late, one on time, a
    marriage registered at the window, a new case left open, red cards, three ratings."""
    clerk = await staff(api, "clerk_a")
    late = (await walk_in(api, clerk, PROMISED_1_DAY))["number"]  # due end of Tuesday
    on_time = (await walk_in(api, clerk, FIVE_DAYS))["number"]
    await rated_consultation(api, "非常不满意")  # Monday: not in Wednesday's report
    clock.set(shanghai("2026-11-25 10:00"))
    await sweep_now(api.app.settings["services"])  # red: the late case and its department step
    await finish(api, late)
    await finish(api, on_time)
    window = await staff(api, "clerk2_a")
    marriage = (await walk_in(api, window, MARRIAGE))["number"]
    await window.post(f"/api/v1/cases/{marriage}/decide-at-window", {"approve": True})
    await window.post(f"/api/v1/cases/{marriage}/confirm-delivery", {"received_by": "本人"})
    still_open = (await walk_in(api, await staff(api, "clerk_a"), PROMISED_1_DAY))["number"]
    await rated_consultation(api, "非常满意")
    await rated_consultation(api, "不满意")
    await rated_complaint(api, "scjgj", "满意")
    return {"late": late, "on_time": on_time, "marriage": marriage, "open": still_open}


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


async def test_a_daily_report_counts_received_finished_on_time_late_ratings_and_cards(api, seeded, clock):
    await a_wednesday_of_work(api, clock)
    clock.set(shanghai("2026-11-26 08:00"))
    supervisor = await staff(api, "supervisor")
    made = await supervisor.post("/api/v1/supervision/reports", {"kind": "daily", "period": "2026-11-25"})
    assert made.status == 201 and made.json["id"] == f"{TENANT}:daily:2026-11-25"
    report = (await api.app.settings["services"].db.supervision_reports.find_one({"_id": made.json["id"]}))["figures"]
    county = report["county"]
    received, completed, finished, on_time = 2, 1, 3, 2  # marriage + open case; late + on time + marriage
    assert (county["received"], county["completed"], county["completion_rate"]) == (received, completed, completed / received)
    assert (county["finished"], county["counted"], county["on_time"], county["late"]) == (finished, finished, on_time, 1)
    assert county["on_time_rate"] == round(on_time / finished, 4)
    assert county["satisfaction"] == {"非常满意": 1, "满意": 1, "基本满意": 0, "不满意": 1, "非常不满意": 0}
    assert (county["rated"], county["satisfied"], county["satisfied_share"]) == (3, 2, round(2 / 3, 4))
    assert (county["cards_red"], county["cards_yellow"]) == (2, 0)
    market = next(r for r in report["departments"] if r["code"] == "scjgj")
    assert (market["name"], market["received"], market["finished"], market["on_time"], market["late"]) == (
        "紫阳县市场监督管理局", 1, 2, 1, 1)
    assert market["avg_promised_days"] == (1 + 5) / 2 and market["cards_red"] == 2
    assert (market["satisfaction"]["满意"], market["satisfied_share"]) == (1, 1.0)
    civil = next(r for r in report["departments"] if r["code"] == "mzj")
    assert (civil["received"], civil["completion_rate"], civil["on_time_rate"], civil["avg_used_days"]) == (1, 1.0, 1.0, 0)


async def test_the_report_is_served_as_html_and_as_a_pdf_naming_the_county(api, seeded, clock):
    await a_wednesday_of_work(api, clock)
    clock.set(shanghai("2026-11-26 08:00"))
    manager = await staff(api, "manager")
    made = (await manager.post("/api/v1/supervision/reports", {"kind": "daily", "period": "2026-11-25"})).json
    page = await manager.get(made["html_url"])
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.body.decode()
    assert "紫阳县政务服务电子监察日报（2026年11月25日）" in html and "66.7%" in html and "<svg" in html
    pdf = await manager.get(made["pdf_url"])
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF")
    text = pdf_text(pdf.body)
    assert "紫阳县" in text and "紫阳县市场监督管理局" in text and "66.7%" in text
    listed = (await manager.get("/api/v1/supervision/reports")).json
    assert [r["id"] for r in listed["items"]] == [made["id"]] and listed["items"][0]["county"]["finished"] == 3
    assert (await (await staff(api, "clerk_a")).get(made["pdf_url"])).status == 403
    assert (await manager.get(f"/api/v1/supervision/reports/{TENANT}:daily:2026-11-24.pdf")).status == 404


async def test_asking_again_returns_the_stored_report_and_unfinished_or_malformed_periods_are_refused(api, seeded, clock):
    clock.set(shanghai("2026-11-26 08:00"))
    supervisor = await staff(api, "supervisor")
    first = await supervisor.post("/api/v1/supervision/reports", {"kind": "daily", "period": "2026-11-25"})
    again = await supervisor.post("/api/v1/supervision/reports", {"kind": "daily", "period": "2026-11-25"})
    assert (first.status, again.status) == (201, 200) and again.json["generated_at"] == first.json["generated_at"]
    today = await supervisor.post("/api/v1/supervision/reports", {"kind": "daily", "period": "2026-11-26"})
    assert today.status == 422 and today.error["code"] == "period_not_ended"
    month = await supervisor.post("/api/v1/supervision/reports", {"kind": "monthly", "period": "2026-11"})
    assert month.status == 422 and month.error["code"] == "period_not_ended"
    for body in ({"kind": "daily", "period": "2026-11"}, {"kind": "monthly", "period": "2026-13"},
                 {"kind": "weekly", "period": "2026-11-25"}):
        response = await supervisor.post("/api/v1/supervision/reports", body)
        assert response.status == 422, body
    assert (await (await staff(api, "clerk_a")).post("/api/v1/supervision/reports",
                                                     {"kind": "daily", "period": "2026-11-25"})).status == 403


async def test_the_schedule_stores_yesterday_and_last_month_once_even_when_run_twice_at_once(api, seeded, clock, svc):
    await a_wednesday_of_work(api, clock)
    clock.set(shanghai("2026-12-01 00:30"))
    assert await reports.run_scheduled(svc, TENANT) == []  # before 01:00 nothing is due
    clock.set(shanghai("2026-12-01 01:05"))
    first, second = await asyncio.gather(reports.run_scheduled(svc, TENANT), reports.run_scheduled(svc, TENANT))
    expected = {f"{TENANT}:daily:2026-11-30", f"{TENANT}:monthly:2026-11"}
    assert sorted(first + second) == sorted(expected)  # each stored by exactly one of the two runs
    assert await reports.run_scheduled(svc, TENANT) == []
    stored = {d["_id"]: d async for d in svc.db.supervision_reports.find({"tenant": TENANT})}
    assert set(stored) == expected
    month = stored[f"{TENANT}:monthly:2026-11"]["figures"]["county"]
    received, finished = 4, 3
    assert (month["received"], month["finished"], month["completion_rate"]) == (received, finished, finished / received)
    assert month["rated"] == 4 and month["satisfied_share"] == round(2 / 4, 4)
    assert stored[f"{TENANT}:monthly:2026-11"]["pdf"].startswith(b"%PDF")
    audit = [d async for d in svc.db.audit_log.find({"tenant": TENANT, "action": "report.generated"})]
    assert len(audit) == 2 and {d["actor"] for d in audit} == {"system"}


async def test_the_volume_trend_counts_received_and_finished_per_day(api, seeded, clock):
    await a_wednesday_of_work(api, clock)
    trend = (await (await staff(api, "supervisor")).get("/api/v1/supervision/trend?days=3")).json
    assert (trend["from"], trend["to"]) == ("2026-11-23", "2026-11-25")
    assert [(d["day"], d["received"], d["finished"]) for d in trend["days"]] == [
        ("2026-11-23", 2, 0), ("2026-11-24", 0, 0), ("2026-11-25", 2, 3)]
