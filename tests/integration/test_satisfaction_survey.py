"""Survey-centre callbacks, results with their two-period flags, publication and the half-yearly summary."""

import io
from datetime import datetime, timezone

import pypdf

from backend.domain import satisfaction as sat
from backend.services import survey as survey_service
from tests.integration.test_case_pipeline import staff, walk_in

WINDOW = "ziyang:clerk2_a"


async def finished_cases(api, count: int) -> list[str]:
    clerk = await staff(api, "clerk2_a")
    numbers = []
    for _ in range(count):
        number = (await walk_in(api, clerk, "结婚登记"))["number"]
        await clerk.post(f"/api/v1/cases/{number}/decide-at-window", {"approve": True})
        await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "本人"})
        numbers.append(number)
    return numbers


async def test_a_sample_is_drawn_per_department_and_window_and_redrawn_identically_from_its_seed(api, seeded, svc):
    numbers = await finished_cases(api, 5)
    caller = await staff(api, "survey")
    assert (await caller.post("/api/v1/satisfaction/samples", {"period": "2026H2", "size": 0})).status == 422
    assert await svc.db.survey_samples.count_documents({}) == 0
    drawn = await caller.post("/api/v1/satisfaction/samples", {"period": "2026H2", "size": 2, "seed": "zy2026"})
    assert drawn.status == 201, drawn.json
    sample = drawn.json
    assert (sample["seed"], sample["size"], sample["population"]) == ("zy2026", 2, 5)
    chosen = [d["number"] for d in sample["drawn"]]
    assert 2 <= len(chosen) <= 4 and set(chosen) <= set(numbers)
    assert all(g.startswith(("department:", "window:")) for d in sample["drawn"] for g in d["groups"])

    again = (await caller.get(f"/api/v1/satisfaction/samples/{sample['id']}/redraw")).json
    assert again["identical"] and again["same_population"]
    population = await survey_service.population(svc, "ziyang", "2026H2")
    assert list(sat.draw_sample(population, 2, "zy2026")) == chosen
    assert list(sat.draw_sample(population, 2, "another-seed")) != chosen or len(population) <= 2

    queue = (await caller.get(f"/api/v1/satisfaction/callbacks?sample={sample['id']}")).json["items"]
    assert sorted(e["number"] for e in queue) == sorted(chosen)
    assert queue[0]["phone_masked"] == "138****1234" and "社情民意调查中心" in queue[0]["script"]


async def test_callbacks_record_each_attempt_the_answer_and_unreachable_after_three_tries(api, seeded, svc):
    numbers = await finished_cases(api, 3)
    caller = await staff(api, "survey")
    sample = (await caller.post("/api/v1/satisfaction/samples", {"period": "2026H2", "size": 3, "seed": "s1"})).json
    first, second = sorted(d["number"] for d in sample["drawn"])[:2]
    base = f"/api/v1/satisfaction/callbacks/{sample['id']}"

    phone = await caller.post(f"{base}/{first}/phone", {})
    assert phone.json["phone"] == "13800001234"
    assert await svc.db.audit_log.count_documents({"action": "survey.phone_shown"}) == 1
    outside = await caller.post(f"{base}/610924-20261123-99999/attempts", {"outcome": "answered", "level": 5})
    assert outside.status == 422 and "不在本次抽样中" in outside.error["message"]
    assert await svc.db.survey_attempts.count_documents({}) == 0 and await svc.db.ratings.count_documents({}) == 0

    answered = await caller.post(f"{base}/{first}/attempts", {"outcome": "answered", "level": 4, "reasons": ["指引清楚"]})
    assert answered.status == 201 and answered.json["result_label"] == "已评价"
    assert (await caller.post(f"{base}/{first}/attempts", {"outcome": "no_answer"})).status == 409
    for n in range(3):
        tried = await caller.post(f"{base}/{second}/attempts", {"outcome": "no_answer"})
    assert tried.json["result"] == "unreachable" and "联系不上" in tried.json["result_label"]
    assert (await caller.post(f"{base}/{second}/attempts", {"outcome": "busy"})).status == 409

    rating = await svc.db.ratings.find_one({"_id": f"ziyang:{first}:survey:{sample['id']}"})
    assert (rating["source"], rating["level"], rating["staff"]) == ("survey", "满意", WINDOW)
    outcomes = (await caller.get(f"/api/v1/satisfaction/samples/{sample['id']}")).json
    assert outcomes["counts"]["answered"] == 1 and outcomes["counts"]["unreachable"] == 1
    left = [e["number"] for e in (await caller.get("/api/v1/satisfaction/callbacks")).json["items"]]
    assert first not in left and second not in left and len(left) == len(numbers) - 2


