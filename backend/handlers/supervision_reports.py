"""Supervision reports over HTTP (监察报表): list, generate on demand, download as HTML or PDF; trend figures.

Readers and generators: supervisors (电子监察/纪委) and centre managers (admin holds every role).
"""

from __future__ import annotations

from urllib.parse import quote

from typing import Literal

from pydantic import BaseModel, Field

from backend.domain.clock import to_shanghai
from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from backend.handlers.operations import Op, staff
from backend.services import reports, supervision_dashboard

READERS = staff("supervisor", "centre_manager")
TAGS = ("电子监察",)


class GenerateBody(BaseModel):
    kind: Literal[tuple(reports.KINDS)] = Field(title="报表类型")
    period: str = Field(title="统计期", description="日报 YYYY-MM-DD，月报 YYYY-MM（须已结束）", min_length=7, max_length=10)
CONTENT_TYPES = {"html": "text/html; charset=UTF-8", "pdf": "application/pdf"}


def _query(name: str, description: str, enum: list | None = None) -> dict:
    return {"name": name, "in": "query", "schema": {"type": "string", **({"enum": enum} if enum else {})},
            "description": description}


class ReportsHandler(APIHandler):
    """Stored daily and monthly reports; POST generates one (stored once per period)."""

    ops = {
        "get": Op("监察报表列表（日报、月报）", TAGS, READERS, answers={200: "报表（不含正文），附 HTML 与 PDF 下载地址"},
                  errors=(422,), parameters=(_query("kind", "报表类型", list(reports.KINDS)), _query("page", "页码"),
                                             _query("page_size", "每页条数（最多 100）"))),
        "post": Op("生成监察报表（同一统计期只生成一次，已有则返回已有报表）", TAGS, READERS, GenerateBody,
                   {201: "已生成", 200: "该统计期的报表已存在"}),
    }

    async def get(self) -> None:
        me = self.principal
        try:
            page = max(int(self.get_query_argument("page", "1")), 1)
            size = min(max(int(self.get_query_argument("page_size", "20")), 1), 100)
        except ValueError:
            raise ValidationFailed("页码格式不正确", code="bad_page") from None
        self.send_json(await reports.list_reports(self.svc, me["tenant"], self.get_query_argument("kind", ""), page, size))

    async def post(self) -> None:
        me = self.principal
        summary, created = await reports.generate(self.svc, me["tenant"], self.payload.kind, self.payload.period, me)
        self.send_json(summary, 201 if created else 200)


class ReportDocumentHandler(APIHandler):
    """One stored report as it was generated: the HTML page or the PDF file."""

    ops = {"get": Op("下载监察报表（HTML 或 PDF）", TAGS, READERS, errors=(404,), extra={"responses": {
        "200": {"description": "HTML 或 PDF", "content": {"text/html": {"schema": {"type": "string"}},
                                                           "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})}

    async def get(self, report_id: str, fmt: str) -> None:
        me = self.principal
        title, body = await reports.report_body(self.svc, me["tenant"], report_id, fmt)
        self.set_header("Content-Type", CONTENT_TYPES[fmt])
        self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(title)}.{fmt}")
        self.finish(body)


class TrendHandler(APIHandler):
    """Received and finished cases per day (for the console's volume chart)."""

    ops = {"get": Op("收件量与办结量趋势（按日）", TAGS, READERS, answers={200: "每日收件量、办结量、按时办结量"},
                     parameters=(_query("days", "天数（默认 30，最多 366）"),))}

    async def get(self) -> None:
        me = self.principal
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
