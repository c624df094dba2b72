"""The daily backup: taken once a day at its time, kept by the retention rule, listed for administrators."""

import asyncio
import dataclasses
from datetime import datetime, timezone

from backend.ops import backup_files, scheduled_backup
from backend.services.context import Services
from tests.integration.test_case_pipeline import staff
from tests.integration.test_deadline_command import run_backend


def old_backup(folder, name: str) -> None:
    (folder / name).mkdir()
    (folder / name / "manifest.json").write_text("{}")


async def test_the_daily_backup_runs_once_at_its_time_prunes_old_ones_and_is_listed(api, seeded, svc, settings,
                                                                                    clock, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for name in ("sunshine-20260915-023000", "sunshine-20261031-023000", "sunshine-20261101-023000",
                 "sunshine-20261120-023000", "sunshine-20261121-023000", "sunshine-20261122-023000"):
        old_backup(folder, name)
    (folder / "sunshine-20261122-120000").mkdir()  # unfinished: no manifest, left for a person
    (folder / "notes.txt").write_text("not ours")
    scheduled = Services(db=svc.db, clock=clock, settings=dataclasses.replace(
        settings, backup_dir=str(folder), backup_at="10:00", backup_keep_daily=2, backup_keep_monthly=2))

    def runner(directory):
        answer = run_backend(["backup", str(directory), "--scheduled"], MONGODB_URI=settings.mongodb_uri,
                             SUNSHINE_DB=settings.database)
        return answer.returncode, answer.stdout + answer.stderr

    async def run_once():
        return await scheduled_backup.run_once(scheduled, runner=lambda d: asyncio.to_thread(runner, d))

    assert await run_once() is None  # 09:30 in Beijing: not yet
    clock.set(datetime(2026, 11, 23, 2, 15, tzinfo=timezone.utc))
    name = await run_once()
    assert name == "sunshine-20261123-101500"
    assert backup_files.check(folder / name)["tenants"] == ["ziyang"]
    assert await run_once() is None  # once a day
    left = sorted(p.name for p in folder.iterdir())
    assert left == ["notes.txt", "sunshine-20261031-023000", "sunshine-20261101-023000", "sunshine-20261122-023000",
                    "sunshine-20261122-120000", name]

    admin = await staff(api, "admin")
    listed = (await admin.get("/api/v1/admin/backups")).json
    assert listed["backups"][0]["name"] == name and listed["backups"][0]["status_label"] == "成功"
    assert listed["backups"][0]["removed"] == ["sunshine-20260915-023000", "sunshine-20261120-023000",
                                               "sunshine-20261121-023000"]
    assert (await (await staff(api, "clerk_a")).get("/api/v1/admin/backups")).status == 403
    page = await admin.get("/console/backups")
    assert page.status == 200 and "备份记录" in page.body.decode()


async def test_a_failed_daily_backup_is_recorded_and_retried(svc, settings, clock, tmp_path):
    scheduled = Services(db=svc.db, clock=clock, settings=dataclasses.replace(settings, backup_dir=str(tmp_path)))
    clock.set(datetime(2026, 11, 23, 2, 15, tzinfo=timezone.utc))

    async def broken(directory):
        return 2, "备份目录 /x 已存在且不为空：请指定一个新目录"

    assert await scheduled_backup.run_once(scheduled, runner=broken)
    doc = (await scheduled_backup.listing(svc.db))[0]
    assert doc["status"] == "failed" and doc["error"].startswith("备份目录")
    assert await scheduled_backup.run_once(scheduled, runner=broken) is None  # waits ten minutes
    clock.advance(minutes=11)
    assert await scheduled_backup.run_once(scheduled, runner=broken)
    assert (await scheduled_backup.listing(svc.db))[0]["attempts"] == 2
