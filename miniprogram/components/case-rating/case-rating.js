/**
 * Rating a case (好差评) on its progress page: one block per rated stage (受理, 办结). A stage the case has
 * reached and that is still open shows the five levels, reasons fitting the level and a note; a rated one
 * shows the rating and, for a bad review, its rectification with the one appeal the citizen may make.
 * Stays hidden when the case is not the signed-in citizen's (the server says so) or cannot be rated.
 */
const api = require('../../utils/api')
const strings = require('../../utils/strings')
const { stageView } = require('../../utils/ratings')
const elderlyMode = require('../../behaviors/elderly')

Component({
  behaviors: [elderlyMode],
  options: { styleIsolation: 'apply-shared' },
  properties: {
    number: { type: String, value: '' },
  },
  data: {
    text: strings.rating,
    shown: false,
    stages: [],
    levels: [],
    choice: { stage: '', level: 0, reasons: [], text: '' },
    reasons: [],
    reasonsTitle: '',
    busy: false,
    error: '',
    appealing: '',
    appealText: '',
  },
  lifetimes: {
    attached() {
      return this.load()
    },
  },
  methods: {
    load() {
      if (!this.data.number) return Promise.resolve()
      return api.getRatings(this.data.number).then(
        (body) => {
          this._body = body
          const stages = body.stages.map(stageView)
          const levels = body.levels.map((l) => Object.assign({ bad: l.score <= 2 }, l))
          this.setData({ shown: stages.some((s) => s.canRate || s.rated), stages, levels, error: '' })
        },
        () => this.setData({ shown: false })
      )
    },

    onLevel(event) {
      const { stage, level } = event.currentTarget.dataset
      const score = Number(level)
      const reasons = (score <= 2 ? this._body.bad_reasons : this._body.good_reasons).map((name) => ({ name, on: false }))
      const reasonsTitle = score <= 2 ? strings.rating.reasonsBad : strings.rating.reasonsGood
      this.setData({ choice: { stage, level: score, reasons: [], text: this.data.choice.text }, reasons, reasonsTitle, error: '' })
    },

    onReason(event) {
      const name = event.currentTarget.dataset.name
      const reasons = this.data.reasons.map((r) => (r.name === name ? { name, on: !r.on } : r))
      this.setData({ reasons, 'choice.reasons': reasons.filter((r) => r.on).map((r) => r.name) })
    },

    onText(event) {
      this.setData({ 'choice.text': event.detail.value })
    },

    onSubmit(event) {
      const stage = event.currentTarget.dataset.stage
      const { choice } = this.data
      if (this.data.busy) return Promise.resolve()
      if (choice.stage !== stage || !choice.level) {
        this.setData({ error: strings.rating.chooseLevel })
        return Promise.resolve()
      }
      this.setData({ busy: true, error: '' })
      const body = { stage, level: choice.level, reasons: choice.reasons, text: choice.text.trim() }
      return api.rateCase(this.data.number, body).then(
        () => {
          this.setData({ busy: false, choice: { stage: '', level: 0, reasons: [], text: '' }, reasons: [] })
          wx.showToast({ title: strings.rating.thanks, icon: 'success' })
          return this.load()
        },
        (err) => this.setData({ busy: false, error: err.message })
      )
    },

    onAppealOpen(event) {
      this.setData({ appealing: event.currentTarget.dataset.stage, appealText: '', error: '' })
    },

    onAppealText(event) {
      this.setData({ appealText: event.detail.value })
    },

    onAppealSubmit() {
      const reason = this.data.appealText.trim()
      if (!reason) {
        this.setData({ error: strings.rating.appealRequired })
        return Promise.resolve()
      }
      this.setData({ busy: true, error: '' })
      return api.appealRating(this.data.number, this.data.appealing, reason).then(
        () => {
          this.setData({ busy: false, appealing: '' })
          wx.showToast({ title: strings.rating.appealed, icon: 'success' })
          return this.load()
        },
        (err) => this.setData({ busy: false, error: err.message })
      )
    },

    onResults() {
      wx.navigateTo({ url: '/pages/results/results' })
    },
  },
})
