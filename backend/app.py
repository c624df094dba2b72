"""make_app: the one route table of the Sunshine 365 HTTP API and staff console."""

from __future__ import annotations

import json
import logging
import time
from functools import lru_cache

import tornado.web

from backend.config import Settings
from backend.console.handlers import CONSOLE_DIR, StaticFiles, console_routes
from backend.handlers import auth, auth_sessions, cases, citizens, documents, health, items, meta, posts, supervision, uploads
from backend.handlers import calendar_admin, org, violation_types, province, supervision_reports
from backend.handlers import backups, fees, satisfaction, satisfaction_admin
from backend.handlers import metrics as metrics_handlers
from backend import metrics, route_index
from backend.handlers.base import NotFoundHandler
from backend.mobile.handlers import mobile_routes
from backend.mobile.rating import rating_routes
from backend.handlers.security_headers import SecurityHeaders
from backend.openapi import build_document
from backend.services.context import Services, system_clock
from hotline import handlers as hotline_handlers
from hotline.services import hooks as hotline_hooks
from backend.store.connection import StoreHandle

access_log = logging.getLogger("sunshine.access")


def api_routes() -> list:
    """Every JSON route; feature modules add theirs to ``FEATURE_ROUTES``."""
    return [
        (r"/healthz", health.HealthHandler),
        (r"/readyz", health.ReadyHandler),
        (r"/api/openapi.json", meta.OpenAPIHandler),
        (r"/api/v1/tenant", meta.TenantHandler),
        (r"/api/v1/auth/login", auth.LoginHandler),
        (r"/api/v1/auth/second-factor", auth.SecondFactorHandler),
        (r"/api/v1/auth/second-factor/enrolment", auth.EnrolmentHandler),
        (r"/api/v1/auth/logout", auth.LogoutHandler),
        (r"/api/v1/auth/me", auth.MeHandler),
        (r"/api/v1/staff", auth.StaffHandler),
        *[route for module in FEATURE_ROUTES for route in module()],
    ]


FEATURE_ROUTES: list = [
    items.default_handlers,
    documents.default_handlers,
    cases.default_handlers,
    uploads.default_handlers,
    citizens.default_handlers,
    posts.default_handlers,
    supervision.default_handlers,
    supervision_reports.default_handlers, calendar_admin.default_handlers, violation_types.default_handlers,
    hotline_handlers.default_handlers,
    org.default_handlers,
    province.default_handlers,
    metrics_handlers.default_handlers,
    backups.default_handlers,
    auth_sessions.default_handlers,
    fees.default_handlers,
    satisfaction.default_handlers,
    satisfaction_admin.default_handlers,
]


def log_request(handler: tornado.web.RequestHandler) -> None:
    """One JSON line per request: structured access log with the request id."""
    request = handler.request
    status = handler.get_status()
    level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
    metrics.observe_request(handler)
    if not access_log.isEnabledFor(level):  # SUNSHINE_LOG_LEVEL above it: no line to build
        return
    entry = {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rid": getattr(request, "request_id", ""),
        "method": request.method,
        "path": request.path,
        "status": status,
        "ms": round(request.request_time() * 1000, 1),
        "ip": request.remote_ip,
        "who": getattr(request, "principal_id", ""),
    }
    tally = getattr(request, "store_tally", None)
    if tally is not None:
        entry["store"] = tally.commands
        entry["store_ms"] = round(tally.ms, 1)
    access_log.log(level, json.dumps(entry, ensure_ascii=False))


def make_app(settings: Settings, store: StoreHandle, clock=system_clock, **extras) -> tornado.web.Application:
    hotline_hooks.install()
    services = Services(db=store.db, settings=settings, clock=clock, extras=extras)
    app = tornado.web.Application(
        api_routes() + console_routes() + mobile_routes() + rating_routes(),
        default_handler_class=NotFoundHandler,
        template_path=str(CONSOLE_DIR / "templates"),
        static_path=str(CONSOLE_DIR / "static"),
        static_url_prefix="/console/static/",
        static_handler_class=StaticFiles,
        log_function=log_request,
        services=services,
        store=store,
        readiness={"warming": ""},
        config=settings,
        compress_response=True,
    )

    app.add_transform(SecurityHeaders)
    route_index.install(app)

    @lru_cache(maxsize=1)
    def openapi() -> dict:
        return build_document(app)

    app.settings["openapi"] = openapi
    return app
