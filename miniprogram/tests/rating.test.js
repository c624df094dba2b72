/**
 * 好差评 in the mini-program: rating a case on its progress page after each stage, a bad review's
 * rectification and its one appeal, and the published satisfaction results.
 */
const { render, settle, waitFor, tap, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { installFakeWx } = require('./helpers/fake-wx')
const { NUMBER, progressBody, ratingsBody, publishedBody } = require('./helpers/case-fixtures')

const BASE = `/api/v1/cases/${NUMBER}`

async function openCase(routes) {
  installFakeWx({ storage: { token: 'tok-1' } })
  wx.showToast = jest.fn()
  const api = installFakeApi(Object.assign({
    [`${BASE}/progress`]: { status: 200, body: progressBody() },
    [`${BASE}/ratings`]: { status: 200, body: ratingsBody() },
  }, routes))
  const page = render('pages/progress/progress')
  page.instance.onLoad({ number: NUMBER })
  const stage = () => page.querySelector('.progress__rating') && page.querySelector('.progress__rating').querySelector('.case-rating__stage')
  await waitFor(stage)
  return { page, api, rating: page.querySelector('.progress__rating') }
}

const posted = (api) => api.requests.filter((r) => r.method === 'POST' && r.path === `${BASE}/ratings`)

test('after acceptance the citizen rates the stage: five levels, reasons that fit the level, a note', async () => {
  let rated = false
  const { api, rating } = await openCase({
    [`${BASE}/ratings`]: (req) => {
      if (req.method === 'POST') { rated = true; return { status: 201, body: { level: '不满意' } } }
      if (!rated) return { status: 200, body: ratingsBody() }
      const body = ratingsBody()
      Object.assign(body.stages[0], { rated: true, can_rate: false,
        rating: { level: '不满意', score: 2, default: false },
        rectification: { status: 'open', status_label: '待整改', due_at: '2026-12-04T16:00:00+00:00', can_appeal: false } })
      return { status: 200, body }
    },
  })
  expect(textsOf(rating, '.case-rating__stage-title')).toEqual(['受理环节', '办结环节'])
  expect(textOf(rating.querySelector('.case-rating__note'))).toBe('请在 2026-12-05 10:00 前评价，逾期按默认评价计')
  expect(textsOf(rating, '.case-rating__stage')[1]).toContain('尚未办结，办结后可以评价')
  expect(textsOf(rating, '.case-rating__level')).toEqual(['非常满意', '满意', '基本满意', '不满意', '非常不满意'])

  await tap(rating.querySelector('.case-rating__submit'))
  expect(textOf(rating.querySelector('.case-rating__error'))).toBe('请先选择满意程度')
  expect(posted(api)).toHaveLength(0)

  await tap(rating.querySelectorAll('.case-rating__level')[3])
  expect(textOf(rating.querySelector('.case-rating__reasons-title'))).toBe('哪里做得不好（至少选一项或填写意见）')
  expect(textsOf(rating, '.case-rating__reason')).toEqual(['等候时间长', '多次跑腿', '服务态度差'])
  await tap(rating.querySelectorAll('.case-rating__reason')[0])
  rating.instance.onText({ detail: { value: '排队一个多小时' } })
  await tap(rating.querySelector('.case-rating__submit'))
  await waitFor(() => rating.querySelector('.case-rating__given'))
  const [sent] = posted(api)
  expect(sent.data).toEqual({ stage: 'accepted', level: 2, reasons: ['等候时间长'], text: '排队一个多小时' })
  expect(sent.header.Authorization).toBe('Bearer tok-1')
  expect(wx.showToast).toHaveBeenCalledWith({ title: '感谢您的评价', icon: 'success' })
  expect(textOf(rating.querySelector('.case-rating__given'))).toBe('您的评价：不满意')
  expect(textsOf(rating, '.case-rating__line')).toEqual(['差评整改：待整改', '整改期限：2026-12-05 00:00'])
})

test("the server's refusal (rated twice) is shown as it says", async () => {
  const { rating } = await openCase({
    [`${BASE}/ratings`]: (req) => (req.method === 'POST'
      ? { status: 409, body: { error: { code: 'already_rated', message: '该办件的“受理”环节已经评价过，不能重复评价' } } }
      : { status: 200, body: ratingsBody() }),
  })
  await tap(rating.querySelectorAll('.case-rating__level')[0])
  await tap(rating.querySelector('.case-rating__submit'))
  await waitFor(() => rating.querySelector('.case-rating__error'))
  expect(textOf(rating.querySelector('.case-rating__error'))).toBe('该办件的“受理”环节已经评价过，不能重复评价')
})

test('after the rectification callback the citizen may appeal once', async () => {
  const closed = ratingsBody()
  Object.assign(closed.stages[0], { rated: true, can_rate: false, rating: { level: '非常不满意', score: 1, default: false },
    rectification: { status: 'closed', status_label: '已办结', measures: '已组织服务礼仪培训', outcome_label: '群众仍不满意',
      can_appeal: true } })
  let appealed = null
  const { rating } = await openCase({
    [`${BASE}/ratings`]: { status: 200, body: closed },
    [`${BASE}/ratings/accepted/appeal`]: (req) => { appealed = req.data; return { status: 200, body: {} } },
  })
  expect(textsOf(rating, '.case-rating__line')).toEqual(['差评整改：已办结', '整改措施：已组织服务礼仪培训', '回访结果：群众仍不满意'])
  await tap(rating.querySelector('.case-rating__appeal'))
  await tap(rating.querySelector('.case-rating__appeal-submit'))
  expect(textOf(rating.querySelector('.case-rating__error'))).toBe('请填写申诉理由')
  rating.instance.onAppealText({ detail: { value: '只是口头道歉' } })
  await tap(rating.querySelector('.case-rating__appeal-submit'))
  await waitFor(() => appealed)
  expect(appealed).toEqual({ reason: '只是口头道歉' })
})

test('a default rating is marked as such, and a case that is not the citizen\'s shows no rating block', async () => {
  const defaulted = ratingsBody()
  Object.assign(defaulted.stages[0], { rated: true, can_rate: false, rating: { level: '满意', score: 4, default: true } })
  const { rating } = await openCase({ [`${BASE}/ratings`]: { status: 200, body: defaulted } })
  expect(textOf(rating.querySelector('.case-rating__given'))).toBe('您的评价：满意（逾期未评，默认评价）')

  installFakeWx({ storage: { token: 'tok-1' } })
  installFakeApi({
    [`${BASE}/progress`]: { status: 200, body: progressBody() },
    [`${BASE}/ratings`]: { status: 403, body: { error: { code: 'not_your_case', message: '只能评价本人的办件' } } },
  })
  const other = render('pages/progress/progress')
  other.instance.onLoad({ number: NUMBER })
  await waitFor(() => other.querySelector('.progress__item'))
  await settle(10)
  expect(other.querySelector('.progress__rating').querySelector('.case-rating__stage')).toBeUndefined()
})

test('the published results show the county, each window and department, period by period', async () => {
  installFakeWx({ storage: {} })
  const api = installFakeApi({
    '/api/v1/public/satisfaction': (req) => ({ status: 200, body: publishedBody(req.query.period || '2026H2') }),
  })
  const page = render('pages/results/results')
  page.instance.onLoad({})
  await waitFor(() => page.querySelector('.results__county'))
  expect(textOf(page.querySelector('.results__period'))).toBe('2026年下半年')
  expect(textOf(page.querySelector('.results__county'))).toBe('全县评价 120 次，满意率 96.7%')
  expect(textsOf(page, '.results__unit')).toEqual(['市场监管综合窗口 评价 60 次 · 满意率 95%', '紫阳县民政局 评价 40 次 · 满意率 100%'])
  expect(api.requests[0].header.Authorization).toBeUndefined()  // public: no sign-in
  await tap(page.querySelectorAll('.results__period-tag')[1])
  await waitFor(() => textOf(page.querySelector('.results__period') || page) === '2026年上半年')
  expect(api.requests[1].query).toEqual({ period: '2026H1' })
  expect(textOf(page.querySelector('.results__county'))).toBe('全县评价 120 次，满意率 90%')
})

test('before anything is published the results page says so', async () => {
  installFakeWx({ storage: {} })
  installFakeApi({ '/api/v1/public/satisfaction': { status: 200, body: { county: '紫阳县', periods: [], results: null } } })
  const page = render('pages/results/results')
  page.instance.onLoad({})
  await waitFor(() => page.querySelector('.results__empty'))
  expect(textOf(page.querySelector('.results__empty'))).toBe('暂无已公布的满意度结果')
})
