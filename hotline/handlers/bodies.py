"""Request bodies of the hotline API, each defined once: validation and the OpenAPI schema come from here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.handlers.case_bodies import Applicant, FormValue, Material

TicketType = Literal["consult", "help", "complaint", "report", "suggestion", "application"]
Satisfaction = Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Location(Body):
    lat: float | None = Field(None, title="纬度", ge=-90, le=90)
    lng: float | None = Field(None, title="经度", ge=-180, le=180)
    address: str = Field("", title="地址", max_length=200)


class RegisterBody(Body):
    """受理登记."""

    caller_phone: str = Field(title="来电号码", min_length=1, max_length=30)
    caller_name: str = Field("", title="来电人", max_length=50)
    type: TicketType = Field(title="诉求类型")
    content: str = Field(title="诉求内容", min_length=1, max_length=2000)
    township: str = Field("", title="乡镇", max_length=40)
    village: str = Field("", title="村（社区）", max_length=50)
    urgency: Literal["normal", "urgent"] = Field("normal", title="紧急程度")
    channel: Literal["phone", "miniprogram", "officer", "open311", "web"] = Field("phone", title="渠道")
    call_id: str = Field("", title="通话编号", max_length=100)
    photos: list[str] = Field(default_factory=list, title="照片", max_length=9)
    location: Location = Field(default_factory=Location, title="位置")
    service_code: str = Field("", title="服务代码", max_length=50)


class DispatchBody(Body):
    department: str = Field("", title="承办部门", max_length=40)
    township: str = Field("", title="承办乡镇", max_length=40)
    note: str = Field("", title="派单说明", max_length=500)


class ReasonBody(Body):
    reason: str = Field(title="理由", min_length=1, max_length=2000)


class ReplyBody(Body):
    text: str = Field(title="答复内容", min_length=1, max_length=2000)


class NoteBody(Body):
    note: str = Field("", title="说明", max_length=2000)


class AnswerBody(Body):
    source: Literal["article", "guide"] = Field("article", title="依据来源")
    id: str = Field(title="文章或事项编码", min_length=1, max_length=100)
    note: str = Field("", title="答复说明", max_length=500)


class ConvertBody(Body):
    item_code: str = Field(title="办理事项", min_length=1, max_length=80)
    township: str = Field("", title="办理乡镇", max_length=40)
    applicant: Applicant | None = Field(None, title="申请人")
    form: dict[str, FormValue] = Field(default_factory=dict, title="申请表", max_length=60)
    materials: list[Material] = Field(default_factory=list, title="申请材料", max_length=100)


class CallbackBody(Body):
    satisfaction: Satisfaction | Literal[""] = Field("", title="满意度")
    note: str = Field("", title="回访记录", max_length=2000)


ACTION_BODIES: dict[str, type[Body]] = {
    "answer": AnswerBody, "dispatch": DispatchBody, "return": ReasonBody, "reply": ReplyBody, "accept-reply": NoteBody,
    "send-back": ReasonBody, "supervise": NoteBody, "convert": ConvertBody, "callback": CallbackBody, "close": NoteBody,
}


class SuggestBody(Body):
    text: str = Field(title="诉求内容", min_length=1, max_length=2000)


class CorrectionBody(Body):
    text: str = Field(title="诉求内容", min_length=1, max_length=2000)
    department: str = Field(title="正确的承办部门", min_length=1, max_length=40)
    township: str = Field("", title="乡镇", max_length=40)
    type: str = Field("", title="诉求类型", max_length=20)


class Seat(Body):
    seat: str = Field(title="坐席", min_length=1, max_length=20)
    operator: str = Field(title="话务员", min_length=1, max_length=64)


class ShiftBody(Body):
    name: str = Field("", title="班次名称", max_length=50)
    start: str = Field(title="开始时间", min_length=1, max_length=40)
    end: str = Field(title="结束时间", min_length=1, max_length=40)
    seats: list[Seat] = Field(title="坐席", min_length=1, max_length=100)


class NoteOfShiftBody(Body):
    text: str = Field(title="交接内容", min_length=1, max_length=5000)
    tickets: list[str] = Field(default_factory=list, title="相关工单", max_length=100)


class CallTicketBody(BaseModel):
    type: TicketType = Field(title="诉求类型")
    content: str = Field(title="诉求内容", min_length=1, max_length=2000)
    caller_phone: str = Field("", title="来电号码", max_length=30)
    caller_name: str = Field("", title="来电人", max_length=50)
    township: str = Field("", title="乡镇", max_length=40)
    urgency: Literal["normal", "urgent"] = Field("normal", title="紧急程度")


class MessageBody(BaseModel):
    content: str = Field(title="留言内容", min_length=1, max_length=2000)
    phone: str = Field(title="联系电话", min_length=1, max_length=30)
    township: str = Field("", title="乡镇", max_length=40)
    type: TicketType | Literal[""] = Field("", title="诉求类型")
    photos: list[str] = Field(default_factory=list, title="照片", max_length=9)
    location: Location = Field(default_factory=Location, title="位置")
