"""The fee window over HTTP (一窗式收费): slips, bank payments, exemptions, refunds, WeChat Pay, reconciliation.

Every operation declares its access and body in ``ops``. No body carries an amount (see
``fee_bodies``): the slip's total is computed by the system and is the only amount ever recorded.
"""

from backend.domain.errors import Conflict, ValidationFailed
from backend.handlers import fee_bodies as bodies
from backend.handlers.base import APIHandler
from backend.handlers.documents import DocumentHandler, document_op
from backend.handlers.operations import Access, Op, roles, staff
from backend.integrations.wechatpay import notification_reply
from backend.reports import fee_documents
from backend.services import fee_exemptions, fee_online, fee_reconcile, fee_window, tenant_config, tenants

TAGS = ("一窗式收费",)
SLIP = r"(?P<slip>[0-9]{6}-[0-9]{8}-[0-9]{5,}-[0-9]{2})"
READERS = ("fee_window", "window_clerk", "centre_manager", "supervisor")
LEDGER_READERS = ("fee_window", "centre_manager", "supervisor")
SIGNED = Access(frozenset({"*"}), "signature")
STATUS = {"name": "status", "in": "query", "required": False, "schema": {"type": "string", "enum": ["open", "all"]},
          "description": "open：待处理（默认）；all：全部"}


class FindSlipHandler(APIHandler):
    """Find a slip by its number or by what its QR code holds."""

    ops = {"get": Op("查找缴款单（输入缴款单号或扫描二维码）", TAGS, staff(*READERS), answers={200: "缴款单"}, errors=(404, 422),
                     parameters=({"name": "q", "in": "query", "required": True, "schema": {"type": "string"},
                                  "description": "缴款单号或二维码内容"},))}

    async def get(self) -> None:
        self.send_json(await fee_window.find(self.svc, self.principal["tenant"], self.get_query_argument("q", "")))


class SlipHandler(APIHandler):
    """One slip with its settlement and the state of its case."""

    ops = {"get": Op("缴款单详情", TAGS, staff(*READERS), answers={200: "缴款单"}, errors=(404,))}

    async def get(self, slip: str) -> None:
        self.send_json(await fee_window.slip_with_case(self.svc, self.principal["tenant"], slip))


