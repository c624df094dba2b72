"""Request bodies of the case pipeline, each defined once: validation and the OpenAPI schema come from here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Text = str
FormValue = str | int | float | bool | None


class Body(BaseModel):
    """Fields not named are ignored; types are strict JSON types."""

    model_config = ConfigDict(extra="ignore")


class Applicant(Body):
    name: str = Field(title="申请人姓名或名称", min_length=1, max_length=100)
    id_number: str = Field("", title="申请人身份证号码", max_length=18)
    phone: str = Field("", title="申请人手机号码", max_length=11)


class Material(Body):
    name: str = Field(title="材料名称", min_length=1, max_length=200)
    file_id: str = Field("", title="上传文件编号", max_length=100)
    copies: int = Field(1, title="份数", ge=1, le=99)
    received: bool = Field(True, title="是否已收取")


class Delivery(Body):
    method: Literal["window", "post", "electronic"] = Field("window", title="送达方式")
    address: str = Field("", title="邮寄地址", max_length=200)


class SubmitBody(Body):
    """提交办件申请."""

    item_code: str = Field(title="办理事项", min_length=1, max_length=80)
    applicant: Applicant = Field(title="申请人")
    township: str = Field("", title="办理乡镇", max_length=40)
    form: dict[str, FormValue] = Field(default_factory=dict, title="申请表", max_length=60)
    materials: list[Material] = Field(default_factory=list, title="申请材料", max_length=100)
    delivery: Delivery = Field(default_factory=Delivery, title="送达")
    links: dict[str, str] = Field(default_factory=dict, title="关联信息", max_length=5)
    accept: bool = Field(False, title="当场受理", description="窗口人员登记后当场受理（并分派部门审批）")


class ClaimBody(Body):
    query_code: str = Field(title="查询码", min_length=1, max_length=20)


class NoticeBody(Body):
    notice: str = Field(title="通知编号（通知记录中的 id）", min_length=1, max_length=200)


class NoBody(Body):
    """No fields."""


class ReasonBody(Body):
    reason: str = Field(title="理由", min_length=1, max_length=500)


class OptionalReason(Body):
    reason: str = Field("", title="理由", max_length=500)


class SupplementBody(Body):
    materials: list[str] = Field(title="需补正的材料", min_length=1, max_length=50)
    reason: str = Field("", title="说明", max_length=500)


class ResubmitBody(Body):
    note: str = Field("", title="补正说明", max_length=500)
    materials: list[Material] = Field(default_factory=list, title="补正材料", max_length=50)


class DecideAtWindowBody(Body):
    approve: bool = Field(title="是否准予")
    reason: str = Field("", title="理由", max_length=500)


class OpinionBody(Body):
    opinion: str = Field("", title="审批意见", max_length=500)


class PauseBody(Body):
    kind: Literal["hearing", "expert_review", "inspection", "public_notice"] = Field(title="暂停类型")
    reason: str = Field(title="暂停理由", min_length=1, max_length=500)


class NoteBody(Body):
    note: str = Field("", title="说明", max_length=500)


class ReplyBody(Body):
    approved: bool = Field(title="上级是否批准")
    reference: str = Field(title="批复文号", min_length=1, max_length=100)
    reason: str = Field("", title="不予批准的理由", max_length=500)


class SendResultBody(Body):
    tracking_number: str = Field("", title="EMS运单号", max_length=40)
    reference: str = Field("", title="电子证照编号或文书链接", max_length=200)


class DeliveryBody(Body):
    received_by: str = Field("", title="领取人", max_length=50)


ACTION_BODIES: dict[str, type[Body]] = {
    "accept": NoBody, "reject": ReasonBody, "supplement": SupplementBody, "resubmit": ResubmitBody,
    "withdraw": OptionalReason, "dispatch": NoBody, "decide-at-window": DecideAtWindowBody, "approve": OpinionBody,
    "refuse": ReasonBody, "review-supplement": SupplementBody, "pause": PauseBody, "resume": NoteBody, "forward": NoteBody, "record-reply": ReplyBody,
    "send-result": SendResultBody, "confirm-delivery": DeliveryBody,
}
