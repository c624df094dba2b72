/**
 * 阳光365 mini-program entry. Pages keep their own state; the app only
 * remembers where the API lives so later pages (login, apply) can share it.
 */
const config = require('./config')

App({
  globalData: {
    baseUrl: config.baseUrl,
  },
})
