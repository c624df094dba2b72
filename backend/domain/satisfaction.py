"""Satisfaction (好差评): the five national levels, the tenant's rules, rating stages, periods, the
survey sample draw and the figures with their consequences. Pure: no store, no web.

Levels follow GB/T 39735-2020: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意; the last two
are bad reviews (差评) and open a rectification task (差评整改).
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping, Sequence

from backend.domain.errors import ValidationFailed

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SCORE_OF = {label: score for score, label in LEVELS.items()}
SATISFIED_SCORES = frozenset({5, 4, 3})
BAD_SCORES = frozenset({2, 1})
GOOD_REASONS = ("办事效率高", "服务态度好", "一次办成", "指引清楚", "材料精简", "环境整洁")
BAD_REASONS = ("等候时间长", "多次跑腿", "服务态度差", "告知不清楚", "超时未办结", "材料要求多", "收费不规范", "其他")
REASONS = GOOD_REASONS + BAD_REASONS
STAGES = {"accepted": "受理", "finished": "办结"}
SOURCES = {"window": "窗口评价器", "miniprogram": "小程序", "sms": "短信链接", "hotline": "热线回访",
           "survey": "调查中心回访", "default": "默认评价"}
KINDS = ("immediate", "promised", "joint", "report_up")
MAX_TEXT = 300


def level_label(score: int) -> str:
    return LEVELS[score]


def score_of(doc: Mapping) -> int | None:
    """The 1–5 score of a stored rating (hotline ratings store only the level's label)."""
    score = doc.get("score")
    if isinstance(score, int) and score in LEVELS:
        return score
    return SCORE_OF.get(doc.get("level"))


def is_bad(score: int) -> bool:
    return score in BAD_SCORES


# -- the tenant's rules ----------------------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    """好差评规则 of one tenant (``tenant_settings.satisfaction``)."""

    stages: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {
        "immediate": ("finished",), "promised": ("accepted", "finished"), "joint": ("accepted", "finished"),
        "report_up": ("accepted", "finished")})
    window_days: int = 7  # calendar days to rate before the default applies
    default_score: int = 4
    rectify_days: int = 5  # working days to rectify a bad review
    unit_threshold: float = 0.75
    staff_threshold: float = 0.80
    sample_size: int = 10  # per department and per window

    def stages_for(self, kind: str) -> tuple[str, ...]:
        return tuple(self.stages.get(kind, ()))

    def to_doc(self) -> dict:
        return {"stages": {k: list(v) for k, v in self.stages.items()}, "window_days": self.window_days,
                "default_score": self.default_score, "rectify_days": self.rectify_days,
                "unit_threshold": self.unit_threshold, "staff_threshold": self.staff_threshold,
                "sample_size": self.sample_size}


