"""What the applicant is told over HTTP: a supplement asked during review, and report-up cases in plain words."""

from backend.services import notifications
from tests.integration.test_case_pipeline import APPLICANT, ITEMS, labels, staff, walk_in

REVIEW_LIST = ["经营场所房屋租赁合同原件"]


async def progress(api, case) -> dict:
    response = await api.as_anonymous().get(f"/api/v1/cases/{case['number']}/progress?code={case['query_code']}")
    assert response.status == 200, response.json
    return response.json


async def notices(svc, number) -> list[dict]:
    found = await notifications.queued_for(svc, "ziyang", number)
    return sorted(found, key=lambda n: n["event_seq"])


# -- 上报件: the citizen is never told 准予办理 before the higher authority replies ---------------------

async def test_a_report_up_case_tells_the_citizen_each_part_in_plain_words(api, seeded, svc):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "zrzyj_a")
    case = await walk_in(api, clerk, ITEMS["report_up"])
    number = case["number"]
    await approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "县级初审同意"})
    county = await progress(api, case)
    assert county["state_label"] == "县级审核通过，已报上级" and county["outcome"] == ""
    assert "准予办理" not in str(county)
    staff_view = (await clerk.get(f"/api/v1/cases/{number}")).json
    assert staff_view["state_label"] == "县级审核通过，待报送上级"  # staff see what is left to do
    await approver.post(f"/api/v1/cases/{number}/forward", {})
    upstairs = await progress(api, case)
    assert upstairs["state_label"] == "上级审批中" and "准予办理" not in str(upstairs)
    before_reply = [n["params"] for n in await notices(svc, number)]
    assert before_reply and "准予" not in str(before_reply)
    assert {"state": "上级审批中"}.items() <= before_reply[-1].items() and "已报" in before_reply[-1]["note"]
    await approver.post(f"/api/v1/cases/{number}/record-reply", {"approved": True, "reference": "安自然资发〔2026〕12号"})
    replied = await progress(api, case)
    assert replied["state_label"] == "上级已批复" and replied["outcome"] == "approved"
    assert replied["timeline"][-1]["label"] == "上级已批复（准予）"
    last = (await notices(svc, number))[-1]["params"]
    assert last["state"] == "上级已批复" and last["note"].startswith("上级准予办理")


async def test_an_ordinary_case_still_reads_approved(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    case = await walk_in(api, clerk, ITEMS["promised"])
    await approver.post(f"/api/v1/cases/{case['number']}/approve", {})
    assert (await progress(api, case))["state_label"] == "准予办理"


# -- 审查中补正: once per case, by the deciding department, the clock stopped meanwhile ------------------

async def test_the_deciding_department_asks_once_during_review_and_review_resumes(api, seeded, svc, clock):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    case = await walk_in(api, clerk, ITEMS["promised"])
    number, due_before = case["number"], case["due_at"]
    asked = await approver.post(f"/api/v1/cases/{number}/review-supplement",
                                {"materials": REVIEW_LIST, "reason": "租赁合同为复印件，须核对原件"})
    assert asked.status == 200, asked.json
    assert asked.json["state"] == "review_supplement" and asked.json["missing_materials"] == REVIEW_LIST
    assert asked.json["due_at"] is None and asked.json["pauses"][-1]["kind_label"] == "审查中补正"
    waiting = await progress(api, case)
    assert waiting["state_label"] == "审查中待补正" and waiting["missing_materials"] == REVIEW_LIST
    told = (await notices(svc, number))[-1]
    assert told["template"] == "supplement" and REVIEW_LIST[0] in told["params"]["note"]
    early = await approver.post(f"/api/v1/cases/{number}/approve", {})
    assert early.status == 409
    clock.advance(days=1)  # the applicant answers the next day: that working day is not counted
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")  # sessions of a new day
    back = await clerk.post(f"/api/v1/cases/{number}/resubmit",
                            {"note": "已补交原件", "materials": [{"name": REVIEW_LIST[0], "copies": 1}]})
    assert back.status == 200, back.json
    assert back.json["state"] == "in_review" and back.json["due_at"] > due_before
    assert any(m["name"] == REVIEW_LIST[0] and m.get("supplement") for m in back.json["materials"])
    again = await approver.post(f"/api/v1/cases/{number}/review-supplement", {"materials": ["照片"], "reason": "还缺"})
    assert again.status == 409 and again.error["code"] == "supplement_not_one_time"
    done = await approver.post(f"/api/v1/cases/{number}/approve", {})
    assert done.json["state"] == "approved"
    assert labels(done.json)[3:6] == ["审查中一次性告知补正", "补正后重新提交", "部门审批同意"]


async def test_only_the_deciding_department_may_ask_during_review(api, seeded):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    body = {"materials": REVIEW_LIST, "reason": "缺原件"}
    by_clerk = await clerk.post(f"/api/v1/cases/{number}/review-supplement", body)
    assert by_clerk.status == 403
    other = await (await staff(api, "mzj_a")).post(f"/api/v1/cases/{number}/review-supplement", body)
    assert other.status == 403
    window_way = await clerk.post(f"/api/v1/cases/{number}/supplement", body)
    assert window_way.status == 409  # the window's notice is for before acceptance


async def test_a_review_supplement_needs_its_list_and_reason(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    number = (await walk_in(api, clerk, ITEMS["promised"]))["number"]
    no_reason = await approver.post(f"/api/v1/cases/{number}/review-supplement", {"materials": REVIEW_LIST})
    assert no_reason.status == 422 and "理由" in no_reason.error["message"]
    not_a_list = await approver.post(f"/api/v1/cases/{number}/review-supplement", {"materials": "照片", "reason": "缺"})
    assert not_a_list.status == 422 and "材料" in not_a_list.error["message"]
    assert APPLICANT["name"]
