"""Supervision reports over HTTP (监察报表): list, generate on demand, download as HTML or PDF; trend figures.

Readers and generators: supervisors (电子监察/纪委) and centre managers (admin holds every role).
"""

from __future__ import annotations

from urllib.parse import quote

from backend.domain.clock import to_shanghai
from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from backend.services import reports, supervision_dashboard

READERS = ("supervisor", "centre_manager")
ERR = {"description": "错误（JSON 错误结构）"}
TAGS = ["电子监察"]
CONTENT_TYPES = {"html": "text/html; charset=UTF-8", "pdf": "application/pdf"}


def _query(name: str, description: str, enum: list | None = None) -> dict:
    return {"name": name, "in": "query", "schema": {"type": "string", **({"enum": enum} if enum else {})},
            "description": description}


class ReportsHandler(APIHandler):
    """Stored daily and monthly reports; POST generates one (stored once per period)."""

    spec = {
        "get": {"summary": "监察报表列表（日报、月报）", "tags": TAGS,
                "parameters": [_query("kind", "报表类型", list(reports.KINDS)), _query("page", "页码"),
                               _query("page_size", "每页条数（最多 100）")],
                "responses": {"200": {"description": "报表（不含正文），附 HTML 与 PDF 下载地址"}, "401": ERR, "403": ERR}},
        "post": {"summary": "生成监察报表（同一统计期只生成一次，已有则返回已有报表）", "tags": TAGS,
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["kind", "period"], "properties": {
                         "kind": {"type": "string", "enum": list(reports.KINDS)},
                         "period": {"type": "string", "description": "日报 YYYY-MM-DD，月报 YYYY-MM（须已结束）"}}}}}},
                 "responses": {"201": {"description": "已生成"}, "200": {"description": "该统计期的报表已存在"},
                               "401": ERR, "403": ERR, "422": ERR}},
    }

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        try:
            page = max(int(self.get_query_argument("page", "1")), 1)
            size = min(max(int(self.get_query_argument("page_size", "20")), 1), 100)
        except ValueError:
            raise ValidationFailed("页码格式不正确", code="bad_page") from None
        self.send_json(await reports.list_reports(self.svc, me["tenant"], self.get_query_argument("kind", ""), page, size))

    async def post(self) -> None:
        me = self.require_roles(*READERS)
        body = self.json_body()
        summary, created = await reports.generate(self.svc, me["tenant"], str(body.get("kind") or ""),
                                                  str(body.get("period") or ""), me)
        self.send_json(summary, 201 if created else 200)


class ReportDocumentHandler(APIHandler):
    """One stored report as it was generated: the HTML page or the PDF file."""

    spec = {"get": {"summary": "下载监察报表（HTML 或 PDF）", "tags": TAGS, "responses": {
        "200": {"description": "HTML 或 PDF", "content": {"text/html": {"schema": {"type": "string"}},
                                                           "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        "401": ERR, "403": ERR, "404": ERR}}}

    async def get(self, report_id: str, fmt: str) -> None:
        me = self.require_roles(*READERS)
        title, body = await reports.report_body(self.svc, me["tenant"], report_id, fmt)
        self.set_header("Content-Type", CONTENT_TYPES[fmt])
        self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(title)}.{fmt}")
        self.finish(body)


class TrendHandler(APIHandler):
    """Received and finished cases per day (for the console's volume chart)."""

    spec = {"get": {"summary": "收件量与办结量趋势（按日）", "tags": TAGS,
                    "parameters": [_query("days", "天数（默认 30，最多 366）")],
                    "responses": {"200": {"description": "每日收件量、办结量、按时办结量"}, "401": ERR, "403": ERR}}}

    async def get(self) -> None:
        me = self.require_roles(*READERS)
        days = supervision_dashboard.period_days(self.get_query_argument("days", "30"))
        today = to_shanghai(self.svc.now()).date()
        self.send_json(await reports.trend(self.svc, me["tenant"], today, days))


def default_handlers() -> list:
    base = r"/api/v1/supervision"
    return [
        (rf"{base}/reports", ReportsHandler),
        (rf"{base}/reports/(?P<report_id>[^/]+?)\.(?P<fmt>html|pdf)", ReportDocumentHandler),
        (rf"{base}/trend", TrendHandler),
    ]
