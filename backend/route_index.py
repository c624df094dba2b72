"""Routing by path prefix: a request tries only the routes that could match its path.

Tornado's rule router tries every route in order until one matches, each a regular-expression match
run from Python: a progress lookup went through about a hundred of them before reaching its own, a
twentieth of the API's CPU per lookup. :func:`install` gives the application's router an index of
its routes by the first three path segments of each route's literal beginning (``/api/v1/cases/``
of ``/api/v1/cases/([^/]+)/progress``). A request tries the routes filed under its own path's first
three segments together with every route whose literal beginning is shorter than that, in their
original order, so the first route to match is the same one as before; a route whose literal
beginning the path does not start with is passed over without running its expression.
"""

from __future__ import annotations

import re
from typing import Any

from tornado.routing import PathMatches

_REGEX_SPECIAL = frozenset(".^$*+?{}[]\\|()")


def literal_start(pattern: str, flags: int = 0) -> str:
    """The characters every path matching ``pattern`` begins with (none when case is ignored)."""
    if flags & re.IGNORECASE:
        return ""
    start = []
    for ch in pattern.removeprefix("^"):
        if ch in _REGEX_SPECIAL:
            if ch in "?*{" and start:  # the character before may be absent
                start.pop()
            break
        start.append(ch)
    return "".join(start)


def segments_key(path: str) -> str | None:
    """``/a/b/c`` for a path ``/a/b/c/...`` (three whole segments and a slash after them), else None."""
    parts = path.split("/", 4)
    return "/".join(parts[:4]) if len(parts) == 5 and parts[0] == "" else None


class RouteIndex:
    """The rules of one ``RuleRouter`` filed by :func:`segments_key` (filed again when rules are added)."""

    def __init__(self, router) -> None:
        self.router = router
        self.size = -1
        self.by_key: dict[str, list[tuple[str, Any]]] = {}  # (literal start, rule), in the router's order
        self.everywhere: list[tuple[str, Any]] = []

    def _build(self) -> None:
        rules = [(literal_start(rule.matcher.regex.pattern, rule.matcher.regex.flags)
                  if isinstance(rule.matcher, PathMatches) else "", rule) for rule in self.router.rules]
        filed: dict[str, list[int]] = {}
        everywhere: list[int] = []
        for position, (literal, _) in enumerate(rules):
            key = segments_key(literal)
            (filed.setdefault(key, []) if key else everywhere).append(position)
        self.everywhere = [rules[i] for i in everywhere]
        self.by_key = {key: [rules[i] for i in sorted(own + everywhere)] for key, own in filed.items()}
        self.size = len(rules)

    def find_handler(self, request, **kwargs: Any):
        """As ``RuleRouter.find_handler``, over the rules that could match ``request.path``."""
        if len(self.router.rules) != self.size:
            self._build()
        path = request.path
        key = segments_key(path)
        for literal, rule in self.by_key.get(key, self.everywhere) if key else self.everywhere:
            if not path.startswith(literal):
                continue
            params = rule.matcher.match(request)
            if params is None:
                continue
            if rule.target_kwargs:
                params["target_kwargs"] = rule.target_kwargs
            delegate = self.router.get_target_delegate(rule.target, request, **params)
            if delegate is not None:
                return delegate
        return None


def install(app) -> RouteIndex:
    """Route ``app``'s requests through an index of its rules."""
    index = RouteIndex(app.wildcard_router)
    app.wildcard_router.find_handler = index.find_handler
    return index
