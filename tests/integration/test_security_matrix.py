"""Every operation as every caller: the server answers as docs/security.md's matrix says, a refused
request writes nothing, and no route escapes the OpenAPI document or its access declaration."""

import re

import pytest

from backend.config import PROJECT_ROOT
from backend.openapi import api_routes, build_document, route_path
from backend.domain.roles import NAVIGATION
from backend.security_matrix import CALLERS, console_markdown, console_verdict, markdown, operations, verdict
from backend.services import accounts
from backend.store import commands
from tests.integration.test_case_pipeline import APPLICANT, code_of, staff, walk_in

USERS = {"admin": "admin", "centre_manager": "manager", "window_clerk": "clerk_a", "dept_approver": "scjgj_a",
         "supervisor": "supervisor", "operator": "operator", "survey_centre": "survey",
         "info_officer": "officer_haoping", "fee_window": "fee"}
WRITES = {"insert", "update", "delete", "findAndModify"}
NOT_WALKED = {("POST", "/api/v1/auth/logout")}  # it would end the session the walk goes on with


def _writes() -> int:
    return sum(t.commands for name, t in commands.totals.items() if name in WRITES)


def test_docs_hold_the_matrix_generated_from_the_declarations(api):
    text = (PROJECT_ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert markdown(api.app) in text and console_markdown() in text


def test_every_route_is_documented_with_an_access_declaration(api):
    documented = {path for path, _ in api_routes(api.app)}
    for rule in api.app.wildcard_router.rules:
        for sub in getattr(rule.target, "rules", [rule]):
            pattern = sub.matcher.regex.pattern if hasattr(sub.matcher, "regex") else ""
            path = route_path(pattern)
            if path.startswith(("/api/", "/open311/", "/healthz", "/readyz")) and path != "/api/docs":
                assert path in documented, f"{path} is not in the OpenAPI document"
    for method, path, op in operations(api.app):
        assert op is not None, f"{method} {path} declares no access"
    assert build_document(api.app)["paths"]


async def _callers(api, svc) -> dict:
    clients = {}
    for role, username in USERS.items():
        clients[role] = await staff(api, username)
    citizen = api.as_anonymous()
    citizen.token = await accounts.open_session(svc, "ziyang", "citizen", "o-matrix-citizen")
    clients["citizen"] = citizen
    clients["anonymous"] = api.as_anonymous()
    await svc.db.tenants.insert_one({"_id": "hanbin", "name": "汉滨区"})
    await accounts.create_staff(svc, "hanbin", "hbadmin", "hanbin-pass-1", "汉滨管理员", ["admin"])
    other = api.as_anonymous()
    await other.login("hbadmin", "hanbin-pass-1", tenant="hanbin")
    clients["other_tenant"] = other
    await svc.db.tenants.insert_one({"_id": "shaanxi", "name": "陕西省", "kind": "province"})
    await accounts.create_staff(svc, "shaanxi", "sxsupervisor", "shaanxi-pass-1", "省级监察员", ["province_supervisor"])
    province = api.as_anonymous()
    await province.login("sxsupervisor", "shaanxi-pass-1", tenant="shaanxi")
    clients["province_supervisor"] = province
    return clients


async def _resources(api) -> dict:
    clerk = await staff(api, "clerk_a")
    case = await walk_in(api, clerk, "个体工商户设立登记")
    estate = await walk_in(api, await staff(api, "clerk3_a"), "不动产转移登记", form={"房屋类型": "住宅"})
    operator = await staff(api, "operator")
    ticket = (await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": "13800001234", "type": "consult", "content": "营业执照怎么办", "channel": "phone"})).json
    return {"number": case["number"], "ticket": ticket["number"], "code": await code_of(api, "个体工商户设立登记"),
            "version": "1", "fmt": "html", "document": "receipt", "file_id": "nofile", "card_id": "ziyang:none",
            "violation_id": "ziyang:none", "report_id": "none", "shift_id": "none", "call_id": "call-1",
            "phone": "13800001234", "token": "none", "kind": "departments", "which": "export", "action": "deactivate",
            "sid": "0123456789abcdef", "username": "clerk_b",
            "slip": estate["fee"]["slip"], "tenant": "ziyang", "mismatch_id": "ziyang:bank:2026-11-23:0001"}


def _fill(path: str, values: dict) -> str:
    def one(match):
        name = match.group(1)
        if name == "number" and ("/hotline/" in path or "/open311/" in path):
            return values["ticket"]
        if name == "code" and "/org/" in path:
            return "w01" if "/posts/" in path else "scjgj"
        return values.get(name, "x")
    return re.sub(r"{(\w+)}", one, path)


@pytest.mark.parametrize("only", [None])
async def test_every_operation_answers_every_caller_as_the_matrix_says(api, seeded, svc, only):
    clients, values = await _callers(api, svc), await _resources(api)
    wrong = []
    for method, path, op in operations(api.app):
        if (method, path) in NOT_WALKED:
            continue
        url = _fill(path, values)
        for caller in CALLERS:
            expected = verdict(op.access, caller)
            before = _writes()
            answer = await clients[caller].request(method, url, {} if method in ("POST", "PUT") else None)
            wrote = _writes() - before
            if expected == "refused" and (answer.status not in (401, 403) or wrote):
                wrong.append(f"{method} {path} as {caller}: {answer.status}, {wrote} writes (expected refusal)")
            if expected == "allowed" and answer.status in (401, 403):
                wrong.append(f"{method} {path} as {caller}: {answer.status} {answer.error} (expected allowed)")
            leaked = [v for v in (values["number"], values["ticket"], APPLICANT["phone"]) if v.encode() in answer.body]
            if caller == "other_tenant" and leaked and not op.access.public:
                wrong.append(f"{method} {path} as another county's staff: shows {leaked}")
    for entry in NAVIGATION:
        for caller in CALLERS:
            answer = await clients[caller].request("GET", entry.path, headers={"Accept": "text/html"},
                                                   follow_redirects=False)
            expected = console_verdict(entry.roles, caller)
            ok = {"allowed": (200,), "scoped": (200,), "refused": (302, 403)}[expected]
            if answer.status not in ok:
                wrong.append(f"page {entry.path} as {caller}: {answer.status} (expected {expected})")
    assert not wrong, "\n".join(wrong)


async def test_an_information_officer_cannot_withdraw_or_resubmit_a_county_case_and_nothing_is_written(api, seeded, svc):
    number = (await walk_in(api, await staff(api, "clerk_a"), "个体工商户设立登记", accept=False))["number"]
    officer = await staff(api, "officer_haoping")
    before = _writes()
    for action in ("withdraw", "resubmit"):
        answer = await officer.post(f"/api/v1/cases/{number}/{action}", {"reason": "试图撤回"})
        assert answer.status == 403, answer.json
    assert _writes() == before
    stored = await svc.db.cases.find_one({"_id": f"ziyang:{number}"})
    assert stored["state"] == "submitted" and stored["version"] == 1


async def test_accepting_at_submission_is_refused_before_anything_is_stored_for_non_clerks(api, seeded, svc):
    officer = await staff(api, "officer_haoping")
    body = {"item_code": await code_of(api, "个体工商户设立登记"), "applicant": APPLICANT, "accept": True}
    answer = await officer.post("/api/v1/cases", body, headers={"Idempotency-Key": "officer-accept-1"})
    assert answer.status == 403
    assert await svc.db.cases.count_documents({}) == 0 and await svc.db.case_steps.count_documents({}) == 0
    retry = await officer.post("/api/v1/cases", body, headers={"Idempotency-Key": "officer-accept-1"})
    assert retry.status == 403 and await svc.db.cases.count_documents({}) == 0


async def test_a_case_is_read_in_full_only_by_those_who_must_reach_the_applicant(api, seeded, svc):
    number = (await walk_in(api, await staff(api, "clerk_a"), "个体工商户设立登记"))["number"]
    full, masked = APPLICANT["phone"], APPLICANT["phone"][:3] + "****" + APPLICANT["phone"][-4:]
    for username, status, phone in (("clerk_a", 200, full), ("scjgj_a", 200, full), ("supervisor", 200, masked),
                                    ("manager", 200, masked), ("mzj_a", 403, None), ("fee", 403, None),
                                    ("survey", 403, None), ("operator", 403, None), ("officer_haoping", 403, None)):
        answer = await (await staff(api, username)).get(f"/api/v1/cases/{number}")
        assert answer.status == status, (username, answer.json)
        if phone:
            assert answer.json["applicant"]["phone"] == phone, username
    shown = await svc.db.audit_log.find({"action": "case.personal_data_shown"}).to_list(None)
    assert {e["actor"] for e in shown} == {"ziyang:clerk_a", "ziyang:scjgj_a"}
