"""Procedure flowchart (办理流程图): an item's steps as a vertical chart of rounded boxes.

Each box shows the step number, the performing role as a coloured lane tag, the
step name (wrapped), a short description and the step's day limit. ``flowchart_svg``
needs nothing but the standard library; ``flowchart_drawing`` draws the same layout
with reportlab for the PDFs, and ``flowchart_drawings`` splits a long one into parts
that each fit a page at full size, so no text is printed below 13 pt (large print).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from backend.domain.items import ROLES
from backend.reports.scene import Line, Polygon, Rect, Scene, Text, text_width, to_svg, wrap

ROLE_COLOURS = {  # white lane text on each keeps 4.5:1
    "window_clerk": "#b4461a",
    "dept_approver": "#1d4ed8",
    "centre_manager": "#15803d",
    "higher_authority": "#6d28d9",
    "fee_window": "#0f766e",
}
OTHER_COLOUR = "#4b5563"
INK, MUTED, LINE = "#1f2329", "#4b5563", "#6b7280"

MARGIN, INNER, DAYS_COL = 10, 14, 92
TEXT_MAX, MIN_TEXT = 300, 170
NAME_SIZE, DESC_SIZE, TAG_SIZE, SMALL_SIZE = 15, 13, 13, 13
NAME_LEAD, DESC_LEAD, TAG_H = 20, 18, 20
ARROW, TERMINAL_H, TERMINAL_W = 30, 30, 96


def _field(step: Any, key: str, default: Any = "") -> Any:
    if isinstance(step, Mapping):
        return step.get(key, default)
    return getattr(step, key, default)


def _prepared(steps: Iterable[Any]) -> list[dict]:
    """Steps in order with wrapped text; accepts public step dicts or Step objects."""
    rows = []
    for index, step in enumerate(steps or []):
        order = _field(step, "order", index + 1)
        role = str(_field(step, "role", "") or "")
        rows.append({
            "order": order if isinstance(order, int) else index + 1,
            "role": role,
            "role_label": str(_field(step, "role_label", "") or ROLES.get(role, role) or "办理人员"),
            "name_lines": wrap(_field(step, "name", ""), TEXT_MAX, NAME_SIZE) or ["（未命名环节）"],
            "desc_lines": wrap(_field(step, "description", ""), TEXT_MAX, DESC_SIZE, max_lines=4),
            "days": _field(step, "days", 0),
        })
    rows.sort(key=lambda r: r["order"])
    return rows


def days_label(days: Any) -> tuple[str, str]:
    """(big, small) texts of a step's day limit: ("1", "个工作日") or ("当日", "办理")."""
    if isinstance(days, int) and days > 0:
        return str(days), "个工作日"
    return "当日", "办理"


def _box_height(row: dict) -> float:
    height = INNER + TAG_H + 8 + NAME_LEAD * len(row["name_lines"])
    if row["desc_lines"]:
        height += 4 + DESC_LEAD * len(row["desc_lines"])
    return height + INNER - 4


def _content_width(row: dict, number: int) -> float:
    tag = text_width(row["role_label"], TAG_SIZE) + 16 + 8 + text_width(f"第{number}步", SMALL_SIZE)
    names = [text_width(s, NAME_SIZE) for s in row["name_lines"]]
    descs = [text_width(s, DESC_SIZE) for s in row["desc_lines"]]
    return max([tag, MIN_TEXT, *names, *descs])


def _arrow(scene: Scene, x: float, y1: float, y2: float) -> None:
    scene.add(Line(x, y1, x, y2 - 7, stroke=LINE, stroke_width=1.6),
              Polygon([(x - 5, y2 - 8), (x + 5, y2 - 8), (x, y2)], fill=LINE))


def _terminal(scene: Scene, cx: float, y: float, label: str) -> None:
    scene.add(Rect(cx - TERMINAL_W / 2, y, TERMINAL_W, TERMINAL_H, fill="#fdf1ea", stroke="#b4461a",
                   radius=TERMINAL_H / 2, css="terminal"),
              Text(cx, y + 20, label, size=14, fill="#8f3512", anchor="middle"))


