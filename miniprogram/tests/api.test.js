const api = require('../utils/api')
const config = require('../config')
const { installFakeApi } = require('./helpers/fake-api')
const { itemsPage, errorBody } = require('./helpers/fixtures')

afterEach(() => {
  wx.getStorageSync = () => ''
})

test('lists items from the configured server, sending only the filters that are set', async () => {
  const fake = installFakeApi({ '/api/v1/items': { status: 200, body: itemsPage({ count: 1, total: 1 }) } })
  const body = await api.listItems({ q: '生孩子要办什么', department: '', township: null, page: 2, page_size: 20 })
  expect(body.total).toBe(1)
  const req = fake.requests[0]
  expect(req.url.startsWith(`${config.baseUrl}/api/v1/items?`)).toBe(true)
  expect(req.query).toEqual({ q: '生孩子要办什么', page: '2', page_size: '20' })
  expect(req.method).toBe('GET')
})

test('the default server is the local API on port 8365', () => {
  expect(config.baseUrl).toBe('http://127.0.0.1:8365')
})

test('a stored token is sent as a Bearer authorization', async () => {
  wx.getStorageSync = (key) => (key === 'token' ? 'tok-123' : '')
  const fake = installFakeApi({ '/api/v1/catalogue/facets': { status: 200, body: {} } })
  await api.getFacets()
  expect(fake.requests[0].header.Authorization).toBe('Bearer tok-123')
})

test('without a token no authorization header is sent', async () => {
  const fake = installFakeApi({ '/api/v1/catalogue/facets': { status: 200, body: {} } })
  await api.getFacets()
  expect(fake.requests[0].header).not.toHaveProperty('Authorization')
})

test('our JSON error shape becomes an error carrying the Chinese message, code and status', async () => {
  installFakeApi({ '/api/v1/items/x': { status: 404, body: errorBody('not_found', '未找到该事项') } })
  const err = await api.getItem('x').catch((e) => e)
  expect(err).toBeInstanceOf(Error)
  expect(err.message).toBe('未找到该事项')
  expect(err.code).toBe('not_found')
  expect(err.status).toBe(404)
})

test('an error page that is not our JSON still gives a Chinese message', async () => {
  installFakeApi({ '/api/v1/catalogue/facets': { status: 502, body: '<html>Bad Gateway</html>' } })
  const err = await api.getFacets().catch((e) => e)
  expect(err.message).toBe('服务暂时不可用，请稍后重试')
  expect(err.status).toBe(502)
})

test('a request that never reaches the server says to check the network', async () => {
  installFakeApi({ '/api/v1/catalogue/facets': { fail: true } })
  const err = await api.getFacets().catch((e) => e)
  expect(err.message).toBe('网络连接失败，请检查网络后重试')
  expect(err.code).toBe('network_error')
})

test('item codes are escaped in the path', async () => {
  const fake = installFakeApi({})
  await api.getItem('a/b c').catch(() => {})
  expect(fake.requests[0].url).toBe(`${config.baseUrl}/api/v1/items/a%2Fb%20c`)
})
