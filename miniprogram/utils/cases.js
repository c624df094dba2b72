/**
 * Cases (办件) as the citizen sees them: list rows, the progress page, the
 * receipt's QR link, China-time dates and the query codes remembered on
 * this phone. WXML cannot call functions, so every label is built here.
 */
const strings = require('./strings')

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000
const CASE_NUMBER = /^\d{6}-\d{8}-\d{5,}$/
const RECEIPT_PATH = '/m/case'
const CODES_KEY = 'case_codes'
const WITHDRAWABLE = ['submitted', 'supplement_requested', 'accepted', 'in_review', 'paused', 'review_supplement', 'awaiting_payment']
const SUPPLEMENT_STATES = ['supplement_requested', 'review_supplement']
const SUPPLEMENT_EVENTS = ['SupplementRequested', 'ReviewSupplementRequested']
const STOPPED_STATES = ['paused', 'review_supplement']

/** TDesign tag theme per case state. */
const STATE_THEMES = {
  submitted: 'warning',
  supplement_requested: 'danger',
  rejected: 'danger',
  accepted: 'primary',
  in_review: 'primary',
  paused: 'warning',
  review_supplement: 'danger',
  approved: 'success',
  refused: 'danger',
  forwarded: 'primary',
  reply_recorded: 'primary',
  delivering: 'success',
  delivered: 'success',
  withdrawn: 'default',
  awaiting_payment: 'warning',
}

const pad = (n) => String(n).padStart(2, '0')

