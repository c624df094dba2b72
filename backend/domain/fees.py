"""Fees (一窗式收费): fee standards, payment slips, exemptions and statement lines, in integer fen.

Money is an ``int`` of fen (分) everywhere; floats are refused, so no rounding can happen. A fee
standard (``FeeItem`` of an item version) names either a fixed ``amount_fen`` per unit or the
application-form field (``choice_input``) whose value picks one of its ``options``; a
``quantity_input`` names the form field that counts units (default 1). The system computes a
slip's lines from the standard of the item version the case was accepted under and the facts on
the application (:func:`slip_lines`); nobody types an amount.

A slip (缴款单) is numbered ``{case number}-{nn}``: the first one ``-01``, each reissue after a void
the next. A slip is settled once (paid, exempted or voided); the settlement is decided by a unique
insert in the service layer.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

from backend.domain.errors import ValidationFailed

FEE_STAGES = {"acceptance": "受理后缴费", "decision": "准予办理后缴费"}
CHANNELS = {"bank": "银行窗口", "wechat": "微信支付", "exemption": "减免"}
OUTCOMES = {"paid": "已缴费", "exempted": "已减免", "voided": "已作废"}
SLIP_STATES = {"due": "待缴费", **OUTCOMES}
PAYMENT_PAUSE = "payment"  # the pause kind of a case waiting for its fee (缴费期间不计时)
MAX_FEN = 10_000_000_00  # ten million yuan: far above any administrative fee
_YUAN_RE = re.compile(r"^(\d{1,9})(?:\.(\d{1,2}))?$")
_INPUT_RE = re.compile(r"^[^.$\s][^.$]{0,29}$")


def is_fen(value: Any) -> bool:
    """A valid amount: an ``int`` (not bool) from 0 up to ``MAX_FEN``."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_FEN


def yuan(fen: int) -> str:
    """2050 -> "20.50" (display only)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def parse_yuan(text: str) -> int:
    """"20.5" or "20.50" or "20" -> fen, exactly (no float); ValueError for anything else."""
    match = _YUAN_RE.match((text or "").strip())
    if not match:
        raise ValueError(f"金额“{text}”格式不正确（应为元，最多两位小数）")
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


@dataclass(frozen=True)
class FeeOption:
    """按情形收费: one case the standard names (申领、到期换领) and its amount per unit."""

    label: str
    amount_fen: Any


@dataclass(frozen=True)
class SlipLine:
    """One line of a payment slip, computed from a fee standard and the application's facts."""

    name: str
    option: str
    unit: str
    unit_fen: int
    quantity: int
    amount_fen: int
    basis: str
    exemption_allowed: bool

    def to_doc(self) -> dict:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: Mapping) -> "SlipLine":
        return cls(**{k: doc[k] for k in cls.__dataclass_fields__})


def fee_problems(fees: Sequence, stage: str) -> list[dict]:
    """Every problem of an item's fee standards: ``{"field", "message"}`` (Chinese)."""
    problems: list[dict] = []
    for i, fee in enumerate(fees):
        path = f"fees[{i}]"
        options = list(getattr(fee, "options", []) or [])
        amount = getattr(fee, "amount_fen", None)
        if amount is None and not options:
            problems.append({"field": f"{path}.amount_fen", "message": f"收费项目“{fee.name}”须写明金额（分）或按情形的金额"})
        if amount is not None and options:
            problems.append({"field": f"{path}.amount_fen", "message": f"收费项目“{fee.name}”不能同时有固定金额和按情形的金额"})
        if amount is not None and not is_fen(amount):
            problems.append({"field": f"{path}.amount_fen",
                             "message": f"收费项目“{fee.name}”的金额必须是不小于 0 的整数（单位：分）"})
        labels = [o.label for o in options]
        for j, option in enumerate(options):
            if not option.label:
                problems.append({"field": f"{path}.options[{j}].label", "message": "收费情形的名称不能为空"})
            if not is_fen(option.amount_fen):
                problems.append({"field": f"{path}.options[{j}].amount_fen",
                                 "message": f"收费情形“{option.label}”的金额必须是不小于 0 的整数（单位：分）"})
        if len(set(labels)) != len(labels):
            problems.append({"field": f"{path}.options", "message": f"收费项目“{fee.name}”的收费情形不能重复"})
        for key, label in (("choice_input", "情形字段"), ("quantity_input", "数量字段")):
            value = getattr(fee, key, "")
            if value and not _INPUT_RE.match(value):
                problems.append({"field": f"{path}.{key}", "message": f"{label}“{value}”不合法（不超过 30 字，不含 . 和 $）"})
        if options and not getattr(fee, "choice_input", ""):
            problems.append({"field": f"{path}.choice_input", "message": f"收费项目“{fee.name}”按情形收费，须写明情形字段"})
    if fees and stage not in FEE_STAGES:
        problems.append({"field": "fee_stage", "message": "缴费环节只能是：" + "、".join(FEE_STAGES.values())})
    return problems


