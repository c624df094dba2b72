"""Warning cards (预警卡): the names people read for each kind, level and status."""

KIND_LABELS = {"due_soon": "即将超期", "overdue": "超期未办结", "step_overdue": "审批环节超期",
               "acceptance_waiting": "网上申请超时未受理", "refused_without_reason": "不予受理/办理未说明理由",
               "fee_outside_standard": "收费不符合标准", "fee_wrong_case": "缴款单与办件不符",
               "exemption_unapproved": "减免未经批准", "rectification_due": "差评整改即将到期",
               "rectification_overdue": "差评整改超期"}
LEVEL_LABELS = {"yellow": "黄牌", "red": "红牌"}
STATUS_LABELS = {"open": "待处理", "acknowledged": "已签收", "closed": "已关闭"}
