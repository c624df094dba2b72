"""`python -m backend backup DIR [--tenant T]` and `restore DIR [--force]`: copies of the store.

``backup`` writes a compressed, checksummed copy of every collection and the uploads with a
manifest (see ``backend.ops.backup_files``); ``--sqlite`` instead copies the embedded store's
SQLite files with SQLite's online backup while the server runs. ``restore`` refuses a damaged or
partial backup and a store that holds data, naming what is wrong, and verifies the trails after.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

NAME = "backup"
HELP = "备份全部数据（或一个县区）到目录 / back the store up into a directory"


def add_arguments(parser) -> None:
    parser.add_argument("directory", type=Path, help="备份目录（须为新目录或空目录）")
    parser.add_argument("--tenant", default=None, help="只备份该县区")
    parser.add_argument("--sqlite", action="store_true", help="内置存储：在线复制 SQLite 数据文件（服务运行中也安全）")
    parser.add_argument("--scheduled", action="store_true", help=argparse.SUPPRESS)  # the daily task records it


def run(args, settings) -> int:
    from backend.commands import Progress, with_store
    from backend.ops import backup, scheduled_backup, sqlite_copy

    try:
        if args.sqlite:
            copied = sqlite_copy.copy_online(settings.data_dir, args.directory)
            print(sqlite_copy.summary_zh(copied))
            return 0
        bar = Progress(1, "备份")

        async def work(svc) -> int:
            store_kind = "embedded" if settings.embedded else "mongodb"
            result = await backup.take(svc.db, args.directory, tenant=args.tenant, store_kind=store_kind,
                                       progress=bar.update)
            bar.finish()
            print(backup.summary_zh(result))
            if not args.scheduled:
                await scheduled_backup.record_manual(svc.db, result.directory, result.manifest, svc.now())
            return 1 if result.manifest["uploads"]["problems"] else 0

        return with_store(settings, work)
    except (backup.BackupRefused, sqlite_copy.SqliteCopyError) as exc:
        print(exc, file=sys.stderr)
        return 2


class RestoreCommand:
    NAME = "restore"
    HELP = "从备份目录恢复数据到空存储 / restore a backup into an empty store"

    @staticmethod
    def add_arguments(parser) -> None:
        parser.add_argument("directory", type=Path, help="由 backup 生成的备份目录")
        parser.add_argument("--force", action="store_true",
                            help="按县区备份：恢复到已有其他县区数据的存储（该县区必须为空）")
        parser.add_argument("--check", action="store_true", help="只校验备份目录，不写入存储")
        parser.add_argument("--drill", action="store_true",
                            help="恢复演练：恢复到临时数据库 {SUNSHINE_DB}_drill，校验后删除，不影响正式数据")

    @staticmethod
    def run(args, settings) -> int:
        from backend.commands import Progress, with_store
        from backend.ops import backup_files, restore

        try:
            manifest = backup_files.check(args.directory)
        except backup_files.BackupDamaged as exc:
            print(exc, file=sys.stderr)
            return 2
        if args.check:
            print(f"备份完整：{len(manifest['collections'])} 个文件校验通过（{manifest['finished_at']}）")
            return 0
        if args.drill:
            settings = dataclasses.replace(settings, database=f"{settings.database}_drill")
        bar = Progress(1, "恢复")

        async def work(svc) -> int:
            if args.drill:  # a scratch database: whatever an earlier drill left goes first
                await svc.db.client.drop_database(svc.db.name)
            try:
                report = await restore.restore(svc, args.directory, force=args.force, progress=bar.update)
            except (restore.RestoreRefused, backup_files.BackupDamaged) as exc:
                print(exc, file=sys.stderr)
                return 2
            finally:
                if args.drill:
                    await svc.db.client.drop_database(svc.db.name)
            bar.finish()
            print(restore.summary_zh(report))
            if args.drill:
                print(f"恢复演练{'通过' if report.ok else '未通过'}：临时数据库 {svc.db.name} 已删除")
            return 0 if report.ok else 1

        return with_store(settings, work)
