"""What the hotline's handlers share: who may call them and how their operations are documented."""

from __future__ import annotations

from backend.handlers.base import CASE_NUMBER
from backend.handlers.operations import Op, roles, staff

NUMBER = CASE_NUMBER
HOTLINE = staff("operator", "centre_manager")
READERS = staff("operator", "centre_manager", "supervisor")
MANAGERS = staff("centre_manager")
UNITS = staff("operator", "centre_manager", "supervisor", "dept_approver", "window_clerk", "info_officer", scope="ticket")
TAGS = ("12345热线",)
TICKET_READERS = roles("operator", "centre_manager", "supervisor", "dept_approver", "window_clerk", "info_officer",
                       "citizen", scope="ticket")


def query(name: str, description: str, type_: str = "string") -> dict:
    """An optional query parameter, as the OpenAPI document describes it."""
    return {"name": name, "in": "query", "required": False, "schema": {"type": type_}, "description": description}


def op(summary: str, ok: str, access, body=None, *, params: tuple = (), created: bool = False) -> Op:
    """A hotline operation: tagged 12345热线, answering 200 (201 when ``created``), 404, 409 or 422."""
    return Op(summary, TAGS, access, body, {201 if created else 200: ok}, (404, 409, 422), params)
