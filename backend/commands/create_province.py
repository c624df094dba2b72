"""Create a province (省级) and a provincial supervisor account: read-only figures of its counties."""

import getpass
import os

from backend.domain.roles import PROVINCE_ROLES
from backend.commands import tenant_code
from backend.services import accounts

ROLES = ("province_supervisor",)

NAME = "create-province"
HELP = "创建省级监察账号（只读查看本省各县区统计） / create a provincial supervisor account"


def add_arguments(parser) -> None:
    parser.add_argument("--code", required=True, type=tenant_code, help="省级代码，如 shaanxi（不能与县区代码相同）")
    parser.add_argument("--name", required=True, help="省份名称，须与各县区「县区信息」中的省份一致，如 陕西省")
    parser.add_argument("--username", default="province", help="用户名 (default: province)")
    parser.add_argument("--person-name", default="省级监察员", help="姓名")
    parser.add_argument("--password-env", default="SUNSHINE_ADMIN_PASSWORD",
                        help="从该环境变量读取密码；未设置时交互输入")


def run(args, settings) -> int:
    from backend.commands import with_store
    from backend.domain.errors import DomainError

    password = os.environ.get(args.password_env) or getpass.getpass("新密码（至少 8 位）：")

    async def work(svc):
        try:  # checked before the province is written, so a bad name leaves nothing behind
            accounts.validate_account(args.username, password, args.person_name, list(ROLES), PROVINCE_ROLES)
        except DomainError as exc:
            print(f"创建失败：{exc.message}")
            return 1
        existing = await svc.db.tenants.find_one({"_id": args.code})
        if existing and existing.get("kind") != "province":
            print(f"创建失败：{args.code} 已是县区代码，请换一个省级代码")
            return 1
        if not existing:
            await svc.db.tenants.insert_one({"_id": args.code, "name": args.name, "kind": "province",
                                             "created_at": svc.now()})
        try:
            staff = await accounts.create_staff(svc, args.code, args.username, password, args.person_name,
                                                list(ROLES), actor="cli")
        except DomainError as exc:
            print(f"创建失败：{exc.message}")
            return 1
        print(f"已创建省级监察账号 {staff['username']}（{args.name}，登录时县区填 {args.code}）")
        return 0

    return with_store(settings, work)
