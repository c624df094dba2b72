"""The console against other sites: CSRF tokens and Origin checks for cookie sessions, Secure cookies
outside development, security headers on every page, proxies' headers believed only from proxies."""

import re
import socket
from contextlib import asynccontextmanager
from dataclasses import replace

import tornado.httpserver

from backend.app import make_app
from backend.config import load_settings
from tests.conftest import ApiClient
from tests.integration.test_case_pipeline import APPLICANT, code_of

EVIL = "https://evil.example"


async def cookie_session(api, username: str = "clerk_a") -> tuple[ApiClient, str, str]:
    """A client that carries its session the way a browser does (the cookie), and the page's CSRF token."""
    signed = api.as_anonymous()
    await signed.login(username)
    browser = api.as_anonymous()
    cookie = {"Cookie": f"s365_session={signed.token}"}
    page = await browser.get("/console/", headers=cookie)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.body.decode()).group(1)
    return browser, cookie["Cookie"], token


async def test_a_cross_site_form_post_with_the_cookie_creates_nothing(api, seeded, svc):
    browser, cookie, _ = await cookie_session(api)
    forged = await browser.post("/api/v1/cases", raw=b"", headers={"Cookie": cookie, "Origin": EVIL,
                                                                   "Content-Type": "text/plain"})
    assert forged.status == 403 and forged.error["code"] == "cross_site_request"
    assert await svc.db.cases.count_documents({}) == 0 and await svc.db.case_steps.count_documents({}) == 0


async def test_a_cookie_session_must_send_the_pages_token_with_every_change(api, seeded, svc):
    browser, cookie, token = await cookie_session(api)
    body = {"item_code": await code_of(api, "个体工商户设立登记"), "applicant": APPLICANT, "accept": True,
            "materials": [{"name": "身份证", "copies": 1}]}
    missing = await browser.post("/api/v1/cases", body, headers={"Cookie": cookie})
    assert missing.status == 403 and missing.error["code"] == "csrf_failed"
    wrong = await browser.post("/api/v1/cases", body, headers={"Cookie": cookie, "X-CSRF-Token": "guess"})
    assert wrong.status == 403 and await svc.db.cases.count_documents({}) == 0
    made = await browser.post("/api/v1/cases", body, headers={"Cookie": cookie, "X-CSRF-Token": token,
                                                              "Origin": browser.base_url})
    assert made.status == 201, made.json


async def test_bearer_calls_are_not_asked_for_a_csrf_token(api, seeded):
    clerk = api.as_anonymous()
    await clerk.login("clerk_a")
    body = {"item_code": await code_of(api, "个体工商户设立登记"), "applicant": APPLICANT, "accept": False,
            "materials": [{"name": "身份证", "copies": 1}]}
    assert (await clerk.post("/api/v1/cases", body, headers={"Origin": EVIL})).status == 201


async def test_another_site_cannot_sign_a_browser_in(api, seeded):
    forged = await api.as_anonymous().post("/api/v1/auth/login", {"username": "clerk_a", "password": "sunshine365"},
                                           headers={"Origin": EVIL})
    assert forged.status == 403 and "Set-Cookie" not in forged.headers


async def test_console_pages_carry_a_script_nonce_policy_and_refuse_frames(api, seeded):
    clerk = api.as_anonymous()
    await clerk.login("clerk_a")
    page = await clerk.get("/console/intake")
    policy = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script([^>]*)>", page.body.decode())
    assert all(f'nonce="{nonce}"' in attrs or "src=" in attrs for attrs in scripts)
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    login = await api.get("/console/login")
    assert "script-src 'self' 'nonce-" in login.headers["Content-Security-Policy"]
    assert (await api.get("/healthz")).headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    again = await clerk.get("/console/intake")
    assert re.search(r"'nonce-([^']+)'", again.headers["Content-Security-Policy"]).group(1) != nonce


async def test_console_pages_and_files_name_the_allowed_methods_on_405(api, seeded):
    clerk = api.as_anonymous()
    await clerk.login("clerk_a")
    for path in ("/console/intake", "/console/static/console.js", "/console/login", "/api/docs"):
        answer = await clerk.request("PUT", path, raw=b"", headers={"X-CSRF-Token": "x"})
        assert answer.status == 405 and "GET" in answer.headers["Allow"], path


def test_cookies_are_secure_everywhere_but_a_developers_machine():
    assert not load_settings(env={}).cookies_secure
    assert load_settings(env={"SUNSHINE_PUBLIC_URL": "https://zwfw.ziyang.gov.cn"}).cookies_secure
    assert load_settings(env={"SUNSHINE_PUBLIC_URL": "http://10.1.2.3:8365"}).cookies_secure
    assert not load_settings(env={"SUNSHINE_PUBLIC_URL": "https://x.cn", "SUNSHINE_SECURE_COOKIES": "false"}).cookies_secure


@asynccontextmanager
async def served(settings, store, clock):
    """Another server on this test's store, with other settings."""
    app = make_app(settings, store, clock=clock)
    server = tornado.httpserver.HTTPServer(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    server.add_sockets([sock])
    try:
        yield ApiClient(f"http://127.0.0.1:{sock.getsockname()[1]}", clock)
    finally:
        server.stop()
        await server.close_all_connections()


async def test_the_forwarded_protocol_is_believed_only_from_a_trusted_proxy(store, settings, seeded, clock):
    for trusted, expected in (("", 403), ("127.0.0.1", 200)):
        async with served(replace(settings, trusted_proxies=trusted), store, clock) as client:
            host = client.base_url.split("//")[1]
            answer = await client.post("/api/v1/auth/login", {"username": "clerk_a", "password": "sunshine365"},
                                       headers={"Origin": f"https://{host}", "X-Forwarded-Proto": "https"})
            assert answer.status == expected, (trusted, answer.json)


async def test_a_secure_deployment_sets_the_session_cookie_secure(store, settings, seeded, clock):
    async with served(replace(settings, public_url="https://zwfw.example.gov.cn"), store, clock) as client:
        answer = await client.post("/api/v1/auth/login", {"username": "clerk_a", "password": "sunshine365"})
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
