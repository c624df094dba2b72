"""Every request reaches the same handler through the route index as through Tornado's own router."""

import itertools
import re
from types import SimpleNamespace

import pytest
import tornado.routing

from backend import route_index
from backend.app import make_app
from backend.config import load_settings
from backend.handlers.cases import ProgressHandler


@pytest.fixture(scope="module")
def router():
    app = make_app(load_settings(env={}), SimpleNamespace(db=None))
    found = app.wildcard_router
    found.get_target_delegate = lambda target, request, **params: (
        target, tuple(params.get("path_args", ())) + tuple(params.get("path_kwargs", {}).values()))
    return found


VALUES = ("610924-20261123-00001", "610924-20261123-00001-01", "html", "json", "xlsx", "export", "staff",
          "deactivate", "0123456789abcdef", "ziyang", "accepted", "receipt", "echarts.min.js", "ziyang:task:1-2:3")


def _filled(matcher) -> str | None:
    """A path ``matcher`` matches, its groups filled from ``VALUES`` (None: none of them fit)."""
    for values in itertools.product(VALUES, repeat=matcher.regex.groups):
        try:
            path = matcher.reverse(*values)
        except Exception:
            return None  # a pattern Tornado cannot fill in: its literal start stands for it
        if matcher.regex.match(path):
            return path
    return None


def _paths(router) -> set[str]:
    """A path each route answers (its pattern filled in), and near misses of each."""
    paths = {"/", "/api", "/api/v1", "/api/v1/", "/api/v1/nothing/here", "/console", "/console/", "/m/", "/favicon.ico"}
    for rule in router.rules:
        matcher = rule.matcher
        for base in filter(None, (_filled(matcher), route_index.literal_start(matcher.regex.pattern))):
            paths |= {base, base + "/", base.rstrip("/"), base + "/x", base[:-1], base + "x/y/z"}
    return paths


def test_every_path_finds_the_route_tornado_would_find(router):
    plain = {path: tornado.routing.RuleRouter.find_handler(router, SimpleNamespace(path=path))
             for path in _paths(router)}
    indexed = {path: router.find_handler(SimpleNamespace(path=path)) for path in plain}
    assert indexed == plain
    reached = {found[0] for found in plain.values() if found is not None}
    assert len(reached) >= 0.95 * len({rule.target for rule in router.rules})  # the samples reached nearly every route


def test_a_progress_lookup_reaches_the_progress_page_with_its_number(router):
    found = router.find_handler(SimpleNamespace(path="/api/v1/cases/610924-20261123-00001/progress"))
    assert found == (ProgressHandler, (b"610924-20261123-00001",))  # as Tornado passes it, undecoded


def test_a_literal_start_stops_before_a_character_that_may_be_absent():
    assert route_index.literal_start(r"/api/v1/cases/?$") == "/api/v1/cases"
    assert route_index.literal_start(r"/api/v1/cases/([^/]+)/progress$") == "/api/v1/cases/"
    assert route_index.literal_start(r"/api/v1/cases/x$", re.IGNORECASE) == ""
    assert route_index.segments_key("/api/v1/cases/x") == "/api/v1/cases"
    assert route_index.segments_key("/api/v1/cases") is None
