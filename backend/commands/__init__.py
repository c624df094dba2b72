"""`python -m backend COMMAND`: every command is a small module registered here.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args, settings) -> int``.
Commands that need the store call ``with_store`` so they share the server's embedded FerretDB.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib

from backend.config import Settings
from backend.domain.numbering import is_tenant_code
from backend.services.context import Services
from backend.store.connection import open_store
from backend.store.indexes import ensure_indexes


def tenant_code(text: str) -> str:
    """An argparse type: a county or province code (``numbering.is_tenant_code``)."""
    if not is_tenant_code(text):
        raise argparse.ArgumentTypeError(f"代码只能包含英文字母、数字和下划线，且不以数字开头：{text!r}")
    return text


COMMAND_MODULES = [
    "backend.commands.serve",
    "backend.commands.config",
    "backend.commands.create_admin",
    "backend.commands.seed",
    "backend.commands.deadline",
    "backend.commands.calendar_cmd",
    "backend.commands.items_io:ImportCommand",
    "backend.commands.items_io:ExportCommand",
    "backend.commands.org_io:ImportCommand",
    "backend.commands.org_io:ExportCommand",
    "backend.commands.create_province",
    "backend.commands.verify_trail",
    "backend.commands.security_matrix",
    "backend.commands.backup",
    "backend.commands.backup:RestoreCommand",
    "backend.commands.migrate",
    "backend.commands.new_keys",
    "backend.commands.rotate_keys",
]


def load_commands() -> dict:
    commands = {}
    for spec in COMMAND_MODULES:
        module_name, _, attribute = spec.partition(":")
        module = importlib.import_module(module_name)
        command = getattr(module, attribute) if attribute else module
        commands[command.NAME] = command
    return commands


def with_store(settings: Settings, work) -> int:
    """Open the store (attaching to a running embedded FerretDB or starting one), run ``await work(svc)``."""

    async def main() -> int:
        from backend.ops.migrations import stamp_if_empty

        store = open_store(settings)
        try:
            await ensure_indexes(store.db)
            svc = Services(db=store.db, settings=settings)
            await stamp_if_empty(svc)  # a first command (create-admin) must not make the store look old
            return await work(svc) or 0
        finally:
            await store.close()

    return asyncio.run(main())


class Progress:
    """A plain-text progress bar for long CLI work (writes to stderr, one line, redrawn)."""

    def __init__(self, total: int, label: str = "", width: int = 30, stream=None):
        import sys

        self.total, self.label, self.width, self.done = max(total, 1), label, width, 0
        self.stream = stream or sys.stderr

    def update(self, done: int, total: int | None = None) -> None:
        if total:
            self.total = max(total, 1)
        self.done = done
        filled = int(self.width * self.done / self.total)
        bar = "█" * filled + "░" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {100 * self.done // self.total:3d}%")
        self.stream.flush()

    def finish(self) -> None:
        self.update(self.total)
        self.stream.write("\n")
