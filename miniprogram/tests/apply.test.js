const { render, settle, waitFor, tap, textOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { installFakeWx, JPEG } = require('./helpers/fake-wx')
const { licenceGuide, errorBody } = require('./helpers/fixtures')
const { NUMBER, QUERY_CODE, progressBody, townshipGuide, tenantBody } = require('./helpers/case-fixtures')

const LICENCE = '610924-000105001001-01'
const VALID_ID = '610924199001011233'

function created() {
  return { status: 201, body: Object.assign(progressBody({ state: 'submitted', state_label: '待受理' }), { query_code: QUERY_CODE }) }
}

function openApply(routes, code = LICENCE, guide = licenceGuide()) {
  const wxFake = installFakeWx()
  const api = installFakeApi(Object.assign({
    [`/api/v1/items/${code}`]: { status: 200, body: guide },
    '/api/v1/citizen/login': (req) => ({ status: 200, body: { token: `tok-for-${req.data.code}`, citizen: {} } }),
    '/api/v1/uploads': (req) => ({
      status: 201, body: { id: 'file-1', filename: req.query.filename, content_type: req.header['Content-Type'], size: 7, sha256: 'x' },
    }),
    '/api/v1/cases': created(),
    '/api/v1/tenant': { status: 200, body: tenantBody() },
  }, routes))
  const page = render('pages/apply/apply')
  page.instance.onLoad({ code })
  return { page, api, wxFake }
}

function field(page, name) {
  return page.querySelector(`.apply__field--${name}`)
}

function fillApplicant(page, { name = '张小三', id = VALID_ID, phone = '138 0000 1234' } = {}) {
  field(page, 'name').instance.type(name)
  field(page, 'id').instance.type(id)
  field(page, 'phone').instance.type(phone)
}

async function uploadFirstMaterial(page) {
  const material = page.querySelectorAll('.apply__material')[0]
  material.querySelector('.material-upload__button').dispatchEvent('tap')
  await waitFor(() => textOf(material).includes('已上传'))
}

const casePosts = (api) => api.requests.filter((r) => r.path === '/api/v1/cases')

test('the apply page lists the materials and the ways to receive the result', async () => {
  const { page } = openApply({})
  await settle()
  const text = textOf(page)
  expect(text).toContain('个体工商户设立登记')
  expect(text).toContain('经营者身份证件')
  expect(text).toContain('委托代理人证明')
  expect(textOf(page.querySelector('.apply__delivery'))).toBe('窗口领取 邮寄（EMS） 电子证照')
})

test('a signed-out citizen is signed in, uploads a material and submits the application once per key', async () => {
  let attempts = 0
  const { page, api, wxFake } = openApply({
    '/api/v1/cases': () => {
      attempts += 1
      return attempts === 1 ? { fail: true } : created()
    },
  })
  await settle()

  await uploadFirstMaterial(page)
  expect(wxFake.calls.login).toBe(1)
  const login = api.requests.find((r) => r.path === '/api/v1/citizen/login')
  expect(login.data).toEqual({ code: 'wx-code-1' })
  expect(wxFake.storage.token).toBe('tok-for-wx-code-1')
  const upload = api.requests.find((r) => r.path === '/api/v1/uploads')
  expect(upload.method).toBe('POST')
  expect(upload.query).toEqual({ filename: '经营者身份证件.jpg' })
  expect(upload.header['Content-Type']).toBe('image/jpeg')
  expect(upload.header.Authorization).toBe('Bearer tok-for-wx-code-1')
  expect(upload.data).toBe(JPEG)
  expect(textOf(page.querySelectorAll('.apply__material')[0])).toContain('已上传：经营者身份证件.jpg')

  fillApplicant(page)
  await tap(page.querySelector('.apply__submit'))
  await waitFor(() => page.querySelector('.apply__submit-error'))
  expect(textOf(page.querySelector('.apply__submit-error'))).toBe('网络连接失败，请检查网络后重试')
  expect(wxFake.calls.redirectTo).toEqual([])

  await tap(page.querySelector('.apply__submit'))
  await waitFor(() => wxFake.calls.redirectTo.length)
  const [first, retry] = casePosts(api)
  expect(first.data).toEqual({
    item_code: LICENCE,
    applicant: { name: '张小三', id_number: VALID_ID, phone: '13800001234' },
    form: {},
    materials: [{ name: '经营者身份证件', file_id: 'file-1' }],
    delivery: { method: 'window' },
  })
  expect(first.header['Idempotency-Key']).toMatch(/^mp-/)
  expect(retry.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
  expect(retry.data).toEqual(first.data)
  expect(wxFake.calls.login).toBe(1)
  expect(wxFake.calls.redirectTo).toEqual([`/pages/progress/progress?number=${NUMBER}&code=${QUERY_CODE}`])
})

test('a new form fill gets a new idempotency key', async () => {
  const one = openApply({})
  await settle()
  await uploadFirstMaterial(one.page)
  fillApplicant(one.page)
  await tap(one.page.querySelector('.apply__submit'))
  await settle()
  const two = openApply({})
  await settle()
  await uploadFirstMaterial(two.page)
  fillApplicant(two.page)
  await tap(two.page.querySelector('.apply__submit'))
  await settle()
  expect(casePosts(two.api)[0].header['Idempotency-Key']).not.toBe(casePosts(one.api)[0].header['Idempotency-Key'])
})

test('an ID number with a wrong check digit is refused in Chinese and nothing is sent', async () => {
  const { page, api, wxFake } = openApply({})
  await settle()
  fillApplicant(page, { id: '610924199001011234' })
  await tap(page.querySelector('.apply__submit'))
  await settle()
  expect(textOf(field(page, 'id'))).toContain('身份证号码校验位不正确')
  expect(textOf(page.querySelector('.apply__submit-error'))).toBe('请按提示修改后再提交')
  expect(api.requests.map((r) => r.path)).toEqual([`/api/v1/items/${LICENCE}`])
  expect(wxFake.calls.login).toBe(0)
})

test('missing name, a bad phone number and a missing required material are all pointed out', async () => {
  const { page, api } = openApply({})
  await settle()
  fillApplicant(page, { name: ' ', id: '61092419900101123', phone: '12800001234' })
  await tap(page.querySelector('.apply__submit'))
  await settle()
  expect(textOf(field(page, 'name'))).toContain('请填写申请人姓名或名称')
  expect(textOf(field(page, 'id'))).toContain('身份证号码应为18位')
  expect(textOf(field(page, 'phone'))).toContain('手机号码格式不正确')
  expect(textOf(page.querySelector('.apply__materials-error'))).toBe('请上传必要材料：经营者身份证件')
  expect(casePosts(api)).toHaveLength(0)

  field(page, 'phone').instance.type('13800001234')
  await settle()
  expect(textOf(field(page, 'phone'))).not.toContain('手机号码格式不正确')
})

test('a township item asks for the town, and post delivery asks for an address', async () => {
  const code = '610924-000201002000-01'
  const { page, api } = openApply({}, code, townshipGuide())
  await settle()
  await uploadFirstMaterial(page)
  fillApplicant(page)
  page.querySelector('.apply__delivery').instance.select('post')
  await settle()
  await tap(page.querySelector('.apply__submit'))
  await settle()
  expect(textOf(page.querySelector('.apply__township-error'))).toBe('请选择可办理该事项的镇便民服务中心')
  expect(textOf(field(page, 'address'))).toContain('请填写邮寄地址')
  expect(casePosts(api)).toHaveLength(0)

  await tap(page.querySelector('.apply__township'))
  const picker = page.querySelector('.apply__township-picker')
  expect(textOf(picker)).toBe('选择办理乡镇 城关镇 蒿坪镇 汉王镇')
  picker.instance.confirm('haoping', '蒿坪镇')
  await settle()
  expect(textOf(page.querySelector('.apply__township'))).toBe('办理乡镇 蒿坪镇')
  field(page, 'address').instance.type('紫阳县蒿坪镇蒿坪村一组 张小三')
  await tap(page.querySelector('.apply__submit'))
  await settle()
  const [sent] = casePosts(api)
  expect(sent.data.township).toBe('haoping')
  expect(sent.data.delivery).toEqual({ method: 'post', address: '紫阳县蒿坪镇蒿坪村一组 张小三' })
})

test('the server refusing the application shows its Chinese message', async () => {
  const { page, wxFake } = openApply({
    '/api/v1/cases': { status: 422, body: errorBody('bad_delivery_method', '该事项不支持所选的送达方式') },
  })
  await settle()
  await uploadFirstMaterial(page)
  fillApplicant(page)
  await tap(page.querySelector('.apply__submit'))
  await settle()
  expect(textOf(page.querySelector('.apply__submit-error'))).toBe('该事项不支持所选的送达方式')
  expect(wxFake.calls.redirectTo).toEqual([])
})

test('an item that cannot be applied for online says to go to the window', async () => {
  const { page } = openApply({}, LICENCE, licenceGuide({ online: false }))
  await settle()
  expect(textOf(page)).toBe('本事项暂不支持在线申请，请到窗口办理')
  expect(page.querySelector('.apply__submit')).toBeFalsy()
})
