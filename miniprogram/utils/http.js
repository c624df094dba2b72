/**
 * The transport under utils/api.js and utils/auth.js: one wx.request with the
 * stored token, answers turned into data or an ApiError carrying the server's
 * Chinese message. Sign-in (utils/auth.js) reaches its endpoint from here, so
 * neither of the two modules above needs the other's insides.
 */
const config = require('../config')
const strings = require('./strings')

class ApiError extends Error {
  constructor(message, code, status) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = status
  }
}

/** Query string from an object, skipping empty values; '' when nothing is left. */
function buildQuery(params) {
  const parts = Object.keys(params || {})
    .filter((key) => params[key] !== undefined && params[key] !== null && params[key] !== '')
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(params[key])}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

function storedToken() {
  try {
    return wx.getStorageSync('token') || ''
  } catch (err) {
    return ''
  }
}

function errorFromResponse(res) {
  const body = res.data
  const error = body && typeof body === 'object' ? body.error : null
  if (error && error.message) {
    return new ApiError(error.message, error.code || 'error', res.statusCode)
  }
  if (res.statusCode === 404) {
    return new ApiError(strings.errors.notFound, 'not_found', 404)
  }
  return new ApiError(strings.errors.server, 'server_error', res.statusCode)
}

/**
 * Send one request; resolves with the parsed JSON body of a 2xx answer.
 * `header` adds to (or replaces) the JSON content type; `data` may be an
 * ArrayBuffer for a raw upload.
 */
function request({ path, method = 'GET', query, data, header: extra }) {
  const header = Object.assign({ 'Content-Type': 'application/json' }, extra)
  const token = storedToken()
  if (token) header.Authorization = `Bearer ${token}`
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.baseUrl}${path}${buildQuery(query)}`,
      method,
      data,
      header,
      timeout: config.timeoutMs,
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.data)
        else reject(errorFromResponse(res))
      },
      fail() {
        reject(new ApiError(strings.errors.network, 'network_error', 0))
      },
    })
  })
}

/** POST /api/v1/citizen/login: exchanges a wx.login code for {token, citizen}. */
function citizenLogin(code) {
  return request({ path: '/api/v1/citizen/login', method: 'POST', data: { code } })
}

module.exports = { ApiError, buildQuery, request, citizenLogin }
