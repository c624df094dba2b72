/**
 * Citizen sign-in (小程序登录): wx.login gives a one-time code, the server
 * swaps it for a session token, kept in storage under `token` where
 * utils/http.js picks it up for the Authorization header.
 *
 * Sign-in is silent (no prompt), so pages simply ask for it when a request
 * needs it; concurrent callers share one login.
 */
const http = require('./http')
const strings = require('./strings')

const TOKEN_KEY = 'token'

let pending = null

function currentToken() {
  try {
    return wx.getStorageSync(TOKEN_KEY) || ''
  } catch (err) {
    return ''
  }
}

function hasToken() {
  return !!currentToken()
}

function clearToken() {
  try {
    wx.removeStorageSync(TOKEN_KEY)
  } catch (err) {
    // storage unavailable: nothing to forget
  }
}

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res && res.code ? resolve(res.code) : reject(loginError())),
      fail: () => reject(loginError()),
    })
  })
}

function loginError() {
  return new http.ApiError(strings.auth.loginFailed, 'login_failed', 0)
}

/** Always signs in afresh: wx.login, then POST /api/v1/citizen/login; resolves with the token. */
function login() {
  if (pending) return pending
  pending = wxLoginCode()
    .then((code) => http.citizenLogin(code))
    .then((body) => {
      wx.setStorageSync(TOKEN_KEY, body.token)
      return body.token
    })
  const done = () => {
    pending = null
  }
  pending.then(done, done)
  return pending
}

/** The stored token, or a fresh sign-in when there is none. */
function ensureLogin() {
  const token = currentToken()
  return token ? Promise.resolve(token) : login()
}

/**
 * After the server refused `rejectedToken` (401): forget it and sign in
 * again, unless another request has already replaced it.
 */
function renewAfterRejection(rejectedToken) {
  const token = currentToken()
  if (token && token !== rejectedToken) return Promise.resolve(token)
  clearToken()
  return login()
}

module.exports = { TOKEN_KEY, currentToken, hasToken, clearToken, login, ensureLogin, renewAfterRejection }
