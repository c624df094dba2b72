"""`python -m backend security-matrix [--write]`: the access matrix of every API operation (docs/security.md)."""

from __future__ import annotations

from pathlib import Path

NAME = "security-matrix"
HELP = "打印接口权限矩阵（--write 写入 docs/security.md） / print the access matrix"
DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "security.md"


def add_arguments(parser) -> None:
    parser.add_argument("--write", action="store_true", help="更新 docs/security.md 中的矩阵")


def build(settings) -> str:
    from pymongo import AsyncMongoClient

    from backend.app import make_app
    from backend.security_matrix import markdown
    from backend.store.connection import StoreHandle

    client = AsyncMongoClient("mongodb://127.0.0.1:1", connect=False)  # the route table needs no store
    return markdown(make_app(settings, StoreHandle(client, client["matrix"], None)))


def run(args, settings) -> int:
    from backend.security_matrix import BEGIN, CONSOLE_BEGIN, CONSOLE_END, END, console_markdown

    tables = {(BEGIN, END): build(settings), (CONSOLE_BEGIN, CONSOLE_END): console_markdown()}
    if not args.write:
        print("\n\n".join(tables.values()))
        return 0
    text = DOC.read_text(encoding="utf-8")
    for (begin, end), table in tables.items():
        start, stop = text.index(begin), text.index(end) + len(end)
        text = text[:start] + table + text[stop:]
    DOC.write_text(text, encoding="utf-8")
    print(f"已更新 {DOC}")
    return 0
