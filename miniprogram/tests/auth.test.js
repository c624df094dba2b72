const api = require('../utils/api')
const auth = require('../utils/auth')
const { installFakeApi } = require('./helpers/fake-api')
const { installFakeWx } = require('./helpers/fake-wx')
const { settle } = require('./helpers/render')

const page = { status: 200, body: { items: [], total: 0, page: 1, page_size: 20 } }
const expired = { status: 401, body: { error: { code: 'unauthenticated', message: '请先登录' } } }

function loginRoute() {
  return (req) => ({ status: 200, body: { token: `tok-for-${req.data.code}`, citizen: {} } })
}

test('signing in swaps the wx.login code for a token and keeps it', async () => {
  const wxFake = installFakeWx()
  const fake = installFakeApi({ '/api/v1/citizen/login': loginRoute() })
  const token = await auth.ensureLogin()
  expect(token).toBe('tok-for-wx-code-1')
  expect(fake.requests[0]).toMatchObject({ method: 'POST', data: { code: 'wx-code-1' } })
  expect(wxFake.storage.token).toBe('tok-for-wx-code-1')
  await auth.ensureLogin()
  expect(wxFake.calls.login).toBe(1)
})

test('requests made together share one sign-in', async () => {
  const wxFake = installFakeWx()
  installFakeApi({ '/api/v1/citizen/login': loginRoute(), '/api/v1/my/cases': page })
  await Promise.all([api.myCases(1, 20), api.myCases(2, 20)])
  expect(wxFake.calls.login).toBe(1)
})

test('a 401 clears the token, signs in again once and retries the request', async () => {
  const wxFake = installFakeWx({ storage: { token: 'tok-old' } })
  const fake = installFakeApi({
    '/api/v1/citizen/login': loginRoute(),
    '/api/v1/my/cases': (req) => (req.header.Authorization === 'Bearer tok-old' ? expired : page),
  })
  const body = await api.myCases(1, 20)
  expect(body.total).toBe(0)
  expect(wxFake.calls.login).toBe(1)
  expect(fake.requests.map((r) => `${r.path} ${r.header.Authorization || ''}`.trim())).toEqual([
    '/api/v1/my/cases Bearer tok-old',
    '/api/v1/citizen/login',
    '/api/v1/my/cases Bearer tok-for-wx-code-1',
  ])
  expect(wxFake.storage.token).toBe('tok-for-wx-code-1')
})

test('a second 401 after signing in again is given up with the server message', async () => {
  const wxFake = installFakeWx({ storage: { token: 'tok-old' } })
  const fake = installFakeApi({ '/api/v1/citizen/login': loginRoute(), '/api/v1/my/cases': expired })
  const err = await api.myCases(1, 20).catch((e) => e)
  expect(err.message).toBe('请先登录')
  expect(err.status).toBe(401)
  expect(wxFake.calls.login).toBe(1)
  expect(fake.requests.filter((r) => r.path === '/api/v1/my/cases')).toHaveLength(2)
})

test('a failed wx.login says so in Chinese', async () => {
  installFakeWx()
  wx.login = ({ fail }) => setTimeout(() => fail({ errMsg: 'login:fail' }), 0)
  const fake = installFakeApi({})
  const err = await auth.ensureLogin().catch((e) => e)
  await settle(0)
  expect(err.message).toBe('微信登录失败，请稍后重试')
  expect(fake.requests).toHaveLength(0)
})

test('public requests never sign in', async () => {
  const wxFake = installFakeWx()
  installFakeApi({ '/api/v1/cases/610924-20261128-00042/progress': { status: 200, body: {} } })
  await api.getProgress('610924-20261128-00042', '7KQ3MX9P')
  expect(wxFake.calls.login).toBe(0)
})

test('uploads send the file itself with its type; other types are refused before sending', async () => {
  installFakeWx({ storage: { token: 'tok-1' }, files: { 'wxfile://tmp/a.pdf': new Uint8Array([0x25, 0x50]).buffer } })
  const fake = installFakeApi({ '/api/v1/uploads': { status: 201, body: { id: 'f1', filename: '营业执照.pdf' } } })
  const saved = await api.uploadFile('wxfile://tmp/a.pdf', '营业执照.pdf')
  expect(saved.id).toBe('f1')
  expect(fake.requests[0].header['Content-Type']).toBe('application/pdf')
  expect(fake.requests[0].data.byteLength).toBe(2)
  const err = await api.uploadFile('wxfile://tmp/a.docx', '申请书.docx').catch((e) => e)
  expect(err.message).toBe('只接受 JPG、PNG 或 PDF 文件')
  expect(fake.requests).toHaveLength(1)
})
