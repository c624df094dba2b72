const simulate = require('miniprogram-simulate')
const { render, settle, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { itemsPage, itemSummary, errorBody } = require('./helpers/fixtures')
const config = require('../config')

const DEBOUNCE_PASSED = config.searchDebounceMs + 50

/** The server's best-first answer for "营业执照". */
function licenceResults(req) {
  const make = (n) => [
    itemSummary(1, { name: '个体工商户设立登记', promised_days: 1, statutory_days: 15, online: true }),
    itemSummary(2, { name: '农民专业合作社设立登记', kind: 'immediate', kind_label: '即办件', promised_days: 0, statutory_days: 15 }),
    itemSummary(3, { name: '营业执照遗失补领', kind: 'joint', kind_label: '联办件', promised_days: 5, statutory_days: 20 }),
  ][n - 1]
  if (req.query.q !== '营业执照') return { status: 200, body: { items: [], total: 0, page: 1, page_size: 20 } }
  return { status: 200, body: itemsPage({ count: 3, total: 3, make }) }
}

function openSearch(routes, query = {}) {
  const api = installFakeApi(routes)
  wx.navigateTo = jest.fn()
  const page = render('pages/search/search')
  page.instance.onLoad(query)
  return { page, api, box: page.querySelector('.search__box').instance }
}

test('typing waits for a pause and asks the server once, for the last words', async () => {
  const { api, box } = openSearch({ '/api/v1/items': licenceResults })
  box.type('营')
  box.type('营业')
  box.type('营业执照')
  await settle()
  expect(api.requests).toHaveLength(0)
  await simulate.sleep(DEBOUNCE_PASSED)
  await settle()
  expect(api.requests).toHaveLength(1)
  expect(api.requests[0].query).toEqual({ q: '营业执照', page: '1', page_size: '20' })
})

test('results keep the server order and show kind, promised and statutory days', async () => {
  const { page, box } = openSearch({ '/api/v1/items': licenceResults })
  box.type('营业执照')
  await simulate.sleep(DEBOUNCE_PASSED)
  await settle()
  const results = textsOf(page, '.search__result')
  expect(results.map((r) => r.split(' ')[0])).toEqual(['个体工商户设立登记', '农民专业合作社设立登记', '营业执照遗失补领'])
  expect(results[0]).toContain('承诺件')
  expect(results[0]).toContain('可网办')
  expect(results[0]).toContain('承诺 1个工作日')
  expect(results[0]).toContain('法定 15个工作日')
  expect(results[1]).toContain('即办件')
  expect(results[1]).toContain('承诺 即时办结')
  expect(results[2]).toContain('联办件')
  expect(textOf(page)).toContain('共 3 项')
})

test('opening the page with q searches at once and a result opens its guide', async () => {
  const { page, api } = openSearch({ '/api/v1/items': licenceResults }, { q: '营业执照' })
  await settle()
  expect(api.requests).toHaveLength(1)
  const first = page.querySelectorAll('.search__result')[0]
  first.querySelector('.item-card').querySelector('.t-cell').dispatchEvent('tap')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({
    url: `/pages/guide/guide?code=${encodeURIComponent('610924-000105001001-01')}`,
  })
})

test('the search key searches immediately without waiting', async () => {
  const { page, api, box } = openSearch({ '/api/v1/items': licenceResults })
  box.type('营业执照')
  box.submit()
  await settle()
  expect(api.requests).toHaveLength(1)
  expect(textsOf(page, '.search__result')).toHaveLength(3)
  await simulate.sleep(DEBOUNCE_PASSED)
  expect(api.requests).toHaveLength(1)
})

test('no match tells the person what was searched for', async () => {
  const { page } = openSearch({ '/api/v1/items': licenceResults }, { q: '造火箭' })
  await settle()
  expect(textOf(page)).toContain('没有找到与“造火箭”相关的事项')
})

test('an answer for older words never replaces the newer results', async () => {
  const slowFirst = (req) => Object.assign(licenceResults(req), { delay: req.query.q === '营业' ? 60 : 0 })
  const { page, box } = openSearch({ '/api/v1/items': slowFirst })
  box.type('营业')
  box.submit()
  box.type('营业执照')
  box.submit()
  await simulate.sleep(100)
  await settle()
  expect(textsOf(page, '.search__result')).toHaveLength(3)
  expect(textOf(page)).not.toContain('没有找到')
})

test('a server error is shown in Chinese', async () => {
  const { page } = openSearch(
    { '/api/v1/items': { status: 400, body: errorBody('validation_failed', '搜索词过长，请精简后重试') } },
    { q: '营业执照' }
  )
  await settle()
  expect(textOf(page)).toContain('搜索词过长，请精简后重试')
})

test('many results load page by page at the bottom', async () => {
  const { page, api } = openSearch({
    '/api/v1/items': (req) => ({
      status: 200,
      body: itemsPage({ from: (Number(req.query.page) - 1) * 20 + 1, count: req.query.page === '1' ? 20 : 5, total: 25 }),
    }),
  }, { q: '登记' })
  await settle()
  expect(textsOf(page, '.search__result')).toHaveLength(20)
  page.instance.onReachBottom()
  await settle()
  expect(api.requests[1].query).toEqual({ q: '登记', page: '2', page_size: '20' })
  expect(textsOf(page, '.search__result')).toHaveLength(25)
  expect(textOf(page)).toContain('没有更多了')
})

test('clearing the box removes the results and shows the hint again', async () => {
  const { page, box } = openSearch({ '/api/v1/items': licenceResults }, { q: '营业执照' })
  await settle()
  box.clear()
  await settle()
  expect(textsOf(page, '.search__result')).toHaveLength(0)
  expect(textOf(page)).toContain('拼音首字母')
})

test('an answer made only of similar items says so and marks each one 相近事项', async () => {
  const similar = (n) => itemSummary(n, { name: n === 1 ? '娱乐场所经营许可' : `相近${n}`, similar: true, similar_label: '相近事项' })
  const { page } = openSearch({
    '/api/v1/items': { status: 200, body: Object.assign(itemsPage({ count: 2, total: 2, make: similar }), { similar_total: 2 }) },
  }, { q: '开个歌厅' })
  await settle()
  expect(textOf(page.querySelector('.search__similar'))).toBe('没有找到完全符合的事项，以下是相近事项，请看看是否有您要办的')
  const results = textsOf(page, '.search__result')
  expect(results[0].split(' ')[0]).toBe('娱乐场所经营许可')
  expect(results.every((r) => r.includes('相近事项'))).toBe(true)
})

test('exact results carry no similar mark', async () => {
  const { page } = openSearch({ '/api/v1/items': licenceResults }, { q: '营业执照' })
  await settle()
  expect(page.querySelector('.search__similar')).toBeFalsy()
  expect(textsOf(page, '.search__result').some((r) => r.includes('相近事项'))).toBe(false)
})
