"""QR codes printed on receipts and notices (二维码).

``case_link`` builds the link a receipt's QR code carries; ``qr_svg`` draws it as
inline SVG for the HTML documents, ``qr_png`` as a PNG and ``qr_drawing`` as a
reportlab Drawing for the PDF. All three draw the same module matrix (error
correction level M, which survives a crease or a stamp across the code).
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib.colors import black
from reportlab.lib.units import mm

QUIET_ZONE = 2  # modules of white border; the printed page margin adds the rest
CASE_PATH = "/m/case"


def case_link(base_url: str, number: str, query_code: str) -> str:
    """The ordinary https link in the receipt's QR code that opens the case in the mini-program.

    For example ``https://zwfw.ziyang.gov.cn/m/case?number=610924-20261128-00042&code=7KQ3MX9P``.
    WeChat's rule "扫普通链接二维码打开小程序" (mini-program admin console → 开发管理 → 开发设置)
    is registered for the prefix ``<base_url>/m/case`` with the case progress page (for example
    ``pages/progress/progress``) as its target; the verification file WeChat asks for is served from
    the root of the domain. Scanned inside WeChat, the page's ``onLoad`` receives the whole link
    URL-encoded in ``options.q`` and reads ``number`` and ``code`` from it, so the citizen sees
    the progress without logging in. Scanned with any other app, the same link opens the
    public progress page at ``/m/case`` (``backend/mobile``), whose button opens the mini-program
    by URL Link or URL Scheme. The query code is printed undashed in the link.
    """
    query = urlencode({"number": number, "code": query_code})
    return f"{base_url.rstrip('/')}{CASE_PATH}?{query}"


def _qr(text: str, **kwargs) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, **kwargs)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_matrix(text: str) -> list[list[bool]]:
    """Rows of modules (True is dark), quiet zone included."""
    return _qr(text).get_matrix()


def qr_svg(text: str, size_mm: float = 30) -> str:
    """An inline ``<svg>`` element (no XML declaration) ``size_mm`` millimetres square."""
    image = _qr(text, image_factory=qrcode.image.svg.SvgPathImage).make_image()
    svg = image.to_string(encoding="unicode")
    size = f'width="{size_mm:g}mm" height="{size_mm:g}mm"'
    svg = re.sub(r'width="[^"]*" height="[^"]*"', size, svg, count=1)
    svg = svg.replace(' id="qr-path"', "")
    return svg.replace("<svg ", '<svg class="qr" role="img" aria-label="办件进度二维码" ', 1)


def qr_png(text: str, box_size: int = 8) -> bytes:
    """The code as PNG bytes (``box_size`` pixels a module)."""
    buffer = io.BytesIO()
    _qr(text, box_size=box_size).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def _dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each horizontal run of dark modules."""
    runs, start = [], None
    for c, dark in enumerate(row + [False]):
        if dark and start is None:
            start = c
        elif not dark and start is not None:
            runs.append((start, c - start))
            start = None
    return runs


def qr_drawing(text: str, size_mm: float = 30) -> Drawing:
    """The code as a reportlab Drawing: one black bar per run of dark modules (no seams)."""
    matrix = qr_matrix(text)
    side = size_mm * mm
    unit = side / len(matrix)
    drawing = Drawing(side, side)
    for r, row in enumerate(matrix):
        for start, length in _dark_runs(row):
            drawing.add(Rect(start * unit, side - (r + 1) * unit, length * unit, unit,
                             fillColor=black, strokeColor=None, strokeWidth=0))
    return drawing
