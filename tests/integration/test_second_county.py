"""A second county from zero, beside the sample, with the documented sequence (docs/getting-started.md):
create-admin, import-org from the blank template, import-items, accept a first case; then every kind of
case, a hotline ticket on its own routing, and a province that sees both counties' figures only."""

import asyncio
import subprocess
import sys
from datetime import datetime

import pytest

from backend.config import PROJECT_ROOT
from backend.domain.clock import to_shanghai
from tests import second_county as hanyin
from tests.conftest import ApiClient, backend_env

APPLICANT = {"name": "沈万三", "id_number": "610924199001011233", "phone": "13800001234"}


async def cli(store_uri, database_name, *args, **env):
    full = backend_env(MONGODB_URI=store_uri, SUNSHINE_DB=database_name, **env)
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "backend", *args], cwd=PROJECT_ROOT,
                                   env=full, capture_output=True, text=True, timeout=300)


@pytest.fixture
async def two_counties(api, seeded, svc, tmp_path):
    """Ziyang (the sample) and Hanyin from the blank template and a power-list workbook, and their province."""
    await hanyin.set_up(svc, tmp_path)


async def person(api, username, tenant="hanyin", password=hanyin.PASSWORD) -> ApiClient:
    client = api.as_anonymous()
    await client.login(username, password, tenant)
    return client


async def code_of(client, name, tenant):
    found = (await client.get(f"/api/v1/items?q={name}&tenant={tenant}&page_size=50")).json["items"]
    return next(i["code"] for i in found if i["name"] == name)


async def walk_in(api, clerk, name, tenant="hanyin", **extra):
    body = {"item_code": await code_of(api, name, tenant), "applicant": APPLICANT, "accept": True, **extra}
    response = await clerk.post("/api/v1/cases", body)
    assert response.status == 201, response.json
    return response.json


async def act(client, number, action, body=None):
    response = await client.post(f"/api/v1/cases/{number}/{action}", body or {})
    assert response.status == 200, response.json
    return response.json


async def test_a_new_county_goes_from_zero_to_its_first_case_with_the_documented_commands(
        api, seeded, store_uri, database_name, tmp_path):
    env = {"HANYIN_PW": hanyin.PASSWORD}
    admin = await cli(store_uri, database_name, "create-admin", "--tenant", "hanyin", "--tenant-name", "汉阴县",
                      "--password-env", "HANYIN_PW", **env)
    assert admin.returncode == 0 and "已创建管理员 admin（县区 hanyin）" in admin.stdout, admin.stderr
    org = await cli(store_uri, database_name, "import-org", str(hanyin.write_org_workbook(tmp_path / "机构.xlsx")),
                    "--tenant", "hanyin", "--password-env", "HANYIN_PW", **env)
    assert org.returncode == 0, org.stderr
    assert "部门 新增 6、更新 0" in org.stdout and "人员 新增 11" in org.stdout
    assert "6/6 100%" in org.stderr and "█" in org.stderr
    items = await cli(store_uri, database_name, "import-items", str(hanyin.write_items_workbook(tmp_path / "清单.xlsx")),
                      "--tenant", "hanyin")
    assert items.returncode == 0 and "新增 4 项" in items.stdout, items.stderr
    province = await cli(store_uri, database_name, "create-province", "--code", "shaanxi", "--name", "陕西省",
                         "--username", "sx_supervisor", "--password-env", "HANYIN_PW", **env)
    assert province.returncode == 0 and "sx_supervisor" in province.stdout, province.stderr
    first = await walk_in(api, await person(api, "clerk"), "个体工商户设立登记")
    assert first["number"] == f"{hanyin.AREA_CODE}-20261123-00001" and first["state"] == "in_review"


async def test_the_second_county_accepts_and_decides_all_four_kinds_on_its_own_number_and_clock(api, two_counties):
    clerk = await person(api, "clerk")
    promised = await walk_in(api, clerk, "个体工商户设立登记")
    assert promised["number"].startswith(f"{hanyin.AREA_CODE}-") and promised["tasks"][0]["department"] == "hyscj"
    due = to_shanghai(datetime.fromisoformat(promised["due_at"]))
    assert due.strftime("%H:%M") == "17:30"  # its own closing time; the sample county counts to 24:00
    assert (await act(await person(api, "hyscj_a"), promised["number"], "approve"))["state"] == "approved"
    assert (await act(clerk, promised["number"], "confirm-delivery", {"received_by": "沈万三"}))["state"] == "delivered"

    immediate = await walk_in(api, clerk, "结婚登记")
    assert (await act(clerk, immediate["number"], "decide-at-window", {"approve": True}))["state"] == "approved"

    joint = await walk_in(api, clerk, "开办餐饮店一件事")
    assert sorted(t["department"] for t in joint["tasks"]) == ["hyhb", "hyscj", "hyzj"]
    for approver in ("hyscj_a", "hyzj_a", "hyhb_a"):
        last = await act(await person(api, approver), joint["number"], "approve")
    assert last["state"] == "approved"

    report_up = await walk_in(api, clerk, "采矿权新立登记", delivery={"method": "post", "address": "汉阴县城关镇1号"})
    land = await person(api, "hyzr_a")
    await act(land, report_up["number"], "approve", {"opinion": "县级初审同意"})
    assert (await act(land, report_up["number"], "forward"))["state"] == "forwarded"
    replied = await act(land, report_up["number"], "record-reply", {"approved": True, "reference": "安自然资发〔2026〕3号"})
    assert replied["state"] == "reply_recorded"

    ziyang = await walk_in(api, await person(api, "clerk_a", "ziyang", "sunshine365"), "个体工商户设立登记", "ziyang")
    assert ziyang["number"].startswith("610924-") and to_shanghai(datetime.fromisoformat(ziyang["due_at"])).hour == 0


