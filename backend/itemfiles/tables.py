"""Power-list file tables (事项清单表格): the columns, cells, rows and error records all formats share.

``MAIN_COLUMNS`` and ``SUB_TABLES`` describe the ``事项`` sheet / csv row and the nested lists;
``from_cell`` and ``to_cell`` convert one cell; ``read_cells`` reads one row and records each bad
cell as an error that names sheet, row and column in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from backend.domain.errors import ValidationFailed
from backend.domain.items import (
    DELIVERY_METHODS, FEE_STAGES, KINDS, LEVELS, MATERIAL_FORMS, REQUIREMENTS, ROLES, STATUSES,
)

MAX_REPORTED = 50
MAIN_SHEET = "事项"
BOOLS = {"是": True, "否": False}

# (header, key, kind); kind: text | int | required_int | bool | lines | refs | date | enum dict
MAIN_COLUMNS = [
    ("实施编码", "code", "text"), ("基本编码", "base_code", "text"), ("事项名称", "name", "text"),
    ("事项类型", "item_type", "text"), ("办件类型", "kind", KINDS), ("实施部门", "department", "text"),
    ("实施部门名称", "department_name", "text"), ("层级", "level", LEVELS),
    ("办理乡镇", "townships", "lines"), ("法定时限", "statutory_days", "required_int"),
    ("承诺时限", "promised_days", "required_int"), ("网上办理", "online", "bool"),
    ("人生事件", "life_events", "lines"), ("主题", "themes", "lines"), ("俗称", "aliases", "lines"),
    ("版本", "version", "int"),
    ("生效日期", "effective_date", "date"), ("设定依据", "legal_basis", "lines"),
    ("受理条件", "conditions", "lines"), ("前置事项", "prerequisites", "refs"),
    ("联办部门", "joint_departments", "refs"), ("上报机关", "report_to", "text"),
    ("办理结果", "result_name", "text"), ("结果类型", "result_type", "text"),
    ("送达方式", "delivery_methods", ("list", DELIVERY_METHODS)), ("咨询电话", "phone", "text"),
    ("投诉电话", "complaint_phone", "text"), ("状态", "status", STATUSES), ("内部备注", "internal_notes", "text"),
    ("缴费环节", "fee_stage", FEE_STAGES),
]
# list field -> (sheet name in xlsx, column name in csv, columns)
SUB_TABLES = {
    "materials": ("材料", "申请材料", [
        ("材料名称", "name", "text"), ("必要性", "requirement", REQUIREMENTS), ("适用情形", "condition", "text"),
        ("材料形式", "form", MATERIAL_FORMS), ("份数", "copies", "int"), ("来源渠道", "source", "text"),
        ("空白表格", "blank_form", "text"), ("示例样表", "sample", "text"), ("备注", "note", "text")]),
    "steps": ("流程", "办理流程", [
        ("步骤序号", "order", "int"), ("环节名称", "name", "text"), ("办理角色", "role", ROLES),
        ("办理说明", "description", "text"), ("环节时限", "days", "int")]),
    "fees": ("收费", "收费项目", [
        ("收费项目", "name", "text"), ("收费标准", "standard", "text"), ("收费依据", "basis", "text"),
        ("可否减免", "exemption_allowed", "bool"), ("金额（分）", "amount_fen", "int"), ("计费单位", "unit", "text"),
        ("情形字段", "choice_input", "text"), ("按情形收费（情形=金额分；…）", "options", "fee_options"),
        ("数量字段", "quantity_input", "text")]),
    "places": ("办理地点", "办理地点", [
        ("地点名称", "name", "text"), ("地址", "address", "text"), ("办公时间", "hours", "text")]),
}


class CellError(ValueError):
    """A cell that cannot be read; its message is Chinese and names no location."""


# --- cells ------------------------------------------------------------------------------


def plain(value: Any) -> str:
    """A cell value as trimmed text (whole floats without ``.0``, dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]


def from_cell(kind: Any, raw: Any) -> Any:
    """Cell text (or an Excel value) to the model value; raises CellError in Chinese."""
    text = plain(raw)
    if isinstance(kind, dict):
        codes = {label: code for code, label in kind.items()}
        if text in kind or text in codes:
            return codes.get(text, text)
        raise CellError(f"「{text}」不是有效值，应为：{'、'.join(kind.values())}")
    if isinstance(kind, tuple):
        return [from_cell(kind[1], line) for line in _lines(text)]
    if kind in ("int", "required_int"):
        if not re.fullmatch(r"-?\d+", text):
            raise CellError("必须填写整数" if text else "不能为空")
        return int(text)
    if kind == "fee_options":
        return [_fee_option(part) for part in re.split(r"[;；]", text) if part.strip()]
    if kind == "bool":
        if text not in BOOLS:
            raise CellError(f"「{text}」无效，应填「是」或「否」")
        return BOOLS[text]
    if kind == "lines":
        return _lines(text)
    if kind == "refs":
        return [dict(zip(("code", "name"), (line.split(None, 1) + [""])[:2])) for line in _lines(text)]
    return text


