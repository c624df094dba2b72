"""A store that looks lived in: open and finished cases, a hotline ticket, uploads, cards, audit records.

Built over HTTP with the real services (tests of backup, restore and migration start from it).
"""

from __future__ import annotations

from backend.services import accounts, audit, supervision
from tests.integration.test_case_pipeline import staff, walk_in
from tests.integration.test_hotline_pipeline import act, register
from tests.integration.test_supervision import JOINT, PROMISED_1_DAY, sweep_now
from tests.integration.test_uploads import png_bytes, upload


async def fill(api, svc, clock) -> dict:
    """Cases in every stage, a ticket, two attached uploads, a red card and a checkpoint; their numbers."""
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "scjgj_a")
    files = []
    for size in ((24, 16), (300, 300)):
        answer = await upload(clerk, png_bytes(size, noisy=True), "image/png", "身份证.png")
        assert answer.status == 201, answer.json
        files.append(answer.json["id"])
    finished = (await walk_in(api, clerk, PROMISED_1_DAY, uploads=files[:1]))["number"]
    await approver.post(f"/api/v1/cases/{finished}/approve", {"opinion": "同意"})
    await clerk.post(f"/api/v1/cases/{finished}/confirm-delivery", {"received_by": "张三丰"})
    waiting = (await walk_in(api, clerk, PROMISED_1_DAY, uploads=files[1:]))["number"]
    joint = (await walk_in(api, clerk, JOINT))["number"]
    operator = await staff(api, "operator")
    ticket = (await register(operator, type="consult", content="请问县政务服务中心周末开不开门？"))["number"]
    await act(operator, ticket, "answer", {"source": "article", "id": "kb-hours"})
    await audit.record(svc, "ziyang", "admin", "backup.test", {"note": "审计记录"})
    clock.advance(days=5)
    await sweep_now(svc)
    assert await supervision.open_entries(svc, "ziyang")
    approver = await staff(api, "scjgj_a")  # sessions last hours, not days
    answer = await approver.post(f"/api/v1/cases/{joint}/approve", {"opinion": "同意"})  # journalled, not checkpointed
    assert answer.status == 200, answer.json
    await accounts.open_session(svc, "ziyang", "citizen", "openid-1")
    return {"finished": finished, "waiting": waiting, "joint": joint, "ticket": ticket, "files": files}
