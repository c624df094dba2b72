"""The supervision API over HTTP: the live dashboard, cards and their sign-off, violation decisions."""

from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_supervision import PROMISED_1_DAY, TENANT, shanghai, sweep_now
from tests.integration.test_supervision_timers import FIVE_DAYS

MARRIAGE = "结婚登记"  # immediate, decided at the window (mzj, window w02)


async def test_the_dashboard_counts_open_due_soon_overdue_and_paused_cases_as_the_clock_moves(api, seeded, clock):
    await walk_in(api, await staff(api, "clerk_a"), PROMISED_1_DAY)  # Monday: due end of Tuesday
    clock.set(shanghai("2026-11-24 10:00"))
    clerk = await staff(api, "clerk_a")
    await walk_in(api, clerk, FIVE_DAYS)
    paused = (await walk_in(api, clerk, FIVE_DAYS))["number"]
    await (await staff(api, "scjgj_a")).post(f"/api/v1/cases/{paused}/pause", {"kind": "expert_review", "reason": "专家评审"})
    supervisor = await staff(api, "supervisor")
    board = (await supervisor.get("/api/v1/supervision/dashboard")).json
    assert (board["open"], board["due_soon"], board["overdue"], board["suspended"]) == (3, 1, 0, 1)
    clock.set(shanghai("2026-11-25 10:00"))
    supervisor = await staff(api, "supervisor")
    board = (await supervisor.get("/api/v1/supervision/dashboard")).json
    assert (board["open"], board["due_soon"], board["overdue"], board["suspended"]) == (3, 0, 1, 1)
    market = next(row for row in board["departments"] if row["key"] == "scjgj")
    assert (market["name"], market["open"], market["overdue"]) == ("紫阳县市场监督管理局", 3, 1)


async def test_the_dashboard_reports_finished_volume_on_time_rate_and_days_per_department_window_and_staff(api, seeded, clock):
    clerk = await staff(api, "clerk2_a")
    for _ in range(2):
        number = (await walk_in(api, clerk, MARRIAGE))["number"]
        await clerk.post(f"/api/v1/cases/{number}/decide-at-window", {"approve": True})
        await clerk.post(f"/api/v1/cases/{number}/confirm-delivery", {"received_by": "本人"})
    board = (await (await staff(api, "manager")).get("/api/v1/supervision/dashboard?days=7")).json
    assert board["finished"]["finished"] == 2 and board["finished"]["on_time_rate"] == 1.0
    civil = next(row for row in board["departments"] if row["key"] == "mzj")
    assert (civil["finished"], civil["on_time"], civil["avg_used_days"], civil["avg_promised_days"]) == (2, 2, 0, 0)
    window = next(row for row in board["windows"] if row["key"] == "w02")
    assert window["name"] == "社会事务窗口" and window["finished"] == 2
    person = next(row for row in board["staff"] if row["key"] == "ziyang:clerk2_a")
    assert person["name"] == "刘芳" and person["on_time_rate"] == 1.0


async def overdue_cards(api, clock) -> str:
    number = (await walk_in(api, await staff(api, "clerk_a"), PROMISED_1_DAY))["number"]
    clock.set(shanghai("2026-11-25 10:00"))
    await sweep_now(api.app.settings["services"])
    return number


async def test_cards_are_listed_by_level_and_department_and_signed_off_by_their_recipients(api, seeded, clock):
    number = await overdue_cards(api, clock)
    supervisor = await staff(api, "supervisor")
    listed = (await supervisor.get("/api/v1/supervision/cards?level=red&department=scjgj")).json
    assert listed["total"] == 2 and {c["kind_label"] for c in listed["items"]} == {"超期未办结", "审批环节超期"}
    assert (await supervisor.get("/api/v1/supervision/cards?level=yellow")).json["total"] == 0
    card_id = f"{TENANT}:{number}:case:red"
    stranger = await staff(api, "clerk2_a")
    assert (await stranger.post(f"/api/v1/supervision/cards/{card_id}/acknowledge")).status == 403
    assert (await stranger.get("/api/v1/supervision/cards")).status == 403
    signed = await (await staff(api, "scjgj_b")).post(f"/api/v1/supervision/cards/{card_id}/acknowledge")
    assert signed.status == 200 and signed.json["status"] == "acknowledged" and signed.json["acknowledged_by_name"] == "吴婷"
    assert (await supervisor.get("/api/v1/supervision/cards?status=open")).json["total"] == 1
    assert (await api.as_anonymous().get("/api/v1/supervision/cards")).status == 401


async def test_a_supervisor_confirms_or_dismisses_candidates_with_a_reason_and_each_decision_is_audited(api, seeded, clock, svc):
    number = await overdue_cards(api, clock)
    supervisor = await staff(api, "supervisor")
    candidates = (await supervisor.get("/api/v1/supervision/violations?status=candidate")).json
    assert candidates["total"] == 2 and len(candidates["types"]) >= 10
    assert "推诿扯皮" in {t["name"] for t in candidates["types"]}
    case_id, task_id = (f"{TENANT}:{TENANT}:{number}:{scope}:red" for scope in ("case", "task:scjgj"))
    url = "/api/v1/supervision/violations/{}/{}"
    assert (await supervisor.post(url.format(case_id, "confirm"), {"responsible_level": "approver"})).status == 422
    assert (await supervisor.post(url.format(case_id, "confirm"), {"responsible_level": "boss", "reason": "超期"})).status == 422
    manager = await staff(api, "manager")
    assert (await manager.post(url.format(case_id, "confirm"), {"responsible_level": "approver", "reason": "x"})).status == 403
    confirmed = await supervisor.post(url.format(case_id, "confirm"),
                                      {"responsible_level": "approver", "reason": "审批人员无正当理由超期一日"})
    assert confirmed.status == 200 and confirmed.json["status_label"] == "已认定违规"
    assert confirmed.json["responsible_level"] == "approver" and confirmed.json["decided_by"] == "ziyang:supervisor"
    again = await supervisor.post(url.format(case_id, "dismiss"), {"reason": "改判"})
    assert again.status == 409
    dismissed = await supervisor.post(url.format(task_id, "dismiss"), {"reason": "与整件超期为同一事实，合并认定"})
    assert dismissed.json["status"] == "dismissed"
    actions = [d["action"] async for d in svc.db.audit_log.find({"tenant": TENANT, "action": {"$regex": "^violation"}})]
    assert sorted(actions) == ["violation.confirmed", "violation.dismissed"]
    listed = (await manager.get("/api/v1/supervision/violations?status=confirmed")).json
    assert [v["id"] for v in listed["items"]] == [case_id]
