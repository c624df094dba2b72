"""Citizen identity checks (身份信息校验) and masking (脱敏) for screens and receipts.

Stored documents and the trail never hold an ID or phone number itself but a pseudonymous
reference to it (``pii:tel:…``, ``pii:idn:…``, see :func:`is_reference`): the services seal and
reveal values at the store's boundary (``backend.services.vault``, docs/decisions/0007).

Citizen ID numbers follow GB 11643-1999 (公民身份号码): 6-digit address code,
8-digit birth date, 3-digit sequence (odd for men, even for women) and a check
character by ISO 7064 MOD 11-2. Residence permits for Hong Kong, Macao and Taiwan
residents use the same layout with the area codes 81/82/83.
"""

from __future__ import annotations

import re
from datetime import date

from backend.domain.errors import ValidationFailed

# First two digits of the address code: provinces, autonomous regions, municipalities, HK/MO/TW.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
_CHECK_CHARS = "10X98765432"
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_REFERENCE_RE = re.compile(r"^pii:(tel|idn):[0-9a-f]{32}$")
PHONE, ID_NUMBER = "tel", "idn"  # the kinds of personal value a reference stands for


def _invalid(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code)


def id_check_char(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_id_number(text: str, today: date | None = None) -> str:
    """The normalized ID number (upper-case X) or ValidationFailed with a Chinese message.

    ``today`` bounds the birth date; pass the service clock's date (defaults to the system date).
    """
    number = (text or "").strip().upper()
    if len(number) != 18:
        raise _invalid("身份证号码应为18位", "id_number_length")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise _invalid("身份证号码只能是数字，最后一位可以是X", "id_number_characters")
    region = number[:6]
    if region[:2] not in PROVINCE_CODES or (region[:2] not in {"81", "82", "83"} and region[2:] == "0000"):
        raise _invalid("身份证号码地区码不正确", "id_number_region")
    born = _birth_date(number)
    if born is None or born.year < 1850 or born > (today or date.today()):
        raise _invalid("身份证号码出生日期不正确", "id_number_birth_date")
    if id_check_char(number[:17]) != number[17]:
        raise _invalid("身份证号码校验位不正确", "id_number_check_digit")
    return number


def is_valid_id_number(text: str, today: date | None = None) -> bool:
    try:
        validate_id_number(text, today)
    except ValidationFailed:
        return False
    return True


def birth_date_of(number: str) -> date:
    """Birth date of a number that passed ``validate_id_number``."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_of(number: str) -> str:
    """``male`` or ``female`` from the sequence's last digit (odd: male)."""
    return "male" if int(number[16]) % 2 else "female"


def validate_mobile(text: str) -> str:
    """A mainland mobile number as 11 digits; accepts +86/86 prefixes, spaces and hyphens."""
    digits = re.sub(r"[\s-]", "", text or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _MOBILE_RE.match(digits):
        raise _invalid("手机号码格式不正确", "mobile_format")
    return digits


def is_valid_mobile(text: str) -> bool:
    try:
        validate_mobile(text)
    except ValidationFailed:
        return False
    return True


def is_reference(value) -> bool:
    """True for a pseudonymous reference to a value kept in the vault (个人信息引用), e.g. ``pii:tel:3f9a…``."""
    return isinstance(value, str) and bool(_REFERENCE_RE.match(value))


def reference(kind: str, pseudonym: str) -> str:
    """The reference for a value of ``kind`` whose keyed hash is ``pseudonym`` (32 hex digits)."""
    ref = f"pii:{kind}:{pseudonym}"
    if not is_reference(ref):
        raise ValueError(f"not a personal-data reference: {ref!r}")
    return ref


def reference_parts(ref: str) -> tuple[str, str]:
    """``(kind, pseudonym)`` of a reference."""
    if not is_reference(ref):
        raise ValueError("not a personal-data reference")
    _, kind, pseudonym = ref.split(":")
    return kind, pseudonym


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812341234 -> 138****1234."""
    phone = (phone or "").strip()
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(number: str) -> str:
    """610924199001011234 -> 6109**********1234."""
    number = (number or "").strip()
    if len(number) < 9:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
