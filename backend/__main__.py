"""`python -m backend COMMAND`: serve, config, create-admin, seed and the commands later modules add."""

from __future__ import annotations

import argparse
import sys

from backend.commands import load_commands
from backend.config import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    commands = load_commands()
    parser = argparse.ArgumentParser(prog="python -m backend", description="阳光365 政务服务平台")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in commands.items():
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from backend import keyring, logs

    logs.configure(settings)
    from backend.store.embedded import EmbeddedStoreError

    try:
        settings = keyring.with_development_keys(settings)
        return commands[args.command].run(args, settings)
    except SettingsError as exc:  # a command that needs keys for personal data, run without them
        print(exc, file=sys.stderr)
        return 2
    except EmbeddedStoreError as exc:
        print(exc, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
