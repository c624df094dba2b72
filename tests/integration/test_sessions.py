"""Sessions: an absolute and an idle lifetime, one's own listed and ended, the county's ended by its administrator;
each with sessions read from the store on every request and kept in memory as ``serve`` does on the
embedded store."""

import asyncio
import socket

import pytest
import tornado.httpserver

from backend.app import make_app
from tests.conftest import ApiClient

from backend.services import sessions
from backend.store.change_stamps import ChangeStamps


@pytest.fixture(autouse=True, params=["read", "kept"])
def kept(request, api):
    """The same behaviour whether the server reads the session each time or keeps it (30 s)."""
    if request.param == "kept":
        sessions.install(api.app.settings["services"].extras, ChangeStamps(), ttl=30)
    return request.param == "kept"


async def test_a_session_ends_after_thirty_idle_minutes_but_not_while_it_is_used(api, seeded, clock):
    client = api.as_anonymous()
    await client.login("clerk_a")
    for _ in range(4):
        clock.advance(minutes=20)
        assert (await client.get("/api/v1/auth/me")).status == 200
    clock.advance(minutes=31)
    assert (await client.get("/api/v1/auth/me")).status == 401


async def test_a_session_ends_after_its_absolute_lifetime_however_busy(api, seeded, clock):
    client = api.as_anonymous()
    await client.login("clerk_a")
    for _ in range(25):
        clock.advance(minutes=29)
        status = (await client.get("/api/v1/auth/me")).status
    assert status == 401, "12 hours after signing in"


async def test_a_person_lists_their_sessions_and_ends_another_one(api, seeded):
    office, home = api.as_anonymous(), api.as_anonymous()
    await office.login("clerk_a")
    await home.login("clerk_a")
    listed = (await office.get("/api/v1/auth/sessions")).json
    assert len(listed["items"]) == 2 and sum(s["current"] for s in listed["items"]) == 1
    assert listed["second_factor"] == {"enrolled": False, "enrolled_at": None, "required": False}
    other = next(s for s in listed["items"] if not s["current"])
    assert (await home.get("/api/v1/auth/me")).status == 200
    assert (await office.request("DELETE", f"/api/v1/auth/sessions/{other['id']}")).status == 200
    assert (await home.get("/api/v1/auth/me")).status == 401
    assert (await office.get("/api/v1/auth/me")).status == 200
    stranger = api.as_anonymous()
    await stranger.login("clerk_b")
    mine = (await office.get("/api/v1/auth/sessions")).json["items"][0]["id"]
    assert (await stranger.request("DELETE", f"/api/v1/auth/sessions/{mine}")).status == 404


async def test_the_administrator_sees_and_ends_any_session_of_the_county(api, seeded, svc):
    from backend.services import audit

    clerk = api.as_anonymous()
    await clerk.login("clerk_a")
    admin = api.as_anonymous()
    await admin.login("admin")
    everyone = (await admin.get("/api/v1/sessions")).json["items"]
    target = next(s for s in everyone if s["username"] == "clerk_a")
    assert target["address"] == "127.0.0.1"
    assert (await clerk.get("/api/v1/auth/me")).status == 200
    assert (await admin.request("DELETE", f"/api/v1/sessions/{target['id']}")).status == 200
    assert (await clerk.get("/api/v1/auth/me")).status == 401
    assert (await clerk.get("/api/v1/sessions")).status == 401
    actions = [e["action"] for e in await audit.recent(svc, "ziyang", limit=500)]
    assert "staff.session_revoked" in actions


async def test_a_kept_session_costs_no_store_read_and_signing_out_ends_it_at_once(api, seeded, svc, kept):
    client = api.as_anonymous()
    await client.login("clerk_a")
    assert (await client.get("/api/v1/auth/me")).status == 200
    await svc.db.sessions.delete_many({"kind": "staff"})  # behind the server's back: only a read would see it
    assert (await client.get("/api/v1/auth/me")).status == (200 if kept else 401)
    await client.login("clerk_a")
    assert (await client.get("/api/v1/auth/me")).status == 200
    assert (await client.post("/api/v1/auth/logout")).status == 200
    assert (await client.get("/api/v1/auth/me")).status == 401


async def test_a_session_used_through_another_worker_is_not_ended_as_idle(api, seeded, svc, clock, kept):
    client = api.as_anonymous()
    await client.login("clerk_a")
    assert (await client.get("/api/v1/auth/me")).status == 200
    clock.advance(minutes=25)  # meanwhile the person works through another process of the server
    await svc.db.sessions.update_many({"kind": "staff"}, {"$set": {"last_seen": svc.now()}})
    clock.advance(minutes=25)
    assert (await client.get("/api/v1/auth/me")).status == 200
    clock.advance(minutes=31)
    assert (await client.get("/api/v1/auth/me")).status == 401


async def test_a_session_deleted_behind_the_server_ends_within_the_time_limit(api, seeded, svc):
    sessions.install(api.app.settings["services"].extras, ChangeStamps(), ttl=0.5)
    client = api.as_anonymous()
    await client.login("clerk_a")
    assert (await client.get("/api/v1/auth/me")).status == 200
    await svc.db.sessions.delete_many({"kind": "staff"})  # an operator's repair, not through the server
    await asyncio.sleep(0.6)
    assert (await client.get("/api/v1/auth/me")).status == 401


def test_the_session_setting_is_checked():
    from backend.config import SettingsError, load_settings

    assert load_settings(env={}).session_cache_ttl(embedded_store=True) == 30
    assert load_settings(env={"MONGODB_URI": "mongodb://db/"}).session_cache_ttl(embedded_store=False) == 0
    assert load_settings(env={"SUNSHINE_SESSION_CACHE_SECONDS": "2"}).session_cache_ttl(embedded_store=False) == 2
    with pytest.raises(SettingsError, match="SUNSHINE_SESSION_CACHE_SECONDS"):
        load_settings(env={"SUNSHINE_SESSION_CACHE_SECONDS": "-1"})


async def test_signing_out_in_one_worker_ends_the_session_kept_by_another(api, seeded, store, settings, clock):
    """Two workers of one server (as ``serve --processes 2``): each keeps sessions, both see the stamps."""
    stamps = ChangeStamps()
    sessions.install(api.app.settings["services"].extras, stamps, ttl=30)
    other = make_app(settings, store, clock=clock)
    sessions.install(other.settings["services"].extras, stamps, ttl=30)
    server, sock = tornado.httpserver.HTTPServer(other), socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    server.add_sockets([sock])
    try:
        first = api.as_anonymous()
        await first.login("clerk_a")
        second = ApiClient(f"http://127.0.0.1:{sock.getsockname()[1]}", clock)
        second.token = first.token
        assert (await second.get("/api/v1/auth/me")).status == 200
        assert (await second.get("/api/v1/auth/me")).status == 200  # now kept by the second worker
        assert (await first.post("/api/v1/auth/logout")).status == 200
        assert (await second.get("/api/v1/auth/me")).status == 401
    finally:
        server.stop()
        await server.close_all_connections()
