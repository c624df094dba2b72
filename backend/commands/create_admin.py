"""Create the first administrator account of a tenant (creating the tenant when it is new)."""

import getpass
import os

from backend.commands import tenant_code
from backend.services import accounts

NAME = "create-admin"
HELP = "创建管理员账号 / create an administrator account"


def add_arguments(parser) -> None:
    parser.add_argument("--username", default="admin", help="用户名 (default: admin)")
    parser.add_argument("--name", default="系统管理员", help="姓名")
    parser.add_argument("--tenant", default=None, type=tenant_code, help="县区代码 (default: SUNSHINE_DEFAULT_TENANT)")
    parser.add_argument("--tenant-name", default=None, help="新县区的名称，仅在县区不存在时使用")
    parser.add_argument("--password-env", default="SUNSHINE_ADMIN_PASSWORD",
                        help="从该环境变量读取密码；未设置时交互输入")


def run(args, settings) -> int:
    from backend.commands import with_store
    from backend.domain.errors import DomainError

    tenant = args.tenant or settings.default_tenant
    password = os.environ.get(args.password_env) or getpass.getpass("新密码（至少 8 位）：")

    async def work(svc):
        if not await svc.db.tenants.find_one({"_id": tenant}):
            await svc.db.tenants.insert_one({"_id": tenant, "name": args.tenant_name or tenant, "kind": "county",
                                             "created_at": svc.now()})
        try:
            staff = await accounts.create_staff(svc, tenant, args.username, password, args.name, ["admin"], actor="cli")
        except DomainError as exc:
            print(f"创建失败：{exc.message}")
            return 1
        print(f"已创建管理员 {staff['username']}（县区 {tenant}）")
        print(f"下一步：python -m backend import-org 机构设置表.xlsx --tenant {tenant}（空白模板见 backend/seed/org-template.xlsx）")
        return 0

    return with_store(settings, work)
