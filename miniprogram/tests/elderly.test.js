/**
 * 长辈模式 (elderly mode) on every page: the switch on the home page is remembered on the device, every page
 * (and the components inside it) then renders with the `elder` class, every text size we set is at least 1.5x,
 * TDesign's own type tokens are at least 1.5x TDesign's defaults and its touch targets at least 48px.
 */
const fs = require('fs')
const path = require('path')
// Several pages share components (item-card, list-footer); miniprogram-simulate registers a component's
// Component() call once per module registry, so each page gets fresh modules (see freshModules).
let render, waitFor, tap, textOf, installFakeApi, installFakeWx
function freshModules() {
  jest.resetModules()
  ;({ render, waitFor, tap, textOf } = require('./helpers/render'))
  ;({ installFakeApi } = require('./helpers/fake-api'))
  ;({ installFakeWx } = require('./helpers/fake-wx'))
}
const { itemsPage, licenceGuide, facets } = require('./helpers/fixtures')
const { NUMBER, QUERY_CODE, progressBody, caseSummary, tenantBody, ratingsBody, publishedBody } = require('./helpers/case-fixtures')

const ROOT = path.resolve(__dirname, '..')
const GUIDE = licenceGuide()
const ROUTES = {
  '/api/v1/items': { status: 200, body: itemsPage({ count: 3, total: 3 }) },
  [`/api/v1/items/${GUIDE.code}`]: { status: 200, body: GUIDE },
  '/api/v1/catalogue/facets': { status: 200, body: facets() },
  '/api/v1/tenant': { status: 200, body: tenantBody() },
  '/api/v1/citizen/login': { status: 200, body: { token: 'tok-new', citizen: {} } },
  '/api/v1/my/cases': { status: 200, body: { items: [caseSummary(1), caseSummary(2)], total: 2, page: 1, page_size: 20 } },
  [`/api/v1/cases/${NUMBER}/progress`]: { status: 200, body: progressBody() },
  '/api/v1/hotline/messages': { status: 200, body: { items: [] } },
  [`/api/v1/cases/${NUMBER}/ratings`]: { status: 200, body: ratingsBody() },
  '/api/v1/public/satisfaction': { status: 200, body: publishedBody() },
}
/** Each page of app.json, opened the way the mini-program opens it, with what must show once loaded. */
const PAGES = {
  'pages/home/home': { options: {}, ready: '.home__popular' },
  'pages/catalogue/catalogue': { options: {}, ready: '.catalogue__facet' },
  'pages/search/search': { options: { q: '营业执照' }, ready: '.search__result' },
  'pages/guide/guide': { options: { code: GUIDE.code }, ready: '.guide__name' },
  'pages/apply/apply': { options: { code: GUIDE.code }, ready: '.apply__material' },
  'pages/cases/cases': { options: {}, ready: '.cases__case' },
  'pages/progress/progress': { options: { number: NUMBER, code: QUERY_CODE }, ready: '.progress__item' },
  'pages/message/message': { options: {}, ready: '.message__intro' },
  'pages/results/results': { options: {}, ready: '.results__county' },
}

async function open(pagePath, elderly) {
  installFakeWx({ storage: { token: 'tok-1', elderly_mode: elderly } })
  installFakeApi(ROUTES)
  wx.makePhoneCall = jest.fn()
  const page = render(pagePath)
  page.instance.onLoad(PAGES[pagePath].options)
  await waitFor(() => page.querySelector(PAGES[pagePath].ready))
  return page
}

const px = (value) => parseFloat(String(value).trim()) || 0
const rootOf = (page) => page.dom.firstElementChild

/** Font size (px) of every element whose size our styles set, keyed by its classes (mode class left out). */
function fontSizes(page) {
  const sizes = {}
  const seen = {}
  page.dom.querySelectorAll('*').forEach((el) => {
    const key = String(el.className).split(/\s+/).filter((c) => c && !/elder$/.test(c)).sort().join('.')
    if (!key) return
    seen[key] = (seen[key] || 0) + 1
    const size = px(getComputedStyle(el).fontSize)
    if (size) sizes[`${key}#${seen[key]}`] = size
  })
  return sizes
}

