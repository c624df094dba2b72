/**
 * Picks one material file on the phone: a photo (camera or album) or a
 * file from a WeChat chat (PDF or image). Resolves with {path, filename},
 * or null when the person cancels.
 */
const strings = require('./strings')

const CHAT_EXTENSIONS = ['pdf', 'jpg', 'jpeg', 'png']

function extensionOf(path) {
  const match = /\.([A-Za-z0-9]+)$/.exec(path || '')
  return match ? match[1].toLowerCase() : ''
}

function whenChosen(call, options) {
  return new Promise((resolve) => {
    call(Object.assign({}, options, {
      success: resolve,
      fail: () => resolve(null),
    }))
  })
}

function fromAlbum(baseName) {
  return whenChosen(wx.chooseMedia, {
    count: 1, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'],
  }).then((res) => {
    const file = res && res.tempFiles && res.tempFiles[0]
    if (!file) return null
    const ext = extensionOf(file.tempFilePath) || 'jpg'
    return { path: file.tempFilePath, filename: `${baseName}.${ext}` }
  })
}

function fromChat() {
  return whenChosen(wx.chooseMessageFile, { count: 1, type: 'file', extension: CHAT_EXTENSIONS }).then((res) => {
    const file = res && res.tempFiles && res.tempFiles[0]
    return file ? { path: file.path, filename: file.name } : null
  })
}

/** Asks where the file comes from, then lets the person pick it; `baseName` names photos. */
function chooseFile(baseName) {
  return whenChosen(wx.showActionSheet, { itemList: [strings.upload.fromAlbum, strings.upload.fromChat] })
    .then((res) => {
      if (!res) return null
      return res.tapIndex === 1 ? fromChat() : fromAlbum(baseName)
    })
}

module.exports = { chooseFile }
