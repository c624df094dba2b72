"""Application materials (申请材料): upload, read back, who may read, attach to a case, clean-up."""

import dataclasses
import hashlib
import io
import random
import re
import socket
from datetime import timedelta
from urllib.parse import quote

import pytest
import tornado.httpserver
from PIL import Image

from backend.app import make_app
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.services import accounts, uploads
from tests.conftest import ApiClient


def png_bytes(size=(24, 16), noisy=False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    if noisy:
        image = Image.frombytes("RGB", size, random.Random(365).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A minimal one-page PDF with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


async def upload(client, data: bytes, content_type: str, filename: str = "材料.png"):
    headers = {"Content-Type": content_type, "X-Filename": quote(filename)}
    return await client.post("/api/v1/uploads", raw=data, headers=headers)


async def citizen(api, svc, subject: str) -> tuple[ApiClient, dict]:
    client = api.as_anonymous()
    client.token = await accounts.open_session(svc, "ziyang", "citizen", subject)
    return client, {"kind": "citizen", "tenant": "ziyang", "id": subject, "roles": ["citizen"]}


@pytest.fixture
async def clerk(api, seeded):
    await api.login("clerk_a")
    return api


@pytest.fixture
async def small_api(store, settings, clock, seeded):
    """The application with a 2 KB upload limit, on its own loopback port."""
    app = make_app(dataclasses.replace(settings, max_upload_bytes=2048), store, clock=clock)
    server = tornado.httpserver.HTTPServer(app, max_body_size=1024 * 1024)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    server.add_sockets([sock])
    client = ApiClient(f"http://127.0.0.1:{sock.getsockname()[1]}")
    await client.login("clerk_a")
    yield client
    server.stop()
    await server.close_all_connections()


async def test_a_png_comes_back_byte_for_byte_with_its_type_and_chinese_name(clerk):
    image = png_bytes()
    saved = await upload(clerk, image, "image/png", "身份证正面.png")
    assert saved.status == 201, saved.json
    assert saved.json == {"id": saved.json["id"], "filename": "身份证正面.png", "content_type": "image/png",
                          "size": len(image), "sha256": hashlib.sha256(image).hexdigest()}
    back = await clerk.get(f"/api/v1/uploads/{saved.json['id']}")
    assert back.status == 200 and back.body == image
    assert back.headers["Content-Type"] == "image/png"
    assert back.headers["Content-Disposition"] == "inline; filename*=UTF-8''" + quote("身份证正面.png")


async def test_a_pdf_named_in_the_query_comes_back_byte_for_byte(clerk):
    document = pdf_bytes()
    saved = await clerk.post(f"/api/v1/uploads?filename={quote('营业执照.pdf')}", raw=document,
                             headers={"Content-Type": "application/pdf"})
    assert saved.status == 201 and saved.json["filename"] == "营业执照.pdf"
    back = await clerk.get(f"/api/v1/uploads/{saved.json['id']}")
    assert back.body == document and back.headers["Content-Type"] == "application/pdf"


async def test_a_file_bigger_than_one_chunk_survives_the_round_trip(clerk):
    document = pdf_bytes() + b"%" + bytes(range(256)) * 2100  # about 525 KB: three stored chunks
    saved = await upload(clerk, document, "application/pdf", "扫描件.pdf")
    back = await clerk.get(f"/api/v1/uploads/{saved.json['id']}")
    assert hashlib.sha256(back.body).hexdigest() == saved.json["sha256"] == hashlib.sha256(document).hexdigest()


async def test_an_exe_disguised_as_a_png_is_refused(clerk):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
    response = await upload(clerk, program, "image/png", "照片.png")
    assert response.status == 422 and response.error["message"] == "只接受 JPG、PNG 或 PDF 文件"


async def test_a_png_declared_as_a_pdf_is_refused_as_not_matching_its_type(clerk):
    response = await upload(clerk, png_bytes(), "application/pdf", "证明.pdf")
    assert response.status == 422 and response.error["message"] == "文件内容与类型不符"


async def test_an_empty_file_is_refused(clerk):
    response = await upload(clerk, b"", "image/png")
    assert response.status == 422 and response.error["message"] == "文件为空"


async def test_a_file_over_the_limit_is_refused_with_the_limit_named(small_api):
    big = png_bytes((64, 64), noisy=True)
    assert len(big) > 2048
    response = await upload(small_api, big, "image/png")
    assert response.status == 413 and response.error["message"] == "文件过大（上限 2 KB）"
    assert (await upload(small_api, png_bytes(), "image/png")).status == 201


async def test_a_25_mb_upload_is_answered_with_the_json_413_before_its_body_is_sent(clerk):
    """Only the headers go out: the answer must come from them (before: 400 with an empty body)."""
    import asyncio
    import json

    host, port = clerk.base_url.split("//")[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write((f"POST /api/v1/uploads HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {clerk.token}\r\n"
                  f"Content-Type: application/pdf\r\nContent-Length: {25 * 1024 * 1024}\r\n"
                  "Expect: 100-continue\r\n\r\n").encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    body = json.loads(await reader.readexactly(length))
    writer.close()
    assert head.startswith(b"HTTP/1.1 413") and b"application/json" in head
    assert body["error"]["code"] == "file_too_large" and body["error"]["message"] == "文件过大（上限 20 MB）"


async def test_a_25_mb_upload_sent_whole_gets_the_json_413_too(clerk):
    response = await clerk.http.fetch(clerk.base_url + "/api/v1/uploads", method="POST", raise_error=False,
                                      body=b"%PDF-" + b"0" * (25 * 1024 * 1024),
                                      headers={"Authorization": f"Bearer {clerk.token}",
                                               "Content-Type": "application/pdf"}, expect_100_continue=True)
    assert response.code == 413 and b"file_too_large" in response.body


async def test_a_pdf_header_in_front_of_a_web_page_is_refused(clerk):
    polyglot = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
    response = await upload(clerk, polyglot, "application/pdf", "证明.pdf")
    assert response.status == 422 and response.error["code"] == "unreadable_file"


async def test_a_png_signature_on_something_else_is_refused(clerk):
    fake = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>"
    response = await upload(clerk, fake, "image/png", "照片.png")
    assert response.status == 422 and response.error["code"] == "unreadable_file"


async def test_a_folder_path_in_the_name_is_dropped_and_the_real_extension_added(clerk):
    saved = await upload(clerk, png_bytes(), "image/png", "..\\..\\windows/户口本.exe")
    assert saved.json["filename"] == "户口本.exe.png"


async def test_anonymous_visitors_can_neither_upload_nor_read(clerk):
    saved = await upload(clerk, png_bytes(), "image/png")
    stranger = clerk.as_anonymous()
    assert (await upload(stranger, png_bytes(), "image/png")).status == 401
    response = await stranger.get(f"/api/v1/uploads/{saved.json['id']}")
    assert response.status == 401 and response.headers["Content-Type"].startswith("application/json")


async def test_staff_of_another_county_get_not_found_and_colleagues_can_read(clerk, svc):
    saved = await upload(clerk, png_bytes(), "image/png")
    await svc.db.tenants.insert_one({"_id": "hanbin", "name": "汉滨区"})
    await accounts.create_staff(svc, "hanbin", "clerk_h", "sunshine365", "李华", ["window_clerk"])
    other = clerk.as_anonymous()
    await other.login("clerk_h", tenant="hanbin")
    response = await other.get(f"/api/v1/uploads/{saved.json['id']}")
    assert response.status == 404 and response.error["message"] == "未找到该文件"
    colleague = clerk.as_anonymous()
    await colleague.login("clerk_b")
    assert (await colleague.get(f"/api/v1/uploads/{saved.json['id']}")).status == 200


async def test_a_citizen_reads_their_own_upload_but_not_another_citizens(api, svc, seeded):
    owner, _ = await citizen(api, svc, "ziyang:citizen:1001")
    neighbour, _ = await citizen(api, svc, "ziyang:citizen:1002")
    saved = await upload(owner, pdf_bytes(), "application/pdf", "低保申请.pdf")
    assert saved.status == 201
    assert (await owner.get(f"/api/v1/uploads/{saved.json['id']}")).status == 200
    assert (await neighbour.get(f"/api/v1/uploads/{saved.json['id']}")).status == 404
    assert (await neighbour.get("/api/v1/uploads/0123456789abcdef0123456789abcdef")).status == 404


async def test_attach_marks_files_for_a_case_in_the_order_given(api, svc, seeded):
    owner, me = await citizen(api, svc, "ziyang:citizen:1001")
    first = (await upload(owner, png_bytes(), "image/png", "正面.png")).json["id"]
    second = (await upload(owner, pdf_bytes(), "application/pdf", "证明.pdf")).json["id"]
    attached = await uploads.attach(svc, "ziyang", [second, first], "ZY20261123001", me)
    assert [(m["id"], m["attached_to"]) for m in attached] == [(second, "ZY20261123001"), (first, "ZY20261123001")]
    meta, _ = await uploads.open_upload(svc, "ziyang", first, me)
    assert meta["attached_to"] == "ZY20261123001"


async def test_attach_refuses_unknown_ids_and_other_peoples_files_naming_them(api, svc, seeded):
    owner, me = await citizen(api, svc, "ziyang:citizen:1001")
    _, neighbour = await citizen(api, svc, "ziyang:citizen:1002")
    mine = (await upload(owner, png_bytes(), "image/png")).json["id"]
    with pytest.raises(ValidationFailed) as refused:
        await uploads.attach(svc, "ziyang", [mine, "nosuchfile"], "ZY20261123001", me)
    assert "nosuchfile" in refused.value.message and mine not in refused.value.message
    with pytest.raises(ValidationFailed) as refused:
        await uploads.attach(svc, "ziyang", [mine], "ZY20261123001", neighbour)
    assert mine in refused.value.message
    meta, _ = await uploads.open_upload(svc, "ziyang", mine, me)
    assert meta["attached_to"] == ""


async def test_window_staff_attach_a_citizens_file_which_the_owner_cannot_move_to_another_case(api, svc, seeded):
    owner, me = await citizen(api, svc, "ziyang:citizen:1001")
    mine = (await upload(owner, png_bytes(), "image/png")).json["id"]
    await api.login("clerk_a")
    clerk = await accounts.resolve_session(svc, api.token)
    await uploads.attach(svc, "ziyang", [mine], "ZY20261123001", clerk, applicant_id="ziyang:citizen:1003")
    with pytest.raises(Conflict):
        await uploads.attach(svc, "ziyang", [mine], "ZY20261123999", me)
    applicant = {"kind": "citizen", "tenant": "ziyang", "id": "ziyang:citizen:1003", "roles": ["citizen"]}
    assert (await uploads.open_upload(svc, "ziyang", mine, applicant))[1] == png_bytes()


async def test_unattached_files_are_purged_after_the_grace_period_and_attached_ones_kept(clerk, svc, clock):
    me = await accounts.resolve_session(svc, clerk.token)
    stale = (await upload(clerk, png_bytes(), "image/png")).json["id"]
    kept = (await upload(clerk, pdf_bytes(), "application/pdf")).json["id"]
    await uploads.attach(svc, "ziyang", [kept], "ZY20261123001", me)
    clock.advance(hours=2)
    await clerk.login("clerk_a")  # two idle hours ended the session
    fresh = (await upload(clerk, png_bytes(), "image/png")).json["id"]
    assert await uploads.purge_unattached(svc, "ziyang", timedelta(hours=1)) == 1
    assert (await clerk.get(f"/api/v1/uploads/{stale}")).status == 404
    assert (await clerk.get(f"/api/v1/uploads/{kept}")).status == 200
    assert (await clerk.get(f"/api/v1/uploads/{fresh}")).status == 200
    with pytest.raises(NotFound):
        await uploads.open_upload(svc, "ziyang", stale, me)


async def test_the_openapi_document_lists_the_upload_media_types(api):
    doc = (await api.get("/api/openapi.json")).json
    body = doc["paths"]["/api/v1/uploads"]["post"]["requestBody"]["content"]
    assert set(body) == {"image/jpeg", "image/png", "application/pdf"}
    assert "get" in doc["paths"]["/api/v1/uploads/{file_id}"]
