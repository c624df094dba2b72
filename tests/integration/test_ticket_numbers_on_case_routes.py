"""A hotline ticket's number shares the case numbering, but no case route treats it as a case:
each answers 404 (before: 500, "a case starts with CaseSubmitted as event 1")."""

import re

from backend.security_matrix import operations
from backend.services import accounts
from tests.integration.test_case_pipeline import staff


async def test_every_case_route_given_a_ticket_number_answers_404(api, seeded, svc):
    operator = await staff(api, "operator")
    ticket = (await operator.post("/api/v1/hotline/tickets", {
        "caller_phone": "13800001234", "type": "consult", "content": "营业执照怎么办", "channel": "phone"})).json["number"]
    admin = await staff(api, "admin")
    citizen = api.as_anonymous()
    citizen.token = await accounts.open_session(svc, "ziyang", "citizen", "o-ticket-citizen")
    values = {"number": ticket, "document": "receipt", "fmt": "html", "stage": "finished"}
    bodies = {"claim": {"query_code": "ABCDEF"}, "supplement": {"materials": ["照片"]}, "review-supplement": {"materials": ["照片"]},
              "decide-at-window": {"approve": True}, "pause": {"kind": "hearing", "reason": "听证"},
              "record-reply": {"approved": True, "reference": "陕政批〔2026〕1号"}, "refuse": {"reason": "不符合"},
              "reject": {"reason": "不符合"}, "withdraw": {"reason": "不办了"},
              "ratings": {"stage": "finished", "level": 5}, "appeal": {"reason": "整改没有落实"},
              "resend": {"notice": f"ziyang:{ticket}:2"}}
    answers = []
    for method, path, op in operations(api.app):
        if not path.startswith("/api/v1/cases/{number}"):
            continue
        caller = citizen if "citizen" in op.access.roles and len(op.access.roles) == 1 else admin
        url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)
        answer = await caller.request(method, url, bodies.get(path.rsplit("/", 1)[1], {}) if method == "POST" else None)
        answers.append((method, path, answer.status, answer.error.get("code")))
    assert len(answers) > 15
    assert all(status == 404 for _, _, status, _ in answers), [a for a in answers if a[2] != 404]
    progress = await api.as_anonymous().get(f"/api/v1/cases/{ticket}/progress?code=ABCDEF")
    unknown = await api.as_anonymous().get("/api/v1/cases/610924-20261123-99999/progress?code=ABCDEF")
    assert progress.error["message"] == unknown.error["message"] == "未找到该办件，请核对办件编号和查询码"
