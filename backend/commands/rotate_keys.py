"""`python -m backend rotate-keys`: re-encrypt every personal value under the current data key."""

from __future__ import annotations

NAME = "rotate-keys"
HELP = "用当前数据密钥重新加密全部个人信息（可中断后继续） / re-encrypt personal data under the current key"


def add_arguments(parser) -> None:
    parser.add_argument("--status", action="store_true", help="只显示各旧密钥仍加密的数量")


def run(args, settings) -> int:
    from backend import keyring
    from backend.commands import Progress, with_store
    from backend.ops import rotate_keys

    current = next(iter(keyring.keyring_for(settings).keys))  # KeysMissing: refused before the store opens

    async def work(svc) -> int:
        waiting = await rotate_keys.left(svc)
        if args.status or not waiting:
            listed = "、".join(f"{k}：{n} 条" for k, n in sorted(waiting.items())) or "无"
            print(f"当前数据密钥 {current}；仍由旧密钥加密：{listed}")
            return 0
        bar = Progress(sum(waiting.values()), "密钥轮换")
        result = await rotate_keys.rotate(svc, progress=bar.update)
        bar.finish()
        print(f"已用密钥 {current} 重新加密 {result['rotated']} 条个人信息。")
        if result["unreadable"]:
            print(f"{result['unreadable']} 条无法解密（其密钥未配置或密文损坏），已保留原样，详见日志。")
            return 1
        print("旧密钥已不再使用，可以从 SUNSHINE_DATA_KEYS 中移除。")
        return 0

    return with_store(settings, work)
