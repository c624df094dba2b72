"""``/metrics`` for the monitoring server, JSON log lines with the request id, the client address."""

import dataclasses
import io
import json
import logging
import socket

import pytest
import tornado.httpserver
from prometheus_client.parser import text_string_to_metric_families

from backend import logs
from backend.ops import figures
from backend.app import make_app
from backend.ops import scheduled_backup
from tests.conftest import ApiClient
from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_supervision import PROMISED_1_DAY


def samples(text: str) -> dict:
    """{(name, frozenset(labels)): value} of a Prometheus text exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


async def scrape(client, **headers) -> tuple[int, dict]:
    figures.figures_cache.at = 0.0  # the figures are recomputed at most once a minute: now, for the test
    answer = await client.get("/metrics", headers=headers)
    return answer.status, samples(answer.body.decode()) if answer.status == 200 else {}


@pytest.fixture
async def app_with(store, settings, clock):
    """Start the application with changed settings; yields a factory of clients."""
    servers = []

    async def start(**changes) -> ApiClient:
        app = make_app(dataclasses.replace(settings, **changes), store, clock=clock)
        server = tornado.httpserver.HTTPServer(app)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        server.add_sockets([sock])
        servers.append(server)
        return ApiClient(f"http://127.0.0.1:{sock.getsockname()[1]}")

    yield start
    for server in servers:
        server.stop()
        await server.close_all_connections()


async def test_metrics_count_requests_store_commands_and_the_open_and_overdue_cases(api, seeded, svc, clock):
    clerk = await staff(api, "clerk_a")
    number = (await walk_in(api, clerk, PROMISED_1_DAY))["number"]
    status, found = await scrape(api.as_anonymous())
    assert status == 200
    assert found[("sunshine_http_requests_total", frozenset(
        {"route": "/api/v1/cases", "method": "POST", "status": "201"}.items()))] >= 1
    assert found[("sunshine_http_request_duration_seconds_count", frozenset(
        {"route": "/api/v1/cases", "method": "POST"}.items()))] >= 1
    assert not [k for k in found if number in str(k)]  # routes, never raw paths with case numbers
    assert found[("sunshine_store_commands_total", frozenset({"command": "insert"}.items()))] >= 1
    assert found[("sunshine_open_cases", frozenset({"tenant": "ziyang"}.items()))] == 1
    assert found[("sunshine_overdue_cases", frozenset({"tenant": "ziyang"}.items()))] == 0
    assert found[("sunshine_queue_length", frozenset({"tenant": "ziyang", "queue": "tasks"}.items()))] == 1
    assert found[("sunshine_backup_age_seconds", frozenset())] == -1
    clock.advance(days=7)
    await scheduled_backup.record_manual(svc.db, "/srv/backup/x", {"started_at": clock().isoformat(), "tenant": None,
                                                                   "collections": []}, clock())
    clock.advance(hours=2)
    status, found = await scrape(api.as_anonymous())
    assert found[("sunshine_overdue_cases", frozenset({"tenant": "ziyang"}.items()))] == 1
    assert found[("sunshine_backup_age_seconds", frozenset())] == 7200


async def test_metrics_are_refused_to_anyone_but_the_monitoring_server(api, seeded, app_with):
    assert (await scrape(api, **{"X-Forwarded-For": "203.0.113.9"}))[0] == 403  # came through the proxy
    guarded = await app_with(metrics_token="s3cret-token")
    assert (await scrape(guarded))[0] == 403
    assert (await scrape(guarded, Authorization="Bearer wrong"))[0] == 403
    assert (await scrape(guarded, Authorization="Bearer s3cret-token"))[0] == 200


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)  # setLevel, not the attribute: loggers cache what is enabled
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


async def test_every_log_line_is_json_with_the_request_id_the_response_carries(api, seeded, log_lines):
    answer = await api.get("/api/v1/items?q=营业执照", headers={"X-Request-Id": "trace-42"})
    assert answer.headers["X-Request-Id"] == "trace-42"
    access = [e for e in log_lines() if e["logger"] == "sunshine.access" and e["path"] == "/api/v1/items"]
    assert access and access[-1]["rid"] == "trace-42" and access[-1]["status"] == 200 and access[-1]["store"] >= 0
    logs.request_id.set("trace-43")
    logging.getLogger("sunshine.cases").warning("回电 13800001234，身份证 610924199001011233")
    line = log_lines()[-1]
    assert line["rid"] == "trace-43" and line["msg"] == "回电 138****1234，身份证 610924********1233"
    logs.request_id.set("")


async def test_the_client_address_comes_from_a_configured_proxy_only(seeded, app_with, log_lines):
    forged = {"X-Real-IP": "198.51.100.7"}
    await (await app_with()).get("/healthz", headers=forged)
    await (await app_with(trusted_proxies="127.0.0.1")).get("/healthz", headers=forged)
    ips = [e["ip"] for e in log_lines() if e.get("path") == "/healthz"]
    assert ips == ["127.0.0.1", "198.51.100.7"]


async def test_writes_are_acknowledged_by_a_majority_journal(store):
    assert store.db.write_concern.document == {"w": "majority", "j": True, "wtimeout": 10000}
    await store.db.probe.insert_one({"_id": "x"})  # the embedded store accepts it as well
