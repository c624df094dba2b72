"""The scheduled backup (定时备份): once a day under the lease ``backup``, with retention.

At ``SUNSHINE_BACKUP_AT`` (Beijing time) one process runs ``python -m backend backup
{SUNSHINE_BACKUP_DIR}/sunshine-YYYYMMDD-HHMMSS`` as a child process (so compressing a large
store never slows the requests this process serves), records the outcome in ``backups`` and
removes scheduled backups the retention rule no longer keeps. Every backup, scheduled or run by
hand, is recorded there: the admin console lists them and ``/metrics`` reports the last one's age.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

from pymongo import DESCENDING

from backend.config import PROJECT_ROOT
from backend.domain.clock import SHANGHAI, to_shanghai
from backend.ops import retention
from backend.store.lease import default_holder, run_under_lease

log = logging.getLogger("sunshine.backup")

BACKUPS = "backups"
LEASE = "backup"
INTERVAL_S = 60.0
LEASE_TTL_S = 6 * 3600.0  # longer than the longest backup: the lease is renewed only between rounds
MAX_ATTEMPTS = 3
PREFIX = "sunshine-"


async def record(db, doc: dict) -> None:
    await db[BACKUPS].replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def record_manual(db, directory: Path, manifest: dict, now: datetime) -> None:
    """Note a backup taken with the command line (it counts for the backup age when it covers every county)."""
    await record(db, {"_id": f"manual:{now:%Y%m%d%H%M%S%f}", "kind": "manual", "status": "ok", "ok": True,
                      "directory": str(Path(directory).resolve()), "tenant": manifest.get("tenant"),
                      "started_at": datetime.fromisoformat(manifest["started_at"]), "finished_at": now,
                      "documents": sum(e["count"] for e in manifest["collections"]),
                      "bytes": sum(e["bytes"] for e in manifest["collections"]), "error": ""})


async def last_success(db) -> dict | None:
    found = await db[BACKUPS].find({"ok": True, "tenant": None}).sort("finished_at", DESCENDING).limit(1).to_list(None)
    return found[0] if found else None


async def listing(db, limit: int = 60) -> list[dict]:
    return await db[BACKUPS].find({}).sort("started_at", DESCENDING).limit(limit).to_list(None)


def due_today(now: datetime, at: str) -> str | None:
    """Today's Beijing date (``YYYY-MM-DD``) once the backup time has passed, else None."""
    local = to_shanghai(now)
    hours, minutes = (int(part) for part in at.split(":"))
    return local.date().isoformat() if local.time() >= time(hours, minutes) else None


async def _should_run(db, day_id: str, now: datetime) -> bool:
    doc = await db[BACKUPS].find_one({"_id": day_id})
    if doc is None:
        return True
    retry_after = doc.get("finished_at", now) + timedelta(minutes=10)
    return doc["status"] == "failed" and doc.get("attempts", 1) < MAX_ATTEMPTS and now >= retry_after


async def run_backup_command(directory: Path) -> tuple[int, str]:
    """``python -m backend backup DIR`` as a child process; (exit code, its last output lines)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend", "backup", str(directory), "--scheduled", cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await child.communicate()
    return child.returncode, output.decode(errors="replace")[-2000:]


async def run_once(svc, now: datetime | None = None, runner=run_backup_command) -> str | None:
    """Take today's backup if it is due and not yet taken; the backup's name, else None."""
    settings, now = svc.settings, now or svc.now()
    day = due_today(now, settings.backup_at)
    day_id = f"daily:{day}"
    if not settings.backup_dir or day is None or not await _should_run(svc.db, day_id, now):
        return None
    previous = await svc.db[BACKUPS].find_one({"_id": day_id}) or {}
    name = f"{PREFIX}{to_shanghai(now):%Y%m%d-%H%M%S}"
    directory = Path(settings.backup_dir) / name
    doc = {"_id": day_id, "kind": "scheduled", "name": name, "directory": str(directory), "tenant": None,
           "status": "running", "ok": False, "started_at": now, "attempts": previous.get("attempts", 0) + 1}
    await record(svc.db, doc)
    code, output = await runner(directory)
    lines = output.strip().splitlines()
    doc.update(finished_at=svc.now(), status="ok" if code == 0 else "failed", ok=code == 0,
               error="" if code == 0 else (lines[-1] if lines else f"exit {code}"))
    if code == 0:
        manifest = json.loads((directory / "manifest.json").read_text())
        doc.update(documents=sum(e["count"] for e in manifest["collections"]),
                   bytes=sum(e["bytes"] for e in manifest["collections"]))
        doc["removed"] = prune(Path(settings.backup_dir), settings.backup_keep_daily, settings.backup_keep_monthly)
    else:
        log.error("scheduled backup %s failed: %s", name, doc["error"])
    await record(svc.db, doc)
    return name


def _taken_at(name: str) -> datetime | None:
    try:
        return datetime.strptime(name[len(PREFIX):], "%Y%m%d-%H%M%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


def prune(folder: Path, daily: int, monthly: int) -> list[str]:
    """Remove the complete scheduled backups the retention rule does not keep; their names.

    Only folders named ``sunshine-YYYYMMDD-HHMMSS`` holding a manifest are considered: nothing else
    in the folder is ever touched, and an unfinished backup is left for a person to look at.
    """
    found = {p.name: _taken_at(p.name) for p in folder.iterdir() if p.is_dir() and p.name.startswith(PREFIX)}
    complete = {n: t for n, t in found.items() if t is not None and (folder / n / "manifest.json").exists()}
    kept = retention.keep(complete, daily, monthly)
    removed = sorted(set(complete) - kept)
    for name in removed:
        shutil.rmtree(folder / name)
    return removed


async def backup_task(svc, stop_event: asyncio.Event) -> None:
    """For ``server.BACKGROUND_TASKS``: the daily backup, in one process at a time."""
    if not svc.settings.backup_dir:
        return

    async def work(lease) -> None:
        name = await run_once(svc)
        if name:
            log.info("scheduled backup %s done (lease token %s)", name, lease.token)

    await run_under_lease(svc, LEASE, default_holder(), work, interval_s=INTERVAL_S, ttl_s=LEASE_TTL_S,
                          stop_event=stop_event)
