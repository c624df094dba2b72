"""The rules that keep a county's organisation whole (pure): every problem named, in Chinese.

``problems(state)`` lists everything wrong with an organisation; ``new_problems(before, after)``
only what a change would add, so an edit is judged by what it breaks, not by what was already
there. Rules: fields well-formed; names unique; one county centre; a township centre for a
township that exists; posts in centres and departments that exist; every post with an A holder
who may hold it; staff in departments and centres of their own county; nothing active pointing at
something deactivated. Centre codes follow the case pipeline: the county centre is ``county`` and
a township centre carries its township's code.
"""

from __future__ import annotations

from collections import Counter

from backend.domain.org import (
    AREA_CODE_RE, CODE_RE, COUNTY_CENTRE, FIELDS, HOURS_RE, KIND_LABELS, KINDS, PHONE_RE, SLOTS, USERNAME_RE,
    OrgState, Problem, county_roles, describe, with_defaults,
)
from backend.domain.roles import ROLE_LABELS


def problems(state: OrgState) -> list[Problem]:
    """Every problem of ``state``, in a stable order."""
    found = _profile(state) + _settings(state)
    for kind in KINDS:
        found += _fields(state, kind)
    found += _centres(state) + _posts(state) + _holders(state) + _staff(state)
    return list(dict.fromkeys(found))


def new_problems(before: OrgState, after: OrgState) -> list[Problem]:
    """The problems ``after`` has that ``before`` had not."""
    old = set(problems(before))
    return [p for p in problems(after) if p not in old]


def _p(kind: str, code: str, field: str, message: str) -> Problem:
    return Problem(kind, code, field, message)


# -- profile and settings ------------------------------------------------------------------


def _profile(state: OrgState) -> list[Problem]:
    profile, out = state.profile, []
    if not (profile.get("name") or "").strip():
        out.append(_p("profile", "", "name", "请填写县区名称"))
    if not AREA_CODE_RE.match(profile.get("area_code") or ""):
        out.append(_p("profile", "", "area_code", "行政区划代码应为 6 位数字（用于办件编号，如 610924）"))
    hours = profile.get("business_hours") or ""
    match = HOURS_RE.match(hours)
    if hours and (not match or match.group(1, 2) >= match.group(3, 4)):
        out.append(_p("profile", "", "business_hours", f"办公时间「{hours}」格式应为 08:30-18:00，且下班晚于上班"))
    if state.settings.get("deadline_at_closing") and not match:
        out.append(_p("settings", "", "deadline_at_closing", "期限截至下班时间须先填写办公时间"))
    return out


def _settings(state: OrgState) -> list[Problem]:
    out = []
    for key in ("yellow_days", "acceptance_days"):
        value = state.settings.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 30:
            out.append(_p("settings", "", key, "应为 0 到 30 之间的整数个工作日"))
    return out


# -- each entity on its own ------------------------------------------------------------------


def _fields(state: OrgState, kind: str) -> list[Problem]:
    out = []
    pattern, what = (USERNAME_RE, "用户名应为 3-32 位小写字母、数字或 _ . -") if kind == "staff" else \
        (CODE_RE, "代码应为 1-32 位小写字母、数字、- 或 _，以字母或数字开头")
    for code, entity in sorted(state.of(kind).items()):
        if not pattern.match(code):
            out.append(_p(kind, code, "code", f"{KIND_LABELS[kind]}「{code}」：{what}"))
        if not (entity.get("name") or "").strip():
            out.append(_p(kind, code, "name", f"{describe(kind, code, entity)}：请填写名称"))
    names = Counter(e.get("name") for e in state.active(kind).values() if e.get("name"))
    if kind != "staff":
        for code, entity in sorted(state.active(kind).items()):
            if names[entity.get("name")] > 1:
                out.append(_p(kind, code, "name", f"{KIND_LABELS[kind]}名称「{entity['name']}」重复"))
    if kind == "townships":
        for code, town in sorted(state.townships.items()):
            twice = [v for v, n in Counter(town.get("villages", [])).items() if n > 1]
            if twice:
                out.append(_p(kind, code, "villages", f"{describe(kind, code, town)}的村（社区）重复：{'、'.join(twice)}"))
    return out


