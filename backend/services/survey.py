"""Survey-centre callbacks (社情民意调查中心回访): a reproducible random sample, a call queue, attempts.

A sample ``survey_samples/{tenant}:{id}`` draws up to ``size`` finished cases of a half year per
department and per window (:func:`backend.domain.satisfaction.draw_sample`) with a recorded ``seed``;
it also records the population's size and fingerprint, so anyone can draw it again from the seed
and see the same cases (:func:`redraw`). The half-yearly sample's id is the period (``2026H1``: the
insert decides, so the schedule and a person cannot both draw it); one drawn on demand adds a suffix.

Each drawn case waits in the working set ``work/{tenant}:callback:{sample}:{number}`` with the
citizen's phone masked; a caller may reveal it (audited). Every attempt is one inserted document
``survey_attempts/{tenant}:{sample}:{number}:{n}`` (n = 1, 2, 3: the insert decides, so two callers
cannot both log the same attempt); an answer records a rating (source ``survey``) and ends the
callback, and a third unanswered attempt ends it as 联系不上 (unreachable).
"""

from __future__ import annotations

import secrets
from datetime import date

from pymongo.errors import DuplicateKeyError

from backend.domain import satisfaction as sat
from backend.domain.errors import Conflict, NotFound, ValidationFailed
from backend.domain.identity import mask_name, mask_phone
from backend.domain.numbering import case_id
from backend.services import audit, rectification, supervision, tenant_config, vault
from backend.services.context import Services
from backend.store import snapshots, work

SAMPLES = "survey_samples"
ATTEMPTS = "survey_attempts"
MAX_ATTEMPTS = 3
OUTCOMES = {"answered": "已接通并评价", "no_answer": "无人接听", "busy": "占线", "powered_off": "关机/停机",
            "declined": "拒绝回访"}
SCRIPT = ("您好，这里是{county}社情民意调查中心，我们正在做政务服务满意度回访。您在{day}办理了“{item}”，"
          "想耽误您一分钟：您对这次办事的整体感受是非常满意、满意、基本满意、不满意，还是非常不满意？"
          "有什么意见或建议吗？感谢您的支持！")


def queue_key(tenant: str, sample: str, number: str) -> str:
    return work.key(tenant, "callback", sample, number)


async def population(svc: Services, tenant: str, period: str) -> list[sat.Finished]:
    """The cases finished in the half year (not withdrawn), from the finished-case summaries."""
    first, last = sat.period_range(period)
    docs = await supervision.finished_between(svc, tenant, first, last,
                                              {"number": 1, "departments": 1, "window_post": 1, "outcome": 1})
    return [sat.Finished(d["number"], tuple(d.get("departments") or ()), d.get("window_post") or "")
            for d in docs if d.get("outcome") != "withdrawn"]


def sample_view(doc: dict, done: dict | None = None) -> dict:
    out = {k: v for k, v in doc.items() if k not in ("_id", "tenant")}
    out["id"] = doc["sample"]
    out["period_label"] = sat.period_label(doc["period"])
    if done is not None:
        out["outcomes"] = done
    return out


async def draw(svc: Services, tenant: str, principal: dict, period: str, size: int | None = None,
               seed: str = "", *, scheduled: bool = False) -> tuple[dict, bool]:
    """Draw and store a sample (True), or return the half year's scheduled one already drawn (False)."""
    rules = sat.rules_from((await tenant_config.org(svc, tenant)).settings.get("satisfaction"))
    first, last = sat.period_range(period)
    period = sat.half_year(first)
    if last >= svc.now().date() and scheduled:
        raise ValidationFailed("半年期尚未结束", code="period_not_ended")
    size = rules.sample_size if size is None else size
    seed = seed or secrets.token_hex(8)
    cases = await population(svc, tenant, period)
    drawn = sat.draw_sample(cases, size, seed)
    if not drawn:
        raise ValidationFailed(f"{sat.period_label(period)}没有已办结的办件，无法抽样", code="empty_population")
    sample = period if scheduled else f"{period}-{seed[:8].lower()}"
    doc = {"_id": f"{tenant}:{sample}", "tenant": tenant, "sample": sample, "period": period, "seed": seed,
           "size": size, "population": len(cases), "population_digest": sat.population_digest(cases),
           "drawn": [{"number": n, "groups": g} for n, g in drawn.items()], "count": len(drawn),
           "created_at": svc.now(), "created_by": principal["id"], "scheduled": scheduled}
    try:
        await svc.db[SAMPLES].insert_one(doc)
    except DuplicateKeyError:
        if scheduled:
            return sample_view(await svc.db[SAMPLES].find_one({"_id": doc["_id"]})), False
        raise Conflict("该种子的抽样已存在，请换一个种子", code="sample_exists") from None
    await _queue(svc, tenant, sample, list(drawn))
    await audit.record(svc, tenant, principal["id"], "survey.sample_drawn",
                       {"sample": sample, "seed": seed, "size": size, "count": len(drawn)})
    return sample_view(doc), True