/** "2026-11-28 14:30" in China time (UTC+8) for an ISO moment, whatever the phone's zone; '' for none. */
function chinaTime(iso) {
  if (!iso) return ''
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return ''
  const t = new Date(ms + CHINA_OFFSET_MS)
  const day = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`
  return `${day} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`
}

/** Query code as typed or printed: upper case, no spaces or hyphens. */
function cleanQueryCode(code) {
  return String(code || '').replace(/[\s-]/g, '').toUpperCase()
}

function queryParams(search) {
  const params = {}
  search.split('&').filter(Boolean).forEach((pair) => {
    const at = pair.indexOf('=')
    const key = at < 0 ? pair : pair.slice(0, at)
    const value = at < 0 ? '' : pair.slice(at + 1)
    try {
      params[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\+/g, ' '))
    } catch (err) {
      // a malformed escape: leave that parameter out
    }
  })
  return params
}

/**
 * {number, code} from a receipt's QR link
 * (https://host/m/case?number=610924-20261128-00042&code=7KQ3MX9P), or null.
 */
function parseReceiptLink(link) {
  const match = /^https?:\/\/[^/?#]+([^?#]*)\?([^#]*)/.exec(String(link || '').trim())
  if (!match || match[1].replace(/\/+$/, '') !== RECEIPT_PATH) return null
  const params = queryParams(match[2])
  const number = String(params.number || '').trim()
  const code = cleanQueryCode(params.code)
  if (!CASE_NUMBER.test(number) || !code) return null
  return { number, code }
}

/** The same from the `q` option WeChat passes when a scanned link opens the page (URL-encoded). */
function parseScanOption(q) {
  try {
    return parseReceiptLink(decodeURIComponent(q || ''))
  } catch (err) {
    return null
  }
}

function progressUrl(number, code, source) {
  const parts = [`number=${encodeURIComponent(number)}`]
  if (code) parts.push(`code=${encodeURIComponent(code)}`)
  if (source) parts.push(`source=${source}`)
  return `/pages/progress/progress?${parts.join('&')}`
}

function storedCodes() {
  try {
    const codes = wx.getStorageSync(CODES_KEY)
    return codes && typeof codes === 'object' ? codes : {}
  } catch (err) {
    return {}
  }
}

/** Keeps a case's query code on this phone, so a claimed case opens again from "my cases". */
function rememberCode(number, code) {
  if (!number || !code) return
  const codes = storedCodes()
  codes[number] = cleanQueryCode(code)
  try {
    wx.setStorageSync(CODES_KEY, codes)
  } catch (err) {
    // storage full or unavailable: the case still opens for its applicant
  }
}

function rememberedCode(number) {
  return storedCodes()[number] || ''
}

/** A fresh Idempotency-Key for one filled-in form. */
function newIdempotencyKey() {
  const random = () => Math.random().toString(36).slice(2, 10)
  return `mp-${Date.now().toString(36)}-${random()}${random()}`
}

/** A report-up case approved by the county is not approved yet: it waits on the higher authority. */
function stateTheme(summary) {
  if (summary.kind === 'report_up' && (summary.state === 'approved' || summary.state === 'forwarded')) return 'primary'
  return STATE_THEMES[summary.state] || 'default'
}

/** One row of "my cases". */
function caseCard(summary) {
  return {
    number: summary.number,
    itemName: summary.item_name,
    stateLabel: summary.state_label,
    stateTheme: stateTheme(summary),
    numberLine: strings.cases.numberLine(summary.number),
    submittedLine: summary.submitted_at ? strings.cases.submittedLine(chinaTime(summary.submitted_at)) : '',
  }
}

function stepView(event) {
  const details = [chinaTime(event.at), event.reason, (event.materials || []).join('、')]
  return { seq: event.seq, label: event.label, content: details.filter(Boolean).join(' · ') }
}

function dueText(p) {
  if (!p.due_at && STOPPED_STATES.includes(p.state)) return strings.progress.dueStopped
  if (!p.due_at) return strings.progress.dueNotStarted
  const time = chinaTime(p.due_at)
  return p.due_provisional ? strings.progress.dueProvisional(time) : time
}

/** The progress page's view of GET /api/v1/cases/{number}/progress. */
function progressView(p) {
  const timeline = (p.timeline || []).slice().sort((a, b) => a.seq - b.seq).map(stepView)
  const supplementEvent = (p.timeline || []).filter((e) => SUPPLEMENT_EVENTS.includes(e.type)).pop()
  const supplement = SUPPLEMENT_STATES.includes(p.state)
  return {
    number: p.number,
    itemName: p.item_name,
    stateLabel: p.state_label,
    stateTheme: stateTheme(p),
    applicantName: p.applicant_name || '',
    submittedText: chinaTime(p.submitted_at),
    acceptedText: chinaTime(p.accepted_at),
    dueText: p.finished ? '' : dueText(p),
    deliveryLabel: p.delivery_label || '',
    outcomeReason: p.outcome_reason || '',
    timeline,
    currentStep: p.finished ? timeline.length : Math.max(timeline.length - 1, 0),
    supplement,
    supplementReason: supplement && supplementEvent ? supplementEvent.reason || '' : '',
    missingMaterials: supplement ? (p.missing_materials || []).map((name) => ({ name, required: true })) : [],
    withdrawable: WITHDRAWABLE.includes(p.state),
    fee: feeView(p.fee),
  }
}

/**
 * The payment slip on the case page: its state for anyone; its lines, total
 * and a pay button only when the server sent amounts (the applicant's own case).
 */
function feeView(fee) {
  if (!fee) return null
  const lines = (fee.lines || []).map((l) => ({
    name: l.option ? `${l.name}（${l.option}）` : l.name,
    amount: strings.fee.yuan(l.amount_yuan),
    quantity: `${l.quantity} ${l.unit}`,
  }))
  return {
    slip: fee.slip,
    stateLabel: fee.state_label,
    paid: fee.state === 'paid',
    totalText: fee.total_yuan ? strings.fee.yuan(fee.total_yuan) : '',
    dueDate: fee.due_date || '',
    lines,
    payable: fee.state === 'due' && !!fee.total_yuan && !fee.problem,
    problem: fee.problem || '',
    refundText: fee.refund_due_fen ? (fee.refunded ? strings.fee.refunded : strings.fee.refundDue) : '',
  }
}

module.exports = {
  STATE_THEMES,
  chinaTime,
  cleanQueryCode,
  parseReceiptLink,
  parseScanOption,
  progressUrl,
  rememberCode,
  rememberedCode,
  newIdempotencyKey,
  caseCard,
  progressView,
  feeView,
}
