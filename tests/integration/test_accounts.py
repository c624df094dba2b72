"""Staff accounts: argon2 passwords, sessions, roles, admin-only creation (limits: test_login_limits)."""


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


async def test_passwords_are_stored_as_argon2_hashes_each_account_its_own(svc, seeded):
    from argon2 import PasswordHasher

    doc = await svc.db.staff.find_one({"_id": "ziyang:clerk_a"})
    assert doc["password_hash"].startswith("$argon2id") and "sunshine365" not in doc["password_hash"]
    hashes = [d["password_hash"] async for d in svc.db.staff.find({"tenant": "ziyang"})]
    assert len(hashes) == 69 and len(set(hashes)) == len(hashes), "every sample account has its own hash and salt"
    assert len({h.rsplit("$", 2)[1] for h in hashes}) == len(hashes)
    hasher = PasswordHasher()
    assert not any(hasher.check_needs_rehash(h) for h in hashes), "made with today's full parameters"


def test_the_prepared_sample_hashes_cover_every_sample_account_and_verify():
    from argon2 import PasswordHasher

    from backend.services.seed import SAMPLE_PASSWORD, sample_book, sample_hashes

    hashes = sample_hashes()
    assert set(hashes) == set(sample_book().state.staff)
    assert PasswordHasher().verify(hashes["admin"], SAMPLE_PASSWORD)


async def test_a_county_imported_with_one_initial_password_gets_a_hash_per_account(svc):
    from backend.services import org_store

    passwords = org_store.Passwords("first-password-1")
    hashes = await passwords.hashes(["a_one", "a_two", "a_three"])
    assert len(set(hashes.values())) == 3


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
