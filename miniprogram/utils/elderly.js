/**
 * 长辈模式 (elderly mode): larger type, larger touch targets, higher contrast and a simpler home.
 * The choice is remembered on the device (storage key `elderly_mode`), not on the server. Until the
 * person chooses, the mode follows WeChat's own font setting: a phone set to large type (WeChat's
 * 关怀模式 and the sizes above it) opens in 长辈模式.
 */
const KEY = 'elderly_mode'
// WeChat's 关怀模式 type is 23.8px over a 17px standard (about 1.4x); anything from 1.3x counts as large.
const LARGE_TYPE_SCALE = 1.3

function wechatTypeIsLarge() {
  if (typeof wx.getAppBaseInfo !== 'function') return false
  const info = wx.getAppBaseInfo() || {}
  return Number(info.fontSizeScaleFactor) >= LARGE_TYPE_SCALE
}

function isElderly() {
  const chosen = wx.getStorageSync(KEY)
  if (chosen === true || chosen === false) return chosen
  return wechatTypeIsLarge()
}

function setElderly(on) {
  wx.setStorageSync(KEY, !!on)
}

module.exports = { KEY, isElderly, setElderly }
