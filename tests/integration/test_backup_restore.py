"""Backup and restore on the real store: a lived-in county comes back whole, a damaged copy is refused."""

import asyncio
import hashlib
import json
from pathlib import Path

import pytest

from backend.ops.scope import SKIPPED

from backend.ops import backup, backup_files, restore
from backend.services import trail_check, uploads
from backend.services.context import Services
from tests.integration.busy_store import fill
from tests.integration.test_deadline_command import run_backend

TENANT = "ziyang"


@pytest.fixture
async def target(store, settings, clock):
    """A second, empty database on the same store: where backups are restored."""
    name = settings.database + "_r"
    yield Services(db=store.client[name], settings=settings, clock=clock)
    await store.client.drop_database(name)


@pytest.fixture
async def lived_in(api, seeded, svc, clock):
    return await fill(api, svc, clock)


async def counts(db) -> dict[str, int]:
    return {name: await db[name].count_documents({}) for name in await db.list_collection_names()
            if name not in SKIPPED and await db[name].count_documents({})}


def backend_cli(settings, *args, database=None):
    return asyncio.to_thread(run_backend, list(args), MONGODB_URI=settings.mongodb_uri,
                             SUNSHINE_DB=database or settings.database)


async def test_a_lived_in_county_is_backed_up_and_restored_with_equal_counts_and_a_sound_trail(
        lived_in, svc, target, settings, tmp_path):
    answer = await backend_cli(settings, "backup", str(tmp_path / "b"))
    assert answer.returncode == 0, answer.stderr
    assert "上传材料：2 个文件，校验通过 2 个" in answer.stdout
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert {"cases", "case_steps", "hotline_tickets", "audit_log", "materials.files", "materials.chunks"} <= {
        e["name"] for e in manifest["collections"]}
    assert "sessions" not in {e["name"] for e in manifest["collections"]}

    answer = await backend_cli(settings, "restore", str(tmp_path / "b"), database=target.db.name)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "各集合记录数与备份清单一致" in answer.stdout and "未发现篡改" in answer.stdout
    assert await counts(target.db) == {e["name"]: e["count"] for e in manifest["collections"] if e["count"]}
    assert await counts(target.db) == {k: v for k, v in (await counts(svc.db)).items()}
    answer = await backend_cli(settings, "verify-trail", database=target.db.name)
    assert answer.returncode == 0 and "校验办件 4 件" in answer.stdout, answer.stdout
    answer = await backend_cli(settings, "restore", str(tmp_path / "b"), "--drill")
    assert answer.returncode == 0 and "恢复演练通过" in answer.stdout, answer.stdout + answer.stderr
    assert settings.database + "_drill" not in await svc.db.client.list_database_names()


async def test_the_restored_county_reads_its_uploads_byte_for_byte_and_keeps_working(lived_in, svc, target, tmp_path,
                                                                                    clock):
    from backend.services import casework
    from tests.integration.test_supervision import sweep_now

    await backup.take(svc.db, tmp_path / "b")
    report = await restore.restore(target, tmp_path / "b")
    assert report.ok and not report.mismatched
    staff = {"kind": "staff", "tenant": TENANT, "id": "ziyang:clerk_a", "roles": ["window_clerk"]}
    for file_id in lived_in["files"]:
        before, data = await uploads.open_upload(svc, TENANT, file_id, staff)
        after, restored = await uploads.open_upload(target, TENANT, file_id, staff)
        assert restored == data and after == before and hashlib.sha256(restored).hexdigest() == after["sha256"]
    case, _ = await casework.load(target, TENANT, lived_in["waiting"])
    assert [t.department for t in case.open_tasks] == ["scjgj"]
    clock.advance(days=1)
    swept = await sweep_now(target)
    assert swept["advanced"] is True  # the timer cursor is not fenced off by the old store's lease tokens


async def test_a_missing_or_altered_file_or_manifest_is_named_and_nothing_is_restored(
        lived_in, svc, target, tmp_path, settings):
    await backup.take(svc.db, tmp_path / "b")
    steps = tmp_path / "b" / "collections" / "case_steps.bson.gz"
    data = bytearray(steps.read_bytes())
    data[len(data) // 2] ^= 1
    steps.write_bytes(bytes(data))
    (tmp_path / "b" / "collections" / "audit_log.bson.gz").unlink()
    with pytest.raises(backup_files.BackupDamaged) as refused:
        await restore.restore(target, tmp_path / "b")
    assert refused.value.problems == [
        "缺少文件 collections/audit_log.bson.gz（集合 audit_log，" + str(await svc.db.audit_log.count_documents({}))
        + " 条记录）",
        "文件 collections/case_steps.bson.gz 的校验值（SHA-256）不符：内容被修改或损坏"]
    manifest = tmp_path / "b" / "manifest.json"
    edited = json.loads(manifest.read_text())
    edited["collections"][0]["count"] += 1
    manifest.write_text(json.dumps(edited))
    answer = await backend_cli(settings, "restore", str(tmp_path / "b"), database=target.db.name)
    assert answer.returncode == 2 and "manifest.json 的内容被修改过" in answer.stderr
    manifest.unlink()
    answer = await backend_cli(settings, "restore", str(tmp_path / "b"), database=target.db.name)
    assert answer.returncode == 2 and "缺少 manifest.json：备份没有完成" in answer.stderr
    assert await counts(target.db) == {}


async def test_a_store_that_holds_data_is_refused_and_force_only_fills_an_empty_county(
        lived_in, svc, target, tmp_path):
    await backup.take(svc.db, tmp_path / "whole")
    await backup.take(svc.db, tmp_path / "county", tenant=TENANT)
    with pytest.raises(restore.RestoreRefused, match="目标存储已有数据"):
        await restore.restore(svc, tmp_path / "whole")
    with pytest.raises(restore.RestoreRefused, match="目标存储中已有县区 ziyang"):
        await restore.restore(svc, tmp_path / "county", force=True)
    await target.db.tenants.insert_one({"_id": "hanyin", "name": "汉阴县"})
    with pytest.raises(restore.RestoreRefused, match="整库备份只能恢复到空存储"):
        await restore.restore(target, tmp_path / "whole", force=True)
    report = await restore.restore(target, tmp_path / "county", force=True)
    assert report.ok and await target.db.tenants.count_documents({}) == 2
    assert (await trail_check.verify_tenant(target, TENANT))["ok"]


async def test_a_backup_refuses_a_directory_that_is_not_empty(svc, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old.txt").write_text("x")
    with pytest.raises(backup.BackupRefused, match="已存在且不为空"):
        await backup.take(svc.db, tmp_path / "b")
    assert not Path(tmp_path / "b" / "manifest.json").exists()


async def test_a_case_whose_snapshot_was_read_before_its_last_step_is_restored_up_to_its_steps(
        lived_in, api, svc, target, tmp_path):
    from tests.integration.test_case_pipeline import staff

    number = lived_in["waiting"]
    read_first = await svc.db.cases.find_one({"_id": f"{TENANT}:{number}"})
    approver = await staff(api, "scjgj_a")
    assert (await approver.post(f"/api/v1/cases/{number}/approve", {"opinion": "同意"})).status == 200
    await svc.db.cases.replace_one({"_id": read_first["_id"]}, read_first)  # as a running backup saw it
    await backup.take(svc.db, tmp_path / "b")
    report = await restore.restore(target, tmp_path / "b")
    assert report.repaired == [number] and report.ok
    restored = await target.db.cases.find_one({"_id": f"{TENANT}:{number}"})
    assert restored["version"] > read_first["version"] and restored["state"] != read_first["state"]
