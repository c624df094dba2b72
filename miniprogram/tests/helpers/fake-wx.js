/**
 * Stand-ins for the WeChat platform APIs the case pages use (not our
 * server: that is fake-api.js): storage kept in memory, wx.login handing out
 * codes, the file pickers, the file system, modal dialogs, navigation and
 * the QR scanner. Every call is recorded so tests can check what happened.
 *
 * options: { storage: {key: value}, confirm: true|false (answer of showModal),
 *            sheetIndex: 0|1, media: [{tempFilePath}], chatFiles: [{path, name}],
 *            files: {path: ArrayBuffer}, scan: 'text' | null (null: cancelled) }
 */
function bytes(...values) {
  return new Uint8Array(values).buffer
}

const JPEG = bytes(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3)
const PDF = bytes(0x25, 0x50, 0x44, 0x46, 0x2d, 0x31)

function later(fn) {
  setTimeout(fn, 0)
}

function installFakeWx(options = {}) {
  const storage = Object.assign({}, options.storage)
  const calls = { login: 0, modal: [], toast: [], navigateTo: [], redirectTo: [], readFile: [] }
  let codes = 0

  wx.getStorageSync = (key) => (key in storage ? storage[key] : '')
  wx.setStorageSync = (key, value) => {
    storage[key] = value
  }
  wx.removeStorageSync = (key) => {
    delete storage[key]
  }
  wx.login = ({ success }) => {
    calls.login += 1
    codes += 1
    later(() => success({ code: `wx-code-${codes}`, errMsg: 'login:ok' }))
  }
  wx.showModal = (opts) => {
    calls.modal.push(opts)
    later(() => opts.success({ confirm: options.confirm !== false, cancel: options.confirm === false }))
  }
  wx.showToast = (opts) => calls.toast.push(opts)
  wx.navigateTo = (opts) => calls.navigateTo.push(opts.url)
  wx.redirectTo = (opts) => calls.redirectTo.push(opts.url)
  wx.setNavigationBarTitle = () => {}
  wx.stopPullDownRefresh = () => {}
  wx.showActionSheet = (opts) => later(() => opts.success({ tapIndex: options.sheetIndex || 0 }))
  wx.chooseMedia = (opts) => later(() => opts.success({ tempFiles: options.media || [{ tempFilePath: 'http://tmp/photo1.jpg' }] }))
  wx.chooseMessageFile = (opts) => later(() => opts.success({ tempFiles: options.chatFiles || [] }))
  wx.getFileSystemManager = () => ({
    readFile({ filePath, success, fail }) {
      calls.readFile.push(filePath)
      const files = options.files || { 'http://tmp/photo1.jpg': JPEG }
      later(() => (files[filePath] ? success({ data: files[filePath] }) : fail({ errMsg: 'readFile:fail' })))
    },
  })
  wx.scanCode = (opts) => later(() => {
    if (options.scan === null) {
      if (opts.fail) opts.fail({ errMsg: 'scanCode:fail cancel' })
    } else opts.success({ result: options.scan || '', scanType: 'QR_CODE' })
  })

  return { storage, calls }
}

module.exports = { installFakeWx, JPEG, PDF }
