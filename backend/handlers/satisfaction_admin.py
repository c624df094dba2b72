"""Satisfaction work over HTTP: bad-review rectification, survey-centre callbacks, results, publication, reports."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from backend.domain import satisfaction as sat
from backend.domain.clock import to_shanghai
from backend.handlers.base import CASE_NUMBER, APIHandler
from backend.handlers.operations import PUBLIC, Op, staff
from backend.services import rectification, satisfaction_results, survey

TAGS = ("好差评",)
STAGE = r"(?P<stage>[a-z]+)"
SAMPLE = r"(?P<sample>[0-9A-Za-z-]{1,20})"
PERIOD = r"(?P<period>[0-9A-Za-z]{1,10})"
READERS = staff("survey_centre", "supervisor", "centre_manager")
SURVEY = staff("survey_centre")


def _query(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "schema": {"type": "string"}, "description": description}


class MeasuresBody(BaseModel):
    measures: str = Field(title="整改措施", min_length=2, max_length=1000)


class VerifyBody(BaseModel):
    outcome: Literal["resolved", "unresolved", "unreachable"] = Field(
        title="回访结果", description="resolved 群众认可整改，unresolved 群众仍不满意，unreachable 联系不上")
    note: str = Field("", title="回访记录", max_length=500)


class AppealDecisionBody(BaseModel):
    upheld: bool = Field(title="申诉是否成立", description="true：重新整改；false：维持原结果")
    note: str = Field(title="复核意见", min_length=2, max_length=500)


class SampleBody(BaseModel):
    period: str = Field(title="统计期", description="半年：2026H1 或 2026H2", pattern=r"^[0-9]{4}[Hh][12]$")
    size: int | None = Field(None, title="每部门、每窗口抽样数", description="缺省为本县设置", ge=1, le=500)
    seed: str = Field("", title="随机种子", description="缺省时随机生成并记录", max_length=64, pattern=r"^[0-9A-Za-z-]*$")


class AttemptBody(BaseModel):
    outcome: Literal[tuple(survey.OUTCOMES)] = Field(title="拨打结果")  # type: ignore[valid-type]
    level: int | None = Field(None, title="评价等级", description="接通时必填：5 非常满意 … 1 非常不满意", ge=1, le=5)
    reasons: list[str] = Field(default_factory=list, title="评价理由", max_length=10)
    text: str = Field("", title="群众意见", max_length=300)
    note: str = Field("", title="回访员备注", max_length=300)


class ReportBody(BaseModel):
    period: str = Field(title="统计期", description="已结束的半年：2026H1 或 2026H2", pattern=r"^[0-9]{4}[Hh][12]$")


class BadReviewsHandler(APIHandler):
    """Bad reviews and their rectification: supervisors, managers and the survey centre see all, an approver their department's."""

    ops = {"get": Op("差评整改列表", TAGS, staff("supervisor", "centre_manager", "survey_centre", "dept_approver",
                                                 scope="department"),
                     parameters=(_query("status", "open 待整改、rectified 待回访、appealed 申诉复核中、closed 已办结"),
                                 _query("department", "部门代码")))}

    async def get(self) -> None:
        me = self.principal
        self.send_json(await rectification.list_tasks(self.svc, me["tenant"], me, self.get_query_argument("status", ""),
                                                      self.get_query_argument("department", "")))


class RectifyHandler(APIHandler):
    """The responsible department reports its rectification."""

    ops = {"post": Op("报送差评整改情况", TAGS, staff("dept_approver", "centre_manager", scope="department"), MeasuresBody,
                      errors=(404, 409))}

    async def post(self, number: str, stage: str) -> None:
        me = self.principal
        self.send_json(await rectification.rectify(self.svc, me["tenant"], number, stage, me, self.payload.measures))


