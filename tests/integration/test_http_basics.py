"""The HTTP skeleton: probes, the OpenAPI document, one JSON error shape, request ids, anonymous writes."""

import re

from backend.openapi import api_routes, implemented_methods

SAMPLE_PARAMS = {"number": "610924-20260101-00001", "version": "1", "fmt": "html", "kind": "departments",
                 "sid": "0123456789abcdef", "username": "clerk_a", "slip": "610924-20260101-00001-01", "tenant": "ziyang",
                 "mismatch_id": "ziyang:bank:2026-11-23:0001",
                 "action": "deactivate", "which": "export"}


async def test_liveness_and_readiness_answer_when_the_store_is_up(api):
    assert (await api.get("/healthz")).json == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status == 200 and ready.json["store"] == "ok"


async def test_the_openapi_document_describes_every_route_and_method_and_nothing_else(api):
    doc = (await api.get("/api/openapi.json")).json
    assert doc["openapi"].startswith("3.1")
    routes = {path: handler for path, handler in api_routes(api.app)}
    assert set(doc["paths"]) == set(routes)
    for path, handler in routes.items():
        implemented = set(implemented_methods(handler))
        assert set(doc["paths"][path]) == implemented, path
        for method, operation in doc["paths"][path].items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation.get("responses"), f"{method.upper()} {path} lists no responses"
            for name in re.findall(r"{(\w+)}", path):
                assert any(p["name"] == name and p["in"] == "path" for p in operation["parameters"])


async def test_the_api_reference_page_lists_the_endpoints(api):
    page = await api.get("/api/docs")
    assert page.status == 200
    text = page.body.decode()
    assert "/api/v1/auth/login" in text and "工作人员登录" in text


async def test_an_unknown_address_answers_the_json_404(api):
    response = await api.get("/api/v1/no-such-thing")
    assert response.status == 404
    assert response.error["code"] == "not_found" and response.error["message"] == "未找到该地址"


async def test_malformed_json_is_a_400_with_a_chinese_message(api):
    response = await api.post("/api/v1/auth/login", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert response.error == {**response.error, "code": "malformed_json", "message": "请求内容不是有效的 JSON"}


async def test_a_json_array_where_an_object_is_expected_is_a_400(api):
    response = await api.post("/api/v1/auth/login", [1, 2])
    assert response.status == 400 and response.error["code"] == "malformed_json"


async def test_a_form_body_is_refused_with_415(api):
    response = await api.post("/api/v1/auth/login", raw=b"username=a", headers={"Content-Type": "text/plain"})
    assert response.status == 415 and "application/json" in response.error["message"]


async def test_a_body_over_the_limit_is_refused_with_413_not_a_stack_trace(api, settings):
    big = b'{"username": "' + b"x" * (settings.max_body_bytes + 10) + b'"}'
    response = await api.post("/api/v1/auth/login", raw=big, headers={"Content-Type": "application/json"})
    assert response.status == 413 and response.error["code"] == "body_too_large"
    assert "Traceback" not in response.body.decode()


async def test_request_ids_are_echoed_or_made_and_appear_in_errors(api):
    mine = await api.get("/nowhere", headers={"X-Request-Id": "abc-123"})
    assert mine.headers["X-Request-Id"] == "abc-123" and mine.error["request_id"] == "abc-123"
    made = await api.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])


async def test_no_endpoint_that_changes_data_is_open_to_anonymous_callers(api):
    anonymous = api.as_anonymous()
    for path, handler in api_routes(api.app):
        if getattr(handler, "public", False):
            continue
        for method in implemented_methods(handler):
            if method == "get":
                continue
            concrete = re.sub(r"{(\w+)}", lambda m: SAMPLE_PARAMS.get(m.group(1), "x"), path)
            response = await anonymous.request(method.upper(), concrete, {})
            assert response.status == 401, f"{method.upper()} {path} answered {response.status}"
            assert response.error["message"] == "请先登录"
