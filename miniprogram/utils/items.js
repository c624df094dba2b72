/**
 * Turns API items (事项) into what the pages show: WXML cannot call
 * functions, so every label is computed here once.
 */
const strings = require('./strings')

/** TDesign tag theme per item kind (即办件 / 承诺件 / 联办件 / 上报件). */
const KIND_THEMES = {
  immediate: 'success',
  promised: 'primary',
  joint: 'warning',
  report_up: 'default',
}

function guideUrl(code) {
  return `/pages/guide/guide?code=${encodeURIComponent(code)}`
}

/** One row of a list: name, kind tag, department, promised vs statutory days. */
function itemCard(item) {
  return {
    code: item.code,
    name: item.name,
    kindLabel: item.kind_label,
    kindTheme: KIND_THEMES[item.kind] || 'default',
    department: (item.department && item.department.name) || '',
    promisedText: strings.list.promised(item.promised_days),
    statutoryText: strings.list.statutory(item.statutory_days),
    online: !!item.online,
    similar: !!item.similar,
    similarText: item.similar_label || '',
  }
}

module.exports = { KIND_THEMES, guideUrl, itemCard }