async def _queue(svc: Services, tenant: str, sample: str, numbers: list[str]) -> None:
    docs = await snapshots.read_many(svc.db.cases, [case_id(tenant, n) for n in numbers])
    summaries = {d["number"]: d for d in await svc.db[supervision.FINISHED].find(
        {"_id": {"$in": [f"{tenant}:{n}" for n in numbers]}}).to_list(None)}
    phones = await vault.reveal(svc, tenant, [d.get("applicant_phone", "") for d in docs.values()])
    changes = work.Changes()
    for number in numbers:
        app = docs.get(case_id(tenant, number)) or {}
        summary = summaries.get(number, {})
        changes.add(queue_key(tenant, sample, number), {
            "tenant": tenant, "sample": sample, "number": number, "item_name": summary.get("item_name", ""),
            "departments": summary.get("departments", []), "window_post": summary.get("window_post", ""),
            "window_staff_name": summary.get("window_staff_name", ""), "finished_day": summary.get("day", ""),
            "applicant": mask_name(app.get("applicant_name", "")),
            "phone_masked": mask_phone(phones.get(app.get("applicant_phone", ""), "")), "attempts": 0})
    await work.apply(svc.db, changes)


async def _sample(svc: Services, tenant: str, sample: str) -> dict:
    doc = await svc.db[SAMPLES].find_one({"_id": f"{tenant}:{sample}"})
    if doc is None:
        raise NotFound("未找到该抽样", code="sample_not_found")
    return doc


async def list_samples(svc: Services, tenant: str) -> dict:
    found = await svc.db[SAMPLES].find({"_id": work.prefix_range(f"{tenant}:")}, {"drawn": 0}).to_list(None)
    found.sort(key=lambda d: d["created_at"], reverse=True)
    return {"items": [sample_view(d) for d in found]}


async def redraw(svc: Services, tenant: str, sample: str) -> dict:
    """Draw the sample again from its recorded seed and size: the same cases when the population is the same."""
    doc = await _sample(svc, tenant, sample)
    cases = await population(svc, tenant, doc["period"])
    drawn = sat.draw_sample(cases, doc["size"], doc["seed"]) if cases else {}
    again = [{"number": n, "groups": g} for n, g in drawn.items()]
    return {"sample": sample, "seed": doc["seed"], "size": doc["size"],
            "same_population": sat.population_digest(cases) == doc["population_digest"],
            "identical": again == doc["drawn"], "drawn": again}


async def queue(svc: Services, tenant: str, sample: str = "") -> dict:
    """Callbacks still to make (the working set), with the script and masked phones."""
    prefix = work.key(tenant, "callback", *( [sample, ""] if sample else [""]))
    entries = await work.read_prefix(svc.db, prefix)
    county = (await tenant_config.org(svc, tenant)).tenant.get("name", "")
    names = (await tenant_config.org(svc, tenant)).department_names()
    items = []
    for e in sorted(entries, key=lambda d: (d["sample"], d["number"])):
        items.append({**{k: v for k, v in e.items() if k not in ("_id", "tenant")},
                      "department_names": [names.get(d, d) for d in e.get("departments", [])],
                      "script": SCRIPT.format(county=county, day=e.get("finished_day", ""), item=e.get("item_name", ""))})
    return {"items": items, "total": len(items), "outcomes": OUTCOMES, **_choices()}


def _choices() -> dict:
    return {"levels": [{"score": s, "label": label} for s, label in sat.LEVELS.items()],
            "good_reasons": list(sat.GOOD_REASONS), "bad_reasons": list(sat.BAD_REASONS)}


def _in_sample(doc: dict, number: str) -> None:
    if number not in {d["number"] for d in doc["drawn"]}:
        raise ValidationFailed("该办件不在本次抽样中，不能登记回访结果", code="not_in_sample")


async def reveal_phone(svc: Services, tenant: str, sample: str, number: str, principal: dict) -> dict:
    """The full phone number, for the caller only; every showing is in the audit log."""
    _in_sample(await _sample(svc, tenant, sample), number)
    case = await snapshots.read(svc.db.cases, case_id(tenant, number))
    phone = await vault.reveal_one(svc, tenant, (case or {}).get("applicant_phone", ""))
    await audit.record(svc, tenant, principal["id"], "survey.phone_shown", {"sample": sample, "number": number})
    return {"number": number, "phone": phone}


async def _attempts(svc: Services, tenant: str, sample: str, number: str) -> list[dict]:
    ids = [f"{tenant}:{sample}:{number}:{n}" for n in range(1, MAX_ATTEMPTS + 1)]
    return sorted(await svc.db[ATTEMPTS].find({"_id": {"$in": ids}}).to_list(None), key=lambda d: d["n"])


