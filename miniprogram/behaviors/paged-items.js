/**
 * Shared by every page that lists items: first page, load more at the
 * bottom, loading and error states.
 *
 * A page calls resetList(filters) to start a new list; loadMore() from
 * onReachBottom; answers to an outdated list are dropped.
 */
const api = require('../utils/api')
const config = require('../config')
const strings = require('../utils/strings')
const { itemCard } = require('../utils/items')

const EMPTY_LIST = {
  items: [],
  total: 0,
  totalText: '',
  page: 0,
  listLoading: false,
  listLoaded: false,
  finished: false,
  listError: '',
  similarOnly: false,
}

module.exports = Behavior({
  data: Object.assign({}, EMPTY_LIST),

  methods: {
    resetList(filters) {
      this.clearList()
      this._filters = filters
      return this.fetchPage(1)
    },

    /** Forget the current list; answers still on their way are ignored. */
    clearList() {
      this._filters = null
      this._listSeq = (this._listSeq || 0) + 1
      this.setData(Object.assign({}, EMPTY_LIST))
    },

    loadMore() {
      const { listLoading, finished, listError, page } = this.data
      if (!this._filters || listLoading || finished || listError) return Promise.resolve()
      return this.fetchPage(page + 1)
    },

    retryList() {
      if (!this._filters) return Promise.resolve()
      return this.fetchPage(this.data.page + 1)
    },

    fetchPage(page) {
      const seq = this._listSeq
      this.setData({ listLoading: true, listError: '' })
      const query = Object.assign({}, this._filters, { page, page_size: config.pageSize })
      return api.listItems(query).then(
        (body) => {
          if (seq !== this._listSeq) return
          const cards = (body.items || []).map(itemCard)
          const items = page === 1 ? cards : this.data.items.concat(cards)
          this.setData({
            items,
            total: body.total,
            totalText: strings.list.total(body.total),
            page,
            listLoading: false,
            listLoaded: true,
            finished: cards.length === 0 || items.length >= body.total,
            similarOnly: body.total > 0 && body.similar_total === body.total,
          })
        },
        (err) => {
          if (seq !== this._listSeq) return
          this.setData({ listLoading: false, listError: err.message })
        }
      )
    },
  },
})
