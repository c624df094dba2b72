"""Scenes as reportlab Drawings (PDF 图形), with the built-in Chinese CID font.

``STSong-Light`` ships inside every PDF reader (Adobe-GB1), so no font file is
embedded or needed on the server.
"""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Group
from reportlab.graphics.shapes import Line as RLine
from reportlab.graphics.shapes import PolyLine, String
from reportlab.graphics.shapes import Polygon as RPolygon
from reportlab.graphics.shapes import Rect as RRect
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from backend.reports.scene import Line, Polygon, Rect, Scene, Text, text_width

CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """Register the CID font once and return its name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _colour(value: str):
    return None if not value or value == "none" else HexColor(value)


def _shapes(shape, height: float) -> list:
    if isinstance(shape, Rect):
        return [RRect(shape.x, height - shape.y - shape.h, shape.w, shape.h, rx=shape.radius, ry=shape.radius,
                      fillColor=_colour(shape.fill), strokeColor=_colour(shape.stroke),
                      strokeWidth=shape.stroke_width, strokeDashArray=list(shape.dash) or None)]
    if isinstance(shape, Line):
        return [RLine(shape.x1, height - shape.y1, shape.x2, height - shape.y2, strokeColor=_colour(shape.stroke),
                      strokeWidth=shape.stroke_width, strokeDashArray=list(shape.dash) or None)]
    if isinstance(shape, Polygon):
        points = [v for x, y in shape.points for v in (x, height - y)]
        if shape.closed:
            return [RPolygon(points, fillColor=_colour(shape.fill), strokeColor=_colour(shape.stroke),
                             strokeWidth=shape.stroke_width)]
        return [PolyLine(points, strokeColor=_colour(shape.stroke), strokeWidth=shape.stroke_width)]
    if isinstance(shape, Text):
        offsets = (0, 0.35) if shape.bold else (0,)  # the CID font has no bold face: overprint
        halo = [_halo(shape, height)] if shape.halo else []
        return halo + [String(shape.x + dx, height - shape.y, shape.text, fontName=cjk_font(), fontSize=shape.size,
                       fillColor=_colour(shape.fill), textAnchor=shape.anchor) for dx in offsets]
    raise TypeError(f"unknown shape {type(shape).__name__}")


def _halo(text: Text, height: float) -> RRect:
    """A white patch behind text that may cross a line (the SVG uses a stroke outline instead)."""
    width = text_width(text.text, text.size) + 2
    left = {"start": text.x - 1, "middle": text.x - width / 2, "end": text.x - width + 1}[text.anchor]
    return RRect(left, height - text.y - text.size * 0.25, width, text.size * 1.1,
                 fillColor=HexColor("#ffffff"), strokeColor=None)


def to_drawing(scene: Scene, max_width: float | None = None, max_height: float | None = None) -> Drawing:
    """The scene as a Drawing, uniformly shrunk (never enlarged) to fit the given box."""
    scale = 1.0
    if max_width:
        scale = min(scale, max_width / scene.width)
    if max_height:
        scale = min(scale, max_height / scene.height)
    group = Group()
    for shape in scene.shapes:
        for drawn in _shapes(shape, scene.height):
            group.add(drawn)
    group.transform = (scale, 0, 0, scale, 0, 0)
    drawing = Drawing(scene.width * scale, scene.height * scale)
    drawing.add(group)
    return drawing
