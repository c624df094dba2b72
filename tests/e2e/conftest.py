"""Browser fixtures: Debian's chromium driven by Playwright, against a real server process."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from datetime import datetime, timezone

import pytest
import tornado.httpserver
from playwright.async_api import async_playwright

from backend.app import make_app
from backend.config import load_settings
from backend.services import seed
from backend.store.connection import StoreHandle, make_client
from backend.store.indexes import ensure_indexes
from tests.conftest import TEST_KEYS, ApiClient, Authenticator, MovableClock, ServerProcess, backend_env, free_port

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is required for console tests: run ./scripts/setup --browser")
    return path


@pytest.fixture(scope="session")
async def browser():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture(autouse=True)
async def no_script_errors(page):
    """Every screen runs without an uncaught JavaScript error, and nothing of it is refused by the
    Content-Security-Policy the console pages are served with."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield
    assert errors == []


@pytest.fixture
async def page(browser):
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
def console_server(start_server, store_uri, database_name):
    """A real `python -m backend serve` on the test store, with the sample county loaded."""
    server = start_server(MONGODB_URI=store_uri, SUNSHINE_DB=database_name, SUNSHINE_SEED_SAMPLE="true")
    server.wait_ready()
    return server


@pytest.fixture(scope="module")
def module_console_server(tmp_path_factory, store_uri):
    """One real `python -m backend serve` with the sample county, shared by a whole test module (a server process
    takes seconds to start and warm up). Tests in the module see each other's data: a module uses it only when
    its tests neither count what others add nor change what others read. It is stopped and its database dropped
    after the module."""
    from pymongo import MongoClient

    database, port = f"s{os.getpid()}_{uuid.uuid4().hex[:8]}", free_port()
    env = backend_env(SUNSHINE_PORT=port, MONGODB_URI=store_uri, SUNSHINE_DB=database, SUNSHINE_SEED_SAMPLE="true")
    server = ServerProcess(env, port, tmp_path_factory.mktemp("module-server") / "server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
        client = MongoClient(store_uri, serverSelectionTimeoutMS=5000)
        client.drop_database(database)
        client.close()


async def wait_for_sample(page, server) -> None:
    """The sample county loads in the background right after readiness; wait until it is there."""
    for _ in range(100):
        response = await page.request.get(server.base_url + "/api/v1/items?page_size=1")
        if response.status == 200 and (await response.json())["total"] > 0:
            return
        await page.wait_for_timeout(200)
    raise AssertionError("the sample county never finished loading")


async def sign_in(page, server, username: str, password: str = "sunshine365", tenant: str = "") -> None:
    """Sign in through the form; an administrator or supervisor enrols (first time) and types a code."""
    await page.goto(server.base_url + "/console/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.fill("input[name=tenant]", tenant)  # the browser remembers the last county: say it each time
    await page.click("#login button[type=submit]")
    signed_in = page.wait_for_url(server.base_url + "/console/")
    asked = page.locator("#second-factor").wait_for(state="visible")
    done, pending = await asyncio.wait([asyncio.ensure_future(signed_in), asyncio.ensure_future(asked)],
                                       return_when=asyncio.FIRST_COMPLETED)
    for waiting in pending:  # the other outcome will not come: stop waiting for it
        waiting.cancel()
    if await page.locator("#second-factor").is_visible():
        await type_code(page, server, (server.base_url, tenant or "ziyang", username))
        await page.wait_for_url(server.base_url + "/console/")


async def type_code(page, server, key: tuple) -> None:
    """The tests' authenticator: the secret shown at enrolment (or enrolled before), a code for the server's time."""
    secret = page.locator("[data-testid=totp-secret]")
    # An account this server never enrolled must be shown its enrolment (it may render a moment after the form).
    if key not in Authenticator.secrets or await page.locator("#enrol").is_visible():
        await page.locator("#enrol").wait_for(state="visible")
        await secret.wait_for()
        await page.wait_for_function("document.querySelector('[data-testid=totp-secret]').textContent.length > 0")
        Authenticator.secrets[key] = (await secret.text_content()).strip()
        Authenticator.used.pop(key, None)
    await page.fill("#second-factor input[name=code]", Authenticator.code(key, getattr(server, "clock", None)))
    await page.click("#second-factor button[type=submit]")


async def csrf_headers(page) -> dict:
    """The header a state-changing request made with the page's cookie session must carry."""
    return {"X-CSRF-Token": await page.get_attribute("meta[name=csrf-token]", "content")}


@pytest.fixture(scope="module")
async def module_console(store_uri):
    """One in-process server shared by a whole test module: the sample county on its own database and a clock
    the module can move. Tests in the module see each other's data, so they add to it and never assume it empty."""
    settings = load_settings(env=TEST_KEYS, mongodb_uri=store_uri, database=f"m{os.getpid()}_{uuid.uuid4().hex[:8]}",
                             seed_sample=False, background=False)
    client = make_client(settings.mongodb_uri, settings)
    handle = StoreHandle(client=client, db=client[settings.database], embedded=None)
    await ensure_indexes(handle.db)
    clock = MovableClock(datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc))  # Monday 09:30 in Shanghai
    app = make_app(settings, handle, clock=clock)
    server = tornado.httpserver.HTTPServer(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    server.add_sockets([sock])
    api = ApiClient(f"http://127.0.0.1:{sock.getsockname()[1]}")
    api.app, api.clock = app, clock
    await seed.seed_sample(app.settings["services"])
    yield api
    server.stop()
    await server.close_all_connections()
    await client.drop_database(settings.database)
    await client.close()
