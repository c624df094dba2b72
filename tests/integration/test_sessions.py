"""Sessions: an absolute and an idle lifetime, one's own listed and ended, the county's ended by its administrator."""


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
    assert (await admin.request("DELETE", f"/api/v1/sessions/{target['id']}")).status == 200
    assert (await clerk.get("/api/v1/auth/me")).status == 401
    assert (await clerk.get("/api/v1/sessions")).status == 401
    actions = [e["action"] for e in await audit.recent(svc, "ziyang", limit=500)]
    assert "staff.session_revoked" in actions