def _int(value, low: int, high: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(f"“{name}”应为 {low} 到 {high} 之间的整数", code="bad_satisfaction_rule")
    return value


def _share(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValidationFailed(f"“{name}”应为 0 到 1 之间的小数（如 0.75）", code="bad_satisfaction_rule")
    return float(value)


def rules_from(doc: Mapping | None, *, strict: bool = False) -> Rules:
    """The rules stored (defaults for what is missing); ``strict``: a wrong value is a 422, not ignored."""
    base, doc = Rules(), dict(doc or {})
    values = {}
    checks = {"window_days": lambda v: _int(v, 1, 60, "评价期限（自然日）"),
              "default_score": lambda v: _int(v, 1, 5, "默认评价等级"),
              "rectify_days": lambda v: _int(v, 1, 30, "整改期限（工作日）"),
              "unit_threshold": lambda v: _share(v, "单位满意率底线"),
              "staff_threshold": lambda v: _share(v, "个人满意率底线"),
              "sample_size": lambda v: _int(v, 1, 500, "每部门、每窗口抽样数")}
    for name, check in checks.items():
        if name in doc:
            try:
                values[name] = check(doc[name])
            except ValidationFailed:
                if strict:
                    raise
    if "stages" in doc:
        try:
            values["stages"] = _stages(doc["stages"])
        except ValidationFailed:
            if strict:
                raise
    return Rules(**{**base.__dict__, **values})


def _stages(value) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ValidationFailed("“评价环节”应为对象", code="bad_satisfaction_rule")
    out = {}
    for kind, stages in value.items():
        if kind not in KINDS or not isinstance(stages, (list, tuple)) or any(s not in STAGES for s in stages):
            raise ValidationFailed(f"“评价环节”中 {kind} 的设置不正确（环节只能是 accepted、finished）",
                                   code="bad_satisfaction_rule")
        out[kind] = tuple(dict.fromkeys(stages))
    return out


# -- a rating --------------------------------------------------------------------------------

def rating_id(tenant: str, number: str, stage: str) -> str:
    """One rating per case and stage: the unique ``_id`` decides (a second one is refused)."""
    return f"{tenant}:{number}:{stage}"


def check_rating(score, reasons: Sequence[str], text: str) -> tuple[int, list[str], str]:
    """A rating's level, reasons and text, or ValidationFailed in Chinese."""
    if isinstance(score, bool) or score not in LEVELS:
        raise ValidationFailed("评价等级只能是 1 到 5（5 非常满意 … 1 非常不满意）", code="bad_level")
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise ValidationFailed(f"不认识的评价理由：{'、'.join(unknown)}", code="bad_reason")
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"评价内容不能超过 {MAX_TEXT} 字", code="text_too_long")
    if is_bad(score) and not reasons and not text:
        raise ValidationFailed("差评请至少选择一项理由或写明意见，便于整改", code="bad_review_reason_required")
    return score, list(dict.fromkeys(reasons)), text


# -- periods ---------------------------------------------------------------------------------

def half_year(day: date) -> str:
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def period_range(period: str) -> tuple[date, date]:
    """First and last day of a half year ``YYYYH1`` / ``YYYYH2``."""
    text = str(period or "").strip().upper()
    if len(text) != 6 or text[4] != "H" or text[5] not in "12" or not text[:4].isdigit() \
            or not 2000 <= int(text[:4]) <= 2099:
        raise ValidationFailed(f"统计期格式不正确：{period}（应为 2000 至 2099 年的上半年或下半年，如 2026H1、2026H2）",
                               code="bad_period")
    year = int(text[:4])
    return (date(year, 1, 1), date(year, 6, 30)) if text[5] == "1" else (date(year, 7, 1), date(year, 12, 31))


def period_label(period: str) -> str:
    first, _ = period_range(period)
    return f"{first.year}年{'上' if first.month == 1 else '下'}半年"


def previous_period(period: str) -> str:
    first, _ = period_range(period)
    return half_year(first - timedelta(days=1))


# -- the survey sample (社情民意调查抽样) --------------------------------------------------------

@dataclass(frozen=True)
class Finished:
    """A finished case as the sample sees it."""

    number: str
    departments: tuple[str, ...]
    window: str


def population_digest(population: Iterable[Finished]) -> str:
    """A fingerprint of the population (its case numbers), so a redraw can show it drew from the same cases."""
    return hashlib.sha256("\n".join(sorted(f.number for f in population)).encode()).hexdigest()


def draw_sample(population: Iterable[Finished], size: int, seed: str) -> dict[str, list[str]]:
    """Up to ``size`` cases per department and per window, drawn with ``seed``: case number -> the groups
    that drew it. The same population, size and seed always give the same sample."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationFailed("抽样数量应为不小于 1 的整数", code="bad_sample_size")
    groups: dict[str, list[str]] = defaultdict(list)
    for case in sorted(population, key=lambda f: f.number):
        for department in dict.fromkeys(case.departments):
            groups[f"department:{department}"].append(case.number)
        if case.window:
            groups[f"window:{case.window}"].append(case.number)
    drawn: dict[str, list[str]] = defaultdict(list)
    for group in sorted(groups):
        members = groups[group]
        chooser = random.Random(f"{seed}|{group}")
        for number in sorted(chooser.sample(members, min(size, len(members)))):
            drawn[number].append(group)
    return {number: drawn[number] for number in sorted(drawn)}


# -- figures and consequences ----------------------------------------------------------------

UNIT_KINDS = {"window": "窗口", "department": "部门", "township": "乡镇"}


@dataclass
class Tally:
    """Ratings of one unit or person: per level, per source, defaults apart."""

    levels: dict[int, int] = field(default_factory=lambda: {s: 0 for s in LEVELS})
    sources: dict[str, int] = field(default_factory=dict)
    defaults: int = 0
    default_satisfied: int = 0

    def add(self, score: int, source: str, default: bool) -> None:
        self.levels[score] += 1
        self.sources[source] = self.sources.get(source, 0) + 1
        if default:
            self.defaults += 1
            self.default_satisfied += score in SATISFIED_SCORES

    @property
    def rated(self) -> int:
        return sum(self.levels.values())

    @property
    def satisfied(self) -> int:
        return sum(n for s, n in self.levels.items() if s in SATISFIED_SCORES)

    @property
    def rate(self) -> float | None:
        return round(self.satisfied / self.rated, 4) if self.rated else None

    @property
    def rate_without_defaults(self) -> float | None:
        given = self.rated - self.defaults
        return round((self.satisfied - self.default_satisfied) / given, 4) if given else None

    def view(self) -> dict:
        return {"rated": self.rated, "satisfied": self.satisfied, "rate": self.rate, "defaults": self.defaults,
                "rate_without_defaults": self.rate_without_defaults, "bad": self.levels[2] + self.levels[1],
                "levels": {LEVELS[s]: n for s, n in sorted(self.levels.items(), reverse=True)},
                "sources": dict(sorted(self.sources.items()))}


def tally(ratings: Iterable[Mapping]) -> dict[str, dict[str, Tally]]:
    """Tallies per unit kind (window, department, township, staff) and code, plus ``county`` / ``all``."""
    out: dict[str, dict[str, Tally]] = {k: defaultdict(Tally) for k in (*UNIT_KINDS, "staff", "county")}
    for doc in ratings:
        score = score_of(doc)
        if score is None:
            continue
        source, default = doc.get("source", ""), bool(doc.get("default"))
        out["county"]["all"].add(score, source, default)
        for kind, value in (("window", doc.get("post")), ("department", doc.get("department")),
                            ("township", doc.get("township")), ("staff", doc.get("staff"))):
            if value:
                out[kind][value].add(score, source, default)
    return out


def assessment_score(rate: float | None, weight: float = 10.0) -> float | None:
    """The window's share of the annual assessment (窗口绩效占年度考核 10%): the rate times the weight."""
    return None if rate is None else round(rate * weight, 2)


def flags(current: Mapping[str, Mapping[str, Tally]], previous: Mapping[str, Mapping[str, Tally]],
          rules: Rules) -> list[dict]:
    """Consequences of a period: units under the unit threshold lose promotion slots (取消评先评优名额);
    a staff member under the staff threshold in this and the previous period cannot be promoted."""
    out = []
    for kind in UNIT_KINDS:
        for code, t in sorted(current.get(kind, {}).items()):
            if t.rate is not None and t.rate < rules.unit_threshold:
                out.append({"kind": "unit_below", "unit_kind": kind, "code": code, "rate": t.rate,
                            "threshold": rules.unit_threshold,
                            "label": f"{UNIT_KINDS[kind]}满意率低于 {rules.unit_threshold:.0%}，取消本期评先评优名额"})
    for staff_id, t in sorted(current.get("staff", {}).items()):
        if t.rate is None or t.rate >= rules.staff_threshold:
            continue
        before = previous.get("staff", {}).get(staff_id)
        twice = before is not None and before.rate is not None and before.rate < rules.staff_threshold
        out.append({"kind": "staff_twice_below" if twice else "staff_below", "unit_kind": "staff", "code": staff_id,
                    "rate": t.rate, "previous_rate": before.rate if before else None,
                    "threshold": rules.staff_threshold,
                    "label": (f"连续两期满意率低于 {rules.staff_threshold:.0%}，不得提拔任用" if twice
                              else f"本期满意率低于 {rules.staff_threshold:.0%}（再低一期将不得提拔）")})
    return out


def default_due(reached_at: datetime, rules: Rules) -> datetime:
    return reached_at + timedelta(days=rules.window_days)
