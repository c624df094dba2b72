"""Power-list files (事项清单文件): read and write items as .xlsx, .csv and .json.

The formats are described for county staff in docs/items-format.md. ``read_items``
parses and validates every row before returning anything and reports all row errors
together (sheet, row, column, reason in Chinese); ``write_items`` exports so that the
file imports again unchanged.

Layout: ``tables`` holds the columns, cells and error records every format shares;
``xlsx_format`` and ``csv_format`` read and write their format; JSON, the format
dispatch and the validation of what was read live here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Iterable, Mapping

from backend.domain.items import FIELD_LABELS, Item, item_problems
from backend.itemfiles.csv_format import read_csv, write_csv
from backend.itemfiles.tables import (  # the shared names are part of this package's API
    BOOLS, MAIN_COLUMNS, MAIN_SHEET, MAX_REPORTED, SUB_TABLES, CellError, Origin, Parsed,
    cell_error, decode_text, file_error, from_cell, import_failure, item_row, sub_rows, to_cell,
)
from backend.itemfiles.xlsx_format import read_xlsx, write_xlsx

# Every other name the single-module version exposed (through its own imports) stays
# reachable here, so nothing that imported it from ``backend.itemfiles`` breaks.
import csv  # noqa: F401
import datetime as dt  # noqa: F401
from dataclasses import dataclass, field  # noqa: F401
from typing import Any  # noqa: F401

from openpyxl import Workbook, load_workbook  # noqa: F401
from openpyxl.styles import Alignment, Font  # noqa: F401

from backend.domain.errors import ValidationFailed  # noqa: F401
from backend.domain.items import (  # noqa: F401
    DELIVERY_METHODS, KINDS, LEVELS, MATERIAL_FORMS, REQUIREMENTS, ROLES, STATUSES,
)

Progress = Callable[[int, int], None]


# --- public entry points ----------------------------------------------------------------------


def read_items(path: str | Path, progress: Progress | None = None, *,
               known_departments: Mapping[str, str] | None = None,
               known_townships: Iterable[str] | Mapping[str, str] | None = None) -> list[dict]:
    """Parse and validate a .xlsx, .csv or .json power list; return stored-shape item dicts.

    Nothing is returned unless every row is valid; otherwise one ValidationFailed names
    each bad cell (details: {"errors": [{sheet, row, column, field, message, text}], "total"}).
    ``known_departments``/``known_townships`` turn on the lookup checks (and name -> code).
    """
    path = Path(path)
    readers = {".xlsx": read_xlsx, ".csv": read_csv, ".json": _read_json}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise file_error(f"不支持的文件类型「{path.suffix}」，请使用 .xlsx、.csv 或 .json")
    towns = known_townships if isinstance(known_townships, Mapping) or known_townships is None \
        else set(known_townships)
    return _check_all(reader(path), known_departments, towns, progress)


def write_items(items: Iterable[Item | Mapping], path: str | Path) -> None:
    """Export items (Item or stored dicts) to .xlsx, .csv or .json, chosen by the suffix."""
    path = Path(path)
    dicts = [(i if isinstance(i, Item) else Item.from_dict(i)).to_dict() for i in items]
    writers = {".xlsx": write_xlsx, ".csv": write_csv, ".json": _write_json}
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise file_error(f"不支持的文件类型「{path.suffix}」，请使用 .xlsx、.csv 或 .json")
    writer(dicts, path)


# --- validation and reporting --------------------------------------------------------------


def _locate(problem: dict, origin: Origin) -> dict:
    """Translate a model field path (materials[2].copies) into sheet, row and column."""
    match = re.match(r"^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?$", problem["field"])
    top, index, sub = match.group(1), match.group(2), match.group(3)
    if top in SUB_TABLES and index is not None:
        sheet_name, csv_column, columns = SUB_TABLES[top]
        label = next((h for h, key, _ in columns if key == sub), sub or "")
        position = int(index)
        if origin.inline:
            column = f"{csv_column}（第 {position + 1} 条·{label}）"
            return cell_error(origin.sheet, origin.row, column, problem["field"], problem["message"], origin.unit)
        sheet, row = origin.nested[top][position]
        return cell_error(sheet, row, label, problem["field"], problem["message"])
    label = next((h for h, key, _ in MAIN_COLUMNS if key == top), FIELD_LABELS.get(top, top))
    if top in SUB_TABLES and origin.inline:
        label = SUB_TABLES[top][1]
    return cell_error(origin.sheet, origin.row, label, problem["field"], problem["message"], origin.unit)


def _resolve_names(data: dict, departments: Mapping[str, str] | None, townships) -> None:
    """Let staff write department and township names where codes are expected."""
    if departments:
        by_name = {name: code for code, name in departments.items()}
        if data.get("department") in by_name:
            data["department"] = by_name[data["department"]]
        if data.get("department") in departments and not data.get("department_name"):
            data["department_name"] = departments[data["department"]]
    if isinstance(townships, Mapping):
        by_name = {name: code for code, name in townships.items()}
        data["townships"] = [by_name.get(t, t) for t in data.get("townships", [])]


def _check_all(parsed: list[Parsed], departments, townships, progress: Progress | None) -> list[dict]:
    items, errors, seen = [], [], {}
    for done, entry in enumerate(parsed, start=1):
        _resolve_names(entry.data, departments, townships)
        item = Item.from_dict(entry.data)
        errors.extend(_entry_errors(entry, item, departments, townships))
        if item.code in seen:
            unit = entry.origin.unit
            errors.append(cell_error(entry.origin.sheet, entry.origin.row, "实施编码", "code",
                                     f"实施编码「{item.code}」重复（与第 {seen[item.code]} {unit}相同）", unit))
        seen.setdefault(item.code, entry.origin.row)
        items.append(item.to_dict())
        if progress:
            progress(done, len(parsed))
    if errors:
        raise import_failure(errors)
    return items


def _entry_errors(entry: Parsed, item: Item, departments, townships) -> list[dict]:
    """The cell errors of one entry, then each rule it breaks on a cell not already reported."""
    errors = list(entry.errors)
    located = {(e["sheet"], e["row"], e["field"]) for e in entry.errors}
    for problem in item_problems(item, departments, townships):
        error = _locate(problem, entry.origin)
        if (error["sheet"], error["row"], error["field"]) not in located:
            errors.append(error)
    return errors


# --- json ---------------------------------------------------------------------------------


def _read_json(path: Path) -> list[Parsed]:
    try:
        doc = json.loads(decode_text(path))
    except json.JSONDecodeError as exc:
        raise file_error(f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列") from exc
    entries = doc.get("items") if isinstance(doc, dict) else doc
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise file_error("JSON 文件应为事项数组，或包含 items 数组的对象")
    return [Parsed(dict(e), Origin("", n, inline=True, unit="个事项"), []) for n, e in enumerate(entries, 1)]


def _write_json(items: list[dict], path: Path) -> None:
    path.write_text(json.dumps({"items": items}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
