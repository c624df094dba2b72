"""The rules of 好差评 without a store: levels, rules, periods, the seeded sample and the two-period flags."""

from datetime import date

import pytest

from backend.domain import satisfaction as sat
from backend.domain.errors import ValidationFailed
from hotline.domain.tickets import SATISFACTION


def test_the_five_levels_are_the_national_ones_shared_with_the_hotline():
    assert list(sat.LEVELS.values()) == list(SATISFACTION)
    assert sat.score_of({"level": "不满意"}) == 2 and sat.score_of({"score": 5, "level": "满意"}) == 5
    assert [s for s in sat.LEVELS if sat.is_bad(s)] == [2, 1]


def test_a_rating_with_an_unknown_level_or_reason_or_a_bare_bad_review_is_refused_in_chinese():
    with pytest.raises(ValidationFailed, match="评价等级只能是 1 到 5"):
        sat.check_rating(6, [], "")
    with pytest.raises(ValidationFailed, match="不认识的评价理由"):
        sat.check_rating(5, ["很好"], "")
    with pytest.raises(ValidationFailed, match="差评请至少选择一项理由"):
        sat.check_rating(1, [], "  ")
    assert sat.check_rating(2, ["多次跑腿", "多次跑腿"], " 跑了三趟 ") == (2, ["多次跑腿"], "跑了三趟")


def test_rules_default_to_ziyang_and_a_wrong_setting_is_named():
    rules = sat.rules_from(None)
    assert rules.stages_for("immediate") == ("finished",) and rules.stages_for("promised") == ("accepted", "finished")
    assert (rules.window_days, rules.default_score, rules.rectify_days) == (7, 4, 5)
    assert (rules.unit_threshold, rules.staff_threshold) == (0.75, 0.80)
    with pytest.raises(ValidationFailed, match="单位满意率底线"):
        sat.rules_from({"unit_threshold": 75}, strict=True)
    assert sat.rules_from({"unit_threshold": 75}).unit_threshold == 0.75  # a stored mistake falls back


def test_half_years_and_their_predecessors():
    assert sat.half_year(date(2026, 6, 30)) == "2026H1" and sat.half_year(date(2026, 7, 1)) == "2026H2"
    assert sat.period_range("2026h2") == (date(2026, 7, 1), date(2026, 12, 31))
    assert sat.previous_period("2026H1") == "2025H2" and sat.period_label("2026H1") == "2026年上半年"
    for wrong in ("2026-07", "0000H1", "2026H3"):
        with pytest.raises(ValidationFailed, match="2026H1、2026H2"):
            sat.period_range(wrong)


def population(n: int) -> list[sat.Finished]:
    return [sat.Finished(f"610924-20260801-{i:05d}", ("mzj",) if i % 2 else ("scjgj", "cgj"), f"w0{i % 3}")
            for i in range(1, n + 1)]


def test_the_sample_is_the_same_for_the_same_seed_whatever_order_the_cases_come_in():
    cases = population(40)
    drawn = sat.draw_sample(cases, 3, "zy-2026H2")
    assert drawn == sat.draw_sample(list(reversed(cases)), 3, "zy-2026H2")
    assert drawn != sat.draw_sample(cases, 3, "another")
    groups = [g for gs in drawn.values() for g in gs]
    for group in ("department:mzj", "department:scjgj", "department:cgj", "window:w00", "window:w01", "window:w02"):
        assert groups.count(group) == 3
    assert sat.population_digest(cases) == sat.population_digest(list(reversed(cases)))
    with pytest.raises(ValidationFailed, match="抽样数量"):
        sat.draw_sample(cases, 0, "zy")


def rating(score: int, staff: str, post: str = "w01", default: bool = False, source: str = "window") -> dict:
    return {"score": score, "level": sat.LEVELS[score], "staff": staff, "post": post, "department": "mzj",
            "source": source, "default": default}


def test_flags_need_two_periods_for_a_person_and_one_for_a_unit():
    rules = sat.Rules()
    before = sat.tally([rating(5, "a"), rating(1, "a"), rating(5, "b")])
    now = sat.tally([rating(5, "a"), rating(2, "a"), rating(5, "b"), rating(1, "b"),
                     rating(4, "c", post="w02", default=True)])
    flags = {(f["unit_kind"], f["code"]): f["kind"] for f in sat.flags(now, before, rules)}
    assert flags[("staff", "a")] == "staff_twice_below" and flags[("staff", "b")] == "staff_below"
    assert ("staff", "c") not in flags and flags[("window", "w01")] == "unit_below"
    county = now["county"]["all"]
    assert (county.rated, county.defaults, county.rate, county.rate_without_defaults) == (5, 1, 0.6, 0.5)
    assert sat.assessment_score(county.rate) == 6.0 and sat.assessment_score(None) is None
