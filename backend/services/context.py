"""What every service needs: the store, the settings and a clock (injected so tests can move time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from pymongo.asynchronous.database import AsyncDatabase

from backend.config import Settings


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    """The shared dependencies handed to every service function."""

    db: AsyncDatabase
    settings: Settings
    clock: Callable[[], datetime] = system_clock
    extras: dict = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()
