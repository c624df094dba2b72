"""Print the effective settings with secrets hidden."""

NAME = "config"
HELP = "显示当前生效的配置（密钥隐藏） / print effective settings"


def add_arguments(parser) -> None:
    pass


def run(args, settings) -> int:
    rows = settings.describe()
    width = max(len(env) for env, _, _ in rows)
    for env, shown, description in rows:
        print(f"{env.ljust(width)}  {shown}")
        print(f"{' ' * width}  # {description}")
    print(f"\n存储 / store: {'内置 FerretDB（SQLite）' if settings.embedded else 'MongoDB（MONGODB_URI）'}")
    print(f"个人信息密钥 / personal-data keys: {_keys_line(settings)}")
    return 0


def _keys_line(settings) -> str:
    from backend import keyring

    if keyring.development_in_use(settings):
        return ("!!! 开发密钥（" + str(settings.data_dir / keyring.DEV_FILE) + "），仅供开发演示，生产环境不可使用 / "
                "DEVELOPMENT KEYS: never use them in production !!!")
    if settings.data_keys and settings.lookup_key:
        current = next(iter(keyring.parse_data_keys(settings.data_keys)))
        return f"已设置，当前加密密钥 {current} / set, current data key {current}"
    return "未设置：使用 MONGODB_URI 时服务拒绝启动 / not set: with MONGODB_URI the server refuses to start"
