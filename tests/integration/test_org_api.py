"""Managing the organisation over HTTP on the real store: every problem named, nothing deleted, people follow A/B."""

from tests.conftest import ApiClient

APPLICANT = {"name": "张三丰", "id_number": "610924199001011233", "phone": "13800001234"}
PROMISED = "个体工商户设立登记"


async def staff(api, username) -> ApiClient:
    client = api.as_anonymous()
    await client.login(username)
    return client


async def code_of(api, name):
    found = (await api.get(f"/api/v1/items?q={name}&page_size=50")).json["items"]
    return next(i["code"] for i in found if i["name"] == name)


async def walk_in(api, clerk, name):
    response = await clerk.post("/api/v1/cases", {"item_code": await code_of(api, name), "applicant": APPLICANT,
                                                  "accept": True})
    assert response.status == 201, response.json
    return response.json


async def test_an_admin_lists_creates_and_edits_departments_with_chinese_messages(api, seeded):
    admin = await staff(api, "admin")
    listed = (await admin.get("/api/v1/org/departments")).json["items"]
    assert len(listed) == 20 and any(d["code"] == "scjgj" and d["approval_posts"] == ["d-scjgj"] for d in listed)
    created = await admin.post("/api/v1/org/departments", {"code": "tjj", "name": "紫阳县统计局", "duties": "统计调查、统计执法"})
    assert created.status == 201 and created.json["status_label"] == "在用"
    again = await admin.post("/api/v1/org/departments", {"code": "tjj", "name": "紫阳县统计局（重复）"})
    assert again.status == 409 and again.error["message"] == "部门代码「tjj」已存在"
    bad = await admin.post("/api/v1/org/departments", {"code": "tj j", "name": "紫阳县民政局", "active": "yes"})
    assert bad.status == 422 and bad.error["message"] == "部门信息有误：「状态」应为是或否"
    typo = await admin.put("/api/v1/org/departments/tjj", {"nmae": "统计局"})
    assert typo.status == 422 and typo.error["message"] == "部门信息有误：不认识的字段：nmae"
    clash = await admin.post("/api/v1/org/departments", {"code": "tj2", "name": "紫阳县民政局"})
    assert clash.status == 422 and clash.error["code"] == "org_invalid"
    assert clash.error["details"]["problems"][0]["message"] == "部门名称「紫阳县民政局」重复"


async def test_a_post_without_an_a_holder_and_a_centre_for_an_unknown_township_are_refused(api, seeded):
    manager = await staff(api, "manager")
    post = await manager.post("/api/v1/org/posts", {"code": "w06", "name": "工程建设窗口", "kind": "window",
                                                     "centre": "county", "departments": ["zjj", "nowhere"]})
    assert post.status == 422
    assert post.error["message"] == ("机构设置有误：岗位「工程建设窗口」（w06）：部门「nowhere」不存在；"
                                     "岗位「工程建设窗口」（w06）没有 A 岗人员")
    centre = await manager.post("/api/v1/org/centres", {"code": "xinhua", "name": "新华镇便民服务中心",
                                                         "level": "township"})
    assert centre.status == 422 and "乡镇「xinhua」不存在" in centre.error["message"]
    assert (await manager.get("/api/v1/org/posts/w06")).status == 404


async def test_staff_may_not_point_at_another_countys_department(api, seeded, svc):
    await svc.db.departments.insert_one({"_id": "hanbin:hbzj", "tenant": "hanbin", "code": "hbzj", "name": "汉滨区住建局"})
    admin = await staff(api, "admin")
    response = await admin.post("/api/v1/staff", {"username": "hb_user", "password": "long-enough-1", "name": "外县人员",
                                                  "roles": ["dept_approver"], "department": "hbzj"})
    assert response.status == 422 and "人员「外县人员」（hb_user）：部门「hbzj」不存在" in response.error["message"]
    province_role = await admin.post("/api/v1/staff", {"username": "sx", "password": "long-enough-1", "name": "省里",
                                                       "roles": ["province_supervisor"]})
    assert province_role.status == 422 and "未知角色" in province_role.error["message"]
    assert await svc.db.staff.count_documents({"_id": {"$in": ["ziyang:hb_user", "ziyang:sx"]}}) == 0


