"""Loading the sample county (示例数据) into an empty store."""

from __future__ import annotations

import json
from pathlib import Path

from backend.services import accounts, tenant_config
from backend.services.context import Services

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
SAMPLE_PASSWORD = "sunshine365"
def load_county() -> dict:
    return json.loads((SEED_DIR / "county.json").read_text(encoding="utf-8"))


async def is_empty(svc: Services) -> bool:
    return await svc.db.tenants.count_documents({}, limit=1) == 0


async def seed_sample(svc: Services, progress=None) -> dict:
    """Write the sample county; returns counts. Re-running on a seeded tenant changes nothing."""
    county = load_county()
    tenant = county["tenant"]["_id"]
    if await svc.db.tenants.find_one({"_id": tenant}):
        return {"tenant": tenant, "skipped": True}
    now = svc.now()
    await svc.db.tenants.insert_one({**county["tenant"], "sample": True, "created_at": now})
    departments = [
        {"_id": f"{tenant}:{d['code']}", "tenant": tenant, **d, "sample": True} for d in county["departments"]
    ]
    await svc.db.departments.insert_many(departments)
    townships = [
        {"_id": f"{tenant}:{code}", "tenant": tenant, "code": code, "name": name, "sample": True}
        for code, name in county["townships"]
    ]
    await svc.db.townships.insert_many(townships)
    centres = [{"_id": f"{tenant}:county", "tenant": tenant, "code": "county", "name": county["tenant"]["centre_name"],
                "level": "county", "township": ""}]
    centres += [{"_id": f"{tenant}:{code}", "tenant": tenant, "code": code, "name": f"{name}便民服务中心",
                 "level": "township", "township": code} for code, name in county["townships"]]
    await svc.db.centres.insert_many(centres)
    await svc.db.posts.insert_many(_posts(tenant, county))
    demo_hash = accounts.hash_password(SAMPLE_PASSWORD)
    staff = county["staff"] + _default_approvers(county)
    for person in staff:
        await accounts.create_staff(
            svc, tenant, person["username"], SAMPLE_PASSWORD, person["name"], person["roles"],
            department=person.get("department", ""), centre=person.get("centre", ""), actor="seed",
            password_hash=demo_hash, batch=True,
        )
        if progress:
            progress(person["username"])
    await _assign_post_holders(svc, tenant, staff)
    await tenant_config.changed(svc, tenant, "org")
    counts = {"tenant": tenant, "departments": len(departments), "townships": len(townships),
              "centres": len(centres), "staff": len(staff)}
    counts["items"] = await _seed_catalogue(svc, tenant)
    return counts


async def _seed_catalogue(svc: Services, tenant: str) -> int:
    from backend.services import catalog_admin

    catalogue = json.loads((SEED_DIR / "catalogue.json").read_text(encoding="utf-8"))
    actor = {"id": f"{tenant}:seed", "roles": ["admin"]}
    counts = await catalog_admin.import_items(svc, tenant, catalogue["items"], actor, publish_now=True)
    return counts["created"]


def _default_approvers(county: dict) -> list[dict]:
    """An A and a B approver for every department the sample names no one for (AB岗 everywhere)."""
    named = {(p.get("post"), p.get("slot")) for p in county["staff"]}
    extra = []
    for department in county["departments"]:
        code = department["code"]
        if code == "zwfw":
            continue
        short = department["name"].replace("紫阳县", "").replace("安康市生态环境局紫阳分局", "生态环境分局")
        for slot in ("A", "B"):
            if (f"d-{code}", slot) not in named:
                extra.append({"username": f"{code}_{slot.lower()}", "name": f"{short}审批{slot}岗",
                              "roles": ["dept_approver"], "department": code, "post": f"d-{code}", "slot": slot})
    return extra


def _posts(tenant: str, county: dict) -> list[dict]:
    """Window posts at the county centre, one approver post per department, one window per township centre."""
    names = {d["code"]: d["name"] for d in county["departments"]}
    posts = [
        {"_id": f"{tenant}:{w['code']}", "code": w["code"], "name": w["name"], "kind": "window", "centre": "county",
         "departments": w["departments"]}
        for w in county["county_windows"]
    ]
    posts += [
        {"_id": f"{tenant}:d-{code}", "code": f"d-{code}", "name": f"{name}审批岗", "kind": "approval",
         "centre": "county", "departments": [code]}
        for code, name in names.items() if code != "zwfw"
    ]
    posts += [
        {"_id": f"{tenant}:t-{code}", "code": f"t-{code}", "name": f"{name}便民服务窗口", "kind": "window",
         "centre": code, "departments": []}
        for code, name in county["townships"]
    ]
    for post in posts:
        post.update({"tenant": tenant, "holder_a": "", "holder_b": "", "a_away": False, "away_reason": "", "sample": True})
    return posts


async def _assign_post_holders(svc: Services, tenant: str, staff: list[dict]) -> None:
    for person in staff:
        if person.get("post"):
            field = "holder_a" if person["slot"] == "A" else "holder_b"
            await svc.db.posts.update_one(
                {"_id": f"{tenant}:{person['post']}"},
                {"$set": {field: accounts.staff_id(tenant, person["username"])}},
            )
