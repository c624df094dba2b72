from backend.domain.roles import navigation_for


def test_a_window_clerk_does_not_see_account_management():
    keys = [entry.key for entry in navigation_for(["window_clerk"])]
    assert "home" in keys and "accounts" not in keys


def test_an_admin_sees_every_county_console_page_and_everyone_sees_account_security():
    from backend.domain.roles import NAVIGATION

    assert [e.key for e in navigation_for(["admin"])] == [e.key for e in NAVIGATION if e.key != "province"]
    assert [e.key for e in navigation_for(["window_clerk"])][-1] == "security"
    assert "sessions" not in [e.key for e in navigation_for(["centre_manager"])]
