/**
 * Replaces WeChat's wx.request (the platform API, not our server) with a
 * routing table of canned answers, and records every request made.
 *
 * routes: { '/api/v1/items': (req) => ({ status, body }) | { status, body } | { fail: true } }
 * req: { path, query, header, method, url, data }.
 */
function installFakeApi(routes) {
  const requests = []
  global.wx.request = jest.fn((options) => {
    const url = new URL(options.url)
    const req = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      header: options.header || {},
      method: options.method || 'GET',
      url: options.url,
      data: options.data,
    }
    requests.push(req)
    const route = routes[req.path]
    let answer = typeof route === 'function' ? route(req) : route
    if (!answer) answer = { status: 404, body: { error: { code: 'not_found', message: '接口不存在' } } }
    setTimeout(() => {
      if (answer.fail) {
        options.fail({ errMsg: 'request:fail timeout' })
        return
      }
      options.success({ statusCode: answer.status || 200, data: answer.body, header: {} })
    }, answer.delay || 0)
    return { abort() {} }
  })
  return { requests }
}

module.exports = { installFakeApi }
