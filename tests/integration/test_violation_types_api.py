"""A county's violation types over HTTP: the 32-kind sample until it saves its own, and red cards using them."""

from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_supervision import PROMISED_1_DAY, TENANT, shanghai, sweep_now

URL = "/api/v1/supervision/violation-types"


async def test_the_sample_list_is_shown_as_sample_data_with_its_levels(api, seeded):
    view = (await (await staff(api, "manager")).get(URL)).json
    assert view["sample"] is True and view["total"] == 32 and "示例数据" in view["note"]
    assert [(lvl["label"], lvl["count"]) for lvl in view["levels"]] == [
        ("审批部门", 8), ("部门负责人", 8), ("审批人员", 8), ("窗口工作人员", 8)]
    overdue = next(t for t in view["types"] if t["code"] == "overdue")
    assert overdue["level_label"] == "审批部门" and overdue["card_kind_labels"] == ["超期未办结"]
    assert {k["code"] for k in view["card_kinds"]} >= {"overdue", "step_overdue", "acceptance_waiting"}


async def test_a_supervisor_saves_the_countys_own_list_and_managers_only_read_it(api, seeded, svc):
    supervisor, manager = await staff(api, "supervisor"), await staff(api, "manager")
    types = (await supervisor.get(URL)).json["types"]
    mine = [{k: t[k] for k in ("code", "name", "level", "description", "card_kinds")} for t in types]
    mine[0]["name"] = "超期未办结（本县）"
    mine.append({"code": "seal_misuse", "name": "违规使用审批专用章", "level": "department", "card_kinds": []})
    assert (await manager.put(URL, {"types": mine})).status == 403
    saved = await supervisor.put(URL, {"types": mine})
    assert saved.status == 200 and saved.json["sample"] is False and saved.json["total"] == 33
    again = (await manager.get(URL)).json
    assert again["types"][0]["name"] == "超期未办结（本县）" and again["note"] == "" and again["updated_by"]
    assert await svc.db.audit_log.count_documents({"tenant": TENANT, "action": "violation_types.saved"}) == 1


async def test_a_bad_list_is_refused_whole_with_a_chinese_message(api, seeded):
    supervisor = await staff(api, "supervisor")
    bad = await supervisor.put(URL, {"types": [{"code": "x1", "name": "只有一种", "level": "approver"}]})
    assert bad.status == 422 and "每个责任层级" in bad.error["message"]
    assert (await supervisor.get(URL)).json["sample"] is True  # nothing was written


async def test_a_red_card_opens_its_candidate_with_the_countys_type_and_the_level_must_match(api, seeded, svc, clock):
    supervisor = await staff(api, "supervisor")
    types = [{k: t[k] for k in ("code", "name", "level", "description", "card_kinds")}
             for t in (await supervisor.get(URL)).json["types"]]
    types = [{**t, "card_kinds": [k for k in t["card_kinds"] if k != "overdue"]} for t in types]
    types.append({"code": "late_case", "name": "办件逾期（本县定义）", "level": "department", "card_kinds": ["overdue"]})
    assert (await supervisor.put(URL, {"types": types})).status == 200
    number = (await walk_in(api, await staff(api, "clerk_a"), PROMISED_1_DAY))["number"]
    clock.set(shanghai("2026-11-25 10:00"))
    await sweep_now(svc)
    candidate = await svc.db.violations.find_one({"_id": f"{TENANT}:{TENANT}:{number}:case:red"})
    assert (candidate["type"], candidate["type_name"], candidate["type_level"]) == ("late_case", "办件逾期（本县定义）", "department")
    supervisor = await staff(api, "supervisor")  # a session of the new day
    url = f"/api/v1/supervision/violations/{TENANT}:{TENANT}:{number}:case:red/confirm"
    mismatch = await supervisor.post(url, {"responsible_level": "approver", "type": "late_case", "reason": "审批拖延"})
    assert mismatch.status == 422 and "层级" in mismatch.error["message"]
    done = await supervisor.post(url, {"responsible_level": "approver", "type": "step_overdue", "reason": "审批拖延"})
    assert done.status == 200 and done.json["type_name"] == "审批环节超期"
