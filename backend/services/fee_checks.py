"""Fee supervision (违规收费监察) and the fee window's background work.

:func:`irregular_fees` is the supervision sweep's ``FEE_CHECKS`` entry. Every payment or exemption a
case records files a check timer (``fee_slips.on_step``), so the sweep looks at the case and raises a
red card for each of:

* ``fee_outside_standard``: a payment that differs from the slip, or a slip that differs from the
  fee standard of the item version applied to the facts it was issued on;
* ``fee_wrong_case``: a slip paid on a case it was not issued to;
* ``exemption_unapproved``: an exemption without a centre manager's approval of a request made by
  someone else.

:func:`fee_task` (``server.BACKGROUND_TASKS``) runs per tenant under the lease ``fees:{tenant}``: it
records on their cases the settlements a dead process left unrecorded, and asks WeChat Pay about
orders whose notification never came.
"""

from __future__ import annotations

import asyncio
import logging

from backend.domain import fees
from backend.domain.case_model import Case
from backend.domain.errors import DomainError, NotFound
from backend.services import catalog, fee_exemptions, fee_online, fee_slips, fee_window
from backend.services.context import Services
from backend.store import work
from backend.store.lease import Lease, run_for_each_tenant

log = logging.getLogger("sunshine.fees")


def _window_department(case: Case) -> str:
    return "zwfw" if case.app.centre == "county" else case.app.centre


def _card(case: Case, event, kind: str, scope: str, detail: str) -> dict:
    return {"scope": f"fee:{scope}", "level": "red", "kind": kind, "department": _window_department(case),
            "post": event.actor_post, "staff_id": event.actor_id if event.actor_role != "system" else "",
            "due_at": None, "detail": detail}


async def _expected_fen(svc: Services, case: Case, slip: dict) -> int | None:
    """The slip's total as the standard gives it for the facts the slip was issued on."""
    try:
        item = await catalog.item_version(svc, case.app.tenant, case.app.item_code, case.app.item_version)
        return fees.total_fen(fees.slip_lines(item.fees, slip.get("inputs") or {}))
    except (NotFound, DomainError):
        return None


async def _payment_cards(svc: Services, case: Case, event) -> list[dict]:
    slip_no, paid = event.data.get("slip", ""), event.data.get("amount_fen")
    try:
        slip = await fee_slips.slip_doc(svc, case.app.tenant, slip_no)
    except NotFound:
        slip = None
    if slip is None or slip["number"] != case.number or fees.case_number_of(slip_no) != case.number:
        return [_card(case, event, "fee_wrong_case", f"{slip_no}:case",
                      f"缴款单 {slip_no} 不是本办件开具的缴款单，却记入本办件缴费")]
    expected = await _expected_fen(svc, case, slip)
    if paid != slip["total_fen"] or expected != slip["total_fen"]:
        shown = fees.yuan(expected) if expected is not None else "无法计算"
        return [_card(case, event, "fee_outside_standard", f"{slip_no}:amount",
                      f"缴款单 {slip_no} 实收 {fees.yuan(paid or 0)} 元，按收费标准应收 {shown} 元")]
    return []


async def _exemption_cards(svc: Services, case: Case, event) -> list[dict]:
    slip_no = event.data.get("slip", "")
    approved = await fee_exemptions.approved_for(svc, case.app.tenant, slip_no)
    if (event.actor_role == fee_exemptions.APPROVER_ROLE and approved and approved["decided_by"] == event.actor_id
            and approved["requested_by"] != event.actor_id):
        return []
    return [_card(case, event, "exemption_unapproved", f"{slip_no}:exemption",
                  f"缴款单 {slip_no} 的减免没有经中心管理人员批准的申请")]


async def irregular_fees(svc: Services, case: Case, ctx) -> list[dict]:
    """``FEE_CHECKS``: card conditions (``CardSpec`` fields) for every irregular fee record of the case."""
    found: list[dict] = []
    for event in case.events:
        if event.type == "FeePaid":
            found += await _payment_cards(svc, case, event)
        elif event.type == "FeeExempted":
            found += await _exemption_cards(svc, case, event)
    return found


# -- background work ----------------------------------------------------------------------------

async def repair_settled(svc: Services, tenant: str) -> int:
    """Record on their cases the settlements of slips still listed as awaiting payment."""
    waiting = await work.read_prefix(svc.db, work.key(tenant, "feeslip", ""), {"slip": 1})
    if not waiting:
        return 0
    ids = [fee_slips.slip_id(tenant, w["slip"]) for w in waiting]
    settled = await svc.db[fee_slips.SETTLEMENTS].find({"_id": {"$in": ids}}).to_list(None)
    for settlement in settled:
        try:
            await fee_window.apply_settlement(svc, settlement)
        except DomainError as error:
            log.warning("settlement of %s not recorded: %s", settlement["slip"], error.message)
    return len(settled)


async def fee_round(svc: Services, tenant: str, lease: Lease | None = None) -> dict:
    counts = {"repaired": await repair_settled(svc, tenant)}
    if svc.settings.wechatpay_mchid:
        counts.update(await fee_online.query_missed(svc, tenant, svc.now()))
    return counts


async def fee_task(svc: Services, stop_event: asyncio.Event) -> None:
    """For ``server.BACKGROUND_TASKS``: every ``sweep_seconds``, per tenant, one round under ``fees:{tenant}``."""
    def round_for(tenant: str):
        async def one(lease: Lease) -> None:
            counts = await fee_round(svc, tenant, lease)
            if any(counts.values()):
                log.info("fee checks %s (token %s): %s", tenant, lease.token, counts)
        return one

    await run_for_each_tenant(svc, "fees", round_for, stop_event, float(svc.settings.sweep_seconds))
