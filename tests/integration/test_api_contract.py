"""The API says what it does: each action documents its own body, and the server holds to the document.

Before, every case action shared one body schema in the document: ``resubmit`` said materials were
strings while the server wanted objects, ``decide-at-window`` needed ``approve`` where
``record-reply`` needed ``approved``, and ``POST /posts/{code}/back`` answered 200 to ``{}`` although
the document made ``slot`` required. A client generated from the document failed.
"""

from tests.integration.test_case_pipeline import code_of, staff, walk_in
from tests.integration.test_security_matrix import NOT_WALKED, _fill, _resources, _writes
from backend.security_matrix import operations, principal_of


def _body(document: dict, method: str, path: str) -> dict:
    return document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


async def test_each_case_action_documents_the_body_the_server_wants(api):
    document = (await api.get("/api/openapi.json")).json
    action = "/api/v1/cases/{number}/"
    resubmit = _body(document, "post", action + "resubmit")["properties"]["materials"]["items"]
    assert resubmit["type"] == "object" and "name" in resubmit["required"]
    assert _body(document, "post", action + "decide-at-window")["required"] == ["approve"]
    assert set(_body(document, "post", action + "record-reply")["required"]) == {"approved", "reference"}
    back = _body(document, "post", "/api/v1/posts/{code}/back")
    assert back["required"] == ["slot"] and back["properties"]["slot"]["enum"] == ["A", "B"]
    schemas = {p: str(_body(document, "post", p)) for p in document["paths"]
               if p.startswith(action) and "requestBody" in document["paths"][p].get("post", {})}
    assert len(set(schemas.values())) >= 10, "actions do not share one body schema"
    for path, operations_ in document["paths"].items():
        for method, op in operations_.items():
            assert "401" in op["responses"] or op.get("security") == [], f"{method} {path} lists its refusals"
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                assert "422" in op["responses"], f"{method} {path} lists its validation error"


async def test_a_body_missing_what_the_document_requires_is_refused_and_writes_nothing(api, seeded):
    document = (await api.get("/api/openapi.json")).json
    admin, values = await staff(api, "admin"), await _resources(api)
    accepted = []
    checked = 0
    for method, path, op in operations(api.app):
        schema = document["paths"][path][method.lower()].get("requestBody", {}).get("content", {}).get(
            "application/json", {}).get("schema", {})
        skipped = (method, path) in NOT_WALKED or op.access.scope in ("key", "signature")
        if skipped or not schema.get("required") or not op.access.allows(principal_of("admin")):
            continue
        before = _writes()
        answer = await admin.request(method, _fill(path, values), {})
        checked += 1
        if answer.status != 422 or _writes() != before or not any("\u4e00" <= ch <= "\u9fff" for ch in answer.error["message"]):
            accepted.append((method, path, answer.status))
    assert checked > 40
    assert accepted == [], "each answers 422 with a Chinese message and writes nothing"


async def test_a_client_that_follows_the_document_gets_through(api, seeded):
    clerk, manager = await staff(api, "clerk_a"), await staff(api, "manager")
    case = await walk_in(api, clerk, "个体工商户设立登记", accept=False)
    asked = await clerk.post(f"/api/v1/cases/{case['number']}/supplement", {"materials": ["营业场所证明"]})
    assert asked.status == 200 and asked.json["state"] == "supplement_requested"
    resubmitted = await clerk.post(f"/api/v1/cases/{case['number']}/resubmit",
                                   {"note": "已补交", "materials": [{"name": "营业场所证明", "copies": 1}]})
    assert resubmitted.status == 200, resubmitted.json
    assert resubmitted.json["state"] == "submitted"
    wrong_slot = await manager.post("/api/v1/posts/d-scjgj/back", {"slot": "Z"})
    assert wrong_slot.status == 422 and "A 岗或 B 岗" in wrong_slot.error["message"]


async def test_a_wrong_nested_field_is_named_as_a_clerk_would_say_it(api, seeded):
    clerk = await staff(api, "clerk_a")
    item = await code_of(api, "个体工商户设立登记")
    answer = await clerk.post("/api/v1/cases", {"item_code": item, "applicant": {"phone": "13800001234"}})
    assert answer.status == 422
    assert answer.error["message"] == "缺少“申请人姓名或名称”", answer.error
    assert answer.json["error"]["details"]["fields"][0]["field"] == "applicant.name"
