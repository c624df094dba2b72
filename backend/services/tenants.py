"""A county's public profile: its name, and the departments, townships and service centres in use."""

from backend.domain.errors import NotFound
from backend.services import tenant_config
from backend.services.context import Services


async def profile(svc: Services, tenant: str) -> dict:
    org = await tenant_config.org(svc, tenant)
    doc = org.tenant
    if not doc:
        raise NotFound(f"未找到县区：{tenant}", code="tenant_not_found")
    departments = [{"code": d["code"], "name": d["name"], "duties": d.get("duties", "")}
                   for d in org.active("departments").values()]
    townships = [{"code": t["code"], "name": t["name"], "villages": t.get("villages", [])}
                 for t in org.active("townships").values()]
    centres = [{"code": c["code"], "name": c["name"], "level": c["level"]} for c in org.active("centres").values()]
    return {
        "code": tenant, "name": doc.get("name", tenant), "area_code": doc.get("area_code", ""),
        "centre_name": doc.get("centre_name", ""), "hotline": doc.get("hotline", ""),
        "business_hours": doc.get("business_hours", ""), "sample": bool(doc.get("sample")),
        "departments": sorted(departments, key=lambda d: d["code"]),
        "townships": townships, "centres": centres,
    }


async def require(svc: Services, tenant: str) -> str:
    """The tenant's code if the county exists; NotFound otherwise."""
    if not (await tenant_config.org(svc, tenant)).tenant:
        raise NotFound("未找到该县区", code="tenant_not_found")
    return tenant
