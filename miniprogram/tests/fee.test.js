const { render, settle, tap, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { installFakeWx } = require('./helpers/fake-wx')
const { errorBody } = require('./helpers/fixtures')
const { NUMBER, QUERY_CODE, progressBody } = require('./helpers/case-fixtures')

const BASE = `/api/v1/cases/${NUMBER}`
const SLIP = `${NUMBER}-01`
const PAYMENT = { timeStamp: '1764205200', nonceStr: 'n0nce', package: 'prepay_id=wx2811', signType: 'RSA', paySign: 'c2lnbg==' }

function slip(overrides = {}) {
  return Object.assign({
    slip: SLIP, number: NUMBER, item_name: '不动产转移登记', state: 'due', state_label: '待缴费', due_date: '2026-12-05',
    payer: '张*三', total_fen: 8000, total_yuan: '80.00', qr: `S365PAY:ziyang:${SLIP}`, problem: '', inputs: {},
    lines: [{ name: '不动产登记费', option: '住宅', unit: '件', unit_fen: 8000, quantity: 1, amount_fen: 8000,
      unit_yuan: '80.00', amount_yuan: '80.00', basis: '发改价格规定', exemption_allowed: true }],
  }, overrides)
}

const waiting = (fee) => progressBody({ state: 'awaiting_payment', state_label: '待缴费', fee })

function open(progressBodies, payOutcome, routes = {}) {
  const wxFake = installFakeWx({ storage: { token: 'tok-1' } })
  const payments = []
  wx.requestPayment = (opts) => {
    payments.push(opts)
    setTimeout(() => (payOutcome === 'ok' ? opts.success({ errMsg: 'requestPayment:ok' })
      : opts.fail({ errMsg: `requestPayment:fail ${payOutcome}` })), 0)
  }
  let reads = 0
  const api = installFakeApi(Object.assign({
    [`${BASE}/progress`]: () => ({ status: 200, body: progressBodies[Math.min(reads++, progressBodies.length - 1)] }),
    [`/api/v1/fees/slips/${SLIP}/wechatpay`]: { status: 200, body: { slip: SLIP, total_yuan: '80.00', payment: PAYMENT } },
  }, routes))
  const page = render('pages/progress/progress')
  page.instance.onLoad({ number: NUMBER })
  return { page, api, wxFake, payments }
}

test('the applicant sees the slip on the case page and pays it with WeChat Pay', async () => {
  const paid = progressBody({ state: 'in_review', state_label: '审批中', fee: slip({ state: 'paid', state_label: '已缴费' }) })
  const { page, api, payments, wxFake } = open([waiting(slip()), paid], 'ok')
  await settle()
  expect(textOf(page.querySelector('.progress__fee-state'))).toBe('缴费状态 待缴费')
  expect(textsOf(page, '.progress__fee-line')).toEqual(['不动产登记费（住宅） 1 件 80.00 元'])
  expect(textOf(page.querySelector('.progress__fee-total'))).toBe('应缴金额 80.00 元')
  expect(textOf(page.querySelector('.progress__pay'))).toBe('微信支付 80.00 元')
  await tap(page.querySelector('.progress__pay'))
  await settle()
  const order = api.requests.find((r) => r.path === `/api/v1/fees/slips/${SLIP}/wechatpay`)
  expect(order.method).toBe('POST')
  expect(order.data).toEqual({})  // no amount is ever sent: the server knows the slip's total
  expect(payments[0]).toMatchObject(PAYMENT)
  expect(wxFake.calls.toast[0].title).toBe('支付成功')
  expect(textOf(page.querySelector('.progress__fee-state'))).toBe('缴费状态 已缴费')
  expect(page.querySelector('.progress__pay')).toBeFalsy()
})

test('a cancelled payment says so and leaves the slip payable', async () => {
  const { page } = open([waiting(slip())], 'cancel')
  await settle()
  await tap(page.querySelector('.progress__pay'))
  await settle()
  expect(textOf(page.querySelector('.progress__action-error'))).toBe('已取消支付，可稍后再付或到银行收费窗口缴费')
  expect(page.querySelector('.progress__pay')).toBeTruthy()
})

test('the server refusing the order shows its Chinese message', async () => {
  const { page } = open([waiting(slip())], 'ok', {
    [`/api/v1/fees/slips/${SLIP}/wechatpay`]: { status: 409, body: errorBody('slip_voided', '该缴款单已作废，请使用新开具的缴款单') },
  })
  await settle()
  await tap(page.querySelector('.progress__pay'))
  await settle()
  expect(textOf(page.querySelector('.progress__action-error'))).toBe('该缴款单已作废，请使用新开具的缴款单')
})

test('a stranger with the query code sees only that the fee is due, without amounts or a pay button', async () => {
  installFakeWx({})
  installFakeApi({ [`${BASE}/progress`]: { status: 200, body: waiting({ slip: SLIP, state: 'due', state_label: '待缴费' }) } })
  const page = render('pages/progress/progress')
  page.instance.onLoad({ number: NUMBER, code: QUERY_CODE })
  await settle()
  expect(textOf(page.querySelector('.progress__fee-state'))).toBe('缴费状态 待缴费')
  expect(page.querySelector('.progress__fee-total')).toBeFalsy()
  expect(page.querySelector('.progress__pay')).toBeFalsy()
})
