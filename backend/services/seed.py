"""Loading the sample county (示例数据) into an empty store, through the same imports a county uses:
the organisation workbook (``seed/ziyang-org.xlsx``) and the power list (``seed/catalogue.json``)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from backend.services import org_import
from backend.services.context import Services

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
SAMPLE_TENANT = "ziyang"
SAMPLE_WORKBOOK = SEED_DIR / "ziyang-org.xlsx"
TEMPLATE_WORKBOOK = SEED_DIR / "org-template.xlsx"
SAMPLE_PASSWORD = "sunshine365"
# Each sample account's own argon2id hash of SAMPLE_PASSWORD (own salt, today's parameters), made ahead
# by `python -m backend seed --hash-sample-passwords`: 69 hashes cost about 15 s of CPU, which would keep
# a first start from being ready within 10 s. An account missing here is hashed at load.
SAMPLE_HASHES = SEED_DIR / "sample-password-hashes.json"


@lru_cache(maxsize=1)
def sample_book():
    """The sample county's organisation workbook, read once per process (never changed by an import)."""
    from backend.orgfiles import read_org

    return read_org(SAMPLE_WORKBOOK)


def sample_profile() -> dict:
    """The sample county's profile as stored (name, area code, office hours, centre name, ...)."""
    from backend.services.org_store import profile_document

    book = sample_book()
    return {"_id": SAMPLE_TENANT, **profile_document(book.state)}


async def is_empty(svc: Services) -> bool:
    return await svc.db.tenants.count_documents({}, limit=1) == 0


async def seed_sample(svc: Services, progress=None) -> dict:
    """Write the sample county; returns counts. Re-running on a seeded tenant changes nothing."""
    tenant, book = SAMPLE_TENANT, sample_book()
    if await svc.db.tenants.find_one({"_id": tenant}):
        return {"tenant": tenant, "skipped": True}
    await svc.db.tenants.insert_one({"_id": tenant, "name": book.state.profile["name"], "kind": "county",
                                     "sample": True, "created_at": svc.now()})
    actor = {"id": f"{tenant}:seed", "roles": ["admin"]}
    result = await org_import.import_org(svc, tenant, book, actor, initial_password=SAMPLE_PASSWORD,
                                         prepared_hashes=sample_hashes(), progress=progress)
    counts = {"tenant": tenant, **{kind: c["created"] for kind, c in result["counts"].items()}}
    counts["items"] = await _seed_catalogue(svc, tenant)
    return counts


async def _seed_catalogue(svc: Services, tenant: str) -> int:
    from backend.services import catalog_admin

    catalogue = json.loads((SEED_DIR / "catalogue.json").read_text(encoding="utf-8"))
    actor = {"id": f"{tenant}:seed", "roles": ["admin"]}
    counts = await catalog_admin.import_items(svc, tenant, catalogue["items"], actor, publish_now=True)
    return counts["created"]


def sample_hashes() -> dict[str, str]:
    """The sample accounts' hashes made ahead (username -> hash)."""
    return json.loads(SAMPLE_HASHES.read_text(encoding="utf-8")) if SAMPLE_HASHES.exists() else {}


async def write_sample_hashes() -> int:
    """Hash the sample password once per sample account (side by side) into ``SAMPLE_HASHES``."""
    from backend.services import passwords

    usernames = sorted(sample_book().state.staff)
    hashes = await passwords.hash_many([SAMPLE_PASSWORD] * len(usernames))
    SAMPLE_HASHES.write_text(json.dumps(dict(zip(usernames, hashes)), indent=1) + "\n", encoding="utf-8")
    return len(usernames)
