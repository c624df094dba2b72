"""`python -m backend migrate`: bring stored documents up to the shapes this code reads.

Also run by ``serve`` at start. Idempotent and resumable: running it again after a crash goes on
where it stopped; running it on an up-to-date store changes nothing.
"""

from __future__ import annotations

import sys

NAME = "migrate"
HELP = "升级存储中的数据格式（可重复运行） / migrate stored data to the current schema"


def add_arguments(parser) -> None:
    parser.add_argument("--status", action="store_true", help="只显示各集合的数据格式版本与待执行的升级")


def run(args, settings) -> int:
    from backend.commands import with_store
    from backend.ops import migrations
    from backend.store import schema
    from backend.store.lease import default_holder

    async def status(svc) -> int:
        stored = await schema.stored_versions(svc.db)
        for name in sorted(set(stored) | set(schema.CURRENT)):
            print(f"{name:28} 存储 {stored.get(name, '-')!s:>3}   程序 {schema.CURRENT.get(name, '-')}")
        waiting = await migrations.pending(svc)
        print("待执行：" + ("、".join(m.ident for m in waiting) if waiting else "无"))
        return 0

    if not args.status:
        from backend import keyring

        keyring.keyring_for(settings)  # a migration may seal personal data into the vault

    async def work(svc) -> int:
        if args.status:
            return await status(svc)
        try:
            done = await migrations.migrate(svc, default_holder())
        except migrations.MigrationError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"已完成升级：{'、'.join(done)}" if done else "数据格式已是最新，无需升级")
        return 0

    return with_store(settings, work)
