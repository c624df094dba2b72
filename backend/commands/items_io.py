"""`import-items FILE` and `export-items FILE`: the power list as .xlsx, .csv or .json."""

from __future__ import annotations

import sys

from backend.commands import Progress, with_store

ACTOR_ROLES = ["admin"]


def _print_errors(exc, nothing: str = "未导入任何事项") -> None:
    print(f"导入失败，{nothing}：{exc.message}", file=sys.stderr)
    errors = (exc.details or {}).get("errors", [])
    for error in errors:
        print(f"  - {error.get('text') or error.get('message')}", file=sys.stderr)
    total = (exc.details or {}).get("total", len(errors))
    if total > len(errors):
        print(f"  ……共 {total} 处错误，仅列出前 {len(errors)} 处", file=sys.stderr)


class ImportCommand:
    NAME = "import-items"
    HELP = "导入权力清单（.xlsx/.csv/.json；任何一行有误则全部不导入） / import the power list"

    @staticmethod
    def add_arguments(parser) -> None:
        parser.add_argument("file", help="文件路径（.xlsx、.csv 或 .json）")
        parser.add_argument("--tenant", default=None, help="县区代码（默认 SUNSHINE_DEFAULT_TENANT）")
        parser.add_argument("--draft", action="store_true", help="只导入为草稿，不发布")

    @staticmethod
    def run(args, settings) -> int:
        from backend.domain.errors import DomainError
        from backend.itemfiles import read_items
        from backend.services import catalog, catalog_admin

        tenant = args.tenant or settings.default_tenant

        async def work(svc):
            if not await svc.db.tenants.find_one({"_id": tenant}):
                print(f"未找到县区 {tenant}，请先运行 seed 或 create-admin", file=sys.stderr)
                return 1
            departments, townships = await catalog.reference_data(svc, tenant)
            bar = Progress(1, "校验")
            try:
                rows = read_items(args.file, bar.update, known_departments=departments, known_townships=townships)
                bar.finish()
                bar = Progress(len(rows), "导入")
                counts = await catalog_admin.import_items(
                    svc, tenant, rows, {"id": f"{tenant}:cli", "roles": ACTOR_ROLES},
                    publish_now=not args.draft, progress=bar.update)
                bar.finish()
            except DomainError as exc:
                sys.stderr.write("\n")
                _print_errors(exc)
                return 1
            print(f"导入完成：新增 {counts['created']} 项，更新 {counts['updated']} 项，未变化 {counts['unchanged']} 项"
                  + ("（草稿，未发布）" if args.draft else "（已发布）"))
            return 0

        return with_store(settings, work)


class ExportCommand:
    NAME = "export-items"
    HELP = "导出权力清单（.xlsx/.csv/.json，可再次导入） / export the power list"

    @staticmethod
    def add_arguments(parser) -> None:
        parser.add_argument("file", help="输出文件（.xlsx、.csv 或 .json）")
        parser.add_argument("--tenant", default=None, help="县区代码")
        parser.add_argument("--all", action="store_true", help="包含草稿（每个事项的最新版本）")

    @staticmethod
    def run(args, settings) -> int:
        from backend.domain.errors import DomainError
        from backend.itemfiles import write_items
        from backend.services import catalog_admin

        tenant = args.tenant or settings.default_tenant

        async def work(svc):
            items = await catalog_admin.export_items(svc, tenant, include_drafts=args.all)
            try:
                write_items(items, args.file)
            except DomainError as exc:
                print(f"导出失败：{exc.message}", file=sys.stderr)
                return 1
            print(f"已导出 {len(items)} 项到 {args.file}")
            return 0

        return with_store(settings, work)
