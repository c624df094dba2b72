"""Statement files (对账单) of the bank and of WeChat Pay, read whole or not at all.

* The bank's file (银行缴款对账单), CSV with a header row: ``交易日期,交易时间,银行流水号,缴款单号,金额``
  (amount in yuan with at most two decimals, e.g. ``80.00``).
* WeChat Pay's trade bill (交易账单, ``bill_type=ALL``): CSV whose every field starts with a backtick;
  the header names ``交易时间,…,微信订单号,商户订单号,…,交易状态,…,应结订单金额,…``, and a summary
  (``总交易单数,…``) follows the transactions. Only ``SUCCESS`` rows are payments.

Every malformed line is named by its line number in Chinese; one problem and nothing is read.
"""

from __future__ import annotations

import csv
import io

from backend.domain.errors import ValidationFailed
from backend.domain.fees import StatementLine, is_slip_number, parse_yuan

BANK_HEADER = ("交易日期", "交易时间", "银行流水号", "缴款单号", "金额")
WECHAT_COLUMNS = {"at": "交易时间", "reference": "微信订单号", "slip": "商户订单号", "state": "交易状态",
                  "amount": "应结订单金额"}
WECHAT_SUMMARY = "总交易单数"
MAX_LINES = 20_000


def _rows(text: str) -> list[tuple[int, list[str]]]:
    lines = text.lstrip("\ufeff").splitlines()
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"对账单过长（上限 {MAX_LINES} 行）", code="statement_too_long")
    return [(n, row) for n, row in enumerate(csv.reader(io.StringIO("\n".join(lines))), 1) if any(c.strip() for c in row)]


def _fail(problems: list[dict]) -> ValidationFailed:
    shown = "；".join(p["message"] for p in problems[:10])
    more = f"（共 {len(problems)} 处）" if len(problems) > 10 else ""
    return ValidationFailed(f"对账单有误，未导入任何记录：{shown}{more}", code="statement_invalid",
                            details={"errors": problems})


def _line(problems: list, n: int, reference: str, slip: str, amount: str, at: str) -> StatementLine | None:
    wrong = []
    if not reference:
        wrong.append("交易流水号为空")
    if not is_slip_number(slip):
        wrong.append(f"缴款单号“{slip}”格式不正确")
    try:
        fen = parse_yuan(amount)
    except ValueError as error:
        wrong.append(str(error))
        fen = 0
    if wrong:
        problems.append({"line": n, "message": f"第 {n} 行：{'，'.join(wrong)}"})
        return None
    return StatementLine(n, reference, slip, fen, at)


def parse_bank(text: str) -> list[StatementLine]:
    """The bank's statement, each line checked; ValidationFailed naming every bad line."""
    rows, problems, lines = _rows(text), [], []
    if not rows or tuple(c.strip() for c in rows[0][1]) != BANK_HEADER:
        raise _fail([{"line": 1, "message": "第 1 行：表头应为“" + ",".join(BANK_HEADER) + "”"}])
    for n, row in rows[1:]:
        if len(row) != len(BANK_HEADER):
            problems.append({"line": n, "message": f"第 {n} 行：应有 {len(BANK_HEADER)} 列，实有 {len(row)} 列"})
            continue
        day, clock, reference, slip, amount = (c.strip() for c in row)
        lines.append(_line(problems, n, reference, slip, amount, f"{day} {clock}"))
    if problems:
        raise _fail(problems)
    return [line for line in lines if line]


def parse_wechat(text: str) -> list[StatementLine]:
    """WeChat Pay's trade bill; refunds and unpaid rows are skipped, the summary ends the transactions."""
    rows, problems, lines = _rows(text), [], []
    header = [c.strip().lstrip("`") for c in rows[0][1]] if rows else []
    missing = [name for name in WECHAT_COLUMNS.values() if name not in header]
    if missing:
        raise _fail([{"line": 1, "message": f"第 1 行：不是微信支付交易账单（缺少“{'、'.join(missing)}”列）"}])
    where = {key: header.index(name) for key, name in WECHAT_COLUMNS.items()}
    for n, row in rows[1:]:
        cells = [c.strip().lstrip("`") for c in row]
        if cells and cells[0] == WECHAT_SUMMARY:
            break
        if len(cells) != len(header):
            problems.append({"line": n, "message": f"第 {n} 行：应有 {len(header)} 列，实有 {len(cells)} 列"})
            continue
        if cells[where["state"]] != "SUCCESS":
            continue
        lines.append(_line(problems, n, cells[where["reference"]], cells[where["slip"]], cells[where["amount"]],
                           cells[where["at"]]))
    if problems:
        raise _fail(problems)
    return [line for line in lines if line]


PARSERS = {"bank": parse_bank, "wechat": parse_wechat}
