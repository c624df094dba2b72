"""Sign-in limits (登录限制): backoff instead of a lock anyone could trigger.

Failed sign-ins are counted under three keys: the account from one address, the address over
every account, and the account from every address. Each key lets a few failures pass freely;
after that every further failure doubles the wait before the next attempt is checked, up to a
ceiling. Nothing is ever locked: the person who knows the password, from another address, is not
slowed by someone guessing from elsewhere (the account-wide limit spares addresses that signed in
to the account before). These are plain functions of failure times, so the service only counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable


@dataclass(frozen=True)
class Limit:
    """Failures within ``window`` are counted; the first ``free`` cost nothing, then the next attempt
    waits ``first_wait`` after the latest failure, twice as long after each further one, at most ``longest``."""

    name: str
    free: int
    window: timedelta = timedelta(hours=1)
    first_wait: timedelta = timedelta(seconds=1)
    longest: timedelta = timedelta(minutes=15)

    def wait(self, failures: Iterable[datetime], now: datetime) -> timedelta:
        """How long an attempt at ``now`` must wait given these failures (zero: it may be checked now)."""
        recent = [t for t in failures if now - t < self.window]
        over = len(recent) - self.free
        if over < 0:
            return timedelta(0)
        delay = self.first_wait * 2 ** min(over, 30)
        return max(timedelta(0), max(recent) + min(delay, self.longest) - now)


ACCOUNT_FROM_ADDRESS = Limit("account_from_address", free=5)
ADDRESS = Limit("address", free=30)
ACCOUNT = Limit("account", free=50)
LOOKBACK = max(ACCOUNT_FROM_ADDRESS.window, ADDRESS.window, ACCOUNT.window)


@dataclass(frozen=True)
class Failure:
    """One counted attempt: when, and from which address key."""

    at: datetime
    address: str


def wait_for(account: list[Failure], address: list[Failure], from_address: str, known_address: bool,
             now: datetime) -> timedelta:
    """The longest wait the three limits impose on an attempt from ``from_address``."""
    waits = [
        ACCOUNT_FROM_ADDRESS.wait((f.at for f in account if f.address == from_address), now),
        ADDRESS.wait((f.at for f in address), now),
        timedelta(0) if known_address else ACCOUNT.wait((f.at for f in account), now),
    ]
    return max(waits)


def seconds(wait: timedelta) -> int:
    """A wait as whole seconds for ``Retry-After`` (never 0 for a real wait)."""
    return max(1, math.ceil(wait.total_seconds()))
