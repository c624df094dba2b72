"""`python -m hotline classify TEXT` and `python -m hotline retrain [--tenant T]`.

``classify`` runs without a store: the default classifier (seed tickets) with the sample
catalogue's items, and prints ONE JSON object
``{department: {code, name}, township, item, confidence, evidence, type, alternatives}``.
``retrain`` rebuilds a tenant's stored model from the seed tickets plus every stored correction.
``open311-key create NAME [--tenant T]`` makes an Open311 API key for the channel NAME and prints it
once; only its SHA-256 is stored (``hotline.services.open311_keys``).
"""

from __future__ import annotations

import argparse
import json
import sys

USAGE = ("用法: python -m hotline classify 工单文本 | python -m hotline retrain [--tenant 县区代码]"
         " | python -m hotline open311-key create 接入方名称 [--tenant 县区代码]")


def classify(text: str) -> dict:
    from hotline.services.classifier import load_default
    from hotline.services.routing import sample_power_items

    return load_default(sample_power_items()).suggest(text).to_dict()


def retrain(tenant: str | None) -> int:
    from backend.commands import with_store
    from backend.config import load_settings
    from hotline.services import routing

    settings = load_settings()
    tenant = tenant or settings.default_tenant

    async def work(svc) -> int:
        if not await svc.db.tenants.find_one({"_id": tenant}):
            print(f"未找到县区 {tenant}，请先运行 python -m backend seed", file=sys.stderr)
            return 1
        result = await routing.retrain(svc, tenant)
        print(f"已重新训练 {tenant} 的热线分派模型：使用人工纠正 {result['corrections']} 条（版本 {result['revision']}）")
        return 0

    return with_store(settings, work)


def create_open311_key(name: str, tenant: str | None) -> int:
    from backend.commands import with_store
    from backend.config import load_settings
    from backend.domain.errors import ValidationFailed
    from hotline.services import open311_keys

    settings = load_settings()
    tenant = tenant or settings.default_tenant

    async def work(svc) -> int:
        if not await svc.db.tenants.find_one({"_id": tenant}):
            print(f"未找到县区 {tenant}，请先运行 python -m backend seed", file=sys.stderr)
            return 1
        try:
            key = await open311_keys.create_key(svc, tenant, name)
        except ValidationFailed as error:
            print(error.message, file=sys.stderr)
            return 2
        print(f"已为“{name}”创建 Open311 接口密钥（{tenant}）。密钥只显示这一次，请妥善保存：", file=sys.stderr)
        print(key)
        return 0

    return with_store(settings, work)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m hotline", description="12345 热线工具", usage=USAGE)
    sub = parser.add_subparsers(dest="command")
    one = sub.add_parser("classify", help="给出一段工单文本的分派建议（JSON）")
    one.add_argument("text", nargs="+", help="工单文本")
    again = sub.add_parser("retrain", help="用种子数据和全部人工纠正重新训练分派模型")
    again.add_argument("--tenant", default=None, help="县区代码（默认 SUNSHINE_DEFAULT_TENANT）")
    key = sub.add_parser("open311-key", help="管理 Open311 接口密钥")
    key_sub = key.add_subparsers(dest="key_command")
    create = key_sub.add_parser("create", help="创建接口密钥（只显示一次，只保存哈希）")
    create.add_argument("name", help="接入方名称，如 市城管平台")
    create.add_argument("--tenant", default=None, help="县区代码（默认 SUNSHINE_DEFAULT_TENANT）")
    args = parser.parse_args(argv)
    if args.command == "classify":
        print(json.dumps(classify(" ".join(args.text)), ensure_ascii=False))
        return 0
    if args.command == "retrain":
        return retrain(args.tenant)
    if args.command == "open311-key" and args.key_command == "create":
        return create_open311_key(args.name, args.tenant)
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
