/**
 * Guide (办事指南): one item's full information sheet and flowchart.
 * Opened as /pages/guide/guide?code=<implementation code>.
 */
const api = require('../../utils/api')
const strings = require('../../utils/strings')
const { guideView } = require('../../utils/guide')
const elderlyMode = require('../../behaviors/elderly')

Component({
  behaviors: [elderlyMode],
  properties: {
    code: { type: String, value: '' },
  },

  data: {
    text: strings.guide,
    guide: null,
    loading: false,
    errorMessage: '',
    notFound: false,
  },

  methods: {
    onLoad(query) {
      wx.setNavigationBarTitle({ title: strings.guide.title })
      this._code = (query && query.code) || this.data.code
      return this.loadGuide()
    },

    loadGuide() {
      if (!this._code) {
        this.setData({ errorMessage: strings.errors.notFound, notFound: true })
        return Promise.resolve()
      }
      this.setData({ loading: true, errorMessage: '', notFound: false })
      return api.getItem(this._code).then(
        (item) => {
          this.setData({ loading: false, guide: guideView(item) })
          wx.setNavigationBarTitle({ title: item.name })
        },
        (err) => this.setData({ loading: false, errorMessage: err.message, notFound: err.status === 404 })
      )
    },

    onCall(event) {
      wx.makePhoneCall({ phoneNumber: event.currentTarget.dataset.phone })
    },

    onApply() {
      const guide = this.data.guide
      if (!guide || !guide.online) return
      wx.navigateTo({ url: `/pages/apply/apply?code=${encodeURIComponent(guide.code)}` })
    },
  },
})
