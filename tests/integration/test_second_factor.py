"""Two-step sign-in (两步验证) for administrators and supervisors: enrolment with a QR code, a code
at every sign-in, no replay, and recovery by another administrator."""

import pyotp

from backend.services import accounts

ADMIN = {"username": "admin", "password": "sunshine365", "tenant": "ziyang"}


async def password_step(client, who=ADMIN) -> dict:
    answer = await client.post("/api/v1/auth/login", who)
    assert answer.status == 200 and "token" not in answer.json, answer.json
    return answer.json


async def enrol(client) -> str:
    step = await password_step(client)
    assert step["second_factor"] == "totp_enrol"
    enrolment = (await client.post("/api/v1/auth/second-factor/enrolment", {"challenge": step["challenge"]})).json
    assert enrolment["qr"].startswith("data:image/png;base64,") and enrolment["uri"].startswith("otpauth://totp/")
    code = pyotp.TOTP(enrolment["secret"]).at(client.clock())
    done = await client.post("/api/v1/auth/second-factor", {"challenge": step["challenge"], "code": code})
    assert done.status == 200 and done.json["staff"]["username"] == "admin"
    return enrolment["secret"]


async def test_an_administrator_gets_no_session_from_the_password_alone_and_enrols_at_first_sign_in(api, seeded, svc):
    client = api.as_anonymous()
    step = await password_step(client)
    client.token = step["challenge"]
    assert (await client.get("/api/v1/auth/me")).status == 401, "a challenge is not a session"
    assert await svc.db.sessions.count_documents({}) == 0
    client.token = ""
    secret = await enrol(client)
    stored = await svc.db.second_factors.find_one({"_id": "ziyang:admin"})
    assert stored["secret"] == secret


async def test_every_later_sign_in_needs_a_fresh_code_and_a_code_works_once(api, seeded, clock):
    client = api.as_anonymous()
    secret = await enrol(client)
    clock.advance(seconds=60)
    step = await password_step(client)
    assert step["second_factor"] == "totp"
    wrong = await client.post("/api/v1/auth/second-factor", {"challenge": step["challenge"], "code": "000000"})
    assert wrong.status == 401 and wrong.error["code"] == "bad_totp"
    code = pyotp.TOTP(secret).at(clock())
    assert (await client.post("/api/v1/auth/second-factor", {"challenge": step["challenge"], "code": code})).status == 200
    again = await password_step(client)
    replay = await client.post("/api/v1/auth/second-factor", {"challenge": again["challenge"], "code": code})
    assert replay.status == 401 and replay.error["code"] == "totp_reused"


async def test_a_challenge_lapses_after_five_minutes(api, seeded, clock):
    client = api.as_anonymous()
    step = await password_step(client)
    clock.advance(minutes=6)
    late = await client.post("/api/v1/auth/second-factor/enrolment", {"challenge": step["challenge"]})
    assert late.status == 401 and late.error["code"] == "challenge_expired"


async def test_another_administrator_resets_a_lost_second_factor_and_the_sessions_end(api, seeded, svc, clock):
    lost = api.as_anonymous()
    await enrol(lost)
    await accounts.create_staff(svc, "ziyang", "admin2", "second-admin-1", "第二管理员", ["admin"])
    other = api.as_anonymous()
    await other.login("admin2", "second-admin-1")
    assert (await other.post("/api/v1/staff/admin2/second-factor/reset")).status == 403, "not one's own"
    reset = await other.post("/api/v1/staff/admin/second-factor/reset")
    assert reset.status == 200 and reset.json["reset"] is True and reset.json["sessions_ended"] == 1
    assert (await lost.get("/api/v1/auth/me")).status == 401
    assert (await password_step(api.as_anonymous()))["second_factor"] == "totp_enrol"
    manager = api.as_anonymous()
    await manager.login("manager")
    assert (await manager.post("/api/v1/staff/admin2/second-factor/reset")).status == 403


async def test_a_supervisor_has_a_second_factor_and_a_window_clerk_does_not(api, seeded):
    supervisor = await api.as_anonymous().post("/api/v1/auth/login", {**ADMIN, "username": "supervisor"})
    assert supervisor.json["second_factor"] == "totp_enrol"
    clerk = await api.as_anonymous().post("/api/v1/auth/login", {**ADMIN, "username": "clerk_a"})
    assert "token" in clerk.json
