"""Liveness and readiness probes."""

from backend.handlers.base import APIHandler


class HealthHandler(APIHandler):
    """The process is up (answers even when the store is down)."""

    public = True
    spec = {"get": {"summary": "进程存活检查", "tags": ["运维"], "responses": {"200": {"description": "进程在运行"}}}}

    async def prepare(self) -> None:
        """No session lookup: liveness must not depend on the store."""

    def get(self) -> None:
        self.send_json({"status": "ok"})


class ReadyHandler(APIHandler):
    """The store answers; load balancers send traffic only when this is 200."""

    public = True
    spec = {"get": {"summary": "就绪检查（数据存储可用）", "tags": ["运维"], "responses": {
        "200": {"description": "存储可用"}, "503": {"description": "存储不可用"}}}}

    async def prepare(self) -> None:
        """No session lookup: readiness reports the store itself."""

    async def get(self) -> None:
        ok = await self.application.settings["store"].ping()
        if ok:
            self.send_json({"status": "ready", "store": "ok"})
        else:
            self.send_json({"status": "unavailable", "store": "down",
                            "error": {"code": "store_unavailable", "message": "数据服务暂时不可用"}}, status=503)

