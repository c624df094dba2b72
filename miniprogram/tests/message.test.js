const { render, settle, waitFor, tap, textOf, textsOf } = require('./helpers/render')
const { installFakeApi } = require('./helpers/fake-api')
const { installFakeWx, JPEG } = require('./helpers/fake-wx')
const { errorBody } = require('./helpers/fixtures')
const { tenantBody } = require('./helpers/case-fixtures')

const NUMBER = '610924-20261123-00007'

function message(overrides) {
  return Object.assign({
    number: NUMBER, state: 'registered', state_label: '已登记', type: 'help', type_label: '求助',
    content: '村道塌方，车过不去', township: { code: 'haoping', name: '蒿坪镇' }, photos: 2, reply: null,
  }, overrides)
}

function openMessage(routes, mine = []) {
  const wxFake = installFakeWx({
    media: [{ tempFilePath: 'http://tmp/a.jpg' }, { tempFilePath: 'http://tmp/b.png' }],
    files: { 'http://tmp/a.jpg': JPEG, 'http://tmp/b.png': JPEG },
  })
  wx.chooseLocation = jest.fn((opts) => setTimeout(() => opts.success({
    name: '蒿坪镇政府', address: '陕西省安康市紫阳县蒿坪镇', latitude: 32.55, longitude: 108.49,
  }), 0))
  let uploads = 0
  const posted = []
  const api = installFakeApi(Object.assign({
    '/api/v1/tenant': { status: 200, body: tenantBody() },
    '/api/v1/citizen/login': (req) => ({ status: 200, body: { token: `tok-${req.data.code}`, citizen: {} } }),
    '/api/v1/uploads': (req) => {
      uploads += 1
      return { status: 201, body: { id: `file-${uploads}`, filename: req.query.filename } }
    },
    '/api/v1/hotline/messages': (req) => {
      if (req.method === 'GET') return { status: 200, body: { items: posted.length ? posted : mine } }
      posted.push({ number: NUMBER, state_label: '已登记', summary: req.data.content, registered_at: '2026-11-23T01:30:00Z' })
      return { status: 201, body: message() }
    },
  }, routes))
  const page = render('pages/message/message')
  page.instance.onLoad({})
  return { page, api, wxFake }
}

function typeContent(page, value) {
  page.querySelector('.message__content').dispatchEvent('input', { detail: { value } })
}

const posts = (api) => api.requests.filter((r) => r.path === '/api/v1/hotline/messages' && r.method === 'POST')

test('a citizen writes, adds photos, the place, the township and a phone, and sees the ticket number and state', async () => {
  const { page, api } = openMessage({})
  await settle()
  typeContent(page, '  蒿坪镇到县城的村道塌方，车过不去  ')
  await tap(page.querySelector('.message__add-photo'))
  await waitFor(() => textOf(page).includes('已上传 2 张'))
  await tap(page.querySelector('.message__location'))
  await waitFor(() => textOf(page).includes('蒿坪镇政府'))
  await tap(page.querySelector('.message__township'))
  page.querySelector('.message__township-picker').instance.confirm('haoping', '蒿坪镇')
  page.querySelector('.message__phone').instance.type('139 0000 1111')
  await settle()
  expect(textOf(page.querySelector('.message__township'))).toContain('蒿坪镇')

  await tap(page.querySelector('.message__submit'))
  await waitFor(() => textOf(page).includes(NUMBER))

  expect(posts(api)).toHaveLength(1)
  expect(posts(api)[0].data).toEqual({
    content: '蒿坪镇到县城的村道塌方，车过不去', phone: '13900001111', photos: ['file-1', 'file-2'], township: 'haoping',
    location: { lat: 32.55, lng: 108.49, address: '蒿坪镇政府 陕西省安康市紫阳县蒿坪镇' },
  })
  expect(posts(api)[0].header.Authorization).toBe('Bearer tok-wx-code-1')
  const result = textOf(page.querySelector('.message__result'))
  expect(result).toContain(`工单编号：${NUMBER}`)
  expect(result).toContain('办理状态：已登记')
  await waitFor(() => textsOf(page, '.message__mine-item').length === 1)
  expect(textsOf(page, '.message__mine-item')[0]).toContain('已登记')
})

test('an empty message or a wrong mobile number is not sent and says what to fix', async () => {
  const { page, api } = openMessage({})
  await settle()
  page.querySelector('.message__phone').instance.type('12345')
  page.querySelector('.message__submit').dispatchEvent('tap')
  await settle()
  expect(textOf(page)).toContain('请填写留言内容')
  expect(textOf(page)).toContain('手机号码格式不正确')
  expect(posts(api)).toHaveLength(0)
})

test('the server refusing the message shows its Chinese reason and keeps what was typed', async () => {
  const { page } = openMessage({
    '/api/v1/hotline/messages': (req) => (req.method === 'GET'
      ? { status: 200, body: { items: [] } }
      : { status: 422, body: errorBody('unknown_township', '乡镇“xx”不存在或不属于本县') }),
  })
  await settle()
  typeContent(page, '路灯不亮')
  page.querySelector('.message__phone').instance.type('13900001111')
  page.querySelector('.message__submit').dispatchEvent('tap')
  await waitFor(() => textOf(page).includes('不存在或不属于本县'))
  expect(page.instance.data.form.content).toBe('路灯不亮')
  expect(page.querySelector('.message__result')).toBeFalsy()
})

test('refreshing a submitted message shows the answer once the hotline has replied', async () => {
  const { page } = openMessage({
    [`/api/v1/hotline/messages/${NUMBER}`]: {
      status: 200, body: message({ state: 'closed', state_label: '已办结', reply: { text: '已修复村道', at: '2026-11-25T02:00:00Z' } }),
    },
  })
  await settle()
  typeContent(page, '村道塌方')
  page.querySelector('.message__phone').instance.type('13900001111')
  page.querySelector('.message__submit').dispatchEvent('tap')
  await waitFor(() => textOf(page).includes(NUMBER))
  page.querySelector('.message__refresh').dispatchEvent('tap')
  await waitFor(() => textOf(page).includes('已办结'))
  expect(textOf(page.querySelector('.message__result'))).toContain('答复：已修复村道')
})

test('earlier messages are listed with their state when the page opens', async () => {
  const { page } = openMessage({}, [{ number: '610924-20261120-00002', state_label: '已派单', summary: '噪音扰民' }])
  await waitFor(() => textsOf(page, '.message__mine-item').length === 1)
  const row = textsOf(page, '.message__mine-item')[0]
  expect(row).toContain('噪音扰民')
  expect(row).toContain('工单编号：610924-20261120-00002')
  expect(row).toContain('已派单')
})
