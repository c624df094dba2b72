"""Case numbers (办件编号) and query codes (办件查询码).

A case number reads ``<area code>-<local date>-<sequence>``, e.g.
``610924-20261128-00042``: the tenant's 6-digit administrative area code, the
China-time date of submission and a per-tenant, per-day sequence of at least five
digits. The store increments the counter document ``counter_id(tenant, day)``
atomically; this module only formats, parses and validates.

A query code is printed on the receipt so a citizen can look a case up without
logging in: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
the last one a check character that catches a single mistyped character or a
swap of two neighbours.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from backend.domain.errors import ValidationFailed

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
_NUMBER_RE = re.compile(r"^(\d{6})-(\d{8})-(\d{5,})$")
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 8


@dataclass(frozen=True)
class CaseNumber:
    """办件编号: area code, China-time day and the day's sequence."""

    area_code: str
    day: date
    seq: int

    def __str__(self) -> str:
        return format_case_number(self.area_code, self.day, self.seq)


def local_day(moment: datetime) -> date:
    """The China-time calendar day of an aware moment (a case at 07:00 Beijing is that day's)."""
    return moment.astimezone(CHINA_TIME).date()


def format_case_number(area_code: str, day: date, seq: int) -> str:
    if not re.fullmatch(r"\d{6}", area_code or ""):
        raise ValidationFailed("行政区划代码应为6位数字", code="bad_area_code")
    if seq < 1:
        raise ValidationFailed("办件流水号必须从1开始", code="bad_case_seq")
    return f"{area_code}-{day:%Y%m%d}-{seq:05d}"


def parse_case_number(text: str) -> CaseNumber:
    match = _NUMBER_RE.match((text or "").strip())
    if not match:
        raise ValidationFailed("办件编号格式不正确，应为“区划代码-日期-流水号”", code="bad_case_number")
    area, day_text, seq_text = match.groups()
    try:
        day = datetime.strptime(day_text, "%Y%m%d").date()
    except ValueError:
        raise ValidationFailed("办件编号中的日期不存在", code="bad_case_number") from None
    if int(seq_text) < 1 or (len(seq_text) > 5 and seq_text.startswith("0")):
        raise ValidationFailed("办件编号中的流水号不正确", code="bad_case_number")
    return CaseNumber(area, day, int(seq_text))


def is_case_number(text: str) -> bool:
    try:
        parse_case_number(text)
    except ValidationFailed:
        return False
    return True


def counter_id(tenant: str, day: date) -> str:
    """``_id`` of the counter document whose atomic ``$inc`` yields the day's next sequence."""
    return f"case-seq:{tenant}:{day:%Y%m%d}"


def is_tenant_code(text: str) -> bool:
    """A county or province code: ASCII letters, digits and ``_``, not starting with a digit. Every
    stored key begins ``{code}:``, so a ``:`` or a space would break them."""
    return text.isascii() and text.isidentifier()


def case_id(tenant: str, number: str) -> str:
    """``_id`` of a case document."""
    return f"{tenant}:{number}"


def _check_char(body: str) -> str:
    """Position-weighted sum modulo 31 (the alphabet size, a prime): finds any single
    mistyped character and any swap of two neighbouring characters."""
    total = sum((i + 1) * QUERY_ALPHABET.index(c) for i, c in enumerate(body))
    return QUERY_ALPHABET[total % len(QUERY_ALPHABET)]


def new_query_code() -> str:
    """A fresh random query code, e.g. ``7KQ3MX9P`` (print it as ``7KQ3-MX9P``)."""
    body = "".join(secrets.choice(QUERY_ALPHABET) for _ in range(QUERY_CODE_LENGTH - 1))
    return body + _check_char(body)


def display_query_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalize_query_code(text: str) -> str:
    """Upper-cased, without spaces or hyphens; raises when it cannot be a query code."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    if len(code) != QUERY_CODE_LENGTH or any(c not in QUERY_ALPHABET for c in code):
        raise ValidationFailed("查询码应为8位字母或数字（不含0、1、I、L、O）", code="bad_query_code")
    if _check_char(code[:-1]) != code[-1]:
        raise ValidationFailed("查询码有误，请核对后重新输入", code="bad_query_code")
    return code


def is_query_code(text: str) -> bool:
    try:
        normalize_query_code(text)
    except ValidationFailed:
        return False
    return True
