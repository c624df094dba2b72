"""Managing a county's organisation (机构设置): create, edit, deactivate, move people between posts.

Every change is judged whole: the organisation after the change must not have a problem it did not
have before (``org_rules.new_problems``), and deactivating something work still points at is
refused naming that work (open tasks, waiting applications, published items). Nothing is deleted;
deactivated entities keep resolving old cases' names, and renames keep the former name.
"""

from __future__ import annotations

from backend.domain.case_model import SYSTEM, Actor
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.domain.org import (
    FIELDS, KIND_LABELS, SLOTS, OrgState, Problem, clean, describe, error_text, unknown_keys, with_defaults,
)
from backend.domain.org_rules import new_problems
from backend.services import accounts, casework, catalog, org_store, org_views, posts, tenant_config
from backend.services.context import Services
from backend.store import work

MANAGERS = ("admin", "centre_manager")
MIN_PASSWORD = 8
SHOWN = 10  # work items named in a refusal


def refuse(found: list[Problem]) -> ValidationFailed:
    """One error naming every problem."""
    return ValidationFailed("机构设置有误：" + "；".join(p.message for p in found), code="org_invalid",
                            details={"problems": [p.as_dict() for p in found]})


def _kind(kind: str) -> str:
    if kind not in FIELDS:
        raise NotFound("未知的机构类别", code="unknown_org_kind")
    return kind


async def create(svc: Services, tenant: str, kind: str, body: dict, actor: dict) -> dict:
    """A new department, township, centre, post or staff member (staff: with an initial password)."""
    key = "username" if _kind(kind) == "staff" else "code"
    code = str((body or {}).get(key) or "").strip() if isinstance(body, dict) else ""
    values, errors = clean(kind, body)
    messages = error_text({**errors, **unknown_keys(body, kind)})
    if not code:
        messages.insert(0, f"请填写{'用户名' if kind == 'staff' else '代码'}")
    password = str(body.get("password") or "") if isinstance(body, dict) else ""
    if kind == "staff" and len(password) < MIN_PASSWORD:
        messages.append(f"初始密码至少 {MIN_PASSWORD} 位")
    if messages:
        raise ValidationFailed(f"{KIND_LABELS[kind]}信息有误：" + "；".join(messages), code="bad_org_entity")
    before = await org_store.load_state(svc, tenant, with_items=kind == "centres")
    if code in before.of(kind):
        raise Conflict(f"{KIND_LABELS[kind]}代码「{code}」已存在", code="duplicate_code")
    after = before.copy()
    after.of(kind)[code] = with_defaults(kind, values)
    await _commit(svc, tenant, before, after, actor, org_store.Passwords(password) if kind == "staff" else None)
    return await entity_view(svc, tenant, kind, code)


async def create_account(svc: Services, tenant: str, body: dict, actor: dict) -> dict:
    """A staff account (账号管理): checked field by field as an account, then as part of the organisation."""
    roles = body.get("roles") if isinstance(body.get("roles"), list) else []
    accounts.validate_account(str(body.get("username") or ""), str(body.get("password") or ""),
                              str(body.get("name") or ""), [str(r) for r in roles])
    return await create(svc, tenant, "staff", body, actor)


async def edit(svc: Services, tenant: str, kind: str, code: str, body: dict, actor: dict) -> dict:
    """Change some fields of one entity (``active: false`` deactivates it)."""
    values, errors = clean(_kind(kind), body, partial=True)
    errors.update(unknown_keys(body, kind))
    if errors:
        raise ValidationFailed(f"{KIND_LABELS[kind]}信息有误：" + "；".join(error_text(errors)), code="bad_org_entity")
    before = await org_store.load_state(svc, tenant, with_items=kind == "centres" and "items" in values)
    if code not in before.of(kind):
        raise NotFound(f"未找到{KIND_LABELS[kind]}「{code}」", code="org_entity_not_found")
    after = before.copy()
    after.of(kind)[code].update(values)
    await _commit(svc, tenant, before, after, actor)
    return await entity_view(svc, tenant, kind, code)


async def assign(svc: Services, tenant: str, post: str, slot: str, username: str, actor: dict) -> dict:
    """Put ``username`` in ``slot`` (A/B) of ``post`` (empty: leave the slot empty). The person leaves
    any other post; open tasks follow the A/B rules to whoever covers each post afterwards."""
    if slot not in SLOTS:
        raise ValidationFailed("请指定 A 岗或 B 岗", code="bad_slot")
    before = await org_store.load_state(svc, tenant, with_items=False)
    if post not in before.posts:
        raise NotFound(f"未找到岗位「{post}」", code="org_entity_not_found")
    if username and username not in before.staff:
        raise ValidationFailed(f"人员「{username}」不存在", code="unknown_staff")
    after = before.copy()
    for other in after.posts.values():
        for key in SLOTS.values():
            if username and other.get(key) == username:
                other[key] = ""
    after.posts[post][SLOTS[slot]] = username
    await _commit(svc, tenant, before, after, actor)
    return await entity_view(svc, tenant, "posts", post)


