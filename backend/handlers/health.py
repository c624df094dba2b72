"""Liveness and readiness probes."""

from backend.handlers.base import APIHandler
from backend.handlers.operations import PUBLIC, Op


class HealthHandler(APIHandler):
    """The process is up (answers even when the store is down)."""

    ops = {"get": Op("进程存活检查", ("运维",), PUBLIC, answers={200: "进程在运行"})}

    async def prepare(self) -> None:
        """No session lookup: liveness must not depend on the store."""

    def get(self) -> None:
        self.send_json({"status": "ok"})


class ReadyHandler(APIHandler):
    """The store answers and the process is warmed up; load balancers send traffic only when this is 200.

    Warmed up (``serve``): indexes created, the sample county loaded when asked for, and each
    county's catalogue search index and hotline classifier built, so the first requests are answered
    like any other.
    """

    ops = {"get": Op("就绪检查（数据存储可用、服务已预热）", ("运维",), PUBLIC,
                     answers={200: "存储可用且已预热", 503: "存储不可用或仍在准备"})}

    async def prepare(self) -> None:
        """No session lookup: readiness reports the store itself."""

    async def get(self) -> None:
        ok = await self.application.settings["store"].ping()
        warming = self.application.settings["readiness"].get("warming", "")
        if ok and not warming:
            self.send_json({"status": "ready", "store": "ok"})
        elif ok:
            self.send_json({"status": "warming", "store": "ok", "waiting_for": warming,
                            "error": {"code": "warming_up", "message": "服务正在准备，请稍候"}}, status=503)
        else:
            self.send_json({"status": "unavailable", "store": "down",
                            "error": {"code": "store_unavailable", "message": "数据服务暂时不可用"}}, status=503)