def _reference(state: OrgState, kind: str, code: str, active: bool, owner: tuple[str, str, str]) -> Problem | None:
    """A problem when ``owner`` (kind, code, field) points at a ``kind`` that is missing or deactivated."""
    owner_kind, owner_code, field = owner
    entity = state.of(owner_kind)[owner_code]
    if code not in state.of(kind):
        return _p(owner_kind, owner_code, field,
                  f"{describe(owner_kind, owner_code, entity)}：{KIND_LABELS[kind]}「{code}」不存在")
    if active and not state.of(kind)[code].get("active", True):
        return _p(owner_kind, owner_code, field,
                  f"{describe(owner_kind, owner_code, entity)}：{describe(kind, code, state.of(kind)[code])}已停用")
    return None


# -- centres ---------------------------------------------------------------------------------


def _centres(state: OrgState) -> list[Problem]:
    """One county centre, coded ``county``; a township centre is coded as its township, which exists."""
    out, county = [], []
    for code, centre in sorted(state.centres.items()):
        active = centre.get("active", True)
        who = describe("centres", code, centre)
        if centre.get("level") == "county":
            county += [code] if active else []
            if code != COUNTY_CENTRE:
                out.append(_p("centres", code, "code", f"{who}是县级中心，代码应为 {COUNTY_CENTRE}"))
            if centre.get("township"):
                out.append(_p("centres", code, "township", f"{who}是县级中心，不应填写所在乡镇"))
        else:
            township = centre.get("township") or code
            if township != code:
                out.append(_p("centres", code, "township", f"{who}的代码应与所在乡镇代码「{township}」相同"))
            out.append(_reference(state, "townships", township, active, ("centres", code, "township")))
        unknown = [i for i in centre.get("items", []) if state.known_items is not None and i not in state.known_items]
        if unknown:
            out.append(_p("centres", code, "items", f"{who}的可受理事项不在本县权力清单中：{'、'.join(unknown)}"))
    if len(county) != 1 and state.centres:
        message = "缺少县级政务服务中心" if not county else f"县级政务服务中心只能有一个（现有 {'、'.join(county)}）"
        out.append(_p("centres", (county or sorted(state.centres))[0], "level", message))
    return [p for p in out if p]


# -- posts and their holders -------------------------------------------------------------------


def _posts(state: OrgState) -> list[Problem]:
    out = []
    for code, post in sorted(state.posts.items()):
        active, who = post.get("active", True), describe("posts", code, post)
        if post.get("centre"):
            out.append(_reference(state, "centres", post["centre"], active, ("posts", code, "centre")))
        else:
            out.append(_p("posts", code, "centre", f"{who}：请填写所在服务中心"))
        for department in post.get("departments", []):
            out.append(_reference(state, "departments", department, active, ("posts", code, "departments")))
        if post.get("kind") == "approval" and len(post.get("departments", [])) != 1:
            out.append(_p("posts", code, "departments", f"{who}是审批岗，应属于且只属于一个部门"))
    return [p for p in out if p]


def _holders(state: OrgState) -> list[Problem]:
    out, held = [], Counter()
    for code, post in sorted(state.active("posts").items()):
        who = describe("posts", code, post)
        if not post.get("holder_a"):
            out.append(_p("posts", code, "holder_a", f"{who}没有 A 岗人员"))
        if post.get("holder_a") and post.get("holder_a") == post.get("holder_b"):
            out.append(_p("posts", code, "holder_b", f"{who}的 A 岗和 B 岗不能是同一人"))
        for slot, key in SLOTS.items():
            username = post.get(key)
            if username:
                held[username] += 1
                out += _holder_fit(state, code, post, slot, username)
    for username, count in sorted(held.items()):
        if count > 1 and username in state.staff:
            out.append(_p("staff", username, "post", f"{describe('staff', username, state.staff[username])}"
                                                      f"同时在 {count} 个岗位，一人只能在一个岗位"))
    return out


