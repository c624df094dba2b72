/**
 * The one place that talks to the Sunshine 365 API through wx.request.
 *
 * Every call returns a Promise. A non-2xx answer in our JSON error shape
 * {"error": {"code", "message"}} rejects with an ApiError whose message is
 * the server's Chinese text, so pages can show it as it is.
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

/** Send one request; resolves with the parsed JSON body of a 2xx answer. */
function request({ path, method = 'GET', query, data }) {
  const header = { 'Content-Type': 'application/json' }
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

/** GET /api/v1/items with filters {q, department, township, kind, life_event, theme, page, page_size}. */
function listItems(filters) {
  return request({ path: '/api/v1/items', query: filters })
}

/** GET /api/v1/items/{code}: an item's full guide (办事指南). */
function getItem(code) {
  return request({ path: `/api/v1/items/${encodeURIComponent(code)}` })
}

/** GET /api/v1/catalogue/facets: departments, townships, life events, themes, kinds with counts. */
function getFacets() {
  return request({ path: '/api/v1/catalogue/facets' })
}

module.exports = { ApiError, buildQuery, request, listItems, getItem, getFacets }