class VerifyHandler(APIHandler):
    """The callback that verifies a rectification with the citizen."""

    ops = {"post": Op("差评整改回访核实（记录结果）", TAGS, staff("survey_centre", "centre_manager"), VerifyBody,
                      errors=(404, 409))}

    async def post(self, number: str, stage: str) -> None:
        me, body = self.principal, self.payload
        self.send_json(await rectification.callback(self.svc, me["tenant"], number, stage, me, body.outcome, body.note))


class AppealDecisionHandler(APIHandler):
    """A supervisor decides the citizen's appeal."""

    ops = {"post": Op("差评申诉复核", TAGS, staff("supervisor"), AppealDecisionBody, errors=(404, 409))}

    async def post(self, number: str, stage: str) -> None:
        me, body = self.principal, self.payload
        self.send_json(await rectification.decide_appeal(self.svc, me["tenant"], number, stage, me, body.upheld, body.note))


class SamplesHandler(APIHandler):
    """Callback samples: the list, and drawing one."""

    ops = {"get": Op("回访抽样列表", TAGS, READERS),
           "post": Op("抽取回访样本（按部门、窗口随机抽取已办结办件；记录数量与种子，可重抽验证）", TAGS, SURVEY, SampleBody,
                      {201: "已抽样"}, errors=(409,))}

    async def get(self) -> None:
        self.send_json(await survey.list_samples(self.svc, self.principal["tenant"]))

    async def post(self) -> None:
        me, body = self.principal, self.payload
        view, _ = await survey.draw(self.svc, me["tenant"], me, body.period, body.size, body.seed)
        self.send_json(view, 201)


class SampleHandler(APIHandler):
    """One sample with each drawn case's callback result."""

    ops = {"get": Op("回访样本及各办件回访结果", TAGS, READERS, errors=(404,))}

    async def get(self, sample: str) -> None:
        self.send_json(await survey.outcomes(self.svc, self.principal["tenant"], sample))


class RedrawHandler(APIHandler):
    """Draw a sample again from its seed (writes nothing)."""

    ops = {"get": Op("按记录的种子重新抽样并比对（不写入）", TAGS, READERS, errors=(404,))}

    async def get(self, sample: str) -> None:
        self.send_json(await survey.redraw(self.svc, self.principal["tenant"], sample))


class CallbacksHandler(APIHandler):
    """The callback queue with the script and masked phones."""

    ops = {"get": Op("待回访队列（含话术，电话脱敏）", TAGS, SURVEY, parameters=(_query("sample", "抽样编号"),))}

    async def get(self) -> None:
        self.send_json(await survey.queue(self.svc, self.principal["tenant"], self.get_query_argument("sample", "")))


class CallbackPhoneHandler(APIHandler):
    """The full phone number, for the caller (logged)."""

    ops = {"post": Op("查看回访对象完整电话（记入操作日志）", TAGS, SURVEY, errors=(404, 422))}

    async def post(self, sample: str, number: str) -> None:
        me = self.principal
        self.send_json(await survey.reveal_phone(self.svc, me["tenant"], sample, number, me))


class CallbackAttemptsHandler(APIHandler):
    """One call attempt and, when answered, the rating."""

    ops = {"post": Op("登记一次回访（三次未接通即为联系不上）", TAGS, SURVEY, AttemptBody, {201: "已登记"},
                      errors=(404, 409))}

    async def post(self, sample: str, number: str) -> None:
        me = self.principal
        self.send_json(await survey.attempt(self.svc, me["tenant"], sample, number, me, self.payload.model_dump()), 201)


class ResultsHandler(APIHandler):
    """Satisfaction per window, staff member, department and township, with the flags."""

    ops = {"get": Op("满意度结果（窗口、个人、部门、乡镇；预警标记；窗口考核得分）", TAGS, READERS,
                     parameters=(_query("period", "半年：2026H1 或 2026H2（缺省为本半年）"),), errors=(422,))}

    async def get(self) -> None:
        period = self.get_query_argument("period", "") or sat.half_year(to_shanghai(self.svc.now()).date())
        self.send_json(await satisfaction_results.results(self.svc, self.principal["tenant"], period))


