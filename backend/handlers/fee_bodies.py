"""Request bodies of the fee window, each defined once. None of them has an amount: the system computes
every amount from the fee standard, and an unknown field (``amount_fen`` included) is refused."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FeeBody(BaseModel):
    """Strict: a field the operation does not name is an error, so no one can slip an amount in."""

    model_config = ConfigDict(extra="forbid")


class NoFeeBody(FeeBody):
    """No fields."""


class BankPaymentBody(FeeBody):
    reference: str = Field(title="银行交易流水号", min_length=1, max_length=64,
                           json_schema_extra={"x-error-code": "reference_required"})


class VoidBody(FeeBody):
    reason: str = Field(title="作废理由", min_length=1, max_length=500, json_schema_extra={"x-error-code": "reason_required"})
    inputs: dict[str, str] = Field(default_factory=dict, title="更正的计费信息", max_length=10,
                                   description="收费标准所列的申请信息（如“房屋类型”），用于重新开具；不含金额")


class ExemptionBody(FeeBody):
    reason: str = Field(title="减免理由", min_length=1, max_length=500, json_schema_extra={"x-error-code": "reason_required"})


class ExemptionDecisionBody(FeeBody):
    approve: bool = Field(title="是否批准")
    note: str = Field("", title="审批意见", max_length=500)


class RefundBody(FeeBody):
    reference: str = Field(title="退费银行交易流水号", min_length=1, max_length=64,
                           json_schema_extra={"x-error-code": "reference_required"})


class StatementBody(FeeBody):
    channel: Literal["bank", "wechat"] = Field(title="对账渠道")
    day: str = Field(title="对账日期", pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"x-error-code": "invalid_date"})
    content: str = Field(title="对账单内容（CSV 文本）", min_length=1, max_length=900_000)


class ResolveBody(FeeBody):
    reason: str = Field(title="处理说明", min_length=1, max_length=500, json_schema_extra={"x-error-code": "reason_required"})
