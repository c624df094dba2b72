"""`import-org FILE.xlsx --tenant T` and `export-org FILE.xlsx --tenant T`: a county's organisation as a workbook."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

from backend.commands import Progress, with_store
from backend.commands.items_io import _print_errors


def _write_passwords(path: Path, issued: dict[str, str]) -> None:
    """New accounts' initial passwords, readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["用户名", "初始密码"])
        writer.writerows(sorted(issued.items()))


class ImportCommand:
    NAME = "import-org"
    HELP = "导入机构设置表（部门、乡镇、中心、岗位、人员；任何一处有误则全部不导入） / import the organisation workbook"

    @staticmethod
    def add_arguments(parser) -> None:
        parser.add_argument("file", help="机构设置表（.xlsx，格式见 docs/org-format.md）")
        parser.add_argument("--tenant", default=None, help="县区代码（默认 SUNSHINE_DEFAULT_TENANT）")
        parser.add_argument("--password-env", default="",
                            help="新账号统一使用该环境变量中的初始密码；不设时为每个新账号生成随机密码")
        parser.add_argument("--passwords-out", default="",
                            help="随机初始密码写入的文件（默认为工作簿旁的 <文件名>.初始密码.csv）")

    @staticmethod
    def run(args, settings) -> int:
        from backend.domain.errors import DomainError
        from backend.orgfiles import read_org
        from backend.services import org_import

        tenant = args.tenant or settings.default_tenant
        shared = os.environ.get(args.password_env, "") if args.password_env else ""
        if args.password_env and not shared:
            print(f"环境变量 {args.password_env} 未设置", file=sys.stderr)
            return 1

        async def work(svc):
            bar = Progress(6, "读取")
            try:
                book = read_org(args.file, bar.update)
                bar.finish()
                bar = Progress(1, "导入")
                result = await org_import.import_org(svc, tenant, book, {"id": f"{tenant}:cli", "roles": ["admin"]},
                                                     initial_password=shared, progress=bar.update)
                bar.finish()
            except DomainError as exc:
                sys.stderr.write("\n")
                _print_errors(exc, "未导入任何内容")
                return 1
            print(f"导入完成（县区 {tenant}）：{org_import.summary(result)}")
            if result["initial_passwords"]:
                out = Path(args.passwords_out or f"{args.file}.初始密码.csv")
                _write_passwords(out, result["initial_passwords"])
                print(f"{len(result['initial_passwords'])} 个新账号的初始密码已写入 {out}（仅本人可读，发放后请删除）")
            return 0

        return with_store(settings, work)


class ExportCommand:
    NAME = "export-org"
    HELP = "导出机构设置表（.xlsx，可再次导入） / export the organisation workbook"

    @staticmethod
    def add_arguments(parser) -> None:
        parser.add_argument("file", help="输出文件（.xlsx）")
        parser.add_argument("--tenant", default=None, help="县区代码")
        parser.add_argument("--template", action="store_true", help="只写空白模板（不读数据库）")

    @staticmethod
    def run(args, settings) -> int:
        from backend.domain.errors import DomainError
        from backend.domain.org import OrgState
        from backend.orgfiles import write_org
        from backend.services import org_import

        if args.template:  # the shipped backend/seed/org-template.xlsx is this file
            write_org(OrgState(), args.file)
            print(f"已写入空白模板 {args.file}")
            return 0
        tenant = args.tenant or settings.default_tenant

        async def work(svc):
            try:
                state = await org_import.export_org(svc, tenant)
            except DomainError as exc:
                print(f"导出失败：{exc.message}", file=sys.stderr)
                return 1
            write_org(state, args.file)
            print(f"已导出县区 {tenant} 的机构设置到 {args.file}：部门 {len(state.departments)} 个，"
                  f"乡镇 {len(state.townships)} 个，服务中心 {len(state.centres)} 个，"
                  f"岗位 {len(state.posts)} 个，人员 {len(state.staff)} 人")
            return 0

        return with_store(settings, work)
