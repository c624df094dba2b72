const { render, settle, tap } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { installFakeWx } = require('./helpers/fake-wx')
const { itemsPage, licenceGuide } = require('./helpers/fixtures')
const { NUMBER, QUERY_CODE, receiptLink } = require('./helpers/case-fixtures')

function openHome(wxOptions) {
  const wxFake = installFakeWx(wxOptions)
  installFakeApi({ '/api/v1/items': { status: 200, body: itemsPage({ count: 0, total: 0 }) } })
  const page = render('pages/home/home')
  page.instance.onLoad({})
  return { page, wxFake, entries: page.querySelectorAll('.home__entry') }
}

test('the my cases entry opens my cases', async () => {
  const { entries, wxFake } = openHome()
  await settle()
  await tap(entries[1])
  expect(wxFake.calls.navigateTo).toEqual(['/pages/cases/cases'])
})

test('scanning a receipt opens its progress with the number and query code', async () => {
  const { entries, wxFake } = openHome({ scan: receiptLink() })
  await settle()
  await tap(entries[2])
  await settle()
  expect(wxFake.calls.navigateTo).toEqual([`/pages/progress/progress?number=${NUMBER}&code=${QUERY_CODE}&source=scan`])
})

test('scanning another QR code says it is not a receipt; cancelling does nothing', async () => {
  const other = openHome({ scan: 'https://example.com/pay?id=1' })
  await settle()
  await tap(other.entries[2])
  await settle()
  expect(other.wxFake.calls.navigateTo).toEqual([])
  expect(other.wxFake.calls.toast).toEqual([{ title: '未识别到办件二维码，请扫描受理回执上的二维码', icon: 'none' }])

  const cancelled = openHome({ scan: null })
  await settle()
  await tap(cancelled.entries[2])
  await settle()
  expect(cancelled.wxFake.calls.navigateTo).toEqual([])
  expect(cancelled.wxFake.calls.toast).toEqual([])
})

test('the guide of an online item opens the application form', async () => {
  const wxFake = installFakeWx()
  const code = '610924-000105001001-01'
  installFakeApi({ [`/api/v1/items/${code}`]: { status: 200, body: licenceGuide() } })
  const page = render('pages/guide/guide')
  page.instance.onLoad({ code })
  await settle()
  await tap(page.querySelector('.guide__apply'))
  expect(wxFake.calls.navigateTo).toEqual([`/pages/apply/apply?code=${encodeURIComponent(code)}`])
})
