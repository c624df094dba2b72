const { render, settle, tap, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { itemsPage, itemSummary, errorBody } = require('./helpers/fixtures')

function openHome(routes) {
  const api = installFakeApi(routes)
  wx.navigateTo = jest.fn()
  wx.showToast = jest.fn()
  const page = render('pages/home/home')
  page.instance.onLoad({})
  return { page, api }
}

const popularRoute = {
  '/api/v1/items': itemsPageAnswer(),
}

function itemsPageAnswer() {
  const make = (n) => itemSummary(n, n === 1 ? { name: '居民身份证申领', kind: 'immediate', kind_label: '即办件', promised_days: 0 } : {})
  return { status: 200, body: itemsPage({ count: 2, total: 2, make }) }
}

test('home shows the title, the four entries and the hot keywords', async () => {
  const { page } = openHome(popularRoute)
  await settle()
  const text = textOf(page)
  expect(text).toContain('阳光365')
  expect(textsOf(page, '.home__entry')).toEqual(['办事指南', '我的办件', '扫码查件', '热线留言'])
  expect(text).toContain('营业执照')
  expect(text).toContain('搜索事项')
})

test('home lists popular items with their kind and promised days', async () => {
  const { page, api } = openHome(popularRoute)
  await settle()
  expect(api.requests[0].query).toEqual({ page: '1', page_size: '6' })
  const cards = textsOf(page, '.home__popular')
  expect(cards).toHaveLength(2)
  expect(cards[0]).toContain('居民身份证申领')
  expect(cards[0]).toContain('即办件')
  expect(cards[0]).toContain('即时办结')
})

test('submitting the search box opens the search page with the words typed', async () => {
  const { page } = openHome(popularRoute)
  await settle()
  const box = page.querySelector('.home__search-box')
  box.instance.type(' 营业执照 ')
  box.instance.submit()
  expect(wx.navigateTo).toHaveBeenCalledWith({
    url: `/pages/search/search?q=${encodeURIComponent('营业执照')}`,
  })
})

test('tapping a hot keyword searches for it', async () => {
  const { page } = openHome(popularRoute)
  await settle()
  await tap(page.querySelectorAll('.home__hot-keyword')[1])
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: `/pages/search/search?q=${encodeURIComponent('身份证')}` })
})

test('the guide entry opens the catalogue and the hotline entry opens the message page', async () => {
  const { page } = openHome(popularRoute)
  await settle()
  const entries = page.querySelectorAll('.home__entry')
  await tap(entries[0])
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/catalogue/catalogue' })
  await tap(entries[3])
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/message/message' })
})

test('a failing server shows its Chinese message and retry loads the popular items', async () => {
  let fail = true
  const { page } = openHome({
    '/api/v1/items': () => (fail ? { status: 503, body: errorBody('unavailable', '系统维护中，请稍后再试') } : itemsPageAnswer()),
  })
  await settle()
  expect(textOf(page)).toContain('系统维护中，请稍后再试')
  fail = false
  await tap(page.querySelector('.home__popular-footer').querySelector('.list-footer__retry'))
  await settle()
  expect(textOf(page)).not.toContain('系统维护中')
  expect(textsOf(page, '.home__popular')).toHaveLength(2)
})