class PublishHandler(APIHandler):
    """Publish a period's unit figures (once)."""

    ops = {"post": Op("公布本期满意度结果（每期一次，不含个人）", TAGS, SURVEY, answers={201: "已公布"}, errors=(409, 422))}

    async def post(self, period: str) -> None:
        me = self.principal
        self.send_json(await satisfaction_results.publish(self.svc, me["tenant"], period, me), 201)


class PublicResultsHandler(APIHandler):
    """The published results, for anyone."""

    ops = {"get": Op("已公布的满意度结果（公开）", TAGS, PUBLIC, errors=(404,),
                     parameters=(_query("tenant", "县区代码"), _query("period", "半年：2026H1 或 2026H2")))}

    async def get(self) -> None:
        self.send_json(await satisfaction_results.published(self.svc, self.tenant(), self.get_query_argument("period", "")))


class ReportsHandler(APIHandler):
    """Half-yearly summaries: the list, and generating one."""

    ops = {"get": Op("半年满意度测评报告列表", TAGS, READERS),
           "post": Op("生成半年满意度测评报告（每期一次，已有则返回）", TAGS, staff("survey_centre", "centre_manager"),
                      ReportBody, {201: "已生成", 200: "该期报告已存在"})}

    async def get(self) -> None:
        self.send_json(await satisfaction_results.list_reports(self.svc, self.principal["tenant"]))

    async def post(self) -> None:
        me = self.principal
        view, created = await satisfaction_results.generate_report(self.svc, me["tenant"], self.payload.period, me)
        self.send_json(view, 201 if created else 200)


class ReportDocumentHandler(APIHandler):
    """One stored summary as HTML or PDF."""

    ops = {"get": Op("下载半年满意度测评报告（HTML 或 PDF）", TAGS, READERS, errors=(404,), extra={"responses": {
        "200": {"description": "HTML 或 PDF", "content": {"text/html": {"schema": {"type": "string"}},
                                                           "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})}

    async def get(self, period: str, fmt: str) -> None:
        title, body = await satisfaction_results.report_body(self.svc, self.principal["tenant"], period, fmt)
        self.set_header("Content-Type", "application/pdf" if fmt == "pdf" else "text/html; charset=UTF-8")
        self.set_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(title)}.{fmt}")
        self.finish(body)


def default_handlers() -> list:
    review = rf"/api/v1/satisfaction/bad-reviews/{CASE_NUMBER}/{STAGE}"
    callback = rf"/api/v1/satisfaction/callbacks/{SAMPLE}/{CASE_NUMBER}"
    return [
        (r"/api/v1/satisfaction/bad-reviews", BadReviewsHandler),
        (review + "/rectify", RectifyHandler),
        (review + "/callback", VerifyHandler),
        (review + "/appeal-decision", AppealDecisionHandler),
        (r"/api/v1/satisfaction/samples", SamplesHandler),
        (rf"/api/v1/satisfaction/samples/{SAMPLE}", SampleHandler),
        (rf"/api/v1/satisfaction/samples/{SAMPLE}/redraw", RedrawHandler),
        (r"/api/v1/satisfaction/callbacks", CallbacksHandler),
        (callback + "/phone", CallbackPhoneHandler),
        (callback + "/attempts", CallbackAttemptsHandler),
        (r"/api/v1/satisfaction/results", ResultsHandler),
        (rf"/api/v1/satisfaction/results/{PERIOD}/publish", PublishHandler),
        (r"/api/v1/public/satisfaction", PublicResultsHandler),
        (r"/api/v1/satisfaction/reports", ReportsHandler),
        (rf"/api/v1/satisfaction/reports/{PERIOD}\.(?P<fmt>html|pdf)", ReportDocumentHandler),
    ]
