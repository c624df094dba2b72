"""How the organisation is shown over the API: each entity with the names of what it points at."""

from __future__ import annotations

from backend.domain.org import (
    CENTRE_LEVELS, FIELDS, POST_KINDS, PROFILE_FIELDS, SETTINGS_FIELDS, SLOTS, OrgState, closing_time,
)
from backend.domain.roles import ROLE_LABELS

STATUS = {True: "在用", False: "已停用"}


def _name(state: OrgState, kind: str, code: str) -> str:
    return (state.of(kind).get(code) or {}).get("name", "") if code else ""


def _ref(state: OrgState, kind: str, code: str) -> dict | None:
    return {"code": code, "name": _name(state, kind, code)} if code else None


def entity_view(state: OrgState, stored: dict, kind: str, code: str) -> dict:
    """One entity as the API shows it; ``stored`` is its document (for its former names)."""
    entity = state.of(kind)[code]
    view = {"username" if kind == "staff" else "code": code, **{k: entity[k] for k in FIELDS[kind]},
            "status_label": STATUS[bool(entity.get("active", True))],
            "former_names": [n.get("name") for n in stored.get("former_names", [])]}
    extra = {"departments": _department, "townships": _township, "centres": _centre, "posts": _post,
             "staff": _staff}[kind]
    view.update(extra(state, code, entity))
    return view


def _department(state: OrgState, code: str, entity: dict) -> dict:
    posts = [c for c, p in sorted(state.posts.items())
             if p.get("kind") == "approval" and p.get("departments") == [code]]
    return {"approval_posts": posts, "staff_count": sum(s.get("department") == code for s in state.staff.values())}


def _township(state: OrgState, code: str, entity: dict) -> dict:
    centre = next((c for c, e in sorted(state.centres.items()) if e.get("township") == code), "")
    return {"centre": _ref(state, "centres", centre)}


def _centre(state: OrgState, code: str, entity: dict) -> dict:
    return {"level_label": CENTRE_LEVELS.get(entity.get("level"), ""),
            "township_ref": _ref(state, "townships", entity.get("township", "")),
            "posts": [c for c, p in sorted(state.posts.items()) if p.get("centre") == code]}


def _holder(state: OrgState, username: str) -> dict | None:
    return {"username": username, "name": _name(state, "staff", username)} if username else None


def _post(state: OrgState, code: str, entity: dict) -> dict:
    return {"kind_label": POST_KINDS.get(entity.get("kind"), ""),
            "centre_ref": _ref(state, "centres", entity.get("centre", "")),
            "department_refs": [_ref(state, "departments", d) for d in entity.get("departments", [])],
            "holders": {slot: _holder(state, entity.get(key, "")) for slot, key in SLOTS.items()}}


def _staff(state: OrgState, username: str, entity: dict) -> dict:
    post = state.post_of(username)
    return {"role_labels": [ROLE_LABELS.get(r, r) for r in entity.get("roles", [])],
            "department_ref": _ref(state, "departments", entity.get("department", "")),
            "centre_ref": _ref(state, "centres", entity.get("centre", "")),
            "post": {"code": post[0], "name": _name(state, "posts", post[0]), "slot": post[1]} if post else None}


def profile_view(state: OrgState) -> dict:
    """The county's profile and rules, and how many of each entity it has."""
    return {**{k: state.profile.get(k, d) for k, d in PROFILE_FIELDS.items()},
            **{k: state.settings.get(k, d) for k, d in SETTINGS_FIELDS.items()},
            "closing_time": closing_time(state.profile.get("business_hours", "")),
            "counts": {kind: {"active": len(state.active(kind)), "all": len(state.of(kind))} for kind in FIELDS}}
