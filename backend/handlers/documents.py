"""Generated documents of the power list: service guides, the business manual, the compression report."""

import asyncio
from urllib.parse import quote

from backend.handlers.base import CASE_NUMBER, ITEM_CODE, APIHandler
from backend.handlers.operations import PUBLIC, Op, staff
from backend.reports import guide, pdf
from backend.services import catalog, catalog_admin, tenants

FORMATS = {"html": "text/html; charset=UTF-8", "pdf": "application/pdf"}
DOC_ANSWER = {"responses": {"200": {"description": "HTML 或 PDF 文档", "content": {
    "text/html": {"schema": {"type": "string"}}, "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}
DOC_TAGS = ("权力清单文书",)


def document_op(summary: str, access, tags=DOC_TAGS, errors=(404,), parameters=()) -> Op:
    return Op(summary, tags, access, errors=errors, parameters=parameters, extra=DOC_ANSWER)


class DocumentHandler(APIHandler):
    """Answers HTML or PDF; errors stay JSON."""

    async def render_document(self, fmt: str, filename: str, html_maker, pdf_maker) -> None:
        if fmt == "pdf":
            body = await asyncio.to_thread(pdf_maker)  # long manuals take seconds: keep the loop free
        else:
            body = html_maker()
        self.set_header("Content-Type", FORMATS[fmt])
        self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(filename)}.{fmt}")
        self.finish(body)

    async def county(self, tenant: str) -> tuple[dict, dict]:
        profile = await tenants.profile(self.svc, tenant)
        profile["townships"] = [(t["code"], t["name"]) for t in profile["townships"]]
        return profile, {d["code"]: d["name"] for d in profile["departments"]}


class GuideDocumentHandler(DocumentHandler):
    """The published item's service guide (办事指南), printable."""

    ops = {"get": document_op("办事指南（HTML/PDF）", PUBLIC)}

    async def get(self, code: str, fmt: str) -> None:
        tenant = self.tenant()
        item = await catalog.public_guide(self.svc, tenant, code)
        county, departments = await self.county(tenant)
        await self.render_document(fmt, f"办事指南-{item['name']}",
                                   lambda: guide.service_guide_html(item, county, departments),
                                   lambda: pdf.service_guide_pdf(item, county, departments))


class VersionGuideHandler(DocumentHandler):
    """Staff preview of any version's guide (drafts included)."""

    ops = {"get": document_op("预览某版本的办事指南（含草稿）", staff(*catalog_admin.EDITORS, "window_clerk"))}

    async def get(self, code: str, version: str, fmt: str) -> None:
        me = self.principal
        item = await catalog_admin.version_content(self.svc, me["tenant"], code, int(version))
        county, departments = await self.county(me["tenant"])
        await self.render_document(fmt, f"办事指南-{item.name}-第{version}版",
                                   lambda: guide.service_guide_html(item, county, departments),
                                   lambda: pdf.service_guide_pdf(item, county, departments))


class ManualHandler(DocumentHandler):
    """The business manual (业务手册) for departments: every published item, or one department's."""

    ops = {"get": document_op("业务手册（HTML/PDF，部门内部使用）", staff(*catalog_admin.EDITORS, "window_clerk", "supervisor"),
                              parameters=({"name": "department", "in": "query", "required": False,
                                           "schema": {"type": "string"}, "description": "部门代码，缺省为全县"},))}

    async def get(self, fmt: str) -> None:
        me = self.principal
        snap = await catalog.snapshot(self.svc, me["tenant"])
        department = self.get_query_argument("department", "") or None
        county, departments = await self.county(me["tenant"])
        await self.render_document(fmt, f"业务手册-{departments.get(department, county['name']) if department else county['name']}",
                                   lambda: guide.business_manual_html(snap.items, county, departments, department),
                                   lambda: pdf.business_manual_pdf(snap.items, county, departments, department))


class CompressionDocumentHandler(DocumentHandler):
    """The compression report as a table and a chart."""

    ops = {"get": document_op("承诺时限压缩报告（HTML/PDF，含图表）", PUBLIC)}

    async def get(self, fmt: str) -> None:
        tenant = self.tenant()
        report = await catalog.compression(self.svc, tenant)
        county, _ = await self.county(tenant)
        await self.render_document(fmt, "承诺时限压缩报告",
                                   lambda: guide.compression_report_html(report, county),
                                   lambda: pdf.compression_report_pdf(report, county))


CODE = ITEM_CODE
FMT = r"(?P<fmt>html|pdf)"


def default_handlers() -> list:
    return [
        (rf"/api/v1/items/{CODE}/guide\.{FMT}", GuideDocumentHandler),
        (rf"/api/v1/admin/items/{CODE}/versions/(?P<version>[0-9]+)/guide\.{FMT}", VersionGuideHandler),
        (rf"/api/v1/catalogue/manual\.{FMT}", ManualHandler),
        (rf"/api/v1/catalogue/compression\.{FMT}", CompressionDocumentHandler),
        (rf"/api/v1/cases/{NUMBER}/(?P<document>receipt|supplement-notice|rejection-notice|decision-notice|review-supplement-notice|reply-notice)\.{FMT}", CaseDocumentHandler),
    ]


NUMBER = CASE_NUMBER
NOTICE_STATES = {"receipt": None, "supplement-notice": "supplement_requested", "rejection-notice": "rejected"}


class CaseDocumentHandler(DocumentHandler):
    """The window's printed documents for a case: receipt (with QR code), supplement notice, rejection notice."""

    ops = {"get": document_op("窗口文书：受理回执（含二维码）、一次性告知补正通知书、不予受理通知书、办理决定书、"
                                                "审查中补正告知书、上级机关批复告知书", staff("window_clerk", "centre_manager", "info_officer", scope="case"),
                              tags=("办件",), errors=(404, 409))}

    async def get(self, number: str, document: str, fmt: str) -> None:
        from backend.domain.errors import Conflict
        from backend.reports import notices, receipt
        from backend.services import case_notices, case_views

        me = self.principal
        base = self.svc.settings.public_url
        if document in case_notices.AFTER_ACCEPTANCE:
            view, county = await case_notices.notice_view(self.svc, me["tenant"], number, me, document)
            await self.render_document(fmt, f"{document}-{number}", lambda: notices.notice_html(document, view, county, base),
                                       lambda: notices.notice_pdf(document, view, county, base))
            return
        view, county = await case_views.receipt_view(self.svc, me["tenant"], number, me)
        if document == "receipt":
            if not view["accepted_at"]:
                raise Conflict("办件尚未受理，不能打印受理回执", code="not_accepted")
            await self.render_document(fmt, f"受理回执-{number}", lambda: receipt.receipt_html(view, county, base),
                                       lambda: receipt.receipt_pdf(view, county, base))
            return
        state = (await case_views.staff_view(self.svc, me["tenant"], number, me))["state"]
        if state != NOTICE_STATES[document]:
            raise Conflict("办件当前状态不需要该通知书", code="wrong_state")
        supplement = document == "supplement-notice"
        html = receipt.supplement_notice_html if supplement else receipt.rejection_notice_html
        pdf = receipt.supplement_notice_pdf if supplement else receipt.rejection_notice_pdf
        await self.render_document(fmt, f"{document}-{number}", lambda: html(view, county, base),
                                   lambda: pdf(view, county, base))

