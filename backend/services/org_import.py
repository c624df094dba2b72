"""Onboarding a county from one workbook (机构设置表): checked whole, then written at once.

The workbook is laid over what the county already has (``org_rules.merge``); the result must have
no problem at all and deactivate nothing that work still points at, or nothing is written and every
problem is named by sheet, row and column. New accounts get one given initial password, or a random
one each (returned once, for handing out), each account hashed with its own salt. ``export_org`` gives the workbook back, and importing it
again changes nothing. The sample county is seeded through here too.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.org_rules import merge, problems
from backend.itemfiles.tables import import_failure
from backend.orgfiles import OrgBook
from backend.services import org_admin, org_store
from backend.services.context import Services


async def import_org(svc: Services, tenant: str, book: OrgBook, actor: dict, *, initial_password: str = "",
                     prepared_hashes: dict[str, str] | None = None, progress=None) -> dict:
    """Apply the workbook to ``tenant``; returns counts per kind and the initial passwords issued."""
    tenant_doc = await svc.db.tenants.find_one({"_id": tenant})
    if not tenant_doc:
        raise NotFound(f"未找到县区「{tenant}」，请先运行 create-admin 创建县区及其管理员", code="tenant_not_found")
    if tenant_doc.get("kind") == "province":
        raise ValidationFailed("省级账号不能导入县区机构设置", code="province_tenant")
    if initial_password and len(initial_password) < org_admin.MIN_PASSWORD:
        raise ValidationFailed(f"初始密码至少 {org_admin.MIN_PASSWORD} 位", code="bad_password")
    before = await org_store.load_state(svc, tenant)
    after, found = merge(before, book.state)
    found += problems(after) + await org_admin.blockers(svc, tenant, before, after)
    errors = book.report(found)
    if errors:
        raise import_failure(errors)
    passwords = org_store.Passwords(initial_password, prepared_hashes)
    counts = await org_store.write(svc, tenant, before, after, actor["id"], passwords=passwords, progress=progress)
    handed_over = await org_admin.hand_over_moved(svc, tenant, before, after, actor)
    return {"tenant": tenant, "counts": counts, "initial_passwords": passwords.issued, "handed_over": handed_over}


async def import_workbook(svc: Services, tenant: str, data: bytes, actor: dict, **options) -> dict:
    """An uploaded workbook (the bytes of an .xlsx file) imported as ``import_org`` does."""
    from backend.orgfiles import read_org

    if not data.startswith(b"PK"):
        raise ValidationFailed("请上传 Excel 工作簿（.xlsx）", code="not_xlsx")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "org.xlsx"
        path.write_bytes(data)
        book = await asyncio.to_thread(read_org, path)
    return await import_org(svc, tenant, book, actor, **options)


async def export_workbook(svc: Services, tenant: str) -> bytes:
    """The county's organisation as the bytes of a workbook."""
    from backend.orgfiles import write_org

    state = await export_org(svc, tenant)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "org.xlsx"
        await asyncio.to_thread(write_org, state, path)
        return path.read_bytes()


async def export_org(svc: Services, tenant: str):
    """The county's organisation as it is now (write it with ``backend.orgfiles.write_org``)."""
    if not await svc.db.tenants.find_one({"_id": tenant}):
        raise NotFound(f"未找到县区「{tenant}」", code="tenant_not_found")
    return await org_store.load_state(svc, tenant, with_items=False)


def summary(result: dict) -> str:
    """One line for people: 部门 新增 20、更新 0；……"""
    from backend.domain.org import KIND_LABELS

    parts = [f"{KIND_LABELS[k]} 新增 {v['created']}、更新 {v['updated']}" for k, v in result["counts"].items()]
    return "；".join(parts)
