const { render, settle, tap, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { facets, itemsPage, errorBody } = require('./helpers/fixtures')

/** 45 items of the market regulation bureau, served 20 per page. */
function marketItems(req) {
  const page = Number(req.query.page)
  const from = (page - 1) * 20 + 1
  return { status: 200, body: itemsPage({ from, count: Math.min(20, 45 - from + 1), total: 45, page }) }
}

function openCatalogue(routes, query = {}) {
  const api = installFakeApi(Object.assign({ '/api/v1/catalogue/facets': { status: 200, body: facets() } }, routes))
  wx.navigateTo = jest.fn()
  const page = render('pages/catalogue/catalogue')
  page.instance.onLoad(query)
  return { page, api }
}

test('the catalogue lists departments with how many items each handles', async () => {
  const { page } = openCatalogue({})
  await settle()
  expect(textsOf(page, '.catalogue__facet')).toEqual(['紫阳县市场监督管理局 45 项', '紫阳县公安局 30 项'])
})

test('the township tab lists towns and the topic tab lists life events and themes', async () => {
  const { page } = openCatalogue({})
  await settle()
  page.querySelector('.catalogue__tabs').instance.select('township')
  await settle()
  expect(textsOf(page, '.catalogue__facet')).toEqual(['城关镇 68 项', '蒿坪镇 68 项'])
  page.querySelector('.catalogue__tabs').instance.select('topic')
  await settle()
  const text = textOf(page)
  expect(text).toContain('人生事件')
  expect(text).toContain('生育收养 6 项')
  expect(text).toContain('主题服务')
  expect(text).toContain('市场准入 9 项')
})

test('tapping a department lists its items and the total', async () => {
  const { page, api } = openCatalogue({ '/api/v1/items': marketItems })
  await settle()
  await tap(page.querySelectorAll('.catalogue__facet')[0])
  await settle()
  expect(api.requests[1].query).toEqual({ department: 'scjgj', page: '1', page_size: '20' })
  const filterBar = textOf(page.querySelector('.catalogue__filter'))
  expect(filterBar).toContain('紫阳县市场监督管理局')
  expect(filterBar).toContain('共 45 项')
  const cards = textsOf(page, '.catalogue__item')
  expect(cards).toHaveLength(20)
  expect(cards[0]).toContain('测试事项1')
  expect(cards[0]).toContain('承诺 3个工作日')
  expect(cards[0]).toContain('法定 20个工作日')
})

test('reaching the bottom loads the next pages until everything is shown', async () => {
  const { page, api } = openCatalogue({ '/api/v1/items': marketItems })
  await settle()
  await tap(page.querySelectorAll('.catalogue__facet')[0])
  await settle()
  expect(textOf(page)).not.toContain('没有更多了')

  page.instance.onReachBottom()
  await settle()
  expect(api.requests[2].query.page).toBe('2')
  expect(textsOf(page, '.catalogue__item')).toHaveLength(40)

  page.instance.onReachBottom()
  await settle()
  const cards = textsOf(page, '.catalogue__item')
  expect(cards).toHaveLength(45)
  expect(cards[44]).toContain('测试事项45')
  expect(textOf(page)).toContain('没有更多了')

  page.instance.onReachBottom()
  await settle()
  expect(api.requests).toHaveLength(4) // facets + 3 pages, nothing more to ask for
})

test('a second scroll while a page is still loading asks for it only once', async () => {
  const { page, api } = openCatalogue({ '/api/v1/items': marketItems })
  await settle()
  await tap(page.querySelectorAll('.catalogue__facet')[0])
  await settle()
  page.instance.onReachBottom()
  page.instance.onReachBottom()
  await settle()
  expect(api.requests.filter((r) => r.query.page === '2')).toHaveLength(1)
  expect(textsOf(page, '.catalogue__item')).toHaveLength(40)
})

test('a filter with no items says so', async () => {
  const { page } = openCatalogue(
    { '/api/v1/items': { status: 200, body: { items: [], total: 0, page: 1, page_size: 20 } } },
    { township: 'jieling', label: '界岭镇' }
  )
  await settle()
  expect(textOf(page.querySelector('.catalogue__filter'))).toContain('界岭镇')
  expect(textOf(page)).toContain('暂无相关事项')
  expect(textsOf(page, '.catalogue__item')).toHaveLength(0)
})

test('when the facets cannot be loaded the reason is shown and retry recovers', async () => {
  let down = true
  const { page } = openCatalogue({
    '/api/v1/catalogue/facets': () => (down ? { fail: true } : { status: 200, body: facets() }),
  })
  await settle()
  expect(textOf(page)).toContain('网络连接失败，请检查网络后重试')
  down = false
  await tap(page.querySelector('.catalogue__retry'))
  await settle()
  expect(textsOf(page, '.catalogue__facet')).toHaveLength(2)
})

test('a failing next page keeps the items shown and offers a retry', async () => {
  let failPage2 = true
  const { page } = openCatalogue({
    '/api/v1/items': (req) => (req.query.page === '2' && failPage2
      ? { status: 500, body: errorBody('internal', '服务器开小差了') }
      : marketItems(req)),
  })
  await settle()
  await tap(page.querySelectorAll('.catalogue__facet')[0])
  await settle()
  page.instance.onReachBottom()
  await settle()
  expect(textOf(page)).toContain('服务器开小差了')
  expect(textsOf(page, '.catalogue__item')).toHaveLength(20)
  failPage2 = false
  await tap(page.querySelector('.catalogue__footer').querySelector('.list-footer__retry'))
  await settle()
  expect(textsOf(page, '.catalogue__item')).toHaveLength(40)
  expect(textOf(page)).not.toContain('服务器开小差了')
})

test('going back to the categories shows the departments again', async () => {
  const { page } = openCatalogue({ '/api/v1/items': marketItems })
  await settle()
  await tap(page.querySelectorAll('.catalogue__facet')[0])
  await settle()
  await tap(page.querySelector('.catalogue__back'))
  expect(textsOf(page, '.catalogue__item')).toHaveLength(0)
  expect(textsOf(page, '.catalogue__facet')).toHaveLength(2)
})
