/**
 * 长辈模式 (elderly mode): larger type, larger touch targets, higher contrast and a simpler home.
 * The choice is remembered on the device (storage key `elderly_mode`), not on the server.
 */
const KEY = 'elderly_mode'

function isElderly() {
  return wx.getStorageSync(KEY) === true
}

function setElderly(on) {
  wx.setStorageSync(KEY, !!on)
}

module.exports = { KEY, isElderly, setElderly }
