"""Counting store commands: per request (in the access log) and per command name since start.

A PyMongo ``CommandListener`` is told of every command the driver sends. A request opens a tally
(:func:`start_tally`, a context variable, so concurrent requests and background tasks each count
their own); the access log writes how many commands the request issued and how long the store took.
``totals`` keeps counts and summed milliseconds by command name for the metrics endpoint.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from pymongo import monitoring


@dataclass
class Tally:
    commands: int = 0
    ms: float = 0.0
    pinned: dict = field(default_factory=dict)  # what this request decided once (tenant_config's tokens)


_current: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("store_tally", default=None)
totals: dict[str, Tally] = {}
observers: list = []  # ``f(command_name, ms)`` for each finished command (the metrics module adds one)


def start_tally() -> Tally:
    """Count the commands issued from here on in this context (one request)."""
    tally = Tally()
    _current.set(tally)
    return tally


def current() -> Tally | None:
    return _current.get()


class CommandCounter(monitoring.CommandListener):
    """Adds each command to the current request's tally and to the per-name totals."""

    def started(self, event) -> None:
        tally = _current.get()
        if tally is not None:
            tally.commands += 1

    def succeeded(self, event) -> None:
        self._took(event)

    def failed(self, event) -> None:
        self._took(event)

    def _took(self, event) -> None:
        ms = event.duration_micros / 1000
        tally = _current.get()
        if tally is not None:
            tally.ms += ms
        total = totals.setdefault(event.command_name, Tally())
        total.commands += 1
        total.ms += ms
        for observe in observers:
            observe(event.command_name, ms)
