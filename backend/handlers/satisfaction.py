"""Rating a case (好差评) over HTTP: the citizen in the mini-program, the window pad, the SMS link; the rules."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from backend.handlers.base import CASE_NUMBER, APIHandler
from backend.handlers.operations import Access, Op, roles, staff
from backend.services import rating_pads, satisfaction

TAGS = ("好差评",)
KEYED = Access(frozenset({"*"}), "key")  # anyone may call; the pad's token or the link's token decides
CITIZEN_OWN = roles("citizen", scope="own")
STAGE = r"(?P<stage>[a-z]+)"
PAD_TOKEN = {"name": "X-Pad-Token", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "评价器配对后取得的令牌"}


class RatingFields(BaseModel):
    level: int = Field(title="评价等级", description="5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意", ge=1, le=5)
    reasons: list[str] = Field(default_factory=list, title="评价理由", description="从理由清单中选择", max_length=10)
    text: str = Field("", title="评价内容", max_length=300)


class CitizenRatingBody(RatingFields):
    stage: Literal["accepted", "finished"] = Field(title="评价环节", description="accepted 受理，finished 办结")


class AppealBody(BaseModel):
    reason: str = Field(title="申诉理由", min_length=2, max_length=500)


class PairBody(BaseModel):
    code: str = Field(title="配对码", pattern=r"^[0-9]{6}$")
    tenant: str = Field("", title="县区代码", max_length=40)


class CallUpBody(BaseModel):
    number: str = Field(title="办件编号", pattern=r"^[0-9]{6}-[0-9]{8}-[0-9]{5,}$")


class PadRatingBody(RatingFields):
    number: str = Field(title="办件编号", pattern=r"^[0-9]{6}-[0-9]{8}-[0-9]{5,}$")


class StagesBody(BaseModel):
    immediate: list[Literal["accepted", "finished"]] = Field(title="即办件评价环节", max_length=2)
    promised: list[Literal["accepted", "finished"]] = Field(title="承诺件评价环节", max_length=2)
    joint: list[Literal["accepted", "finished"]] = Field(title="联办件评价环节", max_length=2)
    report_up: list[Literal["accepted", "finished"]] = Field(title="上报件评价环节", max_length=2)


class SettingsBody(BaseModel):
    stages: StagesBody = Field(title="评价环节")
    window_days: int = Field(7, title="评价期限（自然日）", ge=1, le=60)
    default_score: int = Field(4, title="逾期未评的默认等级", ge=1, le=5)
    rectify_days: int = Field(5, title="差评整改期限（工作日）", ge=1, le=30)
    unit_threshold: float = Field(0.75, title="单位满意率底线", gt=0, lt=1)
    staff_threshold: float = Field(0.80, title="个人满意率底线", gt=0, lt=1)
    sample_size: int = Field(10, title="每部门、每窗口回访抽样数", ge=1, le=500)


class CaseRatingsHandler(APIHandler):
    """The citizen's ratings of their case, stage by stage, and rating one stage."""

    ops = {"get": Op("我的办件评价（各评价环节、可否评价、评价期限、差评整改进度）", TAGS, CITIZEN_OWN, errors=(404,)),
           "post": Op("评价我的办件（一个环节只能评价一次）", TAGS, CITIZEN_OWN, CitizenRatingBody,
                      {201: "已评价"}, errors=(404, 409))}

    async def get(self, number: str) -> None:
        me = self.principal
        self.send_json(await satisfaction.citizen_stages(self.svc, me["tenant"], number, me))

    async def post(self, number: str) -> None:
        me = self.principal
        self.send_json(await satisfaction.rate_by_citizen(self.svc, me["tenant"], number, me, self.payload.model_dump()), 201)


class CaseAppealHandler(APIHandler):
    """The citizen appeals the outcome of a bad review's rectification (once)."""

    ops = {"post": Op("对差评整改结果申诉（每条差评限一次）", TAGS, CITIZEN_OWN, AppealBody, errors=(404, 409))}

    async def post(self, number: str, stage: str) -> None:
        me = self.principal
        self.send_json(await satisfaction.appeal_by_citizen(self.svc, me["tenant"], number, stage, me,
                                                            self.payload.reason))


