"""Application materials (申请材料) over HTTP: upload a raw image or PDF, read it back inline."""

from urllib.parse import quote, unquote

import tornado.web

from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from backend.handlers.operations import ANY_SIGNED_IN, SIGNED_IN, Access, Op
from backend.services import uploads

BINARY = {"type": "string", "format": "binary"}
STREAM_SLICE = 256 * 1024


@tornado.web.stream_request_body
class UploadsHandler(APIHandler):
    """Upload one material as the raw request body; any signed-in staff member or citizen.

    The body is streamed in: a declared size above the limit is answered (JSON 413) from the
    headers alone, before the body is read, and a body that grows past it stops the upload."""

    raw_body = True
    ops = {"post": Op("上传申请材料（JPG、PNG 或 PDF，请求体为文件本身）", ("申请材料",), ANY_SIGNED_IN,
                      errors=(413, 415, 422), parameters=(
        {"name": "X-Filename", "in": "header", "required": False,
         "description": "文件名（UTF-8 后 URL 编码），如 %E8%BA%AB%E4%BB%BD%E8%AF%81.png", "schema": {"type": "string"}},
        {"name": "filename", "in": "query", "required": False, "description": "文件名（无 X-Filename 时使用）",
         "schema": {"type": "string"}}), extra={
        "requestBody": {"required": True, "description": "文件内容；Content-Type 须与文件实际类型一致",
                        "content": {t: {"schema": BINARY} for t in uploads.KINDS}},
        "responses": {"201": {"description": "{id, filename, content_type, size, sha256}"},
                      "413": {"description": "文件过大（JSON 错误结构）"}}})}

    @property
    def max_body(self) -> int:
        return self.svc.settings.max_upload_bytes

    async def prepare(self) -> None:
        self.received: list[bytes] = []
        self.size = 0
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            uploads.check_size(self.svc, int(declared))  # the upload's own message (413), not the generic one
        self.request.connection.set_max_body_size(self.max_body)
        await super().prepare()

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= self.max_body:
            self.received.append(chunk)
        elif not self._finished:  # a body sent without its length (chunked) that grew past the limit
            self.received = []
            try:
                uploads.check_size(self.svc, self.size)
            except uploads.FileTooLarge as too_large:
                self.send_error(413, exc_info=(type(too_large), too_large, None))

    def _filename(self) -> str:
        header = self.request.headers.get("X-Filename", "")
        if not header:
            return self.get_query_argument("filename", "")
        try:
            return unquote(header, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise ValidationFailed("文件名编码有误，请使用 UTF-8 URL 编码", code="bad_filename") from None

    async def post(self) -> None:
        me = self.principal
        declared = self.request.headers.get("Content-Type", "")
        data = b"".join(self.received)
        self.received = []
        saved = await uploads.save_upload(self.svc, self.tenant(), me, self._filename(), declared, data)
        self.send_json(saved, status=201)


class UploadHandler(APIHandler):
    """Read one material back, shown inline: its owner, the case's applicant, staff who may see that applicant."""

    ops = {"get": Op("查看申请材料（原文件）", ("申请材料",), Access(frozenset({SIGNED_IN}), "upload"), errors=(404,), extra={"responses": {
        "200": {"description": "文件内容（inline）", "content": {t: {"schema": BINARY} for t in uploads.KINDS}}}})}

    async def get(self, file_id: str) -> None:
        me = self.principal
        meta, data = await uploads.open_upload(self.svc, self.tenant(), file_id, me)
        self.set_header("Content-Type", meta["content_type"])
        self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(meta['filename'], safe='')}")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "private, no-store")
        for start in range(0, len(data), STREAM_SLICE):
            self.write(data[start:start + STREAM_SLICE])
            await self.flush()
        self.finish()


def default_handlers() -> list:
    return [
        (r"/api/v1/uploads", UploadsHandler),
        (r"/api/v1/uploads/(?P<file_id>[0-9A-Za-z_-]{1,64})", UploadHandler),
    ]
