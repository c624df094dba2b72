"""Shared fixtures: one real FerretDB per test session, one fresh database per test.

Set SUNSHINE_TEST_MONGODB_URI to run the same suite against a real MongoDB instead.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import tornado.httpclient
import tornado.httpserver

from backend.app import make_app
from backend.config import PROJECT_ROOT, load_settings
from backend.services.context import Services
from backend.store.connection import StoreHandle, make_client
from backend.store.embedded import EmbeddedStore
from backend.store.indexes import ensure_indexes

pytest_plugins = ["tests.fakes.fixtures"]

OUTPUT_DIR = PROJECT_ROOT / "test-output"
_db_counter = itertools.count()
# The suite's keys for personal data (test-only; a deployment makes its own with `python -m backend new-keys`)
TEST_KEYS = {"SUNSHINE_DATA_KEYS": "test-2=" + base64.b64encode(hashlib.sha256(b"sunshine365 test key 2").digest()).decode()
             + ",test-1=" + base64.b64encode(hashlib.sha256(b"sunshine365 test key 1").digest()).decode(),
             "SUNSHINE_LOOKUP_KEY": base64.b64encode(hashlib.sha256(b"sunshine365 test lookup").digest()).decode()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def embedded_store(tmp_path_factory):
    """FerretDB on SQLite for this test session, started by our own runner (None with SUNSHINE_TEST_MONGODB_URI)."""
    if os.environ.get("SUNSHINE_TEST_MONGODB_URI"):
        yield None
        return
    embedded = EmbeddedStore(tmp_path_factory.mktemp("ferretdb"), PROJECT_ROOT / ".tools" / "bin" / "ferretdb")
    embedded.open()
    yield embedded
    embedded.close()


@pytest.fixture(scope="session")
def store_uri(embedded_store) -> str:
    """The real store for this test session."""
    return os.environ.get("SUNSHINE_TEST_MONGODB_URI") or embedded_store.uri


class MovableClock:
    """A clock tests can set and move; services read it instead of the system time."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc))  # Monday 09:30 in Shanghai


@pytest.fixture
def database_name(request) -> str:
    return f"t{os.getpid()}_{next(_db_counter)}_{uuid.uuid4().hex[:6]}"


@pytest.fixture
def settings(store_uri, database_name):
    return load_settings(env=TEST_KEYS, mongodb_uri=store_uri, database=database_name, seed_sample=False,
                         background=False)


@pytest.fixture
async def store(settings):
    """A fresh database on the real store, dropped after the test."""
    from tests import fresh_store

    client = make_client(settings.mongodb_uri, settings)
    handle = StoreHandle(client=client, db=client[settings.database], embedded=None)
    await ensure_indexes(handle.db)
    await fresh_store.stamp(handle.db, settings)  # a new store is current, as at a first start
    yield handle
    await client.drop_database(settings.database)
    await client.close()


@pytest.fixture
def svc(store, settings, clock) -> Services:
    return Services(db=store.db, settings=settings, clock=clock)


@pytest.fixture
async def seeded(svc):
    """The sample county in this test's database: loaded by ``seed.seed_sample`` for the first tests, copied
    document for document from what it wrote for later tests with the same settings and clock."""
    from tests import sample_template

    return await sample_template.seeded(svc)


class Authenticator:
    """The tests' authenticator app: the TOTP secret each account enrolled on each server, the codes
    already used (a server accepts each code once) and the session a second-factor account holds."""

    secrets: dict[tuple, str] = {}
    used: dict[tuple, set[int]] = {}
    sessions: dict[tuple, str] = {}

    @classmethod
    def code(cls, key: tuple, clock) -> str:
        """A code the server has not seen, for the server's time (moving a test clock on when needed)."""
        import pyotp

        totp, used = pyotp.TOTP(cls.secrets[key]), cls.used.setdefault(key, set())
        while True:
            now = clock() if clock else datetime.now(timezone.utc)
            step = int(now.timestamp()) // 30
            fresh = [s for s in (step, step + 1, step - 1) if s not in used]
            if fresh:
                used.add(fresh[0])
                return totp.at(fresh[0] * 30)
            if clock is not None and hasattr(clock, "advance"):
                clock.advance(seconds=30)
            else:
                time.sleep(30 - now.timestamp() % 30 + 0.1)