class PadsHandler(APIHandler):
    """A pairing code for the clerk's window pad."""

    ops = {"post": Op("生成评价器配对码（本人窗口岗位，10 分钟内有效）", TAGS, staff("window_clerk", scope="own"),
                      answers={201: "配对码与评价器地址"}, errors=(409,))}

    async def post(self) -> None:
        self.send_json(await rating_pads.start_pairing(self.svc, self.principal), 201)


class PadPairHandler(APIHandler):
    """The pad exchanges its pairing code for its token."""

    ops = {"post": Op("评价器配对（以配对码换取令牌；错误过多须等待）", TAGS, KEYED, PairBody, errors=(404, 429))}
    opens_session = True  # a page of another site must not pair a pad

    async def post(self) -> None:
        body = self.payload
        self.send_json(await rating_pads.pair(self.svc, body.tenant or self.svc.settings.default_tenant, body.code,
                                                 self.request.remote_ip))


class PadCallUpHandler(APIHandler):
    """The clerk's screen shows the case just served on the window's pad."""

    ops = {"post": Op("在本窗口评价器上调出办件请群众评价", TAGS, staff("window_clerk", scope="centre"), CallUpBody,
                      errors=(404, 409))}

    async def post(self) -> None:
        self.send_json(await rating_pads.call_up(self.svc, self.principal, self.payload.number))


class PadHandler(APIHandler):
    """What the pad shows now."""

    ops = {"get": Op("评价器当前内容（凭评价器令牌）", TAGS, KEYED, errors=(401,), parameters=(PAD_TOKEN,))}

    async def get(self) -> None:
        pad = await rating_pads.pad_of(self.svc, self.request.headers.get("X-Pad-Token", ""))
        self.send_json(rating_pads.pad_view(pad))


class PadRatingsHandler(APIHandler):
    """The rating given on the pad."""

    ops = {"post": Op("评价器提交评价（凭评价器令牌）", TAGS, KEYED, PadRatingBody, {201: "已评价"},
                      errors=(401, 404, 409), parameters=(PAD_TOKEN,))}

    async def post(self) -> None:
        self.send_json(await rating_pads.rate(self.svc, self.request.headers.get("X-Pad-Token", ""),
                                              self.payload.model_dump()), 201)


class LinkHandler(APIHandler):
    """The short link sent by SMS: what it rates, and rating through it."""

    ops = {"get": Op("短信评价链接对应的办件与环节（凭链接令牌）", TAGS, KEYED, errors=(404,)),
           "post": Op("通过短信链接评价（凭链接令牌）", TAGS, KEYED, RatingFields, {201: "已评价"}, errors=(404, 409))}

    async def get(self, token: str) -> None:
        self.send_json(await satisfaction.link_view(self.svc, token))

    async def post(self, token: str) -> None:
        self.send_json(await satisfaction.rate_by_link(self.svc, token, self.payload.model_dump()), 201)


class SettingsHandler(APIHandler):
    """The county's rating rules."""

    ops = {"get": Op("好差评规则（评价环节、评价期限、默认评价、整改期限、满意率底线、抽样数）", TAGS,
                     staff("survey_centre", "centre_manager", "supervisor")),
           "put": Op("保存好差评规则", TAGS, staff("centre_manager"), SettingsBody)}

    async def get(self) -> None:
        self.send_json(await satisfaction.settings_view(self.svc, self.principal["tenant"]))

    async def put(self) -> None:
        me = self.principal
        self.send_json(await satisfaction.save_settings(self.svc, me["tenant"], me, self.payload.model_dump()))


def default_handlers() -> list:
    return [
        (rf"/api/v1/cases/{CASE_NUMBER}/ratings", CaseRatingsHandler),
        (rf"/api/v1/cases/{CASE_NUMBER}/ratings/{STAGE}/appeal", CaseAppealHandler),
        (r"/api/v1/satisfaction/pads", PadsHandler),
        (r"/api/v1/satisfaction/pads/pair", PadPairHandler),
        (r"/api/v1/satisfaction/pads/call-up", PadCallUpHandler),
        (r"/api/v1/satisfaction/pad", PadHandler),
        (r"/api/v1/satisfaction/pad/ratings", PadRatingsHandler),
        (r"/api/v1/satisfaction/links/(?P<token>[A-Za-z0-9_-]{1,40})", LinkHandler),
        (r"/api/v1/satisfaction/settings", SettingsHandler),
    ]
