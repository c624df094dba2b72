"""Case numbers and query codes."""

from datetime import date, datetime, timezone

import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.numbering import (
    QUERY_ALPHABET, CaseNumber, counter_id, display_query_code, format_case_number, is_case_number,
    is_query_code, local_day, new_query_code, normalize_query_code, parse_case_number,
)


def test_case_number_reads_area_date_and_padded_sequence():
    assert format_case_number("610924", date(2026, 11, 28), 42) == "610924-20261128-00042"


def test_case_number_round_trips():
    number = format_case_number("610924", date(2026, 11, 28), 42)
    assert parse_case_number(number) == CaseNumber("610924", date(2026, 11, 28), 42)
    assert str(parse_case_number(number)) == number


def test_a_busy_day_beyond_99999_still_round_trips():
    number = format_case_number("610924", date(2026, 1, 5), 123456)
    assert number == "610924-20260105-123456"
    assert parse_case_number(number).seq == 123456


@pytest.mark.parametrize("bad", ["610924-20261131-00001", "61092-20261128-00001", "610924-20261128-42",
                                 "610924-20261128-00000", "610924/20261128/00042", ""])
def test_malformed_case_numbers_are_refused(bad):
    assert not is_case_number(bad)
    with pytest.raises(ValidationFailed):
        parse_case_number(bad)


def test_the_day_is_the_china_time_day():
    late_utc = datetime(2026, 11, 27, 23, 30, tzinfo=timezone.utc)  # 07:30 on the 28th in Ziyang
    assert local_day(late_utc) == date(2026, 11, 28)


def test_counter_is_per_tenant_per_day():
    assert counter_id("ziyang", date(2026, 11, 28)) == "case-seq:ziyang:20261128"
    assert counter_id("ziyang", date(2026, 11, 29)) != counter_id("ziyang", date(2026, 11, 28))


def test_query_codes_use_only_unambiguous_characters_and_validate():
    codes = {new_query_code() for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert len(code) == 8 and not set(code) & set("01ILO")
        assert is_query_code(code)


def test_query_code_is_accepted_as_printed_on_the_receipt():
    code = new_query_code()
    assert normalize_query_code(display_query_code(code).lower()) == code


def test_a_single_mistyped_query_code_character_is_caught():
    code = new_query_code()
    for i in range(len(code)):
        for other in QUERY_ALPHABET:
            if other != code[i]:
                assert not is_query_code(code[:i] + other + code[i + 1:])


def test_swapping_two_neighbouring_query_code_characters_is_caught():
    code = new_query_code()
    for i in range(len(code) - 1):
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
        if swapped != code:
            assert not is_query_code(swapped)
