"""The steps staff and citizens take on a case, by name: who acts in which role, with what input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from backend.domain import cases
from backend.domain.case_model import Case
from backend.domain.errors import Forbidden, ValidationFailed
from backend.services import casework, catalog
from backend.services.context import Services


def _text(body: dict, key: str, limit: int = 500) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise ValidationFailed(f"字段 {key} 应为文字", code="bad_field")
    if len(value) > limit:
        raise ValidationFailed(f"字段 {key} 过长（上限 {limit} 字）", code="field_too_long")
    return value


def _flag(body: dict, key: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise ValidationFailed(f"请明确 {key}（true 或 false）", code="bad_field")
    return value


def _materials(body: dict) -> list[str]:
    value = body.get("materials")
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise ValidationFailed("请以列表形式逐项列出需要补正的材料", code="materials_required")
    return value


@dataclass(frozen=True)
class Action:
    """One named step: the role it is taken in, a summary for the API, and how to call the domain."""

    role: str
    summary: str
    run: Callable  # (svc, case, actor, now, body) -> Step (may be async)
    citizen_may: bool = False


async def _start_review(svc, case, actor, now, body):
    posts = await casework.approval_posts(svc, case.app.tenant, case.app.departments)
    return cases.start_review(case, actor, now, posts)


ACTIONS: dict[str, Action] = {
    "accept": Action("window_clerk", "窗口受理（受理后开始计时）", lambda s, c, a, n, b: cases.accept(c, a, n)),
    "reject": Action("window_clerk", "不予受理（须说明理由）", lambda s, c, a, n, b: cases.reject(c, a, n, _text(b, "reason"))),
    "supplement": Action("window_clerk", "一次性告知补正材料",
                         lambda s, c, a, n, b: cases.request_supplement(c, a, n, _materials(b), _text(b, "reason"))),
    "resubmit": Action("window_clerk", "补正后重新提交",
                       lambda s, c, a, n, b: cases.resubmit(c, a, n, _text(b, "note")), citizen_may=True),
    "withdraw": Action("window_clerk", "撤回申请", lambda s, c, a, n, b: cases.withdraw(c, a, n, _text(b, "reason")),
                       citizen_may=True),
    "dispatch": Action("window_clerk", "分派部门审批任务（联办件各部门同时收到）", _start_review),
    "decide-at-window": Action("window_clerk", "即办件当场办结（准予或不予）",
                               lambda s, c, a, n, b: cases.decide_at_window(c, a, n, _flag(b, "approve"), _text(b, "reason"))),
    "approve": Action("dept_approver", "部门审批同意", lambda s, c, a, n, b: cases.approve_task(c, a, n, _text(b, "opinion"))),
    "refuse": Action("dept_approver", "部门审批不同意（须说明理由）",
                     lambda s, c, a, n, b: cases.refuse_task(c, a, n, _text(b, "reason"))),
    "review-supplement": Action("dept_approver", "审查中一次性告知补正（每件限一次，补正期间暂停计时）",
                                lambda s, c, a, n, b: cases.request_review_supplement(c, a, n, _materials(b), _text(b, "reason"))),
    "pause": Action("dept_approver", "法定暂停计时（听证、专家评审、现场勘查、公示）",
                    lambda s, c, a, n, b: cases.pause(c, a, n, _text(b, "kind", 40), _text(b, "reason"))),
    "resume": Action("dept_approver", "恢复计时", lambda s, c, a, n, b: cases.resume(c, a, n, _text(b, "note"))),
    "forward": Action("dept_approver", "上报件报送上级机关", lambda s, c, a, n, b: cases.forward(c, a, n, _text(b, "note"))),
    "record-reply": Action("dept_approver", "登记上级机关批复",
                           lambda s, c, a, n, b: cases.record_reply(c, a, n, _flag(b, "approved"), _text(b, "reference", 100),
                                                                   _text(b, "reason"))),
    "send-result": Action("window_clerk", "送达办理结果（邮寄填写EMS单号，电子送达填写证照编号）",
                          lambda s, c, a, n, b: cases.dispatch_result(c, a, n, _text(b, "tracking_number", 40),
                                                                      _text(b, "reference", 200))),
    "confirm-delivery": Action("window_clerk", "确认送达（窗口领取登记领取人）",
                               lambda s, c, a, n, b: cases.confirm_delivery(c, a, n, _text(b, "received_by", 50))),
}


async def _actor_for(svc: Services, principal: dict, action: Action, case: Case):
    if principal.get("kind") == "citizen":
        if not action.citizen_may:
            raise Forbidden("申请人不能执行此操作")
        if case.app.applicant_openid != principal["id"]:
            raise Forbidden("只能操作本人的办件")
        return casework.citizen_actor(principal)
    role = action.role
    if role == "window_clerk" and "window_clerk" not in principal["roles"]:
        for alternative in ("info_officer", "centre_manager"):
            if alternative in principal["roles"] and (action.citizen_may or alternative == "centre_manager"):
                role = alternative
                break
    if role == "dept_approver" and "dept_approver" not in principal["roles"] and "centre_manager" in principal["roles"]:
        role = "centre_manager"
    actor = await casework.staff_actor(svc, principal, role)
    check_scope(principal, case, role)
    return actor


def check_scope(principal: dict, case: Case, role: str) -> None:
    """Whether the staff member may act on this case in ``role`` (checked before anything is written).

    Window clerks act on their own centre's cases (镇便民服务中心 staff on the township's), a township
    centre's manager on that centre's, approvers on cases of their department, an information
    officer only on the cases they submitted (代办); the administrator on any case of the county.
    """
    held = set(principal.get("roles", []))
    centre = principal.get("centre") or "county"
    if "admin" in held:
        return
    if role == "info_officer" and case.submitted_by_id != principal["id"]:
        raise Forbidden("信息员只能办理本人代办提交的办件", code="not_your_submission")
    if (role == "window_clerk" and centre != case.app.centre) or (
            role == "centre_manager" and centre not in ("county", case.app.centre)):
        raise Forbidden("该办件不属于您所在的服务中心", code="wrong_centre")
    if role == "dept_approver" and principal.get("department") not in case.app.departments:
        raise Forbidden("本办件不涉及您所在部门，不能办理其他部门的办件", code="wrong_department")


async def perform(svc: Services, tenant: str, number: str, principal: dict, name: str, body: dict) -> tuple[Case, dict]:
    """Take the named step on a case as the signed-in principal; returns the case and its stored document.

    Who may act is decided before anything is written. An accepted case goes straight to its
    departments in the same step (内部运作: the window does not carry files). When someone else
    stored a step on the case meanwhile, the step is decided again on what is there now.
    """
    action = ACTIONS.get(name)
    if action is None:
        raise ValidationFailed(f"未知的办件操作：{name}", code="unknown_action")
    supplied = intake_materials(body) if name == "resubmit" else []

    async def decide(case: Case, doc: dict):
        actor = await _actor_for(svc, principal, action, case)
        step = action.run(svc, case, actor, svc.now(), body)
        if hasattr(step, "__await__"):
            step = await step
        if name == "accept" and case.kind != "immediate" and step.case.state == "accepted":
            posts = await casework.approval_posts(svc, case.app.tenant, case.app.departments)
            step = step.then(cases.start_review(step.case, actor, svc.now(), posts))
        extra = {"materials": doc.get("materials", []) + [{**m, "supplement": True} for m in supplied]} if supplied else None
        return step, extra

    if supplied:
        await _check_supplied(svc, tenant, number, principal, supplied)
    case, doc = await casework.run(svc, tenant, number, decide)
    if supplied:
        await _attach_supplied(svc, tenant, number, principal, supplied)
    return case, doc


def intake_materials(body: dict) -> list[dict]:
    from backend.services import intake

    return intake.parse_materials(body)


async def _check_supplied(svc: Services, tenant: str, number: str, principal: dict, supplied: list[dict]) -> None:
    from backend.services import uploads

    file_ids = [m["file_id"] for m in supplied if m["file_id"]]
    if file_ids:
        await uploads.check_attachable(svc, tenant, file_ids, principal, number)


async def _attach_supplied(svc: Services, tenant: str, number: str, principal: dict, supplied: list[dict]) -> None:
    """Materials handed in with a resubmission (补正) join the case's materials, files attached to it."""
    from backend.services import uploads

    file_ids = [m["file_id"] for m in supplied if m["file_id"]]
    if file_ids:
        await uploads.attach(svc, tenant, file_ids, number, principal)


async def item_for_case(svc: Services, case: Case):
    return await catalog.item_version(svc, case.app.tenant, case.app.item_code, case.app.item_version)
