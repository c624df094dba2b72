"""A tiny drawing model shared by the SVG and PDF renderers (图形场景).

Flowcharts and charts are laid out once as a ``Scene`` of rectangles, lines,
polygons and text in a top-left coordinate system (y grows downwards, units are
CSS pixels = PDF points). ``to_svg`` turns a scene into an SVG string;
``backend.reports.pdfdraw.to_drawing`` turns the same scene into a reportlab Drawing.
Text widths are estimated (CJK characters one em, others about half an em), which
is close enough for both the browser fonts and STSong-Light in the PDF.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from html import escape

FONT_FAMILY = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "SimSun", sans-serif'
NO_LINE_START = set("，。、；：？！）》」』】”’,.;:?!)%")


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str = "none"
    stroke: str = "none"
    stroke_width: float = 1.0
    radius: float = 0.0
    css: str = ""
    data: dict = field(default_factory=dict)
    dash: tuple = ()


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = "#6b7280"
    stroke_width: float = 1.0
    dash: tuple = ()
    css: str = ""


@dataclass
class Polygon:
    points: list
    fill: str = "#6b7280"
    stroke: str = "none"
    closed: bool = True
    stroke_width: float = 1.0
    css: str = ""


@dataclass
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 12.0
    fill: str = "#1f2329"
    anchor: str = "start"  # start | middle | end
    bold: bool = False
    css: str = ""
    halo: bool = False  # white outline so the text stays legible over lines (SVG only)


@dataclass
class Scene:
    width: float
    height: float
    title: str = ""
    css: str = ""
    shapes: list = field(default_factory=list)

    def add(self, *shapes) -> None:
        self.shapes.extend(shapes)


# --- text measuring and wrapping --------------------------------------------------------


def char_width(ch: str, size: float) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return size
    return size * 0.56


def text_width(text: str, size: float) -> float:
    """Estimated rendered width of ``text`` at ``size``."""
    return sum(char_width(ch, size) for ch in text)


def _tokens(text: str) -> list[str]:
    """Split into wrap units: one token per CJK character, Latin words kept whole."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if wide or ch.isspace():
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


def _split_long(token: str, max_width: float, size: float) -> list[str]:
    pieces, piece = [], ""
    for ch in token:
        if piece and text_width(piece + ch, size) > max_width:
            pieces.append(piece)
            piece = ""
        piece += ch
    return pieces + [piece] if piece else pieces


def wrap(text: str, max_width: float, size: float, max_lines: int = 0) -> list[str]:
    """Greedy line wrapping for mixed Chinese/Latin text; closing punctuation never starts a line.

    With ``max_lines`` the last kept line ends in an ellipsis when text was cut.
    """
    lines: list[str] = []
    line = ""
    for token in _tokens(" ".join(str(text or "").split())):
        for piece in _split_long(token, max_width, size) if text_width(token, size) > max_width else [token]:
            fits = text_width(line + piece, size) <= max_width
            if fits or not line or piece in NO_LINE_START:
                line += piece
            else:
                lines.append(line.rstrip())
                line = "" if piece.isspace() else piece
    if line.strip():
        lines.append(line.rstrip())
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


# --- SVG ------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _common(css: str, dash: tuple = ()) -> str:
    out = f' class="{escape(css)}"' if css else ""
    if dash:
        out += f' stroke-dasharray="{" ".join(_n(d) for d in dash)}"'
    return out


def _svg_shape(shape) -> str:
    if isinstance(shape, Rect):
        data = "".join(f' data-{escape(k)}="{escape(str(v))}"' for k, v in shape.data.items())
        return (f'<rect x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.w)}" height="{_n(shape.h)}"'
                f' rx="{_n(shape.radius)}" fill="{shape.fill}" stroke="{shape.stroke}"'
                f' stroke-width="{_n(shape.stroke_width)}"{_common(shape.css, shape.dash)}{data}/>')
    if isinstance(shape, Line):
        return (f'<line x1="{_n(shape.x1)}" y1="{_n(shape.y1)}" x2="{_n(shape.x2)}" y2="{_n(shape.y2)}"'
                f' stroke="{shape.stroke}" stroke-width="{_n(shape.stroke_width)}"{_common(shape.css, shape.dash)}/>')
    if isinstance(shape, Polygon):
        tag = "polygon" if shape.closed else "polyline"
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in shape.points)
        return (f'<{tag} points="{points}" fill="{shape.fill}" stroke="{shape.stroke}"'
                f' stroke-width="{_n(shape.stroke_width)}"{_common(shape.css)}/>')
    if isinstance(shape, Text):
        weight = ' font-weight="700"' if shape.bold else ""
        if shape.halo:
            weight += ' stroke="#ffffff" stroke-width="3" paint-order="stroke"'
        return (f'<text x="{_n(shape.x)}" y="{_n(shape.y)}" font-size="{_n(shape.size)}" fill="{shape.fill}"'
                f' text-anchor="{shape.anchor}"{weight}{_common(shape.css)}>{escape(shape.text)}</text>')
    raise TypeError(f"unknown shape {type(shape).__name__}")


def to_svg(scene: Scene) -> str:
    """The scene as a standalone inline SVG element (no scripts, all text escaped)."""
    title = escape(scene.title)
    css = f' class="{escape(scene.css)}"' if scene.css else ""
    head = (f'<svg xmlns="http://www.w3.org/2000/svg"{css} width="{_n(scene.width)}" height="{_n(scene.height)}"'
            f' viewBox="0 0 {_n(scene.width)} {_n(scene.height)}" role="img" aria-label="{title}"'
            f" font-family='{FONT_FAMILY}'>")
    body = "\n".join(_svg_shape(s) for s in scene.shapes)
    return f"{head}<title>{title}</title>\n{body}\n</svg>"