async def edit_profile(svc: Services, tenant: str, body: dict, actor: dict) -> dict:
    """The county's profile (name, area code, office hours) and its rules (warning days, closing time)."""
    profile, errors = clean("profile", body, partial=True)
    settings, more = clean("settings", body, partial=True)
    more.update(unknown_keys(body, "profile", "settings"))
    if errors or more:
        raise ValidationFailed("县区信息有误：" + "；".join(error_text({**errors, **more})), code="bad_org_entity")
    before = await org_store.load_state(svc, tenant, with_items=False)
    after = before.copy()
    after.profile.update(profile)
    after.settings.update(settings)
    await _commit(svc, tenant, before, after, actor)
    return await profile_view(svc, tenant)


async def _commit(svc: Services, tenant: str, before: OrgState, after: OrgState, actor: dict,
                  passwords: org_store.Passwords | None = None) -> None:
    found = new_problems(before, after) + await blockers(svc, tenant, before, after)
    if found:
        raise refuse(found)
    await org_store.write(svc, tenant, before, after, actor["id"], passwords=passwords)
    await hand_over_moved(svc, tenant, before, after, actor)


# -- what deactivation would leave behind ------------------------------------------------------------


async def blockers(svc: Services, tenant: str, before: OrgState, after: OrgState) -> list[Problem]:
    """Problems with the work that points at what ``after`` deactivates."""
    found = []
    for kind in ("departments", "townships", "centres", "posts"):
        for code, entity in after.of(kind).items():
            old = before.of(kind).get(code)
            if old and old.get("active", True) and not entity.get("active", True):
                found += await _blocking(svc, tenant, kind, code, entity)
    return found


def _named(numbers: list[str]) -> str:
    return "、".join(numbers[:SHOWN]) + (f" 等 {len(numbers)} 件" if len(numbers) > SHOWN else "")


async def _blocking(svc: Services, tenant: str, kind: str, code: str, entity: dict) -> list[Problem]:
    who, found = describe(kind, code, entity), []
    if kind in ("departments", "posts"):
        departments = [code] if kind == "departments" else entity.get("departments", [])
        tasks = [t for d in departments for t in await work.read_prefix(svc.db, casework.task_key(tenant, d, ""))
                 if kind == "departments" or t.get("post") == code]
        if tasks:
            found.append(Problem(kind, code, "active", f"{who}还有 {len(tasks)} 件未办结的审批任务："
                                 f"{_named(sorted(t['number'] for t in tasks))}，请办结或移交后再停用"))
    if kind == "centres":
        waiting = await work.read_prefix(svc.db, casework.intake_key(tenant, code, ""))
        if waiting:
            found.append(Problem(kind, code, "active", f"{who}还有 {len(waiting)} 件待受理的申请："
                                 f"{_named(sorted(w['number'] for w in waiting))}，请先受理或退回"))
    if kind in ("departments", "townships"):
        items = [i.code for i in (await catalog.snapshot(svc, tenant)).items if _uses(i, kind, code)]
        if items:
            found.append(Problem(kind, code, "active", f"{who}仍有 {len(items)} 个已发布事项：{_named(items)}，"
                                 "请先撤销或改由其他部门实施"))
    return found


def _uses(item, kind: str, code: str) -> bool:
    if kind == "townships":
        return code in item.townships
    return item.department == code or any(j.code == code for j in item.joint_departments)


# -- A/B: open tasks follow the people --------------------------------------------------------------


async def _manager(svc: Services, actor: dict) -> Actor:
    if actor.get("kind") == "staff":
        return await casework.staff_actor(svc, actor, "centre_manager")
    return SYSTEM


async def hand_over_moved(svc: Services, tenant: str, before: OrgState, after: OrgState, actor: dict) -> int:
    """Open tasks at approval posts whose holders changed go to whoever covers now (AB岗 rules)."""
    changed = [code for code, post in after.active("posts").items()
               if post.get("kind") == "approval" and code in before.posts
               and any(before.posts[code].get(k) != post.get(k) for k in SLOTS.values())]
    if not changed:
        return 0
    org, manager, moved = await tenant_config.org(svc, tenant), await _manager(svc, actor), 0
    for code in changed:
        moved += await posts.hand_over_open_tasks(svc, tenant, casework.post_from_document(org.posts[code]), manager)
    return moved


# -- views ----------------------------------------------------------------------------------------


async def list_entities(svc: Services, tenant: str, kind: str) -> list[dict]:
    """Every entity of ``kind``, deactivated ones too, with the names of what they point at."""
    org = await tenant_config.org(svc, tenant)
    state = org_store.state_from_org(org)
    return [org_views.entity_view(state, _stored(org, tenant, kind, code), _kind(kind), code)
            for code in sorted(state.of(kind))]


async def entity_view(svc: Services, tenant: str, kind: str, code: str, with_history: bool = False) -> dict:
    org = await tenant_config.org(svc, tenant)
    state = org_store.state_from_org(org)
    if code not in state.of(_kind(kind)):
        raise NotFound(f"未找到{KIND_LABELS[kind]}「{code}」", code="org_entity_not_found")
    view = org_views.entity_view(state, _stored(org, tenant, kind, code), kind, code)
    if with_history:
        view["history"] = await org_store.history(svc, tenant, kind, code)
    return view


def _stored(org: tenant_config.Org, tenant: str, kind: str, code: str) -> dict:
    return getattr(org, kind).get(f"{tenant}:{code}" if kind == "staff" else code) or {}


async def profile_view(svc: Services, tenant: str) -> dict:
    return org_views.profile_view(org_store.state_from_org(await tenant_config.org(svc, tenant)))
