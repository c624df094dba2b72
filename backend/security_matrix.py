"""The access matrix (权限矩阵): every API operation against every kind of caller, from the declarations.

Each operation declares its access (``handlers.operations``); this module turns the declarations into
the table of docs/security.md: for each role of the sample county, a citizen, an anonymous caller and
a staff member of another county, whether the operation is allowed (允许), allowed within a scope the
service checks on the resource (限范围: own centre, own department, own cases...), needs a key or a
signature (凭密钥/签名), or is refused before any handler code runs (拒绝). ``tests/integration/
test_security_matrix.py`` checks that the document holds this table and that the running server
answers every operation as the table says.
"""

from __future__ import annotations

from backend.domain.roles import ROLE_LABELS
from backend.handlers.operations import Access
from backend.openapi import api_routes, implemented_methods

CALLERS = [*ROLE_LABELS, "citizen", "anonymous", "other_tenant"]
CALLER_LABELS = {**ROLE_LABELS, "citizen": "群众", "anonymous": "匿名", "other_tenant": "外县工作人员"}
VERDICT_LABELS = {"allowed": "允许", "scoped": "限范围", "credential": "凭密钥/签名", "refused": "拒绝"}
BEGIN, END = "<!-- matrix:begin -->", "<!-- matrix:end -->"


def principal_of(caller: str) -> dict | None:
    """A stand-in principal for a caller kind (the tenant does not matter to the role check)."""
    if caller == "anonymous":
        return None
    if caller == "citizen":
        return {"kind": "citizen", "roles": ["citizen"], "id": "openid"}
    if caller == "other_tenant":
        return {"kind": "staff", "roles": ["admin"], "id": "other:admin"}
    return {"kind": "staff", "roles": [caller], "id": f"x:{caller}"}


def verdict(access: Access, caller: str) -> str:
    if access.scope in ("key", "signature"):
        return "credential"
    if not access.allows(principal_of(caller)):
        return "refused"
    if access.public or caller == "other_tenant":
        return "allowed" if access.public else "scoped"
    return "scoped" if access.scope not in ("tenant", "public") else "allowed"


def operations(app) -> list[tuple[str, str, object]]:
    """(METHOD, path, Op) of every documented operation, in path order."""
    rows = []
    for path, handler in api_routes(app):
        for method in implemented_methods(handler):
            rows.append((method.upper(), path, handler.ops.get(method)))
    return sorted(rows, key=lambda r: (r[1], r[0]))


def markdown(app) -> str:
    """The matrix as a Markdown table between the markers docs/security.md keeps it in."""
    head = "| 操作 | 接口 | 范围 | " + " | ".join(CALLER_LABELS[c] for c in CALLERS) + " |"
    rule = "|---|---|---|" + "---|" * len(CALLERS)
    lines = [BEGIN, head, rule]
    for method, path, op in operations(app):
        cells = [VERDICT_LABELS[verdict(op.access, c)] for c in CALLERS]
        lines.append(f"| {op.summary} | `{method} {path}` | {op.access.describe()} | " + " | ".join(cells) + " |")
    lines.append(END)
    return "\n".join(lines)


CONSOLE_BEGIN, CONSOLE_END = "<!-- console:begin -->", "<!-- console:end -->"


def console_verdict(entry_roles: frozenset[str], caller: str) -> str:
    """A console page opens for staff holding one of its menu entry's roles; others are refused
    (staff) or sent to the sign-in page (citizens, anonymous)."""
    from backend.domain.roles import PROVINCE_ROLES

    if caller in ("anonymous", "citizen"):
        return "refused"
    county_page = not entry_roles <= PROVINCE_ROLES  # a county's administrator opens every county page
    if caller == "other_tenant":
        return "scoped" if county_page else "refused"
    return "allowed" if caller in entry_roles or (caller == "admin" and county_page) else "refused"


def console_markdown() -> str:
    from backend.domain.roles import NAVIGATION

    head = "| 页面 | 地址 | " + " | ".join(CALLER_LABELS[c] for c in CALLERS) + " |"
    lines = [CONSOLE_BEGIN, head, "|---|---|" + "---|" * len(CALLERS)]
    for entry in NAVIGATION:
        cells = [VERDICT_LABELS[console_verdict(entry.roles, c)] for c in CALLERS]
        lines.append(f"| {entry.label} | `{entry.path}` | " + " | ".join(cells) + " |")
    lines.append(CONSOLE_END)
    return "\n".join(lines)
