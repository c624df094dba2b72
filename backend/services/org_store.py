"""The organisation in the store: read as one ``OrgState``, written as the difference of two.

Documents are keyed ``{tenant}:{code}`` (staff ``{tenant}:{username}``) in ``departments``,
``townships``, ``centres``, ``posts`` and ``staff``; the profile is ``tenants/{tenant}`` and the
rules ``tenant_settings/{tenant}``. A write inserts what is new (the unique ``_id`` decides a
duplicate code), sets the fields of what changed (a rename keeps the old name in
``former_names``), appends one ``org_history/{tenant}:{kind}:{code}:{time}:{ns}:{random}`` document per
change, and then marks the organisation changed so every process reloads it.
"""

from __future__ import annotations

import secrets
import time

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from backend.domain.errors import Conflict
from backend.domain.org import FIELDS, KIND_LABELS, PROFILE_FIELDS, SETTINGS_FIELDS, SLOTS, OrgState, closing_time
from backend.domain.org_rules import changes
from backend.services import accounts, audit, passwords, tenant_config
from backend.services.context import Services
from backend.store.work import prefix_range

HISTORY = "org_history"
COLLECTIONS = {kind: kind for kind in FIELDS}


def _username(staff_id: str) -> str:
    return staff_id.split(":", 1)[1] if ":" in (staff_id or "") else staff_id or ""


def _fields(kind: str, doc: dict) -> dict:
    values = {key: doc.get(key, default) for key, default in FIELDS[kind].items()}
    values["active"] = bool(doc.get("active", True))
    if kind == "posts":
        values.update({key: _username(doc.get(key, "")) for key in SLOTS.values()})
    return values


def state_from_org(org: tenant_config.Org, known_items: frozenset[str] | None = None) -> OrgState:
    """The cached organisation as the rules see it (holders by username)."""
    return OrgState(
        profile={key: org.tenant.get(key, default) for key, default in PROFILE_FIELDS.items()},
        settings={key: org.settings.get(key, default) for key, default in SETTINGS_FIELDS.items()},
        **{kind: {code: _fields(kind, doc) for code, doc in getattr(org, kind).items()}
           for kind in ("departments", "townships", "centres", "posts")},
        staff={doc["username"]: _fields("staff", doc) for doc in org.staff.values() if doc.get("username")},
        known_items=known_items,
    )


async def load_state(svc: Services, tenant: str, with_items: bool = True) -> OrgState:
    """The tenant's organisation now; ``with_items`` also reads the catalogue's item codes."""
    known = None
    if with_items:
        heads = await svc.db.item_heads.find({"_id": prefix_range(f"{tenant}:")}, {"code": 1}).to_list(None)
        known = frozenset(h.get("code") for h in heads)
    return state_from_org(await tenant_config.org(svc, tenant), known)


def _document(tenant: str, kind: str, code: str, entity: dict) -> dict:
    doc = {**entity, "tenant": tenant, "username" if kind == "staff" else "code": code}
    if kind == "posts":
        doc.update({key: f"{tenant}:{entity[key]}" if entity[key] else "" for key in SLOTS.values()})
    return doc


class Passwords:
    """Initial passwords of new accounts: one given password, or a random one each (``issued``, to hand
    out). Every account gets a hash of its own (its own salt), the hashes computed side by side;
    ``prepared`` hashes (the sample county's, made ahead) are used as they are."""

    def __init__(self, shared: str = "", prepared: dict[str, str] | None = None):
        self.shared, self.issued, self.prepared = shared, {}, dict(prepared or {})

    async def hashes(self, usernames: list[str]) -> dict[str, str]:
        todo = [u for u in usernames if u not in self.prepared]
        plain = [self.shared or self.issued.setdefault(u, secrets.token_urlsafe(9)) for u in todo]
        made = dict(zip(todo, await passwords.hash_many(plain)))
        return {u: self.prepared.get(u) or made[u] for u in usernames}