def _rating(n: int, at: datetime, score: int, staff: str, post: str, department: str = "mzj", **extra) -> dict:
    return {"_id": f"ziyang:610924-{at:%Y%m%d}-{n:05d}:finished", "tenant": "ziyang",
            "number": f"610924-{at:%Y%m%d}-{n:05d}", "stage": "finished", "source": "window", "score": score,
            "level": sat.LEVELS[score], "reasons": [], "text": "", "default": False, "at": at, "post": post,
            "staff": staff, "staff_name": "", "department": department, "township": "", **extra}


async def test_flags_units_under_75_percent_and_staff_under_80_percent_two_periods_running(api, seeded, svc, clock):
    before, now = datetime(2026, 3, 2, 2, tzinfo=timezone.utc), datetime(2026, 11, 2, 2, tzinfo=timezone.utc)
    docs = []
    # 刘芳 (w02): under 80% both half years (75%, then 60%); 王晓燕 (w01): this half year only (75%)
    for period_at, scores_a, scores_b in ((before, [5, 5, 5, 1], [5, 5, 5, 5]), (now, [5, 4, 2, 1], [5, 5, 5, 1])):
        for i, score in enumerate(scores_a):
            docs.append(_rating(i + 1, period_at, score, WINDOW, "w02"))
        for i, score in enumerate(scores_b):
            docs.append(_rating(i + 11, period_at, score, "ziyang:clerk_a", "w01", department="scjgj"))
    docs.append({**_rating(30, now, 1, "", "", department="zwfw"), "_id": "ziyang:610924-20261102-00030",
                 "source": "hotline", "score": None, "level": "非常不满意"})  # a hotline callback: the label only
    docs.append({**_rating(31, now, 4, WINDOW, "w02"), "default": True, "source": "default"})
    await svc.db.ratings.insert_many(docs)
    reader = await staff(api, "survey")
    results = (await reader.get("/api/v1/satisfaction/results?period=2026H2")).json
    assert results["county"]["rated"] == 10 and results["county"]["defaults"] == 1
    assert results["county"]["sources"] == {"default": 1, "hotline": 1, "window": 8}
    staff_flags = {f["code"]: f["kind"] for f in results["flags"] if f["unit_kind"] == "staff"}
    assert staff_flags == {WINDOW: "staff_twice_below", "ziyang:clerk_a": "staff_below"}
    twice = next(f for f in results["flags"] if f["code"] == WINDOW)
    assert "不得提拔" in twice["label"] and twice["name"] == "刘芳" and twice["previous_rate"] == 0.75
    units = {(f["unit_kind"], f["code"]) for f in results["flags"] if f["unit_kind"] != "staff"}
    assert ("department", "zwfw") in units and ("window", "w01") not in units
    w02 = next(w for w in results["windows"] if w["code"] == "w02")
    assert (w02["rate"], w02["assessment"], w02["defaults"]) == (0.6, 6.0, 1)
    assert w02["rate_without_defaults"] == 0.5 and ("window", "w02") in units

    assert (await reader.get("/api/v1/satisfaction/results?period=2026H3")).status == 422
    public = api.as_anonymous()
    assert (await public.get("/api/v1/public/satisfaction?tenant=ziyang")).json["results"] is None
    published = await reader.post("/api/v1/satisfaction/results/2026H2/publish", {})
    assert published.status == 201 and "staff" not in published.json
    assert (await reader.post("/api/v1/satisfaction/results/2026H2/publish", {})).status == 409
    shown = (await public.get("/api/v1/public/satisfaction?tenant=ziyang")).json
    assert shown["results"]["period_label"] == "2026年下半年" and shown["results"]["county"]["rated"] == 10
    assert all(f["unit_kind"] != "staff" for f in shown["results"]["flags"])
    page = await public.get("/m/satisfaction?tenant=ziyang")
    assert page.status == 200 and "2026年下半年" in page.body.decode() and "60%" in page.body.decode()

    early = await reader.post("/api/v1/satisfaction/reports", {"period": "2026H2"})
    assert early.status == 422 and "尚未结束" in early.error["message"]
    clock.set(datetime(2027, 1, 4, 2, tzinfo=timezone.utc))
    reader = await staff(api, "survey")
    made = await reader.post("/api/v1/satisfaction/reports", {"period": "2026H2"})
    assert made.status == 201, made.json
    assert (await reader.post("/api/v1/satisfaction/reports", {"period": "2026H2"})).status == 200
    pdf = await reader.get(made.json["pdf_url"])
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.body)).pages)
    for expected in ("满意度测评报告", "群众评价（五级）", "各窗口满意率", "各部门满意率", "窗口考核得分", "不得提拔", "60%"):
        assert expected in text, expected
    html = (await reader.get(made.json["html_url"])).body.decode()
    assert html.count("<svg") >= 3 and "各窗口满意率" in html


