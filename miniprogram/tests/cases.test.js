const { render, settle, tap, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { installFakeWx } = require('./helpers/fake-wx')
const { errorBody } = require('./helpers/fixtures')
const { caseSummary } = require('./helpers/case-fixtures')

/** 25 cases of the citizen, newest first, served by page. */
function myCases(req) {
  const page = Number(req.query.page)
  const size = Number(req.query.page_size)
  const items = []
  for (let n = (page - 1) * size + 1; n <= Math.min(page * size, 25); n += 1) {
    items.push(n === 2 ? caseSummary(n, { state: 'supplement_requested', state_label: '待补正' }) : caseSummary(n))
  }
  return { status: 200, body: { items, total: 25, page, page_size: size } }
}

function openCases(routes, wxOptions = { storage: { token: 'tok-1' } }) {
  const wxFake = installFakeWx(wxOptions)
  const api = installFakeApi(Object.assign({
    '/api/v1/my/cases': myCases,
    '/api/v1/citizen/login': { status: 200, body: { token: 'tok-new', citizen: {} } },
  }, routes))
  const page = render('pages/cases/cases')
  page.instance.onLoad({})
  return { page, api, wxFake }
}

test('my cases lists the first page with each state as a tag', async () => {
  const { page, api } = openCases({})
  await settle()
  expect(api.requests[0].query).toEqual({ page: '1', page_size: '20' })
  expect(api.requests[0].header.Authorization).toBe('Bearer tok-1')
  const rows = textsOf(page, '.cases__case')
  expect(rows).toHaveLength(20)
  expect(rows[0]).toBe('测试事项1 办件编号：610924-20261128-00001 提交时间：2026-11-28 09:05 审批中')
  expect(rows[1]).toContain('待补正')
  expect(textOf(page.querySelector('.cases__total'))).toBe('共 25 件')
  expect(textOf(page)).not.toContain('没有更多了')
})

test('reaching the bottom loads the next page once, then says there is no more', async () => {
  const { page, api } = openCases({})
  await settle()
  page.instance.onReachBottom()
  page.instance.onReachBottom()
  await settle()
  expect(api.requests.map((r) => r.query.page)).toEqual(['1', '2'])
  const rows = textsOf(page, '.cases__case')
  expect(rows).toHaveLength(25)
  expect(rows[24]).toContain('测试事项25')
  expect(textOf(page)).toContain('没有更多了')
  page.instance.onReachBottom()
  await settle()
  expect(api.requests).toHaveLength(2)
})

test('tapping a case opens its progress, with the query code this phone remembers', async () => {
  const { page, wxFake } = openCases({}, {
    storage: { token: 'tok-1', case_codes: { '610924-20261128-00002': '7KQ3MX9P' } },
  })
  await settle()
  await tap(page.querySelectorAll('.cases__case')[0])
  await tap(page.querySelectorAll('.cases__case')[1])
  expect(wxFake.calls.navigateTo).toEqual([
    '/pages/progress/progress?number=610924-20261128-00001',
    '/pages/progress/progress?number=610924-20261128-00002&code=7KQ3MX9P',
  ])
})

test('a citizen without cases is told how to apply', async () => {
  const { page } = openCases({ '/api/v1/my/cases': { status: 200, body: { items: [], total: 0, page: 1, page_size: 20 } } })
  await settle()
  expect(textOf(page)).toBe('您还没有办件，可在“办事指南”中在线申请')
})

test('a failing page shows the reason and retry loads it', async () => {
  let down = true
  const { page } = openCases({
    '/api/v1/my/cases': (req) => (down ? { status: 503, body: errorBody('unavailable', '系统维护中，请稍后再试') } : myCases(req)),
  })
  await settle()
  expect(textOf(page)).toContain('系统维护中，请稍后再试')
  down = false
  await tap(page.querySelector('.cases__footer').querySelector('.list-footer__retry'))
  await settle()
  expect(textsOf(page, '.cases__case')).toHaveLength(20)
})

test('coming back to the list shows the states as they are now', async () => {
  let state = ['in_review', '审批中']
  const { page } = openCases({
    '/api/v1/my/cases': () => ({
      status: 200, body: { items: [caseSummary(1, { state: state[0], state_label: state[1] })], total: 1, page: 1, page_size: 20 },
    }),
  })
  await settle()
  state = ['withdrawn', '已撤回']
  page.instance.onShow()
  await settle()
  expect(textsOf(page, '.cases__case')[0]).toContain('已撤回')
})