def _holder_fit(state: OrgState, code: str, post: dict, slot: str, username: str) -> list[Problem]:
    """Whether ``username`` may hold ``slot`` of the active post ``code``."""
    person = state.staff.get(username)
    where = f"{describe('posts', code, post)}的 {slot} 岗"
    if person is None:
        return [_p("posts", code, SLOTS[slot], f"{where}人员「{username}」不存在")]
    who = describe("staff", username, person)
    if not person.get("active", True):
        return [_p("staff", username, "post", f"{who}已停用，不能担任{where}")]
    out = []
    if post.get("kind") == "window":
        if "window_clerk" not in person.get("roles", []):
            out.append(_p("staff", username, "post", f"{who}不是窗口人员，不能担任{where}"))
        if (person.get("centre") or "") != post.get("centre"):
            out.append(_p("staff", username, "post", f"{who}所在中心与{where}所在中心「{post.get('centre')}」不一致"))
    elif post.get("kind") == "approval":
        if "dept_approver" not in person.get("roles", []):
            out.append(_p("staff", username, "post", f"{who}不是部门审批人员，不能担任{where}"))
        if person.get("department") not in post.get("departments", []):
            out.append(_p("staff", username, "post", f"{who}不属于{where}所在部门"))
    return out


# -- staff -------------------------------------------------------------------------------------


def _staff(state: OrgState) -> list[Problem]:
    out = []
    for username, person in sorted(state.staff.items()):
        active, who = person.get("active", True), describe("staff", username, person)
        roles = person.get("roles", [])
        if not roles:
            out.append(_p("staff", username, "roles", f"{who}：至少要有一个角色"))
        unknown = [r for r in roles if r not in county_roles()]
        if unknown:
            out.append(_p("staff", username, "roles", f"{who}：未知角色「{'、'.join(unknown)}」，应为："
                                                       f"{'、'.join(ROLE_LABELS[r] for r in sorted(county_roles()))}"))
        if "dept_approver" in roles and not person.get("department"):
            out.append(_p("staff", username, "department", f"{who}是部门审批人员，请填写所属部门"))
        if person.get("department"):
            out.append(_reference(state, "departments", person["department"], active, ("staff", username, "department")))
        if person.get("centre"):
            out.append(_reference(state, "centres", person["centre"], active, ("staff", username, "centre")))
        if person.get("phone") and not PHONE_RE.match(person["phone"]):
            out.append(_p("staff", username, "phone", f"{who}：手机号码格式不正确"))
    return [p for p in out if p]


# -- a workbook (or any batch) laid over what is stored ------------------------------------------


def merge(before: OrgState, book: OrgState) -> tuple[OrgState, list[Problem]]:
    """``before`` with every entity of ``book`` added or replaced, and the posts its staff rows name.

    Staff rows carry ``post`` and ``slot`` (A/B): the people listed hold exactly the post their row
    gives them (none when empty); people not listed keep theirs. Returns the result and the
    problems of the staff rows' posts (unknown post, a slot two rows claim).
    """
    after = before.copy()
    after.profile.update(book.profile)
    after.settings.update(book.settings)
    for kind in KINDS:
        for code, entity in book.of(kind).items():
            after.of(kind)[code] = with_defaults(kind, {**after.of(kind).get(code, {}), **entity})
    listed = set(book.staff)
    for post in after.posts.values():
        for key in SLOTS.values():
            if post.get(key) in listed:
                post[key] = ""
    found = []
    for username, row in book.staff.items():
        if row.get("post"):
            found += _claim(after, username, row["post"], row.get("slot") or "")
    return after, found


def _claim(after: OrgState, username: str, code: str, slot: str) -> list[Problem]:
    who = describe("staff", username, after.staff.get(username))
    post = after.posts.get(code)
    if post is None:
        return [_p("staff", username, "post", f"{who}：岗位「{code}」不存在")]
    if slot not in SLOTS:
        return [_p("staff", username, "slot", f"{who}：请注明在岗位「{code}」任 A 岗还是 B 岗")]
    holder = post.get(SLOTS[slot])
    if holder and holder != username:
        taken = f"{describe('posts', code, post)}的 {slot} 岗已由「{holder}」担任"
        return [_p("staff", username, "post", f"{who}：{taken}")]
    post[SLOTS[slot]] = username
    return []


def changes(before: OrgState, after: OrgState) -> dict[str, list[tuple[str, dict | None, dict]]]:
    """Per kind, every entity ``after`` adds or changes: (code, old or None, new)."""
    out = {}
    for kind in KINDS:
        old_all = before.of(kind)
        out[kind] = [(code, old_all.get(code), new) for code, new in sorted(after.of(kind).items())
                     if old_all.get(code) != new]
    return out