async def write(svc: Services, tenant: str, before: OrgState, after: OrgState, actor_id: str, *,
                passwords: Passwords | None = None, progress=None) -> dict[str, dict[str, int]]:
    """Store what ``after`` changes from ``before``; returns per kind {created, updated}."""
    diff, now = changes(before, after), svc.now()
    total, done, counts, history = sum(len(v) for v in diff.values()), 0, {}, []
    if not total and profile_document(before) == profile_document(after) and before.settings == after.settings:
        return {kind: {"created": 0, "updated": 0} for kind in diff}
    for kind, entries in diff.items():
        new, updates = [], []
        hashes = await (passwords or Passwords()).hashes([c for c, old, _ in entries if old is None]) \
            if kind == "staff" else {}
        for code, old, entity in entries:
            doc = _document(tenant, kind, code, entity)
            if old is None:
                extra = accounts.new_account_fields(hashes[code], now) if kind == "staff" else {}
                new.append({"_id": f"{tenant}:{code}", **doc, **extra, "created_at": now})
            else:
                renamed = {"$push": {"former_names": {"name": old["name"], "until": now}}} \
                    if old["name"] != entity["name"] and old["name"] else {}
                updates.append(UpdateOne({"_id": f"{tenant}:{code}"}, {"$set": {**doc, "updated_at": now}, **renamed}))
            history.append(_history(tenant, kind, code, old, entity, actor_id, now))
            done += 1
            if progress:
                progress(done, total)
        await _insert(svc, kind, new)
        if updates:
            await svc.db[COLLECTIONS[kind]].bulk_write(updates, ordered=False)
        counts[kind] = {"created": len(new), "updated": len(updates)}
    await _write_profile(svc, tenant, before, after, now)
    if history:
        await svc.db[HISTORY].insert_many(history, ordered=False)
    await tenant_config.changed(svc, tenant, "org")
    created = [("staff.created", {"staff": f"{tenant}:{code}", "roles": ",".join(new["roles"])})
               for code, old, new in diff["staff"] if old is None]
    await audit.record_many(svc, tenant, actor_id, created + [
        ("org.changed", {k: f"{v['created']}+{v['updated']}" for k, v in counts.items()})])
    return counts


async def _insert(svc: Services, kind: str, docs: list[dict]) -> None:
    if not docs:
        return
    try:
        await svc.db[COLLECTIONS[kind]].insert_many(docs, ordered=False)
    except (BulkWriteError, DuplicateKeyError) as exc:
        taken = [e.get("op", {}).get("_id", "") for e in getattr(exc, "details", {}).get("writeErrors", [])]
        codes = "、".join(_username(t) for t in taken if t) or "（见上）"
        raise Conflict(f"{KIND_LABELS[kind]}代码已存在：{codes}", code="duplicate_code") from None


def profile_document(state: OrgState) -> dict:
    """The tenant document's profile fields, with the closing time and the county centre's name derived."""
    county = [c["name"] for c in state.active("centres").values() if c.get("level") == "county"]
    return {**state.profile, "closing_time": closing_time(state.profile.get("business_hours", "")),
            **({"centre_name": county[0]} if county else {})}


async def _write_profile(svc: Services, tenant: str, before: OrgState, after: OrgState, now) -> None:
    profile = profile_document(after)
    if profile != profile_document(before):
        await svc.db.tenants.update_one({"_id": tenant}, {"$set": {**profile, "updated_at": now}})
    if after.settings != before.settings:
        await svc.db.tenant_settings.update_one({"_id": tenant}, {"$set": {**after.settings, "tenant": tenant}},
                                                upsert=True)


def _history(tenant: str, kind: str, code: str, old: dict | None, new: dict, actor_id: str, now) -> dict:
    # the service clock orders changes; the process's own nanoseconds order changes made at one instant
    order = f"{now.strftime('%Y%m%d%H%M%S%f')}:{time.time_ns():020d}:{secrets.token_hex(3)}"
    return {"_id": f"{tenant}:{kind}:{code}:{order}",
            "tenant": tenant, "kind": kind, "code": code, "at": now, "actor": actor_id, "before": old, "after": new}


async def history(svc: Services, tenant: str, kind: str, code: str) -> list[dict]:
    """Every recorded change of one entity, oldest first (one ``_id`` prefix read)."""
    prefix = f"{tenant}:{kind}:{code}:"
    docs = await svc.db[HISTORY].find({"_id": prefix_range(prefix)}).to_list(None)
    return [{k: d.get(k) for k in ("at", "actor", "before", "after")}
            for d in sorted(docs, key=lambda d: d["_id"]) if d["_id"].startswith(prefix)]
