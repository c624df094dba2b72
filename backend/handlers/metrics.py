"""``/metrics``: Prometheus text format, for the monitoring server only."""

from __future__ import annotations

import hmac

from pymongo.errors import PyMongoError

from backend import metrics
from backend.ops import figures
from backend.handlers import client_address
from backend.handlers.base import BaseHandler


class MetricsHandler(BaseHandler):
    """Answers the bearer token of ``SUNSHINE_METRICS_TOKEN``, or (with no token set) loopback clients only."""

    def _allowed(self) -> bool:
        token = self.svc.settings.metrics_token
        if token:
            offered = self.request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            return hmac.compare_digest(offered.encode(), token.encode())
        return client_address.is_loopback_direct(self.request)

    async def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        if not self._allowed():
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish("403 禁止访问：/metrics 只对监控服务器开放（设置 SUNSHINE_METRICS_TOKEN 或从本机访问）\n")
            return
        try:
            await figures.figures_cache.refresh(self.svc)
        except PyMongoError:
            pass  # the store is down: answer with the request metrics and the last figures
        body, content_type = metrics.exposition()
        self.set_header("Content-Type", content_type)
        self.finish(body)


def default_handlers() -> list:
    return [(r"/metrics", MetricsHandler)]
