"""Staff accounts: argon2 passwords, sessions, lockout, roles, admin-only creation."""


async def test_staff_sign_in_and_see_who_they_are(api, seeded):
    staff = await api.login("clerk_a")
    assert staff["roles"] == ["window_clerk"] and staff["role_labels"] == ["窗口人员"]
    me = await api.get("/api/v1/auth/me")
    assert me.status == 200 and me.json["name"] == "王晓燕"


async def test_a_wrong_password_does_not_say_which_part_was_wrong(api, seeded):
    response = await api.post("/api/v1/auth/login", {"username": "clerk_a", "password": "wrong-password"})
    assert response.status == 401 and response.error["message"] == "用户名或密码错误"
    unknown = await api.post("/api/v1/auth/login", {"username": "nobody", "password": "wrong-password"})
    assert unknown.error["message"] == "用户名或密码错误"


async def test_passwords_are_stored_as_argon2_hashes(svc, seeded):
    doc = await svc.db.staff.find_one({"_id": "ziyang:clerk_a"})
    assert doc["password_hash"].startswith("$argon2") and "sunshine365" not in doc["password_hash"]


async def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(api, seeded, clock):
    for _ in range(5):
        await api.post("/api/v1/auth/login", {"username": "clerk_b", "password": "wrong-password"})
    locked = await api.post("/api/v1/auth/login", {"username": "clerk_b", "password": "sunshine365"})
    assert locked.status == 401 and "锁定" in locked.error["message"]
    clock.advance(minutes=16)
    assert (await api.post("/api/v1/auth/login", {"username": "clerk_b", "password": "sunshine365"})).status == 200


async def test_a_session_expires_and_logout_ends_it(api, seeded, clock):
    await api.login("manager")
    assert (await api.post("/api/v1/auth/logout")).status == 200
    assert (await api.get("/api/v1/auth/me")).status == 401
    await api.login("manager")
    clock.advance(hours=13)
    assert (await api.get("/api/v1/auth/me")).status == 401


async def test_only_an_admin_creates_accounts_and_usernames_are_unique(api, seeded):
    await api.login("manager")
    new = {"username": "newclerk", "password": "long-enough-1", "name": "新同事", "roles": ["window_clerk"]}
    assert (await api.post("/api/v1/staff", new)).status == 403
    await api.login("admin")
    created = await api.post("/api/v1/staff", new)
    assert created.status == 201 and created.json["role_labels"] == ["窗口人员"]
    again = await api.post("/api/v1/staff", new)
    assert again.status == 409 and "已存在" in again.error["message"]
    fresh = api.as_anonymous()
    assert (await fresh.login("newclerk", "long-enough-1"))["name"] == "新同事"


async def test_account_input_is_checked_field_by_field(api, seeded):
    await api.login("admin")
    response = await api.post("/api/v1/staff", {"username": "A", "password": "short", "name": "", "roles": ["wizard"]})
    assert response.status == 422
    fields = {item["field"] for item in response.error["details"]["fields"]}
    assert fields == {"username", "password", "name", "roles"}
    assert "未知角色" in response.error["message"]


async def test_the_admin_action_trail_records_logins_and_account_creation(api, svc, seeded):
    from backend.services import audit

    await api.login("admin")
    await api.post("/api/v1/staff", {"username": "x_clerk", "password": "long-enough-1", "name": "甲", "roles": ["operator"]})
    actions = [entry["action"] for entry in await audit.recent(svc, "ziyang")]
    assert "staff.logged_in" in actions and "staff.created" in actions
