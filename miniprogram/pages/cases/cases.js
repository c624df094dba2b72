/**
 * My cases (我的办件): the signed-in citizen's cases, newest first, with
 * their state; more load at the bottom; a tap opens the progress page.
 */
const api = require('../../utils/api')
const config = require('../../config')
const strings = require('../../utils/strings')
const { caseCard, progressUrl, rememberedCode } = require('../../utils/cases')
const elderlyMode = require('../../behaviors/elderly')

const EMPTY = {
  items: [], total: 0, totalText: '', page: 0, listLoading: false, listLoaded: false, finished: false, listError: '',
}

Component({
  behaviors: [elderlyMode],
  data: Object.assign({ text: strings.cases }, EMPTY),

  methods: {
    onLoad() {
      wx.setNavigationBarTitle({ title: strings.cases.title })
      return this.reload()
    },

    /** Back from a progress page (a withdrawal, a resubmission): show the states as they are now. */
    onShow() {
      if (this.data.listLoaded) return this.reload()
      return Promise.resolve()
    },

    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },

    onReachBottom() {
      const { listLoading, finished, listError, page } = this.data
      if (listLoading || finished || listError) return Promise.resolve()
      return this.fetchPage(page + 1)
    },

    reload() {
      this._seq = (this._seq || 0) + 1
      this.setData(Object.assign({}, EMPTY))
      return this.fetchPage(1)
    },

    retryList() {
      return this.fetchPage(this.data.page + 1)
    },

    fetchPage(page) {
      const seq = this._seq
      this.setData({ listLoading: true, listError: '' })
      return api.myCases(page, config.pageSize).then(
        (body) => {
          if (seq !== this._seq) return
          const cards = (body.items || []).map(caseCard)
          const items = page === 1 ? cards : this.data.items.concat(cards)
          this.setData({
            items,
            total: body.total,
            totalText: strings.cases.total(body.total),
            page,
            listLoading: false,
            listLoaded: true,
            finished: cards.length === 0 || items.length >= body.total,
          })
        },
        (err) => {
          if (seq === this._seq) this.setData({ listLoading: false, listError: err.message })
        }
      )
    },

    onCaseTap(event) {
      const number = event.currentTarget.dataset.number
      wx.navigateTo({ url: progressUrl(number, rememberedCode(number)) })
    },
  },
})
