"""The organisation's rules: every problem named in Chinese, tied to the entity and field it is about."""

from backend.domain.org import OrgState, clean, closing_time, with_defaults
from backend.domain.org_rules import changes, merge, new_problems, problems


def county() -> OrgState:
    """A small county that breaks no rule: one department, one township, two centres, two posts, three people."""
    state = OrgState(profile={"name": "汉阴县", "area_code": "610921", "business_hours": "08:00-17:30"},
                     settings={"yellow_days": 1, "acceptance_days": 1, "deadline_at_closing": True})
    state.departments["scj"] = with_defaults("departments", {"name": "汉阴县市场监督管理局", "duties": "营业执照、食品经营"})
    state.townships["chengguan"] = with_defaults("townships", {"name": "城关镇", "villages": ["五一村"]})
    state.centres["county"] = with_defaults("centres", {"name": "汉阴县政务服务中心", "level": "county"})
    state.centres["chengguan"] = with_defaults("centres", {"name": "城关镇便民服务中心", "township": "chengguan"})
    state.posts["w01"] = with_defaults("posts", {"name": "综合窗口", "kind": "window", "centre": "county",
                                                 "departments": ["scj"], "holder_a": "clerk", "holder_b": ""})
    state.posts["d-scj"] = with_defaults("posts", {"name": "市场监管审批岗", "kind": "approval", "centre": "county",
                                                   "departments": ["scj"], "holder_a": "scj_a", "holder_b": "scj_b"})
    state.staff["clerk"] = with_defaults("staff", {"name": "王一", "roles": ["window_clerk"], "centre": "county"})
    state.staff["scj_a"] = with_defaults("staff", {"name": "李二", "roles": ["dept_approver"], "department": "scj"})
    state.staff["scj_b"] = with_defaults("staff", {"name": "赵三", "roles": ["dept_approver"], "department": "scj"})
    return state


def messages(state: OrgState) -> list[str]:
    return [p.message for p in problems(state)]


def test_a_well_formed_county_has_no_problem():
    assert problems(county()) == []


def test_a_post_without_an_a_holder_is_named():
    state = county()
    state.posts["w01"]["holder_a"] = ""
    assert messages(state) == ["岗位「综合窗口」（w01）没有 A 岗人员"]


def test_an_unknown_department_is_named_where_it_is_used():
    state = county()
    state.posts["w01"]["departments"] = ["scj", "gaj"]
    state.staff["scj_b"]["department"] = "swj"
    found = messages(state)
    assert "岗位「综合窗口」（w01）：部门「gaj」不存在" in found
    assert "人员「赵三」（scj_b）：部门「swj」不存在" in found
    assert "人员「赵三」（scj_b）不属于岗位「市场监管审批岗」（d-scj）的 B 岗所在部门" in found


def test_a_township_centre_for_a_township_that_does_not_exist_is_named():
    state = county()
    state.centres["shuangru"] = with_defaults("centres", {"name": "涧池镇便民服务中心", "township": "shuangru"})
    assert messages(state) == ["服务中心「涧池镇便民服务中心」（shuangru）：乡镇「shuangru」不存在"]


def test_the_county_centre_is_one_and_coded_county():
    state = county()
    state.centres["hall"] = with_defaults("centres", {"name": "第二大厅", "level": "county"})
    found = messages(state)
    assert "服务中心「第二大厅」（hall）是县级中心，代码应为 county" in found
    assert any("县级政务服务中心只能有一个" in m for m in found)


def test_holders_must_fit_the_post_and_hold_one_post():
    state = county()
    state.posts["w01"]["holder_b"] = "scj_a"
    found = messages(state)
    assert "人员「李二」（scj_a）不是窗口人员，不能担任岗位「综合窗口」（w01）的 B 岗" in found
    assert "人员「李二」（scj_a）同时在 2 个岗位，一人只能在一个岗位" in found


def test_duplicate_names_bad_codes_and_a_bad_profile_are_named():
    state = county()
    state.departments["Bad Code"] = with_defaults("departments", {"name": "汉阴县市场监督管理局"})
    state.profile["area_code"] = "61092"
    state.profile["business_hours"] = "18:00-08:00"
    found = messages(state)
    assert "部门名称「汉阴县市场监督管理局」重复" in found
    assert any(m.startswith("部门「Bad Code」：代码应为") for m in found)
    assert "行政区划代码应为 6 位数字（用于办件编号，如 610924）" in found
    assert any("办公时间「18:00-08:00」" in m for m in found)


def test_something_active_may_not_point_at_something_deactivated():
    state = county()
    state.departments["scj"]["active"] = False
    found = messages(state)
    assert "岗位「市场监管审批岗」（d-scj）：部门「汉阴县市场监督管理局」（scj）已停用" in found
    assert "人员「李二」（scj_a）：部门「汉阴县市场监督管理局」（scj）已停用" in found


def test_a_change_is_judged_by_the_problems_it_adds():
    before = county()
    before.posts["w01"]["holder_a"] = ""  # an old problem
    after = before.copy()
    after.townships["pingliang"] = with_defaults("townships", {"name": "平梁镇"})
    assert new_problems(before, after) == []
    after.staff["clerk"]["department"] = "nowhere"
    assert [p.message for p in new_problems(before, after)] == ["人员「王一」（clerk）：部门「nowhere」不存在"]


def test_a_workbook_moves_the_people_it_lists_and_leaves_the_others():
    before = county()
    book = OrgState(staff={"scj_b": {**before.staff["scj_b"], "post": "d-scj", "slot": "A"},
                           "scj_a": {**before.staff["scj_a"], "post": "", "slot": ""}})
    after, found = merge(before, book)
    assert found == []
    assert after.posts["d-scj"]["holder_a"] == "scj_b" and after.posts["d-scj"]["holder_b"] == ""
    assert after.posts["w01"]["holder_a"] == "clerk"  # not listed: keeps the post
    assert [code for code, _, _ in changes(before, after)["posts"]] == ["d-scj"]


def test_two_rows_claiming_one_slot_and_an_unknown_post_are_named():
    before = county()
    book = OrgState(staff={"scj_a": {**before.staff["scj_a"], "post": "d-scj", "slot": "A"},
                           "scj_b": {**before.staff["scj_b"], "post": "d-scj", "slot": "A"},
                           "clerk": {**before.staff["clerk"], "post": "w09", "slot": "A"}})
    _, found = merge(before, book)
    assert [p.message for p in found] == [
        "人员「赵三」（scj_b）：岗位「市场监管审批岗」（d-scj）的 A 岗已由「scj_a」担任",
        "人员「王一」（clerk）：岗位「w09」不存在"]


def test_input_is_cleaned_with_chinese_messages_and_labels_read_as_codes():
    values, errors = clean("staff", {"name": "  钱四 ", "roles": "窗口人员、部门审批人员", "active": "yes"})
    assert values["name"] == "钱四" and values["roles"] == ["window_clerk", "dept_approver"]
    assert errors == {"active": "应为是或否"}
    _, errors = clean("centres", {"level": "省级"}, partial=True)
    assert errors == {"level": "应为：县级、乡镇"}
    assert closing_time("08:30-17:30") == "17:30" and closing_time("") == ""