/** TDesign's default size of a type token, read from the installed tdesign-miniprogram theme. */
function tdesignDefault(sizeToken) {
  const theme = path.join(ROOT, 'node_modules/tdesign-miniprogram/miniprogram_dist/common/style/theme/_font.wxss')
  const match = fs.readFileSync(theme, 'utf8').match(new RegExp(`--td-font-size-${sizeToken}:(\\d+)rpx`))
  return Number(match[1])
}

const TYPE_TOKENS = {  // our token -> TDesign's size token it replaces
  'font-body-large': 'body-large', 'font-body-medium': 'body-medium', 'font-body-small': 'body-small',
  'font-body-extraSmall': 'body-extraSmall', 'font-mark-large': 'mark-large', 'font-mark-medium': 'mark-medium',
  'font-size-m': 'title-medium', 'font-size-base': 'title-small', 'font-size-s': 'body-small',
}
const TOUCH_TOKENS = ['button-small-height', 'button-extra-small-height']
// The MIIT 适老化 app guideline (2021) asks 60x60 of the main controls of an elderly interface.
const MAIN_TOUCH_TOKENS = ['button-large-height', 'button-medium-height', 'search-height', 'tab-item-height', 'switch-height']

beforeEach(freshModules)

describe.each(Object.keys(PAGES))('%s in 长辈模式', (pagePath) => {
  test('renders with the elder class, and every text size we set is at least 1.5 times larger', async () => {
    const normal = await open(pagePath, false)
    const normalSizes = fontSizes(normal)
    expect(rootOf(normal).className).not.toMatch(/elder/)
    const elder = await open(pagePath, true)
    expect(rootOf(elder).className).toMatch(/elder/)
    const elderSizes = fontSizes(elder)
    const compared = Object.keys(normalSizes).filter((key) => key in elderSizes)
    expect(compared.length).toBeGreaterThan(0)
    const tooSmall = compared.filter((key) => elderSizes[key] < 1.5 * normalSizes[key])
      .map((key) => `${key}: ${normalSizes[key]}px -> ${elderSizes[key]}px`)
    expect(tooSmall).toEqual([])
  })

  test("themes TDesign's components: type 1.5 times its defaults, main controls 60px, small ones 48px", async () => {
    const style = getComputedStyle(rootOf(await open(pagePath, true)))
    Object.entries(TYPE_TOKENS).forEach(([token, size]) => {
      const value = style.getPropertyValue(`--td-${token}`).replace(/^\s*600\s+/, '')
      expect({ token, big: px(value) >= 1.5 * tdesignDefault(size) }).toEqual({ token, big: true })
    })
    TOUCH_TOKENS.forEach((token) => {
      expect({ token, px: px(style.getPropertyValue(`--td-${token}`)) >= 48 }).toEqual({ token, px: true })
    })
    MAIN_TOUCH_TOKENS.forEach((token) => {
      expect({ token, px: px(style.getPropertyValue(`--td-${token}`)) >= 60 }).toEqual({ token, px: true })
    })
    expect(px(style.lineHeight)).toBeGreaterThanOrEqual(1.3)  // line spacing at least 1.3
  })
})

