"""Prometheus metrics (``/metrics``): requests, store commands, working sets, lags and backup age.

Request and store-command metrics are counted as they happen. Figures read from the store (open
and overdue cases, queue lengths, the sweep's and the notification worker's lag, the last backup)
are recomputed at most once a minute, when a scrape asks for them, from working sets and
``_id`` lookups only (docs/decisions/0005): a scrape never reads a collection that grows with
history. With ``serve --processes N`` set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before
start: every process then writes its figures there and any process answers for all of them.
"""

from __future__ import annotations

import os
import re
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client import REGISTRY

from backend.openapi import route_path
from backend.services import progress_cache
from backend.store import commands

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STORE_LATENCY = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)

REQUESTS = Counter("sunshine_http_requests", "HTTP requests answered, by route and status",
                   ["route", "method", "status"])
REQUEST_SECONDS = Histogram("sunshine_http_request_duration_seconds", "Time to answer an HTTP request",
                            ["route", "method"], buckets=_LATENCY)
STORE_COMMANDS = Counter("sunshine_store_commands", "Commands sent to the store, by command name", ["command"])
PROGRESS_VIEWS = Counter("sunshine_progress_views", "Public progress lookups answered from memory (kept), from memory "
                         "once the store confirmed it (renewed), or rendered from the store (read)", ["source"])
STORE_SECONDS = Histogram("sunshine_store_command_duration_seconds", "Store command latency", ["command"],
                          buckets=_STORE_LATENCY)


def _gauge(name: str, text: str, labels=()) -> Gauge:
    return Gauge(name, text, list(labels), multiprocess_mode="mostrecent")


OPEN_CASES = _gauge("sunshine_open_cases", "Cases not yet finished (在办件)", ["tenant"])
OVERDUE_CASES = _gauge("sunshine_overdue_cases", "Open cases past their promised deadline (超期)", ["tenant"])
DUE_SOON_CASES = _gauge("sunshine_due_soon_cases", "Open cases with a yellow warning (即将超期)", ["tenant"])
QUEUE_LENGTH = _gauge("sunshine_queue_length", "Entries waiting in a working queue", ["tenant", "queue"])
SWEEP_LAG = _gauge("sunshine_sweep_lag_seconds", "Time since the warning sweep's last swept minute", ["tenant"])
NOTIFY_LAG = _gauge("sunshine_notification_lag_seconds", "Age of the oldest notice due and not yet sent")
BACKUP_LAST = _gauge("sunshine_backup_last_success_timestamp_seconds", "When the last backup finished (0: never)")
BACKUP_AGE = _gauge("sunshine_backup_age_seconds", "Time since the last successful backup (-1: never)")
FIGURES_AT = _gauge("sunshine_figures_timestamp_seconds", "When the figures read from the store were computed")


_CHILDREN: dict[tuple, Any] = {}  # (metric, label values) -> its child: labels() validates and locks each time


def _child(metric, *values: str):
    child = _CHILDREN.get((metric, values))
    if child is None:
        child = _CHILDREN[metric, values] = metric.labels(*values)
    return child


def _store_observer(name: str, ms: float) -> None:
    _child(STORE_COMMANDS, name).inc()
    _child(STORE_SECONDS, name).observe(ms / 1000)


if _store_observer not in commands.observers:
    commands.observers.append(_store_observer)


def _progress_observer(source: str) -> None:
    _child(PROGRESS_VIEWS, source).inc()


if _progress_observer not in progress_cache.observers:
    progress_cache.observers.append(_progress_observer)


def route_patterns(app) -> dict[type, str]:
    """Handler class -> its route as a path template (the first route of a class that has several)."""
    found: dict[type, str] = {}
    for rule in app.wildcard_router.rules:
        for sub in getattr(rule.target, "rules", [rule]):
            if isinstance(sub.target, type) and hasattr(sub.matcher, "regex"):
                path = route_path(sub.matcher.regex.pattern)
                found.setdefault(sub.target, re.sub(r"\(.*\)", "{path}", path))
    return found


def route_label(handler) -> str:
    """The route that answered (``/api/v1/cases/{number}``), never the raw path: labels stay few."""
    patterns = handler.application.settings.get("route_patterns")
    if patterns is None:
        patterns = handler.application.settings["route_patterns"] = route_patterns(handler.application)
    return patterns.get(type(handler), "unmatched")


def observe_request(handler) -> None:
    route, method = route_label(handler), handler.request.method
    _child(REQUESTS, route, method, str(handler.get_status())).inc()
    _child(REQUEST_SECONDS, route, method).observe(handler.request.request_time())


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (all processes' when PROMETHEUS_MULTIPROC_DIR is set)."""
    from prometheus_client import CONTENT_TYPE_LATEST

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
