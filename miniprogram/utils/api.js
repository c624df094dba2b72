/**
 * The Sunshine 365 API as the mini-program uses it: one function per endpoint.
 *
 * Every call returns a Promise (the transport is utils/http.js). A non-2xx answer in our JSON error shape
 * {"error": {"code", "message"}} rejects with an ApiError whose message is
 * the server's Chinese text, so pages can show it as it is (utils/http.js).
 *
 * Citizen endpoints go through signedInRequest: it signs in when there is no
 * token and, on a 401, signs in again once and retries once (utils/auth.js).
 */
const http = require('./http')
const auth = require('./auth')
const strings = require('./strings')

const { ApiError, buildQuery, request } = http

/**
 * A request that needs the citizen signed in: signs in first when there is
 * no token; on a 401 (token expired or revoked) signs in again once and
 * retries once.
 */
function signedInRequest(options) {
  return auth.ensureLogin().then(() => {
    const used = auth.currentToken()
    return request(options).catch((err) => {
      if (err.status !== 401) throw err
      return auth.renewAfterRejection(used).then(() => request(options))
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


/** GET /api/v1/tenant: the county's departments, townships and centres. */
function getTenant() {
  return request({ path: '/api/v1/tenant' })
}

const casePath = (number, tail = '') => `/api/v1/cases/${encodeURIComponent(number)}${tail}`

/**
 * POST /api/v1/cases as the signed-in citizen. The same idempotencyKey on a
 * retry makes the server answer the case the first attempt created.
 */
function submitCase(payload, idempotencyKey) {
  return signedInRequest({
    path: '/api/v1/cases', method: 'POST', data: payload, header: { 'Idempotency-Key': idempotencyKey },
  })
}

/** GET /api/v1/my/cases: the citizen's own and claimed cases, newest first. */
function myCases(page, pageSize) {
  return signedInRequest({ path: '/api/v1/my/cases', query: { page, page_size: pageSize } })
}

/**
 * GET /api/v1/cases/{number}/progress. With the receipt's query code anyone
 * may look; without it the citizen must be signed in and be the applicant.
 */
function getProgress(number, code) {
  const options = { path: casePath(number, '/progress'), query: { code } }
  return code ? request(options) : signedInRequest(options)
}

/** POST /api/v1/cases/{number}/claim: adds a scanned receipt's case to "my cases". */
function claimCase(number, queryCode) {
  return signedInRequest({ path: casePath(number, '/claim'), method: 'POST', data: { query_code: queryCode } })
}

/** POST /api/v1/cases/{number}/{resubmit|withdraw}: the applicant's own steps. */
function caseAction(number, action, body) {
  return signedInRequest({ path: casePath(number, `/${action}`), method: 'POST', data: body || {} })
}

/**
 * POST /api/v1/fees/slips/{slip}/wechatpay: a WeChat Pay order for the citizen's own slip;
 * resolves with {slip, total_yuan, payment} where payment is what wx.requestPayment takes.
 */
function orderFeePayment(slip) {
  return signedInRequest({ path: `/api/v1/fees/slips/${encodeURIComponent(slip)}/wechatpay`, method: 'POST', data: {} })
}

const CONTENT_TYPES = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', pdf: 'application/pdf' }

/** The content type our upload endpoint accepts for a file name, or ''. */
function contentTypeOf(filename) {
  const match = /\.([A-Za-z0-9]+)$/.exec(filename || '')
  return (match && CONTENT_TYPES[match[1].toLowerCase()]) || ''
}

function readLocalFile(filePath) {
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().readFile({
      filePath,
      success: (res) => resolve(res.data),
      fail: () => reject(new ApiError(strings.upload.readFailed, 'read_failed', 0)),
    })
  })
}

/**
 * POST /api/v1/uploads with the file itself as the raw body (the endpoint
 * does not take multipart, so wx.uploadFile cannot be used).
 * Resolves with {id, filename, content_type, size, sha256}.
 */
function uploadFile(filePath, filename) {
  const contentType = contentTypeOf(filename) || contentTypeOf(filePath)
  if (!contentType) return Promise.reject(new ApiError(strings.upload.unsupported, 'unsupported_type', 0))
  return readLocalFile(filePath).then((data) => signedInRequest({
    path: '/api/v1/uploads', method: 'POST', query: { filename }, data, header: { 'Content-Type': contentType },
  }))
}

/** POST /api/v1/hotline/messages: a citizen's 热线留言 {content, phone, township, photos, location}. */
function submitMessage(payload) {
  return signedInRequest({ path: '/api/v1/hotline/messages', method: 'POST', data: payload })
}

/** GET /api/v1/hotline/messages: the citizen's own messages, newest first. */
function myMessages() {
  return signedInRequest({ path: '/api/v1/hotline/messages' })
}

/** GET /api/v1/hotline/messages/{number}: one message with its state and the reply once there is one. */
function getMessage(number) {
  return signedInRequest({ path: `/api/v1/hotline/messages/${encodeURIComponent(number)}` })
}

/** GET /api/v1/cases/{number}/ratings: each rated stage of the citizen's case, with its rating and rectification. */
function getRatings(number) {
  return signedInRequest({ path: casePath(number, '/ratings') })
}

/** POST /api/v1/cases/{number}/ratings {stage, level 1-5, reasons, text}: rates one stage (once). */
function rateCase(number, body) {
  return signedInRequest({ path: casePath(number, '/ratings'), method: 'POST', data: body })
}

/** POST /api/v1/cases/{number}/ratings/{stage}/appeal {reason}: appeals a bad review's rectification (once). */
function appealRating(number, stage, reason) {
  return signedInRequest({ path: casePath(number, `/ratings/${stage}/appeal`), method: 'POST', data: { reason } })
}

/** GET /api/v1/public/satisfaction: the published satisfaction results (the latest period, or `period`). */
function publishedResults(period) {
  return request({ path: '/api/v1/public/satisfaction', query: { period } })
}

module.exports = {
  ApiError,
  buildQuery,
  request,
  signedInRequest,
  listItems,
  getItem,
  getFacets,
  getTenant,
  citizenLogin: http.citizenLogin,
  submitCase,
  myCases,
  getProgress,
  claimCase,
  caseAction,
  orderFeePayment,
  contentTypeOf,
  uploadFile,
  submitMessage,
  myMessages,
  getMessage,
  getRatings,
  rateCase,
  appealRating,
  publishedResults,
}
