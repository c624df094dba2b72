"""Serve the API and the staff console; with no MONGODB_URI, run the embedded FerretDB alongside."""

from __future__ import annotations

from backend.commands import prefork
from backend.commands.server import run_serving, serve

NAME = "serve"
HELP = "启动服务（API 与工作台） / serve the API and console"


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, default=None, help="端口（默认 SUNSHINE_PORT）")
    parser.add_argument("--processes", type=int, default=1,
                        help="工作进程数，共用一个端口（默认 1；可设为 CPU 核数）")


def run(args, settings) -> int:
    from backend import keyring

    keyring.keyring_for(settings)  # production (MONGODB_URI) without keys for personal data: refused here
    if args.port:
        from dataclasses import replace

        settings = replace(settings, port=args.port)
    if args.processes < 1:
        print("工作进程数至少为 1")
        return 2
    if args.processes > 1:
        return prefork.run(settings, args.processes)
    return run_serving(serve(settings))
