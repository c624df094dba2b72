"""Organisation workbooks (机构设置表): read every sheet into one ``OrgState``, write one back.

``read_org`` reads and checks each cell (sheet, row and column named in Chinese) and gives nothing
back unless every cell was readable; the rules across sheets (unknown department, post without an
A holder, ...) are the domain's, and ``locate`` puts each of their problems back on the row and
column it came from. ``write_org`` (in ``layout``) exports so that the file imports again unchanged.
Format for people: docs/org-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from backend.domain.org import PROFILE_FIELDS, SETTINGS_FIELDS, OrgState, Problem, clean
from backend.itemfiles.tables import cell_error, file_error, plain
from backend.itemfiles.xlsx_format import sheet_rows
from backend.orgfiles.layout import PROFILE_ROWS, PROFILE_SHEET, SHEETS, STATUS, column_header, write_org

__all__ = ["OrgBook", "read_org", "write_org", "locate"]

YES_NO = {"是": True, "否": False}


@dataclass
class OrgBook:
    """What a workbook says, the row each entity (and each profile item) was read from, and the cells
    that could not be read (``errors``) on the rows they spoil (``faulty``)."""

    state: OrgState = field(default_factory=OrgState)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    faulty: set[tuple[str, str]] = field(default_factory=set)

    def report(self, found: list[Problem]) -> list[dict]:
        """The unreadable cells, then each problem of a row that was read whole, on its sheet, row and column."""
        return self.errors + [locate(p, self) for p in dict.fromkeys(found) if (p.kind, p.code) not in self.faulty]


def read_org(path: str | Path, progress=None) -> OrgBook:
    """Every sheet of an organisation workbook. A file that cannot be one (wrong type, a sheet or a column
    missing) raises ValidationFailed; unreadable cells are collected in ``errors`` to be reported together
    with the rules the rows break (``OrgBook.report``)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise file_error(f"不支持的文件类型「{path.suffix}」，机构设置表请使用 .xlsx")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or non-Excel file: tell the user, keep the reason
        raise file_error(f"无法打开 Excel 文件：{exc}") from exc
    try:
        missing = [s for s in (PROFILE_SHEET, *(sheet for sheet, _ in SHEETS.values())) if s not in wb.sheetnames]
        if missing:
            raise file_error(f"工作簿缺少「{'」「'.join(missing)}」表（可从空白模板复制）")
        book = OrgBook()
        errors = book.errors
        _read_profile(wb[PROFILE_SHEET], book, errors)
        for done, (kind, (sheet, columns)) in enumerate(SHEETS.items(), start=2):
            if progress:
                progress(done - 1, len(SHEETS) + 1)
            _read_entities(wb[sheet], kind, columns, book, errors)
        if progress:
            progress(len(SHEETS) + 1, len(SHEETS) + 1)
    finally:
        wb.close()
    return book


def _read_profile(ws, book: OrgBook, errors: list) -> None:
    by_label = dict(PROFILE_ROWS)
    for row, cells in sheet_rows(ws, ("项目", "值")):
        label, text = plain(cells.get("项目")), plain(cells.get("值"))
        key = by_label.get(label)
        if key is None:
            errors.append(cell_error(PROFILE_SHEET, row, "项目", "", f"未知项目「{label}」，应为：{'、'.join(by_label)}"))
            continue
        book.rows[("profile", key)] = row
        if text == "":
            continue
        kind = "profile" if key in PROFILE_FIELDS else "settings"
        default = (PROFILE_FIELDS | SETTINGS_FIELDS)[key]
        value, message = _typed(default, text)
        values, problems = clean(kind, {key: value}, partial=True) if not message else ({}, {key: message})
        for problem in problems.values():
            errors.append(cell_error(PROFILE_SHEET, row, "值", key, problem))
            book.faulty.add((kind, ""))
        (book.state.profile if kind == "profile" else book.state.settings).update(values)


def _typed(default, text: str):
    """Cell text as the type of ``default``; (value, "") or (None, Chinese message)."""
    if isinstance(default, bool):
        return (YES_NO[text], "") if text in YES_NO else (None, f"「{text}」无效，应填「是」或「否」")
    if isinstance(default, int):
        return (int(text), "") if text.isdigit() else (None, "必须填写整数")
    return text, ""


def _read_entities(ws, kind: str, columns: list[tuple[str, str]], book: OrgBook, errors: list) -> None:
    sheet, (key_header, key_field) = ws.title, columns[0]
    for row, cells in sheet_rows(ws, (key_header, columns[1][0])):
        raw = {f: plain(cells.get(h)) for h, f in columns}
        code = raw.pop(key_field)
        if not code:
            errors.append(cell_error(sheet, row, key_header, key_field, f"请填写{key_header}"))
            continue
        if (kind, code) in book.rows:
            errors.append(cell_error(sheet, row, key_header, key_field,
                                     f"{key_header}「{code}」重复（与第 {book.rows[(kind, code)]} 行相同）"))
            continue
        data = {f: text for f, text in raw.items() if text != ""}
        before = len(errors)
        data.update(_marks(data, sheet, row, errors))
        values, problems = clean(kind, {k: v for k, v in data.items() if k not in ("post", "slot")})
        for f, message in problems.items():
            errors.append(cell_error(sheet, row, column_header(kind, f), f, message))
        if len(errors) > before:
            book.faulty.add((kind, code))
        if kind == "staff":
            values.update(post=data.get("post", ""), slot=data.get("slot", ""))
        if kind == "posts":  # holders come from the people who claim the post
            values = {k: v for k, v in values.items() if k not in ("holder_a", "holder_b")}
        book.state.of(kind)[code] = values
        book.rows[(kind, code)] = row


def _marks(data: dict, sheet: str, row: int, errors: list) -> dict:
    """The 状态 and AB岗 cells as values (在用 -> True, a -> A)."""
    out = {}
    if "active" in data:
        out["active"] = STATUS.get(data["active"], YES_NO.get(data["active"]))
        if out["active"] is None:
            errors.append(cell_error(sheet, row, "状态", "active", f"「{data['active']}」无效，应填「在用」或「停用」"))
            out["active"] = True
    if "slot" in data:
        out["slot"] = data["slot"].upper()
        if out["slot"] not in ("A", "B"):
            errors.append(cell_error(sheet, row, "AB岗", "slot", f"「{data['slot']}」无效，应填 A 或 B"))
    return out


def locate(problem: Problem, book: OrgBook) -> dict:
    """A domain problem as an error record on the sheet, row and column it came from."""
    if problem.kind in ("profile", "settings"):
        sheet, row = PROFILE_SHEET, book.rows.get(("profile", problem.field))
    else:
        sheet, row = SHEETS[problem.kind][0], book.rows.get((problem.kind, problem.code))
    column = column_header(problem.kind, problem.field)
    if row is not None:
        return cell_error(sheet, row, column, problem.field, problem.message)
    where = "未填写" if problem.kind in ("profile", "settings") else "系统中已有，不在本表"
    return {"sheet": sheet, "row": None, "column": column, "field": problem.field, "message": problem.message,
            "text": f"「{sheet}」表（{where}）：{problem.message}"}