def _fee_option(part: str) -> dict:
    label, _, amount = part.rpartition("=")
    if not label.strip() or not re.fullmatch(r"\d+", amount.strip()):
        raise CellError(f"「{part.strip()}」应写成「情形=金额（整数，单位分）」")
    return {"label": label.strip(), "amount_fen": int(amount.strip())}


def to_cell(kind: Any, value: Any) -> Any:
    """The model value as cell content (labels for enumerations, one entry per line for lists)."""
    if isinstance(kind, dict):
        return kind.get(value, value)
    if isinstance(kind, tuple):
        return "\n".join(str(to_cell(kind[1], v)) for v in value)
    if kind == "fee_options":
        return "；".join(f"{o['label']}={o['amount_fen']}" for o in value or [])
    if kind == "int" and value is None:
        return ""
    if kind == "bool":
        return "是" if value else "否"
    if kind == "lines":
        return "\n".join(value)
    if kind == "refs":
        return "\n".join(f"{r['code']} {r['name']}".strip() for r in value)
    return value


# --- rows <-> item dicts ------------------------------------------------------------------


@dataclass
class Origin:
    """Where an item came from, to name sheet, row and column in error messages."""

    sheet: str
    row: int
    nested: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    inline: bool = False  # csv/json: nested lists live inside the item row
    unit: str = "行"  # json counts items: 第 3 个事项


@dataclass
class Parsed:
    data: dict
    origin: Origin
    errors: list[dict] = field(default_factory=list)


def read_cells(columns, cells: Mapping[str, Any], sheet: str, row: int, errors: list) -> dict:
    """One row as model values; each unreadable cell is appended to ``errors`` and kept as text."""
    data = {}
    for header, key, kind in columns:
        raw = cells.get(header)
        if plain(raw) == "" and kind != "required_int":
            continue
        try:
            data[key] = from_cell(kind, raw)
        except CellError as exc:
            errors.append(cell_error(sheet, row, header, key, str(exc)))
            data[key] = plain(raw)
    return data


def assemble(data: dict) -> dict:
    """Fold the flat result columns of a main row into the item's ``result``."""
    result = {"name": data.pop("result_name", ""), "type": data.pop("result_type", "")}
    return {**data, "result": result}


def item_row(item: dict) -> dict[str, Any]:
    """The cells of the main row (``事项`` sheet / csv row) of one item."""
    flat = {**item, "result_name": item["result"]["name"], "result_type": item["result"]["type"]}
    return {header: to_cell(kind, flat[key]) for header, key, kind in MAIN_COLUMNS}


def sub_rows(item: dict, list_field: str) -> list[list[Any]]:
    columns = SUB_TABLES[list_field][2]
    return [[to_cell(kind, entry[key]) for _, key, kind in columns] for entry in item[list_field]]


def decode_text(path: Path) -> str:
    """A text file as UTF-8 (with or without BOM), else GB18030."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")  # saved by Excel on a Chinese Windows


# --- error records ---------------------------------------------------------------------------


def cell_error(sheet: str, row: int, column: str, key: str, message: str, unit: str = "行") -> dict:
    """One error record: {sheet, row, column, field, message, text}."""
    where = f"「{sheet}」表" if sheet else ""
    text = f"{where}第 {row} {unit}「{column}」：{message}"
    return {"sheet": sheet, "row": row, "column": column, "field": key, "message": message, "text": text}


def import_failure(errors: list[dict]) -> ValidationFailed:
    """One ValidationFailed for all errors (the first MAX_REPORTED in ``details``)."""
    shown = errors[:MAX_REPORTED]
    head = f"导入失败，共 {len(errors)} 处问题" + (f"（仅列出前 {MAX_REPORTED} 处）" if len(errors) > MAX_REPORTED else "")
    lines = "\n".join(e["text"] for e in shown[:10])
    return ValidationFailed(f"{head}：\n{lines}",
                            details={"errors": shown, "total": len(errors)})


def file_error(message: str) -> ValidationFailed:
    """A ValidationFailed about the whole file (wrong type, missing sheet or column)."""
    return ValidationFailed(message,
                            details={"errors": [{"message": message, "text": message}], "total": 1})