async def test_deactivating_what_open_work_points_at_is_refused_naming_the_work_until_it_is_done(api, seeded):
    clerk, approver, admin = await staff(api, "clerk_a"), await staff(api, "scjgj_a"), await staff(api, "admin")
    number = (await walk_in(api, clerk, PROMISED))["number"]
    post = await admin.post("/api/v1/org/posts/d-scjgj/deactivate")
    assert post.status == 422 and number in post.error["message"] and "未办结的审批任务" in post.error["message"]
    department = await admin.post("/api/v1/org/departments/scjgj/deactivate")
    assert department.status == 422 and number in department.error["message"]
    assert "已发布事项" in department.error["message"]
    assert (await approver.post(f"/api/v1/cases/{number}/approve", {})).json["state"] == "approved"
    done = await admin.post("/api/v1/org/posts/d-scjgj/deactivate")
    assert done.status == 200 and done.json["active"] is False and done.json["status_label"] == "已停用"
    assert (await admin.get("/api/v1/org/posts/d-scjgj")).json["code"] == "d-scjgj"  # deactivated, not deleted
    assert (await admin.post("/api/v1/org/posts/d-scjgj/activate")).json["active"] is True


async def test_a_rename_keeps_the_former_name_in_the_history(api, seeded):
    admin = await staff(api, "admin")
    renamed = await admin.put("/api/v1/org/departments/lyj", {"name": "紫阳县林业和草原局"})
    assert renamed.status == 200 and renamed.json["former_names"] == ["紫阳县林业局"]
    detail = (await admin.get("/api/v1/org/departments/lyj")).json
    assert [(h["before"] or {}).get("name") for h in detail["history"]] == [None, "紫阳县林业局"]
    assert detail["history"][-1]["after"]["name"] == "紫阳县林业和草原局"
    names = {d["code"]: d["name"] for d in (await admin.get("/api/v1/tenant")).json["departments"]}
    assert names["lyj"] == "紫阳县林业和草原局"


async def test_moving_a_person_between_posts_hands_their_open_tasks_to_whoever_covers(api, seeded):
    clerk, manager = await staff(api, "clerk_a"), await staff(api, "manager")
    number = (await walk_in(api, clerk, PROMISED))["number"]
    assert (await clerk.get(f"/api/v1/cases/{number}")).json["tasks"][0]["assignee"] == "ziyang:scjgj_a"
    moved = await manager.put("/api/v1/org/posts/d-scjgj/holders", {"slot": "A", "username": "scjgj_b"})
    assert moved.status == 200
    assert moved.json["holders"] == {"A": {"username": "scjgj_b", "name": "吴婷"}, "B": None}
    case = (await clerk.get(f"/api/v1/cases/{number}")).json
    assert case["tasks"][0]["assignee"] == "ziyang:scjgj_b" and case["timeline"][-1]["reason"] == "人员调岗移交"
    former = await staff(api, "scjgj_a")
    assert (await former.post(f"/api/v1/cases/{number}/approve", {})).status == 403
    assert (await (await staff(api, "scjgj_b")).post(f"/api/v1/cases/{number}/approve", {})).json["state"] == "approved"
    people = {s["username"]: s for s in (await manager.get("/api/v1/org/staff")).json["items"]}
    assert people["scjgj_a"]["post"] is None and people["scjgj_b"]["post"] == {"code": "d-scjgj", "name": "紫阳县市场监督管理局审批岗", "slot": "A"}
    empty = await manager.put("/api/v1/org/posts/w02/holders", {"slot": "A", "username": ""})
    assert empty.status == 422 and "没有 A 岗人员" in empty.error["message"]


async def test_a_centre_accepts_only_the_items_it_lists(api, seeded):
    clerk, admin = await staff(api, "clerk_a"), await staff(api, "admin")
    allowed = await code_of(api, PROMISED)
    unknown = await admin.put("/api/v1/org/centres/county", {"items": [allowed, "NO-SUCH-ITEM"]})
    assert unknown.status == 422 and "NO-SUCH-ITEM" in unknown.error["message"]
    assert (await admin.put("/api/v1/org/centres/county", {"items": [allowed]})).status == 200
    refused = await clerk.post("/api/v1/cases", {"item_code": await code_of(api, "结婚登记"), "applicant": APPLICANT,
                                                 "accept": True})
    assert refused.status == 403 and refused.error["message"] == "紫阳县政务服务中心不受理该事项"
    assert (await walk_in(api, clerk, PROMISED))["state"] == "in_review"


async def test_only_managers_see_the_organisation_and_only_admins_import(api, seeded):
    clerk, manager = await staff(api, "clerk_a"), await staff(api, "manager")
    assert (await clerk.get("/api/v1/org/departments")).status == 403
    assert (await manager.get("/api/v1/org/profile")).json["area_code"] == "610924"
    upload = await manager.request("POST", "/api/v1/org/import", raw=b"PK..", headers={"Content-Type": "application/octet-stream"})
    assert upload.status == 403
    template = await manager.get("/api/v1/org/template.xlsx")
    assert template.status == 200 and template.body.startswith(b"PK")
