"""Power-list files (事项清单文件): read and write items as .xlsx, .csv and .json.

The formats are described for county staff in docs/items-format.md. ``read_items``
parses and validates every row before returning anything and reports all row errors
together (sheet, row, column, reason in Chinese); ``write_items`` exports so that the
file imports again unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from backend.domain.errors import ValidationFailed
from backend.domain.items import (
    DELIVERY_METHODS, FIELD_LABELS, KINDS, LEVELS, MATERIAL_FORMS, REQUIREMENTS, ROLES, STATUSES,
    Item, item_problems,
)

Progress = Callable[[int, int], None]
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
    ("人生事件", "life_events", "lines"), ("主题", "themes", "lines"), ("版本", "version", "int"),
    ("生效日期", "effective_date", "date"), ("设定依据", "legal_basis", "lines"),
    ("受理条件", "conditions", "lines"), ("前置事项", "prerequisites", "refs"),
    ("联办部门", "joint_departments", "refs"), ("上报机关", "report_to", "text"),
    ("办理结果", "result_name", "text"), ("结果类型", "result_type", "text"),
    ("送达方式", "delivery_methods", ("list", DELIVERY_METHODS)), ("咨询电话", "phone", "text"),
    ("投诉电话", "complaint_phone", "text"), ("状态", "status", STATUSES), ("内部备注", "internal_notes", "text"),
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
        ("可否减免", "exemption_allowed", "bool")]),
    "places": ("办理地点", "办理地点", [
        ("地点名称", "name", "text"), ("地址", "address", "text"), ("办公时间", "hours", "text")]),
}


class CellError(ValueError):
    """A cell that cannot be read; its message is Chinese and names no location."""


# --- cells ------------------------------------------------------------------------------


def _plain(value: Any) -> str:
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
    text = _plain(raw)
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
    if kind == "bool":
        if text not in BOOLS:
            raise CellError(f"「{text}」无效，应填「是」或「否」")
        return BOOLS[text]
    if kind == "lines":
        return _lines(text)
    if kind == "refs":
        return [dict(zip(("code", "name"), (line.split(None, 1) + [""])[:2])) for line in _lines(text)]
    return text


def to_cell(kind: Any, value: Any) -> Any:
    """The model value as cell content (labels for enumerations, one entry per line for lists)."""
    if isinstance(kind, dict):
        return kind.get(value, value)
    if isinstance(kind, tuple):
        return "\n".join(str(to_cell(kind[1], v)) for v in value)
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


def _read_cells(columns, cells: Mapping[str, Any], sheet: str, row: int, errors: list) -> dict:
    data = {}
    for header, key, kind in columns:
        raw = cells.get(header)
        if _plain(raw) == "" and kind != "required_int":
            continue
        try:
            data[key] = from_cell(kind, raw)
        except CellError as exc:
            errors.append(_error(sheet, row, header, key, str(exc)))
            data[key] = _plain(raw)
    return data


def _assemble(data: dict) -> dict:
    result = {"name": data.pop("result_name", ""), "type": data.pop("result_type", "")}
    return {**data, "result": result}


def item_row(item: dict) -> dict[str, Any]:
    """The cells of the main row (``事项`` sheet / csv row) of one item."""
    flat = {**item, "result_name": item["result"]["name"], "result_type": item["result"]["type"]}
    return {header: to_cell(kind, flat[key]) for header, key, kind in MAIN_COLUMNS}


def sub_rows(item: dict, list_field: str) -> list[list[Any]]:
    columns = SUB_TABLES[list_field][2]
    return [[to_cell(kind, entry[key]) for _, key, kind in columns] for entry in item[list_field]]


def _error(sheet: str, row: int, column: str, key: str, message: str, unit: str = "行") -> dict:
    where = f"「{sheet}」表" if sheet else ""
    text = f"{where}第 {row} {unit}「{column}」：{message}"
    return {"sheet": sheet, "row": row, "column": column, "field": key, "message": message, "text": text}


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
            return _error(origin.sheet, origin.row, column, problem["field"], problem["message"], origin.unit)
        sheet, row = origin.nested[top][position]
        return _error(sheet, row, label, problem["field"], problem["message"])
    label = next((h for h, key, _ in MAIN_COLUMNS if key == top), FIELD_LABELS.get(top, top))
    if top in SUB_TABLES and origin.inline:
        label = SUB_TABLES[top][1]
    return _error(origin.sheet, origin.row, label, problem["field"], problem["message"], origin.unit)


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
        located = {(e["sheet"], e["row"], e["field"]) for e in entry.errors}
        errors.extend(entry.errors)
        for problem in item_problems(item, departments, townships):
            error = _locate(problem, entry.origin)
            if (error["sheet"], error["row"], error["field"]) not in located:
                errors.append(error)
        if item.code in seen:
            unit = entry.origin.unit
            errors.append(_error(entry.origin.sheet, entry.origin.row, "实施编码", "code",
                                 f"实施编码「{item.code}」重复（与第 {seen[item.code]} {unit}相同）", unit))
        seen.setdefault(item.code, entry.origin.row)
        items.append(item.to_dict())
        if progress:
            progress(done, len(parsed))
    if errors:
        raise _failure(errors)
    return items


def _failure(errors: list[dict]) -> ValidationFailed:
    shown = errors[:MAX_REPORTED]
    head = f"导入失败，共 {len(errors)} 处问题" + (f"（仅列出前 {MAX_REPORTED} 处）" if len(errors) > MAX_REPORTED else "")
    lines = "\n".join(e["text"] for e in shown[:10])
    return ValidationFailed(f"{head}：\n{lines}",
                            details={"errors": shown, "total": len(errors)})


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message,
                            details={"errors": [{"message": message, "text": message}], "total": 1})


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
    readers = {".xlsx": _read_xlsx, ".csv": _read_csv, ".json": _read_json}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise _file_error(f"不支持的文件类型「{path.suffix}」，请使用 .xlsx、.csv 或 .json")
    towns = known_townships if isinstance(known_townships, Mapping) or known_townships is None \
        else set(known_townships)
    return _check_all(reader(path), known_departments, towns, progress)


def write_items(items: Iterable[Item | Mapping], path: str | Path) -> None:
    """Export items (Item or stored dicts) to .xlsx, .csv or .json, chosen by the suffix."""
    path = Path(path)
    dicts = [(i if isinstance(i, Item) else Item.from_dict(i)).to_dict() for i in items]
    writers = {".xlsx": _write_xlsx, ".csv": _write_csv, ".json": _write_json}
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise _file_error(f"不支持的文件类型「{path.suffix}」，请使用 .xlsx、.csv 或 .json")
    writer(dicts, path)



# --- xlsx ---------------------------------------------------------------------------------


def _sheet_rows(ws, required: tuple[str, ...]) -> Iterable[tuple[int, dict]]:
    rows = ws.iter_rows(values_only=True)
    header = [_plain(h) for h in next(rows, ())]
    missing = [h for h in required if h not in header]
    if missing:
        raise _file_error(f"「{ws.title}」表缺少「{'」「'.join(missing)}」列（第 1 行应为列标题）")
    for number, values in enumerate(rows, start=2):
        if any(_plain(v) for v in values):
            yield number, dict(zip(header, values))


def _read_xlsx(path: Path) -> list[Parsed]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or non-Excel file: tell the user, keep the reason
        raise _file_error(f"无法打开 Excel 文件：{exc}") from exc
    try:
        if MAIN_SHEET not in wb.sheetnames:
            raise _file_error(f"工作簿中没有「{MAIN_SHEET}」表")
        parsed, by_code = [], {}
        for row, cells in _sheet_rows(wb[MAIN_SHEET], ("实施编码", "事项名称")):
            entry = Parsed({}, Origin(MAIN_SHEET, row))
            entry.data = _read_cells(MAIN_COLUMNS, cells, MAIN_SHEET, row, entry.errors)
            for list_field in SUB_TABLES:
                entry.data[list_field] = []
                entry.origin.nested[list_field] = []
            parsed.append(entry)
            by_code.setdefault(_plain(cells.get("实施编码")), entry)
        for list_field, (sheet, _, columns) in SUB_TABLES.items():
            if sheet in wb.sheetnames:
                _read_sub_sheet(wb[sheet], list_field, columns, by_code)
        for entry in parsed:
            entry.data = _assemble(entry.data)
        return parsed
    finally:
        wb.close()


def _read_sub_sheet(ws, list_field: str, columns, by_code: dict[str, Parsed]) -> None:
    for row, cells in _sheet_rows(ws, ("实施编码",)):
        code = _plain(cells.get("实施编码"))
        owner = by_code.get(code)
        if owner is None:
            owner = next(iter(by_code.values()), None)
            error = _error(ws.title, row, "实施编码", "code", f"「事项」表中没有实施编码为「{code}」的事项")
            if owner is None:
                raise _failure([error])
            owner.errors.append(error)
            continue
        owner.data[list_field].append(_read_cells(columns, cells, ws.title, row, owner.errors))
        owner.origin.nested[list_field].append((ws.title, row))


def _put_row(ws, values: list[Any]) -> None:
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            if cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
            if "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _start_sheet(ws, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        ws.column_dimensions[cell.column_letter].width = max(10, 2.2 * len(cell.value))
    ws.freeze_panes = "B2"


def _write_xlsx(items: list[dict], path: Path) -> None:
    wb = Workbook()
    main = wb.active
    main.title = MAIN_SHEET
    _start_sheet(main, [h for h, _, _ in MAIN_COLUMNS])
    subs = {}
    for list_field, (sheet, _, columns) in SUB_TABLES.items():
        subs[list_field] = wb.create_sheet(sheet)
        _start_sheet(subs[list_field], ["实施编码", *[h for h, _, _ in columns]])
    for item in items:
        _put_row(main, list(item_row(item).values()))
        for list_field, ws in subs.items():
            for values in sub_rows(item, list_field):
                _put_row(ws, [item["code"], *values])
    _write_help_sheet(wb.create_sheet("填写说明"))
    wb.save(path)


def _write_help_sheet(ws) -> None:
    ws.append(["项目", "说明"])
    notes = [
        ("事项", "每行一个事项；列表类单元格（办理乡镇、设定依据、受理条件等）每行写一项（Alt+Enter 换行）"),
        ("材料/流程/收费/办理地点", "每行一条，用「实施编码」关联到「事项」表；同一事项按行的先后排序"),
        ("办件类型", "、".join(KINDS.values())), ("层级", "、".join(LEVELS.values())),
        ("必要性", "、".join(REQUIREMENTS.values())), ("材料形式", "、".join(MATERIAL_FORMS.values())),
        ("办理角色", "、".join(ROLES.values())), ("送达方式", "、".join(DELIVERY_METHODS.values())),
        ("状态", "、".join(STATUSES.values())), ("是否类", "填「是」或「否」"),
        ("时限", "以工作日计；法定时限填 0 表示法律法规未规定时限"),
        ("前置事项/联办部门", "每行一个：编码 空格 名称"),
        ("本表", "导入时忽略本表"),
    ]
    for note in notes:
        ws.append(list(note))
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90


# --- csv ----------------------------------------------------------------------------------


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


def _write_csv(items: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_csv_headers())
        for item in items:
            nested = ["\n".join("|".join(_escape(v) for v in values) for values in sub_rows(item, f))
                      for f in SUB_TABLES]
            writer.writerow([*[_plain(v) for v in item_row(item).values()], *nested])


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")  # saved by Excel on a Chinese Windows


def _read_csv(path: Path) -> list[Parsed]:
    reader = csv.reader(_decode(path).splitlines(keepends=True))
    header = [h.strip() for h in next(reader, [])]
    missing = [h for h in ("实施编码", "事项名称") if h not in header]
    if missing:
        raise _file_error(f"CSV 文件缺少「{'」「'.join(missing)}」列（第 1 行应为列标题）")
    parsed = []
    for row, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = dict(zip(header, values))
        entry = Parsed({}, Origin("", row, inline=True))
        entry.data = _read_cells(MAIN_COLUMNS, cells, "", row, entry.errors)
        for list_field, (_, csv_column, columns) in SUB_TABLES.items():
            entry.data[list_field] = [
                _read_cells(columns, dict(zip([h for h, _, _ in columns], _split_escaped(line))),
                            "", row, entry.errors)
                for line in (cells.get(csv_column) or "").splitlines() if line.strip()]
        entry.data = _assemble(entry.data)
        parsed.append(entry)
    return parsed


# --- json ---------------------------------------------------------------------------------


def _read_json(path: Path) -> list[Parsed]:
    try:
        doc = json.loads(_decode(path))
    except json.JSONDecodeError as exc:
        raise _file_error(f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列") from exc
    entries = doc.get("items") if isinstance(doc, dict) else doc
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _file_error("JSON 文件应为事项数组，或包含 items 数组的对象")
    return [Parsed(dict(e), Origin("", n, inline=True, unit="个事项"), []) for n, e in enumerate(entries, 1)]


def _write_json(items: list[dict], path: Path) -> None:
    path.write_text(json.dumps({"items": items}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