def _box(scene: Scene, row: dict, number: int, x: float, y: float, w: float, h: float) -> None:
    colour = ROLE_COLOURS.get(row["role"], OTHER_COLOUR)
    scene.add(Rect(x, y, w, h, fill="#ffffff", stroke=colour, stroke_width=1.6, radius=10,
                   css="step", data={"order": row["order"]}))
    tag_w = text_width(row["role_label"], TAG_SIZE) + 16
    tx, ty = x + INNER, y + INNER
    scene.add(Rect(tx, ty, tag_w, TAG_H, fill=colour, radius=10, css="role"),
              Text(tx + tag_w / 2, ty + 15, row["role_label"], size=TAG_SIZE, fill="#ffffff", anchor="middle"),
              Text(tx + tag_w + 8, ty + 15, f"第{number}步", size=SMALL_SIZE, fill=MUTED))
    ty += TAG_H + 8
    for line in row["name_lines"]:
        scene.add(Text(tx, ty + 15, line, size=NAME_SIZE, fill=INK, bold=True, css="step-name"))
        ty += NAME_LEAD
    ty += 4
    for line in row["desc_lines"]:
        scene.add(Text(tx, ty + 12, line, size=DESC_SIZE, fill=MUTED))
        ty += DESC_LEAD
    divider = x + w - DAYS_COL
    big, small = days_label(row["days"])
    scene.add(Line(divider, y + 10, divider, y + h - 10, stroke="#e5e7eb"),
              Text(divider + DAYS_COL / 2, y + h / 2 + 2, big, size=20, fill=colour, anchor="middle", bold=True),
              Text(divider + DAYS_COL / 2, y + h / 2 + 21, small, size=SMALL_SIZE, fill=MUTED, anchor="middle"))


def flowchart_scene(steps: Iterable[Any]) -> Scene:
    """Lay the steps out top to bottom between a 开始 and a 办结 terminal, sized to content."""
    rows = _prepared(steps)
    if not rows:
        scene = Scene(260, 44, title="办理流程图", css="flowchart")
        scene.add(Text(130, 27, "暂无办理流程", size=13, fill=MUTED, anchor="middle"))
        return scene
    return _scene(rows, _box_width(rows), first=1, start=True, end=True)


def _box_width(rows: list[dict]) -> float:
    return max(_content_width(r, n) for n, r in enumerate(rows, 1)) + 2 * INNER + DAYS_COL + 8


def _scene_height(rows: list[dict], start: bool, end: bool) -> float:
    ends = int(start) + int(end)
    return 2 * MARGIN + TERMINAL_H * ends + ARROW * (len(rows) - 1 + ends) + sum(_box_height(r) for r in rows)


def _scene(rows: list[dict], box_w: float, first: int, start: bool, end: bool) -> Scene:
    """Steps ``first``.. of a chart: with the 开始 terminal if ``start``, the 办结 one if ``end``."""
    scene = Scene(box_w + 2 * MARGIN, _scene_height(rows, start, end), title="办理流程图", css="flowchart")
    cx, y = MARGIN + box_w / 2, MARGIN
    if start:
        _terminal(scene, cx, y, "开始")
        y += TERMINAL_H
    for index, row in enumerate(rows):
        if start or index:
            _arrow(scene, cx, y, y + ARROW)
            y += ARROW
        h = _box_height(row)
        _box(scene, row, first + index, MARGIN, y, box_w, h)
        y += h
    if end:
        _arrow(scene, cx, y, y + ARROW)
        _terminal(scene, cx, y + ARROW, "办结")
    return scene


def _parts(rows: list[dict], max_height: float) -> list[list[dict]]:
    """Consecutive runs of steps, each as long as fits ``max_height`` at full size."""
    parts: list[list[dict]] = [[]]
    for index, row in enumerate(rows):
        trial = parts[-1] + [row]
        last = index == len(rows) - 1
        if parts[-1] and _scene_height(trial, len(parts) == 1, last) > max_height:
            parts.append([row])
        else:
            parts[-1] = trial
    return parts


def flowchart_svg(steps: Iterable[Any]) -> str:
    """The procedure flowchart as an inline SVG string (Chinese text, escaped, no scripts)."""
    return to_svg(flowchart_scene(steps))


def flowchart_drawing(steps: Iterable[Any], max_width: float | None = None, max_height: float | None = None):
    """The same flowchart as a reportlab Drawing, shrunk to fit ``max_width``/``max_height`` points."""
    from backend.reports.pdfdraw import to_drawing

    return to_drawing(flowchart_scene(steps), max_width=max_width, max_height=max_height)


def flowchart_drawings(steps: Iterable[Any], max_width: float, max_height: float) -> list:
    """The flowchart for large print: one Drawing per part that fits ``max_height`` unshrunk (the parts
    continue each other's step numbers; only a single step taller than a page is shrunk)."""
    from backend.reports.pdfdraw import to_drawing

    rows = _prepared(steps)
    if not rows:
        return [flowchart_drawing(steps, max_width, max_height)]
    box_w, drawings, first = _box_width(rows), [], 1
    parts = _parts(rows, max_height)
    for n, part in enumerate(parts):
        scene = _scene(part, box_w, first, start=n == 0, end=n == len(parts) - 1)
        drawings.append(to_drawing(scene, max_width=max_width, max_height=max_height))
        first += len(part)
    return drawings
