/**
 * Satisfaction results (满意度公示): what the survey centre published for the county, by window,
 * department and township, period by period. Anyone may read it (no sign-in).
 */
const api = require('../../utils/api')
const strings = require('../../utils/strings')
const { resultsView } = require('../../utils/ratings')
const elderlyMode = require('../../behaviors/elderly')

Component({
  behaviors: [elderlyMode],
  data: {
    text: strings.results,
    view: null,
    loading: false,
    loadError: '',
    empty: false,
  },
  methods: {
    onLoad(options) {
      wx.setNavigationBarTitle({ title: strings.results.title })
      return this.load((options && options.period) || '')
    },

    load(period) {
      this.setData({ loading: true, loadError: '' })
      return api.publishedResults(period).then(
        (body) => {
          const view = resultsView(body)
          this.setData({ loading: false, view, empty: !view })
        },
        (err) => this.setData({ loading: false, loadError: err.message })
      )
    },

    onPeriod(event) {
      return this.load(event.currentTarget.dataset.period)
    },
  },
})