async def test_a_hotline_ticket_is_routed_by_the_second_countys_own_duties(api, two_counties):
    operator = await person(api, "operator")
    ticket = await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": "13800005678", "type": "complaint", "channel": "phone", "township": "chengguan",
        "content": "城关镇五一村路口饭店油烟直排，还有噪声，晚上没法睡觉"})
    assert ticket.status == 201, ticket.json
    number = ticket.json["number"]
    assert number.startswith(f"{hanyin.AREA_CODE}-") and ticket.json["suggestion"]["department"] == "hyhb"
    sent = await operator.post(f"/api/v1/hotline/tickets/{number}/dispatch", {"department": "hyhb"})
    assert sent.json["target"]["name"] == "汉阴县生态环境局"
    ecology = await person(api, "hyhb_a")
    assert [e["number"] for e in (await ecology.get("/api/v1/hotline/queue")).json["entries"]] == [number]
    assert (await ecology.post(f"/api/v1/hotline/tickets/{number}/reply", {"text": "已责令安装油烟净化器"})).status == 200
    for step, body in (("accept-reply", {}), ("callback", {"satisfaction": "满意"}), ("close", {})):
        assert (await operator.post(f"/api/v1/hotline/tickets/{number}/{step}", body)).status == 200
    ziyang_operator = await person(api, "operator", "ziyang", "sunshine365")
    assert (await ziyang_operator.get(f"/api/v1/hotline/tickets/{number}")).status == 404
    wrong = await operator.post("/api/v1/hotline/tickets", {"caller_phone": "13800005678", "type": "consult",
                                                            "content": "问", "township": "haoping"})
    assert wrong.status == 422 and wrong.error["code"] == "unknown_township"  # a Ziyang township


async def test_neither_county_sees_the_others_data_and_the_province_sees_figures_only(api, two_counties):
    hy_clerk, zy_clerk = await person(api, "clerk"), await person(api, "clerk_a", "ziyang", "sunshine365")
    hy_case = await walk_in(api, hy_clerk, "个体工商户设立登记")
    zy_case = await walk_in(api, zy_clerk, "个体工商户设立登记", "ziyang")
    assert (await hy_clerk.get(f"/api/v1/cases/{zy_case['number']}")).status == 404
    assert (await zy_clerk.get(f"/api/v1/cases/{hy_case['number']}")).status == 404
    hy_tasks = (await (await person(api, "hyscj_a")).get("/api/v1/queues/tasks")).json["tasks"]
    zy_tasks = (await (await person(api, "scjgj_a", "ziyang", "sunshine365")).get("/api/v1/queues/tasks")).json["tasks"]
    assert [t["number"] for t in hy_tasks] == [hy_case["number"]] and [t["number"] for t in zy_tasks] == [zy_case["number"]]
    hy_admin = await person(api, "admin")
    departments = {d["code"] for d in (await hy_admin.get("/api/v1/org/departments")).json["items"]}
    assert departments == {code for code, _, _ in hanyin.DEPARTMENTS}
    assert (await hy_admin.put("/api/v1/org/departments/scjgj", {"name": "改名"})).status == 404
    assert (await api.as_anonymous().get("/api/v1/items?tenant=hanyin")).json["total"] == 4
    hy_board = (await (await person(api, "supervisor")).get("/api/v1/supervision/dashboard")).json
    assert hy_board["open"] == 1

    province = await person(api, "sx_supervisor", "shaanxi")
    figures = await province.get("/api/v1/province/figures")
    assert figures.status == 200
    counties = {c["tenant"]: c for c in figures.json["counties"]}
    assert list(counties) == ["hanyin", "ziyang"]  # by area code: 610921, 610924
    assert counties["hanyin"]["received"] == 1 and counties["ziyang"]["received"] == 1 and figures.json["total"]["open"] == 2
    text = figures.body.decode()
    assert APPLICANT["name"] not in text and hy_case["number"] not in text and "clerk" not in text
    for path in (f"/api/v1/cases/{hy_case['number']}", "/api/v1/queues/tasks", "/api/v1/supervision/dashboard",
                 "/api/v1/org/departments", "/api/v1/hotline/queue"):
        assert (await province.get(path)).status in (403, 404), path
    assert (await hy_admin.get("/api/v1/province/figures")).status == 403
