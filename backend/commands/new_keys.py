"""`python -m backend new-keys`: fresh keys for personal data, as lines for the environment file."""

from __future__ import annotations

from datetime import date

NAME = "new-keys"
HELP = "生成个人信息加密密钥（写入环境变量文件） / generate keys for personal data"


def add_arguments(parser) -> None:
    pass


def run(args, settings) -> int:
    from backend import keyring

    key_id = f"k{date.today():%Y%m%d}"
    configured = settings.data_keys if settings.data_keys and not keyring.development_in_use(settings) else ""
    print("# 新数据密钥放在最前；原有密钥保留，直到 python -m backend rotate-keys 完成 / new key first, old ones kept")
    print(f"SUNSHINE_DATA_KEYS={key_id}={keyring.new_key()}" + (f",{configured}" if configured else ""))
    if not settings.lookup_key or keyring.development_in_use(settings):
        print("# 查询密钥：新部署设置一次，此后不可更换 / lookup key: set once for a new store, never changed")
        print(f"SUNSHINE_LOOKUP_KEY={keyring.new_key()}")
    return 0
