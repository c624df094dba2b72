"""Power-list CSV files (事项清单 CSV): one row per item, nested lists inside the row.

Each nested list (申请材料, 办理流程, 收费项目, 办理地点) is one cell: an entry per line,
fields separated by ``|``; ``\\|``, ``\\n`` and ``\\\\`` escape those characters inside a field.
Files are written as UTF-8 with BOM (so Excel opens them) and read as UTF-8 or GB18030.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from backend.itemfiles.tables import (
    MAIN_COLUMNS, SUB_TABLES, Origin, Parsed, assemble, decode_text, file_error, item_row, plain,
    read_cells, sub_rows,
)


def _escape(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n")


def _split_escaped(line: str) -> list[str]:
    fields, current, chars = [], [], iter(line)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            current.append("\n" if nxt == "n" else nxt)
        elif ch == "|":
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return [f.strip() for f in fields]


def _csv_headers() -> list[str]:
    return [h for h, _, _ in MAIN_COLUMNS] + [csv_column for _, csv_column, _ in SUB_TABLES.values()]


def write_csv(items: list[dict], path: Path) -> None:
    """Write stored-shape item dicts as a CSV file that imports again unchanged."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_csv_headers())
        for item in items:
            nested = ["\n".join("|".join(_escape(v) for v in values) for values in sub_rows(item, f))
                      for f in SUB_TABLES]
            writer.writerow([*[plain(v) for v in item_row(item).values()], *nested])


def read_csv(path: Path) -> list[Parsed]:
    """Every item row of the file with its nested lists, not yet validated."""
    reader = csv.reader(decode_text(path).splitlines(keepends=True))
    header = [h.strip() for h in next(reader, [])]
    missing = [h for h in ("实施编码", "事项名称") if h not in header]
    if missing:
        raise file_error(f"CSV 文件缺少「{'」「'.join(missing)}」列（第 1 行应为列标题）")
    parsed = []
    for row, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            parsed.append(_read_row(dict(zip(header, values)), row))
    return parsed


def _read_row(cells: dict[str, str], row: int) -> Parsed:
    entry = Parsed({}, Origin("", row, inline=True))
    entry.data = read_cells(MAIN_COLUMNS, cells, "", row, entry.errors)
    for list_field, (_, csv_column, columns) in SUB_TABLES.items():
        headers = [h for h, _, _ in columns]
        entry.data[list_field] = [
            read_cells(columns, dict(zip(headers, _split_escaped(line))), "", row, entry.errors)
            for line in (cells.get(csv_column) or "").splitlines() if line.strip()]
    entry.data = assemble(entry.data)
    return entry
