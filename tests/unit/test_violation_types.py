"""The violation types list (违规类型): 32 sample kinds over four levels, each linked to the cards that raise it."""

import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.violation_types import LEVELS, RAISING_CARDS, check_types, counts_by_level, type_for_card
from backend.services.violations import _sample, default_types


def test_the_sample_list_has_32_kinds_over_the_four_levels_and_says_it_is_sample_data():
    types = check_types([dict(t) for t in default_types()])
    assert len(types) == 32 and set(counts_by_level(types).values()) == {8}
    assert list(LEVELS.values()) == ["审批部门", "部门负责人", "审批人员", "窗口工作人员"]
    assert _sample()["sample"] is True and "示例数据" in _sample()["note"] and "32" in _sample()["note"]


def test_every_red_card_kind_can_raise_some_type_of_the_sample():
    for kind in RAISING_CARDS:
        assert type_for_card(default_types(), kind) is not None, kind


@pytest.mark.parametrize("kind, detail, expected", [
    ("overdue", "", "overdue"), ("step_overdue", "", "step_overdue"), ("acceptance_waiting", "", "acceptance_delay"),
    ("refused_without_reason", "第 3 条记录（CaseRejected）未说明理由", "unjustified_rejection"),
    ("refused_without_reason", "第 5 条记录（TaskRefused）未说明理由", "refusal_without_reason"),
    ("fee_outside_standard", "", "illegal_fee"),
])
def test_a_red_card_starts_its_candidate_with_the_type_at_its_level(kind, detail, expected):
    assert type_for_card(default_types(), kind, detail)["code"] == expected


def one_per_level(**changes) -> list[dict]:
    types = [{"code": f"k_{level}", "name": f"违规{n}", "level": level, "card_kinds": []} for n, level in enumerate(LEVELS)]
    types[0].update(changes)
    return types


@pytest.mark.parametrize("types, message", [
    ([], "至少一种"),
    (one_per_level(code="Bad Code"), "代码"),
    (one_per_level(level="mayor"), "责任层级"),
    (one_per_level(name=""), "名称"),
    (one_per_level(card_kinds=["due_soon"]), "仅红牌"),
    (one_per_level(code="k_approver"), "代码重复"),
    (one_per_level(name="违规2"), "名称重复"),
    (one_per_level()[:3], "窗口工作人员"),
])
def test_a_county_list_is_checked_with_chinese_messages(types, message):
    with pytest.raises(ValidationFailed, match=message):
        check_types(types)
