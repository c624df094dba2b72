"""Small charts (统计图) as SVG strings or reportlab Drawings, no JavaScript.

``hbar_chart_*``: one horizontal bar per row, optionally against a target line;
bars above the target are drawn red and carry ``class="bar over"`` and
``data-over="true"``. ``column_chart_*``: vertical bars with an optional line
series, for monthly counts in supervision reports.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from backend.reports.scene import Line, Polygon, Rect, Scene, Text, text_width, to_svg, wrap

INK, MUTED, GRID = "#1f2329", "#6b7280", "#e5e7eb"
OK, OVER, NEUTRAL, LINE_SERIES = "#16a34a", "#dc2626", "#c8501e", "#2563eb"
ROW_H, BAR_H, PLOT_W, LABEL_SIZE = 28, 16, 360, 13


def percent(value: float | None) -> str:
    """0.07 -> "7%"; None -> "—"."""
    if value is None:
        return "—"
    shown = round(value * 100, 1)
    return f"{shown:g}%"


def _rows(rows: Sequence[Any]) -> list[tuple[str, float | None, bool]]:
    """(label, value, strong) from tuples or {"label", "value", "strong"} dicts."""
    out = []
    for row in rows:
        if isinstance(row, dict):
            out.append((str(row.get("label", "")), row.get("value"), bool(row.get("strong"))))
        else:
            out.append((str(row[0]), row[1], bool(row[2]) if len(row) > 2 else False))
    return out


def _hbar_header(scene: Scene, title: str, target: float | None, left: float) -> float:
    y = 0.0
    if title:
        scene.add(Text(left, 20, title, size=15, fill=INK, bold=True))
        y = 30
    if target is not None:
        legend = [(OK, f"达标（≤{percent(target)}）"), (OVER, f"未达标（>{percent(target)}）")]
        x = left
        for colour, label in legend:
            scene.add(Rect(x, y + 6, 12, 12, fill=colour, radius=2), Text(x + 17, y + 16, label, size=12, fill=MUTED))
            x += 17 + text_width(label, 12) + 18
        y += 26
    return y + 18  # room for the target label above the plot


def _hbar_axis(scene: Scene, left: float, top: float, bottom: float, scale_max: float, fmt) -> None:
    for i in range(5):
        value = scale_max * i / 4
        x = left + PLOT_W * i / 4
        scene.add(Line(x, top, x, bottom, stroke=GRID),
                  Text(x, bottom + 15, fmt(value), size=11, fill=MUTED, anchor="middle"))


def hbar_scene(rows: Sequence[Any], *, target: float | None = None, title: str = "",
               scale_max: float | None = None, as_percent: bool = True) -> Scene:
    """Horizontal bars for ``rows`` of (label, value) or {"label", "value"}; None draws "无数据"."""
    data = _rows(rows)
    fmt = percent if as_percent else (lambda v: "—" if v is None else f"{v:g}")
    label_w = max([text_width(label, LABEL_SIZE) for label, _, _ in data] + [60]) + 22
    values = [v for _, v, _ in data if v is not None]
    top_value = max(values + [target or 0, 0.0001])
    scale_max = scale_max or (max(1.0, math.ceil(top_value * 4) / 4) if as_percent else _nice(top_value))
    value_room = 60
    scene = Scene(label_w + PLOT_W + value_room, 0, title=title or "横向条形图", css="chart hbar")
    top = _hbar_header(scene, title, target, label_w)
    bottom = top + ROW_H * len(data)
    _hbar_axis(scene, label_w, top, bottom, scale_max, fmt)
    if target is not None:  # drawn before the bars so bars and value labels stay on top
        x = label_w + PLOT_W * min(target, scale_max) / scale_max
        scene.add(Line(x, top - 4, x, bottom, stroke=INK, stroke_width=1.5, dash=(5, 3), css="target"),
                  Text(x, top - 7, f"目标 {fmt(target)}", size=11, fill=INK, anchor="middle"))
    for index, (label, value, strong) in enumerate(data):
        y = top + ROW_H * index
        if strong:
            scene.add(Line(0, y, label_w + PLOT_W + value_room, y, stroke="#9ca3af"))
        scene.add(Text(label_w - 10, y + ROW_H / 2 + 5, label, size=LABEL_SIZE, fill=INK, anchor="end", bold=strong))
        if value is None:
            scene.add(Text(label_w + 6, y + ROW_H / 2 + 5, "无数据", size=12, fill=MUTED))
            continue
        over = target is not None and value > target
        colour = NEUTRAL if target is None else (OVER if over else OK)
        width = max(1.5, PLOT_W * min(value, scale_max) / scale_max)
        scene.add(Rect(label_w, y + (ROW_H - BAR_H) / 2, width, BAR_H, fill=colour, radius=3,
                       css="bar over" if over else "bar",
                       data={"label": label, "value": value, "over": "true" if over else "false"}),
                  Text(label_w + width + 6, y + ROW_H / 2 + 5, fmt(value), size=12,
                       fill=OVER if over else INK, bold=over or strong, halo=True))
    scene.height = bottom + 24
    return scene


def hbar_chart_svg(rows: Sequence[Any], **options) -> str:
    """Horizontal bar chart as inline SVG; see ``hbar_scene`` for the options."""
    return to_svg(hbar_scene(rows, **options))


def hbar_chart_drawing(rows: Sequence[Any], max_width: float | None = None, **options):
    """Horizontal bar chart as a reportlab Drawing (for the PDFs)."""
    from backend.reports.pdfdraw import to_drawing

    return to_drawing(hbar_scene(rows, **options), max_width=max_width)


# --- vertical columns with an optional line -------------------------------------------


def _nice(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^n at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _column_axis(scene: Scene, left: float, right: float, top: float, height: float, scale_max: float) -> None:
    for i in range(5):
        value = scale_max * i / 4
        y = top + height - height * i / 4
        scene.add(Line(left, y, right, y, stroke=GRID),
                  Text(left - 6, y + 4, f"{value:g}", size=11, fill=MUTED, anchor="end"))


def _legend(scene: Scene, x: float, y: float, entries: list[tuple[str, str]]) -> None:
    for colour, label in entries:
        scene.add(Rect(x, y - 10, 12, 12, fill=colour, radius=2), Text(x + 17, y, label, size=12, fill=MUTED))
        x += 17 + text_width(label, 12) + 18


def column_scene(labels: Sequence[str], values: Sequence[float], *, line: Sequence[float] | None = None,
                 title: str = "", bar_label: str = "数量", line_label: str = "", unit: str = "") -> Scene:
    """Vertical bars (``values``) per label with an optional ``line`` series on the same axis."""
    labels = [str(label) for label in labels]
    slot = max([64.0] + [min(text_width(label, 12), 110) + 12 for label in labels])
    left, plot_h = 48.0, 180.0
    top = 56.0 if title else 30.0
    scale_max = _nice(max(list(values) + list(line or []) + [0]))
    width = left + slot * max(len(labels), 1) + 16
    scene = Scene(width, top + plot_h + 46, title=title or "柱状图", css="chart columns")
    if title:
        scene.add(Text(left, 20, title, size=15, fill=INK, bold=True))
    legend = [(NEUTRAL, bar_label + (f"（{unit}）" if unit else ""))] + ([(LINE_SERIES, line_label)] if line else [])
    _legend(scene, left, top - 14, legend)
    _column_axis(scene, left, width - 16, top, plot_h, scale_max)
    points = []
    for index, (label, value) in enumerate(zip(labels, values)):
        cx = left + slot * index + slot / 2
        h = plot_h * value / scale_max
        scene.add(Rect(cx - slot * 0.3, top + plot_h - h, slot * 0.6, h, fill=NEUTRAL, radius=2, css="column",
                       data={"label": label, "value": value}),
                  Text(cx, top + plot_h - h - 4, f"{value:g}", size=11, fill=INK, anchor="middle"))
        for n, text in enumerate(wrap(label, slot - 8, 12, max_lines=2)):
            scene.add(Text(cx, top + plot_h + 16 + 14 * n, text, size=12, fill=INK, anchor="middle"))
        if line and index < len(line):
            points.append((cx, top + plot_h - plot_h * line[index] / scale_max))
    if points:
        scene.add(Polygon(points, fill="none", stroke=LINE_SERIES, closed=False, stroke_width=2, css="series"))
        for x, y in points:
            scene.add(Rect(x - 3.5, y - 3.5, 7, 7, fill=LINE_SERIES, radius=3.5))
    return scene


def column_chart_svg(labels: Sequence[str], values: Sequence[float], **options) -> str:
    """Vertical bar chart (optionally with a line) as inline SVG; see ``column_scene``."""
    return to_svg(column_scene(labels, values, **options))


def column_chart_drawing(labels: Sequence[str], values: Sequence[float], max_width: float | None = None,
                         **options):
    """Vertical bar chart as a reportlab Drawing."""
    from backend.reports.pdfdraw import to_drawing

    return to_drawing(column_scene(labels, values, **options), max_width=max_width)
