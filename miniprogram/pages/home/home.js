/**
 * Home (首页): search box, the four entries, hot keywords and popular items.
 */
const api = require('../../utils/api')
const config = require('../../config')
const strings = require('../../utils/strings')
const { itemCard } = require('../../utils/items')
const { parseReceiptLink, progressUrl } = require('../../utils/cases')
const elderlyMode = require('../../behaviors/elderly')
const { setElderly } = require('../../utils/elderly')

/** Entries open a page, or run an action (scan); an entry without either says it is still to come. */
const ENTRIES = [
  { key: 'guide', icon: 'book', url: '/pages/catalogue/catalogue' },
  { key: 'myCases', icon: 'folder', url: '/pages/cases/cases' },
  { key: 'scan', icon: 'scan', action: 'scanReceipt' },
  { key: 'hotline', icon: 'chat-message', url: '/pages/message/message' },
]

function searchUrl(q) {
  return `/pages/search/search${q ? `?q=${encodeURIComponent(q)}` : ''}`
}

Component({
  behaviors: [elderlyMode],

  data: {
    text: strings.home,
    callText: strings.home.elder.call(config.hotlineNumber),
    callLabel: strings.home.elder.callLabel(config.hotlineNumber),
    entries: ENTRIES.map((e) => Object.assign({ label: strings.home.entries[e.key] }, e)),
    keyword: '',
    popular: [],
    popularLoading: false,
    popularError: '',
  },

  methods: {
    onLoad() {
      wx.setNavigationBarTitle({ title: strings.home.title })
      return this.loadPopular()
    },

    onPullDownRefresh() {
      return this.loadPopular().then(() => wx.stopPullDownRefresh())
    },

    loadPopular() {
      this.setData({ popularLoading: true, popularError: '' })
      return api.listItems({ page: 1, page_size: config.popularCount }).then(
        (body) => this.setData({ popular: (body.items || []).map(itemCard), popularLoading: false }),
        (err) => this.setData({ popularError: err.message, popularLoading: false })
      )
    },

    onSearchChange(event) {
      this.setData({ keyword: event.detail.value })
    },

    onSearchSubmit(event) {
      const q = String((event.detail && event.detail.value) || this.data.keyword || '').trim()
      wx.navigateTo({ url: searchUrl(q) })
    },

    onHotKeywordTap(event) {
      wx.navigateTo({ url: searchUrl(event.currentTarget.dataset.keyword) })
    },

    onEntryTap(event) {
      const entry = ENTRIES.find((e) => e.key === event.currentTarget.dataset.key)
      if (entry && entry.action) this[entry.action]()
      else if (entry && entry.url) wx.navigateTo({ url: entry.url })
      else wx.showToast({ title: strings.app.comingSoon, icon: 'none' })
    },

    /** The 长辈模式 switch: remembered on this phone, applied at once. */
    onModeChange(event) {
      const on = !!event.detail.value
      setElderly(on)
      this.applyMode()
      this.selectAllComponents('.home__popular, .home__popular-footer').forEach((card) => card.applyMode())
      wx.showToast({ title: on ? strings.home.elder.on : strings.home.elder.off, icon: 'none' })
    },

    /** 长辈模式's big button: dial the hotline, where a person answers. */
    onCallHotline() {
      wx.makePhoneCall({ phoneNumber: config.hotlineNumber })
    },

    onMyCases() {
      wx.navigateTo({ url: '/pages/cases/cases' })
    },

    /** 扫码查件: the receipt's QR code carries a link with the case number and query code. */
    scanReceipt() {
      wx.scanCode({
        scanType: ['qrCode'],
        success: (res) => {
          const found = parseReceiptLink(res.result)
          if (found) wx.navigateTo({ url: progressUrl(found.number, found.code, 'scan') })
          else wx.showToast({ title: strings.scan.notReceipt, icon: 'none' })
        },
      })
    },
  },
})
