const { render, settle, waitFor, tap, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { installFakeWx } = require('./helpers/fake-wx')
const { errorBody } = require('./helpers/fixtures')
const { NUMBER, QUERY_CODE, progressBody, supplementBody, receiptLink } = require('./helpers/case-fixtures')

const BASE = `/api/v1/cases/${NUMBER}`

function openProgress(routes, options, wxOptions = {}) {
  const wxFake = installFakeWx(wxOptions)
  let uploads = 0
  const api = installFakeApi(Object.assign({
    [`${BASE}/progress`]: { status: 200, body: progressBody() },
    '/api/v1/citizen/login': { status: 200, body: { token: 'tok-new', citizen: {} } },
    '/api/v1/uploads': (req) => {
      uploads += 1
      return { status: 201, body: { id: `file-${uploads}`, filename: req.query.filename, size: 7 } }
    },
  }, routes))
  const page = render('pages/progress/progress')
  page.instance.onLoad(options)
  return { page, api, wxFake }
}

const signedIn = { storage: { token: 'tok-1' } }
const posts = (api, tail) => api.requests.filter((r) => r.path === `${BASE}/${tail}`)

test('progress shows the state, item, masked applicant and times in China time', async () => {
  const { page, api, wxFake } = openProgress({}, { number: NUMBER, code: QUERY_CODE })
  await settle()
  expect(api.requests[0].path).toBe(`${BASE}/progress`)
  expect(api.requests[0].query).toEqual({ code: QUERY_CODE })
  expect(wxFake.calls.login).toBe(0)
  expect(textOf(page.querySelector('.progress__header'))).toBe('个体工商户设立登记 审批中')
  expect(textOf(page.querySelector('.progress__applicant'))).toBe('申请人 张*三')
  expect(textOf(page.querySelector('.progress__submitted'))).toBe('提交时间 2026-11-28 09:05')
  expect(textOf(page.querySelector('.progress__due'))).toBe('承诺办结时间 2026-11-30 18:00')
})

test('the timeline lists every step in order with its China time', async () => {
  const { page } = openProgress({}, { number: NUMBER, code: QUERY_CODE })
  await settle()
  expect(textsOf(page, '.progress__step')).toEqual([
    '提交申请 2026-11-28 09:05',
    '窗口受理 2026-11-28 10:00',
    '分派部门审批（紫阳县市场监督管理局） 2026-11-28 10:00',
  ])
})

test('a case waiting for acceptance says its clock has not started', async () => {
  const { page } = openProgress({
    [`${BASE}/progress`]: { status: 200, body: progressBody({ state: 'submitted', state_label: '待受理', due_at: null }) },
  }, { number: NUMBER, code: QUERY_CODE })
  await settle()
  expect(textOf(page.querySelector('.progress__due'))).toBe('承诺办结时间 受理后开始计时')
})

test('a supplement notice lists the missing materials; they are uploaded and resubmitted', async () => {
  const { page, api, wxFake } = openProgress({
    [`${BASE}/progress`]: { status: 200, body: supplementBody() },
    [`${BASE}/resubmit`]: { status: 200, body: progressBody({ state: 'submitted', state_label: '待受理' }) },
  }, { number: NUMBER, code: QUERY_CODE }, signedIn)
  await settle()
  const supplement = page.querySelector('.progress__supplement')
  expect(textOf(supplement)).toContain('身份证照片不清晰')
  expect(textsOf(page, '.progress__missing').map((t) => t.split(' ')[0])).toEqual(['经营场所证明', '经营者身份证件'])
  expect(textsOf(page, '.progress__step')[1]).toBe('一次性告知补正 2026-11-28 11:30 · 身份证照片不清晰 · 经营场所证明、经营者身份证件')

  await tap(page.querySelector('.progress__resubmit'))
  expect(textOf(page.querySelector('.progress__action-error'))).toBe('请上传全部补正材料：经营场所证明、经营者身份证件')
  expect(posts(api, 'resubmit')).toHaveLength(0)

  for (const material of page.querySelectorAll('.progress__missing')) {
    material.querySelector('.material-upload__button').dispatchEvent('tap')
    await waitFor(() => textOf(material).includes('已上传'))
  }
  await tap(page.querySelector('.progress__resubmit'))
  await settle()
  const [sent] = posts(api, 'resubmit')
  expect(sent.header.Authorization).toBe('Bearer tok-1')
  expect(sent.data).toEqual({
    note: '已补正：经营场所证明、经营者身份证件',
    materials: [{ name: '经营场所证明', file_id: 'file-1' }, { name: '经营者身份证件', file_id: 'file-2' }],
  })
  expect(textOf(page.querySelector('.progress__header'))).toContain('待受理')
  expect(page.querySelector('.progress__supplement')).toBeFalsy()
  expect(wxFake.calls.toast).toContainEqual({ title: '补正材料已提交', icon: 'success' })
})

test('withdrawing asks first; only a confirmed withdrawal is sent', async () => {
  const routes = { [`${BASE}/withdraw`]: { status: 200, body: progressBody({ state: 'withdrawn', state_label: '已撤回', finished: true }) } }
  const cancelled = openProgress(routes, { number: NUMBER, code: QUERY_CODE }, { storage: { token: 'tok-1' }, confirm: false })
  await settle()
  await tap(cancelled.page.querySelector('.progress__withdraw'))
  await settle(20)
  expect(cancelled.wxFake.calls.modal[0].content).toContain('确定撤回吗')
  expect(posts(cancelled.api, 'withdraw')).toHaveLength(0)

  const confirmed = openProgress(routes, { number: NUMBER, code: QUERY_CODE }, signedIn)
  await settle()
  await tap(confirmed.page.querySelector('.progress__withdraw'))
  await waitFor(() => !confirmed.page.querySelector('.progress__withdraw'))
  expect(posts(confirmed.api, 'withdraw')[0].data).toEqual({})
  expect(textOf(confirmed.page.querySelector('.progress__header'))).toContain('已撤回')
  expect(confirmed.page.querySelector('.progress__withdraw')).toBeFalsy()
  expect(textOf(confirmed.page)).not.toContain('承诺办结时间')
})

test('a receipt QR link opens that case with its query code and a signed-in citizen can add it', async () => {
  const { page, api, wxFake } = openProgress({
    [`${BASE}/claim`]: { status: 200, body: progressBody() },
  }, { q: encodeURIComponent(receiptLink()), scancode_time: '1764290000' }, signedIn)
  await settle()
  expect(api.requests[0].path).toBe(`${BASE}/progress`)
  expect(api.requests[0].query).toEqual({ code: QUERY_CODE })
  expect(textOf(page.querySelector('.progress__number'))).toBe(`办件编号 ${NUMBER}`)
  expect(page.querySelector('.progress__withdraw')).toBeFalsy()

  await tap(page.querySelector('.progress__claim'))
  await settle()
  expect(posts(api, 'claim')[0].data).toEqual({ query_code: QUERY_CODE })
  expect(wxFake.calls.toast).toContainEqual({ title: '已添加到我的办件', icon: 'success' })
  expect(page.querySelector('.progress__claim')).toBeFalsy()
  expect(wxFake.storage.case_codes).toEqual({ [NUMBER]: QUERY_CODE })
})

test('a scanned case is shown without signing in, and then is not offered for my cases', async () => {
  const { page, wxFake } = openProgress({}, { q: encodeURIComponent(receiptLink(NUMBER, '7kq3-mx9p')) })
  await settle()
  expect(textOf(page.querySelector('.progress__header'))).toContain('个体工商户设立登记')
  expect(page.querySelector('.progress__claim')).toBeFalsy()
  expect(wxFake.calls.login).toBe(0)
})

test('a QR code that is not a receipt says so and asks nothing', async () => {
  const { page, api } = openProgress({}, { q: encodeURIComponent('https://example.com/other?number=1') })
  await settle()
  expect(textOf(page)).toContain('未能识别该二维码，请扫描受理回执上的二维码')
  expect(api.requests).toHaveLength(0)
})

test('a wrong query code shows the server message and a retry', async () => {
  const { page } = openProgress({
    [`${BASE}/progress`]: { status: 404, body: errorBody('case_not_found', '未找到该办件，请核对办件编号和查询码') },
  }, { number: NUMBER, code: 'AAAAAAAA' })
  await settle()
  expect(textOf(page)).toBe('未找到该办件，请核对办件编号和查询码 重新加载')
})

test('opened from my cases without a code, the citizen is signed in to see it', async () => {
  const { page, api, wxFake } = openProgress({}, { number: NUMBER })
  await waitFor(() => page.querySelector('.progress__header'))
  expect(wxFake.calls.login).toBe(1)
  const lookup = api.requests.find((r) => r.path === `${BASE}/progress`)
  expect(lookup.query).toEqual({})
  expect(lookup.header.Authorization).toBe('Bearer tok-new')
  expect(textOf(page.querySelector('.progress__header'))).toContain('审批中')
})

test('a supplement asked during review shows its list and stops the promised time', async () => {
  const { reviewSupplementBody } = require('./helpers/case-fixtures')
  const { page, api } = openProgress({
    [`${BASE}/progress`]: { status: 200, body: reviewSupplementBody() },
    [`${BASE}/resubmit`]: { status: 200, body: progressBody() },
  }, { number: NUMBER, code: QUERY_CODE }, signedIn)
  await settle()
  expect(textOf(page.querySelector('.progress__header'))).toBe('个体工商户设立登记 审查中待补正')
  expect(textOf(page.querySelector('.progress__due'))).toBe('承诺办结时间 暂停计时中，恢复后重新计算')
  expect(textOf(page.querySelector('.progress__supplement'))).toContain('租赁合同为复印件，须核对原件')
  const [material] = page.querySelectorAll('.progress__missing')
  material.querySelector('.material-upload__button').dispatchEvent('tap')
  await waitFor(() => textOf(material).includes('已上传'))
  await tap(page.querySelector('.progress__resubmit'))
  await settle()
  expect(posts(api, 'resubmit')[0].data.materials.map((m) => m.name)).toEqual(['房屋租赁合同原件'])
})

test('a report-up case approved by the county is shown as sent up, never as approved', async () => {
  const { reportUpBody } = require('./helpers/case-fixtures')
  const { page } = openProgress({
    [`${BASE}/progress`]: { status: 200, body: reportUpBody('approved', '县级审核通过，已报上级') },
  }, { number: NUMBER, code: QUERY_CODE })
  await settle()
  const header = page.querySelector('.progress__header')
  expect(textOf(header)).toBe('采矿权新立登记 县级审核通过，已报上级')
  expect(textOf(header)).not.toContain('准予')
  expect(page.instance.data.view.stateTheme).toBe('primary')
})
