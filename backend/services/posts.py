"""Posts and A/B cover (AB岗): who holds each post, who is away, and handing over open tasks."""

from __future__ import annotations

from datetime import datetime

from backend.domain import cases
from backend.domain.errors import NotFound, ValidationFailed
from backend.domain.posts import mark_away, mark_back
from backend.services import audit, casework, tenant_config
from backend.services.context import Services
from backend.store import work

KIND_LABELS = {"window": "窗口岗", "approval": "审批岗"}


async def _post_doc(svc: Services, tenant: str, code: str) -> dict:
    doc = await svc.db.posts.find_one({"_id": f"{tenant}:{code}"})
    if not doc:
        raise NotFound("未找到该岗位", code="post_not_found")
    return doc


async def list_posts(svc: Services, tenant: str, centre: str = "") -> list[dict]:
    org = await tenant_config.org(svc, tenant)
    names = {staff_id: d.get("name", "") for staff_id, d in org.staff.items()}
    now = svc.now()
    posts = []
    for doc in [d for d in org.active("posts").values() if not centre or d.get("centre") == centre]:
        post = casework.post_from_document(doc)
        posts.append({
            "code": doc["code"], "name": doc["name"], "kind": doc["kind"], "kind_label": KIND_LABELS.get(doc["kind"], ""),
            "centre": doc["centre"], "departments": doc.get("departments", []),
            "holder_a": {"id": post.holder_a, "name": names.get(post.holder_a, ""), "away": post.is_away(post.holder_a, now)},
            "holder_b": {"id": post.holder_b, "name": names.get(post.holder_b, ""), "away": post.is_away(post.holder_b, now)},
            "on_duty": _on_duty(post, now, names),
            "absences": [{"staff": a.staff_id, "name": names.get(a.staff_id, ""), "start": a.start, "end": a.end,
                          "reason": a.reason} for a in post.absences[-10:]],
        })
    posts.sort(key=lambda p: (p["centre"] != "county", p["kind"], p["code"]))
    return posts


def _on_duty(post, now, names) -> str:
    for holder in (post.holder_a, post.holder_b):
        if holder and not post.is_away(holder, now):
            return names.get(holder, holder)
    return ""


def _absence_docs(post) -> list[dict]:
    return [{"staff_id": a.staff_id, "start": a.start, "end": a.end, "reason": a.reason} for a in post.absences]


async def mark_holder_away(svc: Services, tenant: str, code: str, slot: str, reason: str, actor: dict,
                           until: datetime | None = None) -> dict:
    """A (or B) leaves the post; the post's open tasks move to whoever covers now, each recorded on its case."""
    if slot not in ("A", "B"):
        raise ValidationFailed("请指定 A 岗或 B 岗", code="bad_slot")
    if not (reason or "").strip():
        raise ValidationFailed("请填写离岗原因（请假、会议、外出等）", code="reason_required")
    doc = await _post_doc(svc, tenant, code)
    post = casework.post_from_document(doc)
    holder = post.holder_a if slot == "A" else post.holder_b
    if not holder:
        raise ValidationFailed(f"该岗位没有{slot}岗人员", code="no_holder")
    now = svc.now()
    if post.is_away(holder, now):
        raise ValidationFailed("该人员已处于离岗状态", code="already_away")
    post = mark_away(post, holder, now, until, reason.strip())
    await svc.db.posts.update_one({"_id": doc["_id"]}, {"$set": {"absences": _absence_docs(post)}})
    await tenant_config.changed(svc, tenant, "org")
    moved = await hand_over_open_tasks(svc, tenant, post, await casework.staff_actor(svc, actor, "centre_manager"))
    await audit.record(svc, tenant, actor["id"], "post.away", {"post": code, "slot": slot, "reason": reason.strip(),
                                                               "handed_over": moved})
    return {"post": code, "handed_over": moved}


async def mark_holder_back(svc: Services, tenant: str, code: str, slot: str, actor: dict) -> dict:
    doc = await _post_doc(svc, tenant, code)
    post = casework.post_from_document(doc)
    holder = post.holder_a if slot == "A" else post.holder_b
    post = mark_back(post, holder, svc.now())
    await svc.db.posts.update_one({"_id": doc["_id"]}, {"$set": {"absences": _absence_docs(post)}})
    await tenant_config.changed(svc, tenant, "org")
    await audit.record(svc, tenant, actor["id"], "post.back", {"post": code, "slot": slot})
    return {"post": code}


async def hand_over_open_tasks(svc: Services, tenant: str, post, manager) -> int:
    """Each case with an open task at this post held by someone away or gone gets a TaskHandedOver
    step (AB岗顶岗, 调岗移交) decided by ``manager`` (a domain Actor)."""
    moved = 0
    queue = await work.read_prefix(svc.db, casework.task_key(tenant, post.department, ""))
    for task in [t for t in queue if t.get("post") == post.post_id]:
        handed: list[bool] = []

        def decide(case, _doc):
            step = cases.hand_over(case, post, manager, svc.now())
            handed[:] = [bool(step.events)]
            return step

        await casework.run(svc, tenant, task["number"], decide)
        moved += sum(handed)
    return moved
