const { render, settle, tap, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { licenceGuide, errorBody } = require('./helpers/fixtures')

const CODE = '610924-000105001001-01'
const GUIDE_PATH = `/api/v1/items/${CODE}`

function openGuide(answer, code = CODE) {
  const api = installFakeApi({ [`/api/v1/items/${code}`]: answer })
  wx.makePhoneCall = jest.fn()
  wx.showToast = jest.fn()
  const page = render('pages/guide/guide')
  page.instance.onLoad({ code })
  return { page, api }
}

test('the guide shows promised and statutory days side by side and how much faster it is', async () => {
  const { page, api } = openGuide({ status: 200, body: licenceGuide() })
  await settle()
  expect(api.requests[0].path).toBe(GUIDE_PATH)
  const limits = textOf(page.querySelector('.guide__limit-row'))
  expect(limits).toBe('承诺时限 1个工作日 法定时限 15个工作日')
  expect(textOf(page)).toContain('比法定时限提速 93%')
})

test('the guide names the item, its kind, type and department', async () => {
  const { page } = openGuide({ status: 200, body: licenceGuide() })
  await settle()
  const header = textOf(page.querySelector('.guide__header'))
  expect(header).toContain('个体工商户设立登记')
  expect(header).toContain('承诺件')
  expect(header).toContain('行政许可')
  expect(header).toContain('实施部门：紫阳县市场监督管理局')
  expect(header).toContain(`实施编码：${CODE}`)
})

test('materials say which are required, in what form and when the optional ones apply', async () => {
  const { page } = openGuide({ status: 200, body: licenceGuide() })
  await settle()
  const materials = textsOf(page, '.guide__material')
  expect(materials).toHaveLength(2)
  expect(materials[0]).toContain('经营者身份证件')
  expect(materials[0]).toContain('原件 · 1份 · 来源：申请人自备')
  expect(materials[0]).toContain('必要')
  expect(materials[1]).toContain('复印件')
  expect(materials[1]).toContain('视情形提交')
  expect(materials[1]).toContain('委托他人代办时提交')
})

test('the flowchart lists the steps in order with who does each', async () => {
  const { page } = openGuide({ status: 200, body: licenceGuide() })
  await settle()
  expect(textsOf(page, '.guide__step')).toEqual([
    '1. 受理（窗口人员） 收取材料 · 当场完成',
    '2. 审核（后台审批） 审核材料 · 1个工作日',
    '3. 发证（窗口人员） 发放营业执照 · 当场完成',
  ])
})

test('conditions, result, delivery, places and phones are all shown', async () => {
  const { page } = openGuide({ status: 200, body: licenceGuide() })
  await settle()
  const text = textOf(page)
  expect(text).toContain('受理条件 1. 申请人具有经营能力 2. 经营场所符合规定')
  expect(text).toContain('营业执照（证照）')
  expect(text).toContain('窗口领取、邮寄（EMS）、电子证照')
  expect(textOf(page.querySelector('.guide__place'))).toContain('紫阳县政务服务中心一楼A区')
  expect(textOf(page.querySelector('.guide__place'))).toContain('办公时间：周一至周日 8:30-12:00 14:00-18:00')
  expect(text).toContain('《促进个体工商户发展条例》第八条')
  expect(textOf(page.querySelector('.guide__phone'))).toBe('咨询电话 0915-4321001')
  expect(textOf(page.querySelector('.guide__complaint'))).toBe('投诉电话 0915-12345')
})

test('tapping a phone number calls it', async () => {
  const { page } = openGuide({ status: 200, body: licenceGuide() })
  await settle()
  await tap(page.querySelector('.guide__complaint'))
  expect(wx.makePhoneCall).toHaveBeenCalledWith({ phoneNumber: '0915-12345' })
})

test('an item without fees says it is free; fees are listed with their basis otherwise', async () => {
  const free = openGuide({ status: 200, body: licenceGuide() })
  await settle()
  expect(textOf(free.page.querySelector('.guide__fees'))).toContain('不收费')

  const charged = openGuide({
    status: 200,
    body: licenceGuide({ fees: [{ name: '不动产登记费', standard: '80元/件', basis: '发改价格规〔2016〕2559号', exemption_allowed: true }] }),
  })
  await settle()
  const fee = textOf(charged.page.querySelector('.guide__fee'))
  expect(fee).toContain('不动产登记费')
  expect(fee).toContain('80元/件')
  expect(fee).toContain('依据：发改价格规〔2016〕2559号')
  expect(fee).toContain('可申请减免')
  expect(textOf(charged.page.querySelector('.guide__fees'))).not.toContain('不收费')
})

test('a joint item names the departments working in parallel', async () => {
  const { page } = openGuide({
    status: 200,
    body: licenceGuide({
      kind: 'joint',
      kind_label: '联办件',
      joint_departments: [{ code: 'scjgj', name: '紫阳县市场监督管理局' }, { code: 'wjj', name: '紫阳县卫生健康局' }],
    }),
  })
  await settle()
  expect(textOf(page)).toContain('联办部门 紫阳县市场监督管理局、紫阳县卫生健康局')
})

test('an unknown item shows a clear Chinese message and no retry', async () => {
  const { page } = openGuide({ status: 404, body: errorBody('not_found', '未找到该事项') }, 'no-such-code')
  await settle()
  expect(textOf(page)).toBe('未找到该事项')
  expect(page.querySelector('.guide__retry')).toBeFalsy()
})

test('a network failure offers a retry that loads the guide', async () => {
  let offline = true
  const { page } = openGuide(() => (offline ? { fail: true } : { status: 200, body: licenceGuide() }))
  await settle()
  expect(textOf(page)).toContain('网络连接失败，请检查网络后重试')
  offline = false
  await tap(page.querySelector('.guide__retry'))
  await settle()
  expect(textOf(page)).toContain('个体工商户设立登记')
})

test('online items offer to apply, the others send people to the window', async () => {
  const online = openGuide({ status: 200, body: licenceGuide() })
  await settle()
  expect(textOf(online.page.querySelector('.guide__actions'))).toBe('在线申请')

  const offline = openGuide({ status: 200, body: licenceGuide({ online: false }) })
  await settle()
  expect(textOf(offline.page.querySelector('.guide__actions'))).toBe('本事项请到窗口办理')
})
