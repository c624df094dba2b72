"""Generated guides, manuals and reports served over HTTP."""

import io

from pypdf import PdfReader


async def _code(api, name="个体工商户设立登记"):
    return (await api.get(f"/api/v1/items?q={name}")).json["items"][0]["code"]


async def test_anyone_prints_a_published_items_guide_as_html_and_pdf(api, seeded):
    code = await _code(api)
    html = await api.get(f"/api/v1/items/{code}/guide.html")
    assert html.status == 200 and html.headers["Content-Type"].startswith("text/html")
    text = html.body.decode()
    assert "个体工商户设立登记" in text and "<svg" in text and "经营者身份证明" in text
    document = await api.get(f"/api/v1/items/{code}/guide.pdf")
    assert document.headers["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(document.body)).pages
    assert "个体工商户设立登记" in "".join(page.extract_text() for page in pages)


async def test_the_business_manual_is_for_staff_and_shows_internal_notes(api, seeded):
    assert (await api.get("/api/v1/catalogue/manual.html")).status == 401
    await api.login("manager")
    code = await _code(api)
    item = (await api.get(f"/api/v1/admin/items/{code}")).json["latest"]
    item["internal_notes"] = "内部：注意核对经营场所"
    await api.put(f"/api/v1/admin/items/{code}", {"expected_version": 1, "item": item})
    await api.post(f"/api/v1/admin/items/{code}/publish", {"version": 2})
    manual = await api.get("/api/v1/catalogue/manual.html?department=scjgj")
    assert manual.status == 200 and "内部：注意核对经营场所" in manual.body.decode()
    public = await api.get(f"/api/v1/items/{code}/guide.html")
    assert "注意核对经营场所" not in public.body.decode()


async def test_a_draft_can_be_previewed_by_staff_but_is_not_public(api, seeded):
    await api.login("manager")
    code = await _code(api)
    item = (await api.get(f"/api/v1/admin/items/{code}")).json["latest"]
    item["name"] = "个体工商户设立登记（新版草稿）"
    await api.put(f"/api/v1/admin/items/{code}", {"expected_version": 1, "item": item})
    preview = await api.get(f"/api/v1/admin/items/{code}/versions/2/guide.html")
    assert "新版草稿" in preview.body.decode()
    assert "新版草稿" not in (await api.get(f"/api/v1/items/{code}/guide.html")).body.decode()


async def test_the_compression_report_has_a_table_and_a_chart(api, seeded):
    report = await api.get("/api/v1/catalogue/compression.html")
    text = report.body.decode()
    assert report.status == 200 and "<svg" in text and "紫阳县市场监督管理局" in text
    assert (await api.get("/api/v1/catalogue/compression.pdf")).body.startswith(b"%PDF")