class ApiClient:
    """JSON over real HTTP to a server on loopback; remembers a bearer token after ``login``."""

    def __init__(self, base_url: str, clock=None):
        self.base_url = base_url
        self.token = ""
        self.clock = clock  # the server's clock, when the test holds it (second-factor codes use it)
        self.source = None  # a loopback address to connect from (127.0.0.2, ...): another client address
        self.http = tornado.httpclient.AsyncHTTPClient(force_instance=True, max_clients=64)

    async def request(self, method: str, path: str, body=None, *, headers=None, raw: bytes | None = None,
                      follow_redirects: bool = True):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json")
        if data is None and method in ("POST", "PUT", "PATCH"):
            data = b""
        # Requests queued behind max_clients time out after connect_timeout (20 s by default), not
        # request_timeout: 200 concurrent submissions on a loaded machine wait longer than that.
        response = await self.http.fetch(self.base_url + path, method=method, body=data, headers=headers,
                                         raise_error=False, request_timeout=180, connect_timeout=180,
                                         allow_nonstandard_methods=True, follow_redirects=follow_redirects,
                                         network_interface=self.source)
        return Response(response)

    async def get(self, path, **kw):
        return await self.request("GET", path, **kw)

    async def post(self, path, body=None, **kw):
        return await self.request("POST", path, body, **kw)

    async def put(self, path, body=None, **kw):
        return await self.request("PUT", path, body, **kw)

    async def login(self, username: str, password: str = "sunshine365", tenant: str = "ziyang") -> dict:
        """Sign in; an account with a second factor enrols it (first time) and answers with a code, and
        later sign-ins of it reuse its session while that lasts (as one person stays signed in)."""
        key = (self.base_url, tenant, username)
        if key in Authenticator.sessions:
            self.token = Authenticator.sessions[key]
            me = await self.get("/api/v1/auth/me")
            if me.status == 200:
                return {k: v for k, v in me.json.items() if k not in ("kind", "post", "session")}
            del Authenticator.sessions[key]
        self.token = ""
        response = await self.post("/api/v1/auth/login", {"username": username, "password": password, "tenant": tenant})
        assert response.status == 200, response.json
        if "token" not in response.json:
            response = await self.second_factor(key, response.json)
            Authenticator.sessions[key] = response.json["token"]
        self.token = response.json["token"]
        return response.json["staff"]

    async def second_factor(self, key: tuple, step: dict):
        challenge = step["challenge"]
        if step["second_factor"] == "totp_enrol":
            enrolment = await self.post("/api/v1/auth/second-factor/enrolment", {"challenge": challenge})
            assert enrolment.status == 200, enrolment.json
            Authenticator.secrets[key] = enrolment.json["secret"]
            Authenticator.used.pop(key, None)
        answer = await self.post("/api/v1/auth/second-factor",
                                 {"challenge": challenge, "code": Authenticator.code(key, self.clock)})
        assert answer.status == 200, answer.json
        return answer

    def as_anonymous(self) -> "ApiClient":
        return ApiClient(self.base_url, self.clock)


class Response:
    def __init__(self, response):
        self.status = response.code
        self.headers = response.headers
        self.body = response.body or b""

    @property
    def json(self):
        return json.loads(self.body.decode()) if self.body else None

    @property
    def error(self) -> dict:
        return (self.json or {}).get("error", {})


@pytest.fixture
async def api(store, settings, clock):
    """The real application on a loopback port, talking to this test's database."""
    app = make_app(settings, store, clock=clock)
    server = tornado.httpserver.HTTPServer(app, max_body_size=settings.max_upload_bytes + 1024 * 1024)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    port = sock.getsockname()[1]
    server.add_sockets([sock])
    client = ApiClient(f"http://127.0.0.1:{port}", clock)
    client.app = app
    yield client
    server.stop()
    await server.close_all_connections()


@pytest.fixture
def store_commands():
    """``store_commands(response)``: how many store commands the server issued for that one request,
    read from its access-log line (the request's own tally), so a command issued meanwhile by
    something else (a cursor closed by the collector, a write still draining) is not counted."""
    issued: dict[str, int] = {}

    class Keep(logging.Handler):
        def emit(self, record):
            entry = json.loads(record.getMessage())
            if "store" in entry:
                issued[entry["rid"]] = entry["store"]

    log, keep = logging.getLogger("sunshine.access"), Keep()
    level = log.level
    log.setLevel(logging.INFO)
    log.addHandler(keep)
    yield lambda response: issued[response.headers["X-Request-Id"]]
    log.removeHandler(keep)
    log.setLevel(level)


def backend_env(**extra) -> dict:
    """The environment of a ``python -m backend`` child: the suite's keys unless ``extra`` names others."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUNSHINE_", "MONGODB_"))}
    env.update(TEST_KEYS)
    env.update({k: str(v) for k, v in extra.items()})
    return env


class ServerProcess:
    """`python -m backend serve` as a child process, the way ./scripts/run starts it."""

    def __init__(self, env: dict, port: int, log_path: Path, args=()):
        self.port, self.log_path = port, log_path
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "backend", "serve", *args], cwd=PROJECT_ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 30.0) -> float:
        import urllib.request

        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise AssertionError("server exited:\n" + self.log_path.read_text(errors="replace"))
            try:
                with urllib.request.urlopen(self.base_url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("not ready in time:\n" + self.log_path.read_text(errors="replace"))

    def stop(self, sig=None) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(sig or signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def start_server(tmp_path):
    """Factory: start `python -m backend serve *args` with the given environment; stopped after the test."""
    started = []

    def start(*args, **env) -> ServerProcess:
        port = free_port()
        server = ServerProcess(backend_env(SUNSHINE_PORT=port, **env), port, tmp_path / f"server{len(started)}.log",
                               args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture
def svc_sync_count(store_uri, database_name):
    """Count documents in this test's database from synchronous tests (subprocess-driven CLIs)."""
    from pymongo import MongoClient

    client = MongoClient(store_uri, serverSelectionTimeoutMS=5000)
    yield lambda collection, query: client[database_name][collection].count_documents(query)
    client.drop_database(database_name)
    client.close()
