/**
 * Catalogue (办事指南): browse the power list (权力清单) by department, by
 * life event or theme, or by township; then a paged list of the items.
 *
 * Deep link: ?department=scjgj (or township / life_event / theme) &label=...
 */
const api = require('../../utils/api')
const strings = require('../../utils/strings')
const pagedItems = require('../../behaviors/paged-items')
const elderlyMode = require('../../behaviors/elderly')

const FILTER_KEYS = ['department', 'township', 'life_event', 'theme']

function withCountText(entries) {
  return (entries || []).map((e) => Object.assign({ countText: strings.catalogue.count(e.count) }, e))
}

Component({
  behaviors: [pagedItems, elderlyMode],

  data: {
    text: strings.catalogue,
    activeTab: 'department',
    facets: { departments: [], lifeEvents: [], themes: [], townships: [] },
    facetsLoading: false,
    facetsError: '',
    filter: null,
  },

  methods: {
    onLoad(query) {
      wx.setNavigationBarTitle({ title: strings.catalogue.title })
      const key = FILTER_KEYS.find((k) => query && query[k])
      if (key) this.applyFilter(key, query[key], query.label || query[key])
      return this.loadFacets()
    },

    onReachBottom() {
      if (this.data.filter) return this.loadMore()
      return Promise.resolve()
    },

    loadFacets() {
      this.setData({ facetsLoading: true, facetsError: '' })
      return api.getFacets().then(
        (body) => this.setData({
          facetsLoading: false,
          facets: {
            departments: withCountText(body.departments),
            lifeEvents: withCountText(body.life_events),
            themes: withCountText(body.themes),
            townships: withCountText(body.townships),
          },
        }),
        (err) => this.setData({ facetsLoading: false, facetsError: err.message })
      )
    },

    onTabChange(event) {
      this.setData({ activeTab: event.detail.value })
    },

    onFacetTap(event) {
      const { key, value, label } = event.currentTarget.dataset
      return this.applyFilter(key, value, label)
    },

    applyFilter(key, value, label) {
      this.setData({ filter: { key, value, label } })
      return this.resetList({ [key]: value })
    },

    onBack() {
      this.clearList()
      this.setData({ filter: null })
    },
  },
})
