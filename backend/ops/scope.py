"""Which documents belong to a backup: every collection, or the documents of one tenant (县区).

Nearly every document carries ``tenant``; the exceptions are named here. Coordination state is
never backed up: sessions and the state of signing in (people sign in again; second factors are
kept), leases (the restored store starts its own
chains), a migration's running marks and the records of earlier scheduled backups.
"""

from __future__ import annotations

from backend.store.work import prefix_range

SKIPPED = frozenset({"sessions", "session_index", "login_failures", "login_known", "login_challenges", "totp_used",
                     "leases", "lease_claims", "schema_runs", "backups"})

# Read in this order, last ones last: derived records before the records they derive from, so that
# a backup taken while the server writes never holds a snapshot, a working-set entry or a checkpoint
# ahead of ``case_steps`` (the authority). Cases that moved while the backup ran are rebuilt from
# their steps on restore (see ``restore.repair_moved``). The vault (``pii``) comes after everything
# that refers to it: a value is kept before the step naming it, so the backup holds every value named.
LAST = ("trail_checkpoints", "cases", "hotline_tickets", "work", "materials.files", "materials.chunks", "case_steps",
        "pii")


def ordered(names: list[str]) -> list[str]:
    """The collections to back up, in reading order."""
    kept = [n for n in names if n not in SKIPPED and not n.startswith("system.")]
    return sorted(n for n in kept if n not in LAST) + [n for n in LAST if n in kept]


def tenant_filter(collection: str, tenant: str | None) -> dict:
    """The filter selecting ``tenant``'s documents of ``collection`` (everything when ``tenant`` is None)."""
    if tenant is None:
        return {}
    if collection == "tenants":
        return {"_id": tenant}
    if collection == "materials.files":
        return {"_id": prefix_range(f"{tenant}:")}
    if collection == "materials.chunks":
        return {"files_id": prefix_range(f"{tenant}:")}
    return {"tenant": tenant}
