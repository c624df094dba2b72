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
    return 0