def _quantity(fee, inputs: Mapping[str, Any]) -> int:
    if not fee.quantity_input:
        return 1
    raw = inputs.get(fee.quantity_input)
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    if not re.fullmatch(r"[1-9]\d{0,2}", text):
        raise ValidationFailed(f"计算“{fee.name}”需要申请表中的“{fee.quantity_input}”（1-999 的整数）",
                               code="fee_input_missing", details={"input": fee.quantity_input})
    return int(text)


def _unit_amount(fee, inputs: Mapping[str, Any]) -> tuple[str, int]:
    if not fee.options:
        return "", fee.amount_fen
    chosen = str(inputs.get(fee.choice_input) or "").strip()
    for option in fee.options:
        if option.label == chosen:
            return option.label, option.amount_fen
    names = "、".join(o.label for o in fee.options)
    raise ValidationFailed(f"计算“{fee.name}”需要申请表中的“{fee.choice_input}”，应为：{names}",
                           code="fee_input_missing", details={"input": fee.choice_input})


def slip_lines(fees: Sequence, inputs: Mapping[str, Any]) -> list[SlipLine]:
    """The lines of a slip: each standard applied to the application's facts (``inputs``)."""
    lines = []
    for fee in fees:
        problems = fee_problems([fee], "acceptance")
        if problems:
            raise ValidationFailed(problems[0]["message"], code="fee_standard_invalid")
        option, unit_fen = _unit_amount(fee, inputs)
        quantity = _quantity(fee, inputs)
        lines.append(SlipLine(fee.name, option, fee.unit or "件", unit_fen, quantity, unit_fen * quantity,
                              fee.basis, bool(fee.exemption_allowed)))
    return lines


def total_fen(lines: Sequence[SlipLine]) -> int:
    return sum(line.amount_fen for line in lines)


def fee_inputs(fees: Sequence) -> list[str]:
    """The application-form fields the standards read (what a reissue may correct)."""
    names = [name for fee in fees for name in (fee.choice_input, fee.quantity_input) if name]
    return list(dict.fromkeys(names))


def slip_number(case_number: str, sequence: int) -> str:
    """缴款单号: the case number and the slip's sequence on the case (``…-01``)."""
    return f"{case_number}-{sequence:02d}"


def slip_sequence(slip: str) -> int:
    return int(slip.rsplit("-", 1)[1])


def case_number_of(slip: str) -> str:
    return slip.rsplit("-", 1)[0]


def is_slip_number(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{6}-[0-9]{8}-[0-9]{5,}-[0-9]{2}", text or ""))


def check_exemptable(lines: Sequence[SlipLine]) -> None:
    """减免 only where every standard on the slip allows it; otherwise a clear refusal."""
    barred = [line.name for line in lines if not line.exemption_allowed]
    if not lines or barred:
        raise ValidationFailed(f"收费标准不允许减免：{'、'.join(barred) or '无收费项目'}", code="exemption_not_allowed")


def check_payment(expected_fen: int, paid_fen: Any) -> None:
    """A payment must be the slip's exact amount."""
    if not is_fen(paid_fen) or paid_fen != expected_fen:
        shown = yuan(paid_fen) if is_fen(paid_fen) else str(paid_fen)
        raise ValidationFailed(f"支付金额 {shown} 元与缴款单金额 {yuan(expected_fen)} 元不一致",
                               code="amount_mismatch")


# -- reconciliation (对账) ---------------------------------------------------------------------

MISMATCH_KINDS = {"missing_there": "本系统已缴费，对账单无此笔", "amount_differs": "金额不一致",
                  "unknown_transaction": "对账单有此笔，本系统无缴费记录"}


@dataclass(frozen=True)
class StatementLine:
    """One transaction of a bank's or WeChat Pay's statement file."""

    line: int
    reference: str
    slip: str
    amount_fen: int
    at: str = ""


@dataclass(frozen=True)
class Mismatch:
    kind: str
    slip: str
    reference: str
    ours_fen: int | None
    theirs_fen: int | None
    line: int | None = None


@dataclass
class Reconciliation:
    matched: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)


def reconcile(ours: Sequence[Mapping], theirs: Sequence[StatementLine]) -> Reconciliation:
    """Compare our payments of one channel and day (``{"slip", "reference", "amount_fen"}``) with a
    statement: every payment matched by its transaction reference (or slip), every difference named."""
    result = Reconciliation()
    by_reference = {p["reference"]: p for p in ours}
    by_slip = {p["slip"]: p for p in ours}
    seen: set[str] = set()
    for line in theirs:
        mine = by_reference.get(line.reference) or by_slip.get(line.slip)
        if mine is None or mine["slip"] in seen:
            result.mismatches.append(Mismatch("unknown_transaction", line.slip, line.reference, None, line.amount_fen,
                                              line.line))
            continue
        seen.add(mine["slip"])
        if mine["amount_fen"] != line.amount_fen:
            result.mismatches.append(Mismatch("amount_differs", mine["slip"], mine["reference"], mine["amount_fen"],
                                              line.amount_fen, line.line))
        else:
            result.matched.append(mine["slip"])
    for mine in ours:
        if mine["slip"] not in seen:
            result.mismatches.append(Mismatch("missing_there", mine["slip"], mine["reference"], mine["amount_fen"], None))
    return result
