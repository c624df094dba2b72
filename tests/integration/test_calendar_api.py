"""The working calendar over HTTP: status, local days and importing a year's notice, for admins and managers."""

from datetime import date

from backend.services.calendar import load_calendar
from tests.integration.test_case_pipeline import staff

NOTICE_2027 = [
    {"start": "2027-01-01", "end": "2027-01-03", "kind": "放假", "name": "元旦"},
    {"start": "2027-02-05", "end": "2027-02-11", "kind": "放假", "name": "春节"},
    {"start": "2027-02-13", "kind": "上班", "name": "春节"},
    {"start": "2027-10-01", "end": "2027-10-07", "kind": "放假", "name": "国庆节"},
]


async def test_the_status_warns_until_next_years_notice_is_imported(api, seeded):
    manager = await staff(api, "manager")
    before = (await manager.get("/api/v1/calendar/status")).json
    assert before["covered_through"] == 2026 and "2027" in before["provisional_warning"]
    imported = await manager.post("/api/v1/calendar/import", {"year": 2027, "rows": NOTICE_2027})
    assert imported.status == 200 and (imported.json["rows"], imported.json["days"]) == (4, 18)
    after = (await (await staff(api, "supervisor")).get("/api/v1/calendar/status")).json
    assert after == {"covered_through": 2027, "provisional_warning": None}


async def test_a_wrong_row_is_named_and_nothing_of_the_notice_is_written(api, seeded, svc):
    manager = await staff(api, "manager")
    rows = NOTICE_2027[:2] + [{"start": "2027-02-15", "kind": "上班", "name": "春节"}] + NOTICE_2027[3:]
    response = await manager.post("/api/v1/calendar/import", {"year": 2027, "rows": rows})
    assert response.status == 422 and response.error["message"].startswith("第 3 行")
    assert response.error["details"] == {"row": 3}
    overlapping = NOTICE_2027 + [{"start": "2027-10-07", "end": "2027-10-08", "kind": "放假", "name": "重阳"}]
    response = await manager.post("/api/v1/calendar/import", {"year": 2027, "rows": overlapping})
    assert response.status == 422 and "第 5 行与第 4 行日期重叠" in response.error["message"]
    for body in ({"year": 2027, "rows": [{"start": "2027/10/01", "kind": "放假", "name": "国庆节"}]},
                 {"year": 2027, "rows": [{"start": "2026-10-01", "kind": "放假", "name": "国庆节"}]},
                 {"year": "2027", "rows": NOTICE_2027}, {"year": 2027, "rows": "国庆节放假"},
                 {"year": 2027, "rows": []}):
        assert (await manager.post("/api/v1/calendar/import", body)).status == 422, body
    assert await svc.db.calendar_entries.count_documents({"tenant": "ziyang"}) == 0
    assert (await manager.get("/api/v1/calendar/status")).json["covered_through"] == 2026


async def test_a_local_day_off_is_kept_and_needs_a_date_a_choice_and_a_reason(api, seeded, svc):
    admin = await staff(api, "admin")
    added = await admin.post("/api/v1/calendar/days", {"date": "2026-12-01", "working": False, "note": "县庆放假"})
    assert added.status == 200 and (added.json["date"], added.json["working"]) == ("2026-12-01", False)
    assert not (await load_calendar(svc, "ziyang")).is_working_day(date(2026, 12, 1))
    for body, code in (({"date": "2026-12-32", "working": False, "note": "x"}, "invalid_date"),
                       ({"date": "2026-12-02", "note": "停电"}, "calendar_working_required"),
                       ({"date": "2026-12-02", "working": True, "note": " "}, "calendar_note_required")):
        response = await admin.post("/api/v1/calendar/days", body)
        assert (response.status, response.error["code"]) == (422, code)
    audit = [d["action"] async for d in svc.db.audit_log.find({"tenant": "ziyang", "action": {"$regex": "^calendar"}})]
    assert audit == ["calendar.local_day"]


async def test_only_admins_and_centre_managers_change_the_calendar(api, seeded):
    for username in ("supervisor", "clerk_a", "scjgj_a"):
        client = await staff(api, username)
        assert (await client.post("/api/v1/calendar/days", {"date": "2026-12-01", "working": False, "note": "x"})).status == 403
        assert (await client.post("/api/v1/calendar/import", {"year": 2027, "rows": NOTICE_2027})).status == 403
    assert (await (await staff(api, "clerk_a")).get("/api/v1/calendar/status")).status == 403
    assert (await api.as_anonymous().post("/api/v1/calendar/days", {})).status == 401
