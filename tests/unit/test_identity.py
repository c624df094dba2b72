"""Citizen ID (GB 11643-1999), mobile numbers and masking."""

from datetime import date

import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.identity import (
    birth_date_of, gender_of, id_check_char, is_valid_id_number, mask_id_number, mask_name, mask_phone,
    validate_id_number, validate_mobile,
)

TODAY = date(2026, 11, 28)
# Check characters computed independently (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, map 10X98765432);
# the last two are the examples printed in the standard itself.
VALID = ["61092419900307123X", "610924200002290049", "610924197806155673",
         "11010519491231002X", "440524188001010014"]


@pytest.mark.parametrize("number", VALID)
def test_valid_id_numbers_pass(number):
    assert validate_id_number(number, TODAY) == number


def test_lower_case_x_is_accepted_and_normalised():
    assert validate_id_number(" 61092419900307123x ", TODAY) == "61092419900307123X"


def test_check_character_matches_the_standard_examples():
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


def _message(number):
    with pytest.raises(ValidationFailed) as caught:
        validate_id_number(number, TODAY)
    return caught.value.message


def test_every_wrong_check_character_is_refused_with_a_chinese_message():
    for wrong in "0123456789X":
        if wrong != "X":
            assert _message("61092419900307123" + wrong) == "身份证号码校验位不正确"


def test_a_single_changed_digit_is_caught():
    number = "610924197806155673"
    for i in range(17):
        for d in "0123456789":
            if d != number[i]:
                assert not is_valid_id_number(number[:i] + d + number[i + 1:], TODAY)


def test_length_characters_region_and_birth_date_have_their_own_messages():
    assert _message("61092419900307123") == "身份证号码应为18位"
    assert _message("6109241990030712AX") == "身份证号码只能是数字，最后一位可以是X"
    assert _message("991924199003071235") == "身份证号码地区码不正确"
    assert _message("610924199002301230") == "身份证号码出生日期不正确"  # 30 February


def test_birth_date_in_the_future_is_refused():
    first17 = "61092420270101123"
    assert _message(first17 + id_check_char(first17)) == "身份证号码出生日期不正确"


def test_birth_date_and_gender_are_read_from_the_number():
    assert birth_date_of("610924200002290049") == date(2000, 2, 29)
    assert gender_of("610924200002290049") == "female"
    assert gender_of("610924197806155673") == "male"


def test_mainland_mobile_numbers_are_normalised():
    assert validate_mobile("138 1234 5678") == "13812345678"
    assert validate_mobile("+86 199-1234-5678") == "19912345678"
    assert validate_mobile("8613812345678") == "13812345678"


@pytest.mark.parametrize("bad", ["12812345678", "1381234567", "0915-5212345", "138123456789", ""])
def test_bad_mobile_numbers_are_refused(bad):
    with pytest.raises(ValidationFailed, match="手机号码格式不正确"):
        validate_mobile(bad)


def test_masking_keeps_only_what_a_receipt_may_show():
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("610924199003071234") == "6109**********1234"