class OpenSlipsHandler(APIHandler):
    """Slips awaiting payment, or refunds owed."""

    ops = {"get": Op("待缴费的缴款单与待退费（kind=slips|refunds）", TAGS, staff(*LEDGER_READERS), answers={200: "列表"}, errors=(422,),
                     parameters=({"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["slips", "refunds"]}},))}

    async def get(self) -> None:
        kind = {"slips": "feeslip", "refunds": "refund"}.get(self.get_query_argument("kind", "slips"))
        if kind is None:
            raise ValidationFailed("列表类型（kind）只能是 slips（待缴费）或 refunds（待退费）", code="bad_kind")
        items = await fee_window.work_list(self.svc, self.principal["tenant"], kind)
        self.send_json({"items": items, "total": len(items)})


class PayHandler(APIHandler):
    """The bank window records a payment with the bank's reference; the amount is the slip's own."""

    ops = {"post": Op("银行窗口收款（登记银行交易流水号；金额即缴款单金额，不可输入）", TAGS, staff("fee_window"),
                      bodies.BankPaymentBody, {200: "已缴费的缴款单"}, (404, 409))}

    async def post(self, slip: str) -> None:
        me = self.principal
        self.send_json(await fee_window.pay_at_bank(self.svc, me["tenant"], me, slip, self.payload.reference))


class VoidHandler(APIHandler):
    """Void the slip in force (with the reason) and let the system issue the next one."""

    ops = {"post": Op("作废缴款单并由系统重新开具（须说明理由）", TAGS, staff("window_clerk", "centre_manager", scope="case"),
                      bodies.VoidBody, {200: "新开具的缴款单"}, (404, 409))}

    async def post(self, slip: str) -> None:
        me = self.principal
        self.send_json(await fee_window.void(self.svc, me["tenant"], me, slip, self.payload.reason, self.payload.inputs))


class ExemptionRequestHandler(APIHandler):
    """The window asks for an exemption where the standard allows it."""

    ops = {"post": Op("申请减免（仅限收费标准允许减免的，须说明理由）", TAGS, staff("window_clerk", scope="case"),
                      bodies.ExemptionBody, {201: "减免申请"}, (404, 409))}

    async def post(self, slip: str) -> None:
        me = self.principal
        self.send_json(await fee_exemptions.request(self.svc, me["tenant"], me, slip, self.payload.reason), status=201)


class ExemptionDecisionHandler(APIHandler):
    """A centre manager other than the requester approves or refuses an exemption."""

    ops = {"post": Op("审批减免（中心管理人员，不得审批本人申请）", TAGS, staff("centre_manager", scope="case"),
                      bodies.ExemptionDecisionBody, {200: "审批后的减免申请"}, (404, 409))}

    async def post(self, slip: str) -> None:
        me = self.principal
        self.send_json(await fee_exemptions.decide(self.svc, me["tenant"], me, slip, self.payload.approve, self.payload.note))


class ExemptionsHandler(APIHandler):
    """Exemption requests: the pending ones, or all with their decisions (for supervisors)."""

    ops = {"get": Op("减免申请列表", TAGS, staff("centre_manager", "supervisor", "window_clerk"), answers={200: "减免申请"},
                     parameters=(STATUS,))}

    async def get(self) -> None:
        pending = self.get_query_argument("status", "open") != "all"
        self.send_json(await fee_exemptions.listing(self.svc, self.principal["tenant"], pending))


class RefundHandler(APIHandler):
    """The fee window records a refund it paid out."""

    ops = {"post": Op("登记退费（银行交易流水号）", TAGS, staff("fee_window"), bodies.RefundBody, {200: "退费结果"}, (404, 409))}

    async def post(self, slip: str) -> None:
        me = self.principal
        self.send_json(await fee_window.complete_refund(self.svc, me["tenant"], me, slip, self.payload.reference))


class WeChatOrderHandler(APIHandler):
    """The applicant pays their slip with WeChat Pay from the mini-program."""

    ops = {"post": Op("微信支付下单（申请人本人的缴款单；返回 wx.requestPayment 参数）", TAGS, roles("citizen", scope="own"),
                      bodies.NoFeeBody, {200: "支付参数"}, (404, 409, 503))}

    async def post(self, slip: str) -> None:
        me = self.principal
        self.send_json(await fee_online.order(self.svc, me["tenant"], me, slip))


class WeChatNotifyHandler(APIHandler):
    """WeChat Pay's payment notification: believed only with its signature and the slip's exact amount."""

    raw_body = True
    ops = {"post": Op("微信支付结果通知（Wechatpay-Signature 平台证书签名，AES-256-GCM 加密）", TAGS, SIGNED,
                      answers={200: "已处理"}, errors=(400, 401, 404, 409, 422, 503))}

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "message", "") or "处理失败"
        self.set_status(getattr(exc, "status", status_code))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(notification_reply(False, message))

    async def post(self, tenant: str) -> None:
        await tenants.profile(self.svc, tenant)
        await fee_online.notified(self.svc, tenant, self.request.headers, self.request.body)
        self.send_json(notification_reply(True))


class SlipDocumentHandler(DocumentHandler):
    """The printed slip (缴款单) or the receipt of a paid one (缴费凭证), PDF."""

    ops = {"get": document_op("打印缴款单或缴费凭证（PDF，字号不小于 12 磅）", staff(*READERS), tags=TAGS, errors=(404, 409))}

    async def get(self, slip: str, document: str) -> None:
        me = self.principal
        view = await fee_window.slip_with_case(self.svc, me["tenant"], slip)
        county = (await tenant_config.org(self.svc, me["tenant"])).tenant
        if document == "receipt" and view["state"] != "paid":
            raise Conflict("缴款单尚未缴费，不能打印缴费凭证", code="slip_not_paid")
        maker = fee_documents.receipt_pdf if document == "receipt" else fee_documents.slip_pdf
        title = "缴费凭证" if document == "receipt" else "缴款单"
        await self.render_document("pdf", f"{title}-{slip}", lambda: "", lambda: maker(view, county))


class StatementHandler(APIHandler):
    """The daily statement (日结单) of one day."""

    ops = {"get": Op("收费日结单（开具、缴费、减免、作废、退费，按渠道）", TAGS, staff(*LEDGER_READERS), answers={200: "日结单"},
                     errors=(422,), parameters=({"name": "day", "in": "query", "required": True,
                                                 "schema": {"type": "string", "format": "date"}},))}

    async def get(self) -> None:
        day = self.get_query_argument("day", "")
        self.send_json(await fee_reconcile.daily_statement(self.svc, self.principal["tenant"], day))


class StatementImportHandler(APIHandler):
    """Import the bank's or WeChat Pay's statement file of one day and list every mismatch."""

    ops = {"post": Op("导入对账单（银行 CSV 或微信支付交易账单；任何一行有误则全部不导入）", TAGS, staff("fee_window"),
                      bodies.StatementBody, {201: "对账结果与差错"}, (409,))}

    async def post(self) -> None:
        me, body = self.principal, self.payload
        result = await fee_reconcile.import_statement(self.svc, me["tenant"], me, body.channel, body.day, body.content)
        self.send_json(result, status=201)


class MismatchesHandler(APIHandler):
    """Reconciliation mismatches: open ones, or all with their resolutions."""

    ops = {"get": Op("对账差错列表", TAGS, staff(*LEDGER_READERS), answers={200: "差错"}, parameters=(STATUS,))}

    async def get(self) -> None:
        open_only = self.get_query_argument("status", "open") != "all"
        self.send_json(await fee_reconcile.mismatches(self.svc, self.principal["tenant"], open_only))


class ResolveHandler(APIHandler):
    """The fee window resolves a mismatch with a recorded reason."""

    ops = {"post": Op("处理对账差错（须说明理由）", TAGS, staff("fee_window"), bodies.ResolveBody, {200: "已处理的差错"}, (404, 409))}

    async def post(self, mismatch_id: str) -> None:
        me = self.principal
        self.send_json(await fee_reconcile.resolve(self.svc, me["tenant"], me, mismatch_id, self.payload.reason))


def default_handlers() -> list:
    return [
        (r"/api/v1/fees/find", FindSlipHandler),
        (r"/api/v1/fees/open", OpenSlipsHandler),
        (rf"/api/v1/fees/slips/{SLIP}", SlipHandler),
        (rf"/api/v1/fees/slips/{SLIP}/pay", PayHandler),
        (rf"/api/v1/fees/slips/{SLIP}/void", VoidHandler),
        (rf"/api/v1/fees/slips/{SLIP}/exemption", ExemptionRequestHandler),
        (rf"/api/v1/fees/slips/{SLIP}/exemption/decide", ExemptionDecisionHandler),
        (rf"/api/v1/fees/slips/{SLIP}/refund", RefundHandler),
        (rf"/api/v1/fees/slips/{SLIP}/wechatpay", WeChatOrderHandler),
        (rf"/api/v1/fees/slips/{SLIP}/(?P<document>slip|receipt)\.pdf", SlipDocumentHandler),
        (r"/api/v1/fees/exemptions", ExemptionsHandler),
        (r"/api/v1/fees/wechatpay/notify/(?P<tenant>[A-Za-z_][A-Za-z0-9_]*)", WeChatNotifyHandler),
        (r"/api/v1/fees/statement", StatementHandler),
        (r"/api/v1/fees/statements", StatementImportHandler),
        (r"/api/v1/fees/mismatches", MismatchesHandler),
        (r"/api/v1/fees/mismatches/(?P<mismatch_id>[A-Za-z0-9_]+:[a-z]+:[0-9-]+:[0-9]+)/resolve", ResolveHandler),
    ]