async def test_after_a_half_year_ends_the_schedule_draws_its_sample_and_makes_its_summary_once(api, seeded, svc, clock):
    from backend.services import satisfaction_results

    await finished_cases(api, 2)
    clock.set(datetime(2026, 12, 31, 10, tzinfo=timezone.utc))
    assert await satisfaction_results.run_scheduled(svc, "ziyang") == ["report:2026H1"]  # H1 had no finished case
    clock.set(datetime(2027, 1, 2, 2, tzinfo=timezone.utc))
    assert await satisfaction_results.run_scheduled(svc, "ziyang") == ["sample:2026H2", "report:2026H2"]
    assert await satisfaction_results.run_scheduled(svc, "ziyang") == []
    sample = await svc.db.survey_samples.find_one({"_id": "ziyang:2026H2"})
    assert sample["scheduled"] and sample["population"] == 2 and sample["seed"]
    report = await svc.db.satisfaction_reports.find_one({"_id": "ziyang:2026H2"})
    assert report["pdf"].startswith(b"%PDF") and report["generated_by"] == "system"


async def test_the_county_sets_its_own_rules_and_a_wrong_one_writes_nothing(api, seeded, svc):
    manager = await staff(api, "manager")
    rules = {"stages": {"immediate": ["finished"], "promised": ["finished"], "joint": ["accepted", "finished"],
                        "report_up": ["finished"]}, "window_days": 3, "default_score": 5, "rectify_days": 3,
             "unit_threshold": 0.8, "staff_threshold": 0.85, "sample_size": 20}
    wrong = await manager.put("/api/v1/satisfaction/settings", {**rules, "unit_threshold": 75})
    assert wrong.status == 422 and "单位满意率底线" in wrong.error["message"]
    unknown = await manager.put("/api/v1/satisfaction/settings", {**rules, "stages": {**rules["stages"], "promised": ["paid"]}})
    assert unknown.status == 422
    assert "satisfaction" not in (await svc.db.tenant_settings.find_one({"_id": "ziyang"}) or {})
    saved = await manager.put("/api/v1/satisfaction/settings", rules)
    assert saved.status == 200 and saved.json["window_days"] == 3
    read = (await (await staff(api, "survey")).get("/api/v1/satisfaction/settings")).json
    assert read["stages"]["promised"] == ["finished"] and read["staff_threshold"] == 0.85
    assert (await (await staff(api, "survey")).put("/api/v1/satisfaction/settings", rules)).status == 403