async def attempt(svc: Services, tenant: str, sample: str, number: str, principal: dict, body: dict) -> dict:
    """One call: its outcome, and the citizen's rating when they answered. Checked before anything is written."""
    doc = await _sample(svc, tenant, sample)
    _in_sample(doc, number)
    outcome = body["outcome"]
    if outcome == "answered":
        score, reasons, text = sat.check_rating(body.get("level"), body.get("reasons") or [], body.get("text", ""))
    elif body.get("level") is not None:
        raise ValidationFailed("未接通的回访不能登记评价等级", code="level_without_answer")
    before = await _attempts(svc, tenant, sample, number)
    if any(a["outcome"] == "answered" for a in before) or len(before) >= MAX_ATTEMPTS:
        raise Conflict("该办件的回访已结束", code="callback_finished")
    n = len(before) + 1
    final = outcome == "answered" or n == MAX_ATTEMPTS
    entry = {"_id": f"{tenant}:{sample}:{number}:{n}", "tenant": tenant, "sample": sample, "number": number, "n": n,
             "outcome": outcome, "note": body.get("note", ""), "by": principal["id"], "by_name": principal.get("name", ""),
             "at": svc.now(), "final": final,
             "result": "answered" if outcome == "answered" else ("unreachable" if final else "retry")}
    try:
        await svc.db[ATTEMPTS].insert_one(entry)
    except DuplicateKeyError:
        raise Conflict("这次回访刚被其他回访员登记，请刷新后再试", code="attempt_taken") from None
    if outcome == "answered":
        await _rate(svc, tenant, sample, number, score, reasons, text, principal)
    key = queue_key(tenant, sample, number)
    if final:
        await svc.db[work.WORK].delete_one({"_id": key})
    else:
        await svc.db[work.WORK].update_one({"_id": key}, {"$set": {"attempts": n, "last_outcome": outcome}})
    return {"number": number, "attempt": n, "outcome": outcome, "outcome_label": OUTCOMES[outcome],
            "result": entry["result"], "result_label": {"answered": "已评价", "unreachable": "三次未接通，联系不上",
                                                        "retry": f"可再拨打 {MAX_ATTEMPTS - n} 次"}[entry["result"]]}


async def _rate(svc: Services, tenant: str, sample: str, number: str, score: int, reasons: list, text: str,
                principal: dict) -> None:
    summary = await svc.db[supervision.FINISHED].find_one({"_id": f"{tenant}:{number}"}) or {}
    centre = summary.get("centre", "county")
    doc = {"_id": f"{tenant}:{number}:survey:{sample}", "tenant": tenant, "number": number, "stage": "callback",
           "source": "survey", "score": score, "level": sat.level_label(score), "reasons": reasons, "text": text,
           "default": False, "at": svc.now(), "item_code": summary.get("item_code", ""),
           "item_name": summary.get("item_name", ""), "kind": summary.get("kind", ""), "centre": centre,
           "rated_by": principal["id"], "post": summary.get("window_post", ""), "staff": summary.get("window_staff", ""),
           "staff_name": summary.get("window_staff_name", ""),
           "department": (summary.get("departments") or ["zwfw"])[0], "township": "" if centre == "county" else centre,
           "sample": sample}
    try:
        await svc.db.ratings.insert_one(doc)
    except DuplicateKeyError:
        stored = await svc.db.ratings.find_one({"_id": doc["_id"]})
        if stored is not None:  # its day copy, should a crash have come between the two
            await supervision.file_rating(svc, stored)
        return
    await supervision.file_rating(svc, doc)
    if sat.is_bad(score):
        rules = sat.rules_from((await tenant_config.org(svc, tenant)).settings.get("satisfaction"))
        await rectification.open_for(svc, doc, rules)


async def outcomes(svc: Services, tenant: str, sample: str) -> dict:
    """Each drawn case's callback result so far (attempts, final outcome)."""
    doc = await _sample(svc, tenant, sample)
    ids = [f"{tenant}:{sample}:{d['number']}:{n}" for d in doc["drawn"] for n in range(1, MAX_ATTEMPTS + 1)]
    attempts: dict[str, list] = {}
    for a in await svc.db[ATTEMPTS].find({"_id": {"$in": ids}}).to_list(None):
        attempts.setdefault(a["number"], []).append(a)
    rows = []
    for d in doc["drawn"]:
        mine = sorted(attempts.get(d["number"], []), key=lambda a: a["n"])
        result = mine[-1]["result"] if mine and mine[-1]["final"] else ("calling" if mine else "waiting")
        rows.append({"number": d["number"], "groups": d["groups"], "attempts": len(mine), "result": result})
    counts = {k: sum(r["result"] == k for r in rows) for k in ("answered", "unreachable", "calling", "waiting")}
    return {**sample_view(doc), "rows": rows, "counts": counts}


def today(svc: Services) -> date:
    return svc.now().date()
