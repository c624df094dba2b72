"""No one can set an amount: every fee route, as every caller, with amounts slipped into the body and the
query, writes no amount and settles nothing; and no fee request body even has a field for one."""

import re

from backend.handlers import fee_bodies
from backend.security_matrix import CALLERS, operations
from tests.integration.test_security_matrix import _callers, _fill, _resources, _writes

AMOUNTS = {"amount_fen": 1, "amount": 1, "total_fen": 1, "total": 1, "price": 1, "unit_fen": 1}
MONEY_WORDS = re.compile(r"amount|fen|total|price|money|金额|yuan", re.IGNORECASE)


def test_no_fee_request_body_has_a_field_for_an_amount():
    for model in (getattr(fee_bodies, name) for name in dir(fee_bodies)):
        if isinstance(model, type) and issubclass(model, fee_bodies.FeeBody):
            fields = set(model.model_json_schema().get("properties", {}))
            assert not {f for f in fields if MONEY_WORDS.search(f)}, model.__name__
            assert model.model_config.get("extra") == "forbid", model.__name__


async def test_every_fee_route_as_every_caller_refuses_an_amount_and_settles_nothing(api, seeded, svc):
    clients, values = await _callers(api, svc), await _resources(api)
    slip = values["slip"]
    before_slip = await svc.db.fee_slips.find_one({"_id": f"ziyang:{slip}"})
    body = {**AMOUNTS, "reference": "BK-AMOUNT-01", "reason": "改金额", "approve": True, "note": "",
            "inputs": {"房屋类型": "住宅"}, "channel": "bank", "day": "2026-11-23",
            "content": "交易日期,交易时间,银行流水号,缴款单号,金额\n"}
    walked, wrong = 0, []
    for method, path, op in operations(api.app):
        if "/fees/" not in path:
            continue
        url = _fill(path, values) + ("?amount_fen=1&total_fen=1" if method == "GET" else "")
        for caller in CALLERS:
            writes = _writes()
            answer = await clients[caller].request(method, url, body if method == "POST" else None)
            walked += 1
            if method == "POST" and answer.status < 400:
                wrong.append(f"{method} {path} as {caller}: {answer.status} (an amount was accepted)")
            if method == "GET" and _writes() != writes:
                wrong.append(f"GET {path} as {caller} wrote")
    assert walked >= len(CALLERS) * 10 and not wrong, "\n".join(wrong)
    assert await svc.db.fee_settlements.count_documents({}) == 0
    assert await svc.db.fee_slips.find_one({"_id": f"ziyang:{slip}"}) == before_slip
    assert await svc.db.fee_statements.count_documents({}) == 0