test('the switch on the home page is remembered on the device and reaches pages already open', async () => {
  const wxFake = installFakeWx({ storage: {} })
  installFakeApi(ROUTES)
  wx.showToast = jest.fn()
  const guide = render('pages/guide/guide')  // a page opened before the switch (it shares no component with home)
  const home = render('pages/home/home')
  home.instance.onLoad({})
  await waitFor(() => home.querySelector('.home__popular'))
  expect(rootOf(home).className).not.toMatch(/elder/)
  await tap(home.querySelector('.home__mode-switch'))
  expect(wxFake.storage.elderly_mode).toBe(true)
  expect(rootOf(home).className).toMatch(/elder/)
  expect(rootOf(home.querySelector('.home__popular')).className).toMatch(/elder/)  // cards already shown follow
  expect(rootOf(guide).className).not.toMatch(/elder/)
  guide.triggerPageLifeTime('show')  // back to the page opened before the switch
  expect(rootOf(guide).className).toMatch(/elder/)
  await tap(home.querySelector('.home__mode-switch'))
  expect(wxFake.storage.elderly_mode).toBe(false)
  expect(rootOf(home).className).not.toMatch(/elder/)
})

test("until the person chooses, the mode follows WeChat's large-type setting", async () => {
  installFakeWx({ storage: {} })
  installFakeApi(ROUTES)
  wx.getAppBaseInfo = () => ({ fontSizeSetting: 23.8, fontSizeScaleFactor: 1.4 })  // 关怀模式
  expect(rootOf(render('pages/guide/guide')).className).toMatch(/elder/)
  wx.setStorageSync('elderly_mode', false)  // switched off on the home page: the choice wins
  expect(rootOf(render('pages/guide/guide')).className).not.toMatch(/elder/)
  wx.getAppBaseInfo = () => ({ fontSizeSetting: 17, fontSizeScaleFactor: 1 })
  wx.removeStorageSync('elderly_mode')
  expect(rootOf(render('pages/guide/guide')).className).not.toMatch(/elder/)
})

test('the elderly home is simpler: common items, my cases and a big button that calls 12345', async () => {
  const normal = await open('pages/home/home', false)
  expect(normal.querySelector('.home__call')).toBeUndefined()
  expect(normal.querySelectorAll('.home__entry')).toHaveLength(4)
  const home = await open('pages/home/home', true)
  expect(home.querySelectorAll('.home__entry')).toHaveLength(0)
  expect(home.querySelectorAll('.home__hot-keyword')).toHaveLength(0)
  expect(textOf(home)).toContain('常用事项')
  expect(home.querySelectorAll('.home__popular')).toHaveLength(3)
  const call = home.querySelector('.home__call')
  expect(textOf(call)).toContain('拨打 12345 热线')
  await tap(call)
  expect(wx.makePhoneCall).toHaveBeenCalledWith({ phoneNumber: '12345' })
  wx.navigateTo = jest.fn()
  await tap(home.querySelector('.home__my-cases'))
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/cases/cases' })
})

test('every control that shows an icon, and the mode switch, has an aria-label for screen readers', () => {
  const files = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8')).pages.map((p) => `${p}.wxml`)
    .concat(['item-card', 'list-footer', 'material-upload', 'case-rating'].map((c) => `components/${c}/${c}.wxml`))
  const tags = files.flatMap((file) => (fs.readFileSync(path.join(ROOT, file), 'utf8')
    .match(/<t-(button|grid-item|icon|switch)\b[^>]*>/g) || []).map((tag) => ({ file, tag })))
  const iconic = tags.filter(({ tag }) => /^<t-(icon|switch)/.test(tag) || /\sicon="/.test(tag))
  expect(iconic.length).toBeGreaterThan(0)
  iconic.forEach(({ file, tag }) => expect({ file, tag, labelled: /\saria-label="[^"]+"/.test(tag) })
    .toEqual({ file, tag, labelled: true }))
})

test('every page and component imports the elder styles', () => {
  const sheets = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8')).pages.map((p) => `${p}.wxss`)
    .concat(['item-card', 'list-footer', 'material-upload', 'case-rating'].map((c) => `components/${c}/${c}.wxss`))
  sheets.forEach((sheet) => {
    expect({ sheet, imports: /@import "\.\.\/\.\.\/styles\/elder\.wxss";/.test(fs.readFileSync(path.join(ROOT, sheet), 'utf8')) })
      .toEqual({ sheet, imports: true })
  })
})
