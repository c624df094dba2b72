from backend.domain.roles import navigation_for


def test_a_window_clerk_does_not_see_account_management():
    keys = [entry.key for entry in navigation_for(["window_clerk"])]
    assert "home" in keys and "accounts" not in keys


def test_an_admin_sees_every_console_page():
    assert [e.key for e in navigation_for(["admin"])][-1] == "accounts"
