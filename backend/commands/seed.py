"""Load the sample county into an empty store."""

NAME = "seed"
HELP = "载入示例县区数据（仅空库） / load the sample county into an empty store"


def add_arguments(parser) -> None:
    parser.add_argument("--if-empty", action="store_true", help="库中已有县区时静默跳过")
    parser.add_argument("--hash-sample-passwords", action="store_true",
                        help="重新生成示例账号各自的密码哈希文件（开发用，不连接数据库）")


def run(args, settings) -> int:
    from backend.commands import with_store
    from backend.services import seed

    if args.hash_sample_passwords:
        import asyncio

        count = asyncio.run(seed.write_sample_hashes())
        print(f"已为 {count} 个示例账号各生成一个密码哈希：{seed.SAMPLE_HASHES}")
        return 0

    async def work(svc):
        if not await seed.is_empty(svc):
            if not args.if_empty:
                print("库中已有数据，未载入示例数据。")
            return 0
        counts = await seed.seed_sample(svc)
        print("已载入示例数据（紫阳县，演示用）：" + "，".join(f"{k}={v}" for k, v in counts.items()))
        print(f"示例账号初始密码：{seed.SAMPLE_PASSWORD}（如 admin、manager、clerk_a）")
        return 0

    return with_store(settings, work)
