"""Every console menu entry opens for everyone it is shown to (no menu item answers 403)."""

import re

import pytest

SAMPLE_STAFF = ["admin", "manager", "clerk_a", "haoping_clerk", "scjgj_a", "supervisor", "operator", "survey",
                "officer_haoping", "fee"]


@pytest.mark.parametrize("username", SAMPLE_STAFF)
async def test_each_menu_entry_opens_for_the_people_it_is_shown_to(api, seeded, username):
    await api.login(username)
    home = await api.get("/console/")
    assert home.status == 200
    links = re.findall(r'<a href="(/console/[^"]*)" class="[^"]*"[^>]*>', home.body.decode())
    assert links, "the menu lists at least the home page"
    for link in links:
        page = await api.get(link)
        assert page.status == 200, f"{username}: {link} answered {page.status}"
