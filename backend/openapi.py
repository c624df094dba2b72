"""The OpenAPI 3.1 document, assembled from the route table and each handler's ``spec``.

A test compares this document with the route table, so an endpoint cannot ship undocumented.
"""

from __future__ import annotations

import re

import tornado.web

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def path_patterns(pattern: str) -> dict[str, str]:
    """Each path parameter's own pattern in a route regex: {"which": "^(?:export|template)$", ...}."""
    return {m.group(1): f"^(?:{m.group(0)[len(m.group(1)) + 5:-1]})$" for m in _GROUP.finditer(pattern)}


def route_path(pattern: str) -> str:
    """Turn a tornado route regex into an OpenAPI path: (?P<code>[^/]+) -> {code}."""
    path = _GROUP.sub(lambda m: "{" + m.group(1) + "}", pattern)
    return path.rstrip("$").replace("\\.", ".")


def implemented_methods(handler: type) -> list[str]:
    """The HTTP methods a handler class really implements (not inherited from RequestHandler)."""
    return [m for m in HTTP_METHODS if getattr(handler, m) is not getattr(tornado.web.RequestHandler, m)]


def api_routes(app: tornado.web.Application, with_patterns: bool = False):
    """(path, handler class) for every documented JSON route (and the parameters' patterns, if asked)."""
    for rule in app.wildcard_router.rules:
        for sub in getattr(rule.target, "rules", [rule]):
            handler = sub.target
            pattern = sub.matcher.regex.pattern if hasattr(sub.matcher, "regex") else ""
            if isinstance(handler, type) and getattr(handler, "spec", None) is not None and hasattr(handler, "send_json"):
                yield (route_path(pattern), handler, path_patterns(pattern)) if with_patterns else (route_path(pattern), handler)


NOT_FOUND = {"description": "错误（JSON 错误结构）：路径参数不符合格式，或所指的资源不存在"}


def build_document(app: tornado.web.Application) -> dict:
    paths: dict[str, dict] = {}
    for path, handler, patterns in api_routes(app, with_patterns=True):
        operations = {}
        for method in implemented_methods(handler):
            op = dict(handler.spec.get(method, {}))
            params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string", "pattern": patterns[n]}}
                      for n in re.findall(r"{(\w+)}", path)]
            if params:
                op["parameters"] = params + list(op.get("parameters", []))
                op["responses"] = {**op.get("responses", {}), "404": op.get("responses", {}).get("404", NOT_FOUND)}
            operations[method] = op
        paths[path] = operations
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "阳光365 政务服务平台 API",
            "version": "0.1.0",
            "description": "全程代理：一窗受理、内部运作、网络处理、电子监察、限时办结、统一送达。"
                           "错误统一为 {\"error\": {\"code\", \"message\"}}。",
        },
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "s365_session"},
        }},
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
    }
