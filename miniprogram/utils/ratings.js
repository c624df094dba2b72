/**
 * Shaping the rating API's answers (好差评) for the case-rating component and the results page.
 */
const strings = require('./strings')
const { chinaTime } = require('./cases')

function percent(rate) {
  if (rate === null || rate === undefined) return strings.results.none
  return `${Math.round(rate * 1000) / 10}%`
}

/** One stage of GET /cases/{number}/ratings, with the lines the component shows. */
function stageView(stage) {
  const t = strings.rating
  const view = {
    stage: stage.stage, title: t.stage(stage.label), canRate: stage.can_rate, rated: stage.rated,
    note: '', ratingText: '', rectification: null,
  }
  if (!stage.reached) view.note = t.notReached(stage.label)
  else if (stage.can_rate) view.note = t.until(chinaTime(stage.due_at))
  else if (!stage.rated) view.note = t.closed
  if (stage.rating) view.ratingText = t.rated(stage.rating.level) + (stage.rating.default ? t.byDefault : '')
  const r = stage.rectification
  if (r) {
    view.rectification = {
      lines: [t.rectification(r.status_label), r.due_at && r.status === 'open' ? t.due(chinaTime(r.due_at)) : '',
        r.measures ? t.measures(r.measures) : '', r.outcome_label ? t.outcome(r.outcome_label) : ''].filter(Boolean),
      canAppeal: r.can_appeal,
    }
  }
  return view
}

function unitRows(units) {
  return (units || []).map((u) => ({ code: u.code, name: u.name, line: strings.results.row(u.rated, percent(u.rate)) }))
}

/** GET /api/v1/public/satisfaction shaped for the results page; null when nothing is published. */
function resultsView(body) {
  const r = body && body.results
  if (!r) return null
  return {
    period: r.period, label: r.period_label, county: strings.results.county(r.county.rated, percent(r.county.rate)),
    defaults: strings.results.defaults(r.county.defaults),
    groups: [['windows', strings.results.windows], ['departments', strings.results.departments],
      ['townships', strings.results.townships]]
      .map(([key, title]) => ({ key, title, rows: unitRows(r[key]) })).filter((g) => g.rows.length),
    periods: body.periods,
  }
}

module.exports = { percent, stageView, resultsView }
