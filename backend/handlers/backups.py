"""Backups on the admin console (备份记录): the schedule, the retention rule and every backup taken."""

from __future__ import annotations

from backend.console.handlers import ConsolePage
from backend.domain.roles import NavEntry, add_navigation
from backend.handlers.base import APIHandler
from backend.handlers.operations import Op, staff
from backend.ops import scheduled_backup

add_navigation(NavEntry("backups", "数据备份", "/console/backups", frozenset({"admin"})))

STATUS_LABELS = {"ok": "成功", "failed": "失败", "running": "进行中"}


def backup_view(doc: dict) -> dict:
    view = {k: v for k, v in doc.items() if k != "_id"}
    view.update(id=doc["_id"], status_label=STATUS_LABELS.get(doc.get("status", ""), doc.get("status", "")),
                kind_label="定时" if doc.get("kind") == "scheduled" else "手动",
                scope_label=f"县区 {doc['tenant']}" if doc.get("tenant") else "全部县区")
    return view


class BackupsHandler(APIHandler):
    """The backup schedule and the recorded backups, newest first (administrators only)."""

    ops = {"get": Op("备份计划与备份记录（仅系统管理员）", ("运维",), staff("admin"), answers={200: "计划与记录"})}

    async def get(self) -> None:
        settings = self.svc.settings
        schedule = {"enabled": bool(settings.backup_dir), "directory": settings.backup_dir, "at": settings.backup_at,
                    "keep_daily": settings.backup_keep_daily, "keep_monthly": settings.backup_keep_monthly}
        docs = await scheduled_backup.listing(self.svc.db)
        self.send_json({"schedule": schedule, "backups": [backup_view(d) for d in docs]})


class BackupsPage(ConsolePage):
    template = "backups.html"
    nav_key = "backups"


def default_handlers() -> list:
    return [(r"/api/v1/admin/backups", BackupsHandler), (r"/console/backups", BackupsPage)]
