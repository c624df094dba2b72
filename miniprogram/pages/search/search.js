/**
 * Search (搜索事项): free Chinese text or pinyin initials, best match first
 * (the server orders the results). Typing waits for a pause before asking.
 *
 * Opened as /pages/search/search?q=营业执照 it searches at once.
 */
const config = require('../../config')
const strings = require('../../utils/strings')
const pagedItems = require('../../behaviors/paged-items')
const elderlyMode = require('../../behaviors/elderly')

Component({
  behaviors: [pagedItems, elderlyMode],

  data: {
    text: strings.search,
    keyword: '',
    searched: '',
    emptyText: '',
  },

  lifetimes: {
    detached() {
      clearTimeout(this._debounce)
    },
  },

  methods: {
    onLoad(query) {
      wx.setNavigationBarTitle({ title: strings.search.title })
      const q = (query && query.q) || ''
      if (!q) return Promise.resolve()
      this.setData({ keyword: q })
      return this.runSearch(q)
    },

    onReachBottom() {
      return this.loadMore()
    },

    onSearchChange(event) {
      const keyword = event.detail.value || ''
      this.setData({ keyword })
      clearTimeout(this._debounce)
      this._debounce = setTimeout(() => this.runSearch(keyword), config.searchDebounceMs)
    },

    onSearchSubmit(event) {
      clearTimeout(this._debounce)
      return this.runSearch((event.detail && event.detail.value) || this.data.keyword)
    },

    onSearchClear() {
      clearTimeout(this._debounce)
      return this.runSearch('')
    },

    runSearch(raw) {
      const q = String(raw || '').trim()
      if (q === this.data.searched && (this.data.listLoading || this.data.listLoaded)) {
        return Promise.resolve()
      }
      if (!q) {
        this.clearList()
        this.setData({ searched: '' })
        return Promise.resolve()
      }
      this.setData({ searched: q, emptyText: strings.search.empty(q) })
      return this.resetList({ q })
    },
  },
})
