"""Power-list workbooks (事项清单 Excel): read and write the .xlsx layout.

One ``事项`` sheet holds a row per item; the ``材料``, ``流程``, ``收费`` and ``办理地点``
sheets hold one row per entry, tied to its item by ``实施编码``; ``填写说明`` is for people
and ignored on import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from backend.domain.items import DELIVERY_METHODS, KINDS, LEVELS, MATERIAL_FORMS, REQUIREMENTS, ROLES, STATUSES
from backend.itemfiles.tables import (
    MAIN_COLUMNS, MAIN_SHEET, SUB_TABLES, Origin, Parsed, assemble, cell_error, file_error,
    import_failure, item_row, plain, read_cells, sub_rows,
)

# --- reading ------------------------------------------------------------------------------


def sheet_rows(ws, required: tuple[str, ...]) -> Iterable[tuple[int, dict]]:
    rows = ws.iter_rows(values_only=True)
    header = [plain(h) for h in next(rows, ())]
    missing = [h for h in required if h not in header]
    if missing:
        raise file_error(f"「{ws.title}」表缺少「{'」「'.join(missing)}」列（第 1 行应为列标题）")
    for number, values in enumerate(rows, start=2):
        if any(plain(v) for v in values):
            yield number, dict(zip(header, values))


def read_xlsx(path: Path) -> list[Parsed]:
    """Every item of the workbook with its nested rows, not yet validated."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or non-Excel file: tell the user, keep the reason
        raise file_error(f"无法打开 Excel 文件：{exc}") from exc
    try:
        if MAIN_SHEET not in wb.sheetnames:
            raise file_error(f"工作簿中没有「{MAIN_SHEET}」表")
        parsed, by_code = _read_main_sheet(wb[MAIN_SHEET])
        for list_field, (sheet, _, columns) in SUB_TABLES.items():
            if sheet in wb.sheetnames:
                _read_sub_sheet(wb[sheet], list_field, columns, by_code)
        for entry in parsed:
            entry.data = assemble(entry.data)
        return parsed
    finally:
        wb.close()


def _read_main_sheet(ws) -> tuple[list[Parsed], dict[str, Parsed]]:
    parsed, by_code = [], {}
    for row, cells in sheet_rows(ws, ("实施编码", "事项名称")):
        entry = Parsed({}, Origin(MAIN_SHEET, row))
        entry.data = read_cells(MAIN_COLUMNS, cells, MAIN_SHEET, row, entry.errors)
        for list_field in SUB_TABLES:
            entry.data[list_field] = []
            entry.origin.nested[list_field] = []
        parsed.append(entry)
        by_code.setdefault(plain(cells.get("实施编码")), entry)
    return parsed, by_code


def _read_sub_sheet(ws, list_field: str, columns, by_code: dict[str, Parsed]) -> None:
    for row, cells in sheet_rows(ws, ("实施编码",)):
        code = plain(cells.get("实施编码"))
        owner = by_code.get(code)
        if owner is None:
            owner = next(iter(by_code.values()), None)
            error = cell_error(ws.title, row, "实施编码", "code", f"「事项」表中没有实施编码为「{code}」的事项")
            if owner is None:
                raise import_failure([error])
            owner.errors.append(error)
            continue
        owner.data[list_field].append(read_cells(columns, cells, ws.title, row, owner.errors))
        owner.origin.nested[list_field].append((ws.title, row))


# --- writing ------------------------------------------------------------------------------


def put_row(ws, values: list[Any]) -> None:
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            if cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
            if "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def start_sheet(ws, headers: list[str]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        ws.column_dimensions[cell.column_letter].width = max(10, 2.2 * len(cell.value))
    ws.freeze_panes = "B2"


def write_xlsx(items: list[dict], path: Path) -> None:
    """Write stored-shape item dicts as a workbook that imports again unchanged."""
    wb = Workbook()
    main = wb.active
    main.title = MAIN_SHEET
    start_sheet(main, [h for h, _, _ in MAIN_COLUMNS])
    subs = {}
    for list_field, (sheet, _, columns) in SUB_TABLES.items():
        subs[list_field] = wb.create_sheet(sheet)
        start_sheet(subs[list_field], ["实施编码", *[h for h, _, _ in columns]])
    for item in items:
        put_row(main, list(item_row(item).values()))
        for list_field, ws in subs.items():
            for values in sub_rows(item, list_field):
                put_row(ws, [item["code"], *values])
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
