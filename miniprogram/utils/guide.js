/**
 * Builds what the guide page (办事指南) shows from an ItemGuide answer:
 * labels, the ordered flowchart, promised vs statutory days side by side.
 */
const strings = require('./strings')
const { KIND_THEMES } = require('./items')

const text = strings.guide

/** Percentage the promised limit saves on the statutory one, or 0. */
function fasterPercent(item) {
  const { promised_days: promised, statutory_days: statutory } = item
  if (!statutory || promised >= statutory) return 0
  const ratio = typeof item.compression === 'number' ? item.compression : promised / statutory
  return Math.round((1 - ratio) * 100)
}

function materialView(m) {
  const details = [text.form[m.form], m.copies ? text.copies(m.copies) : '', m.source ? text.source(m.source) : '']
  return {
    name: m.name,
    required: m.requirement === 'required',
    requirementText: text.requirement[m.requirement] || '',
    detail: details.filter(Boolean).join(' · '),
    condition: m.condition || '',
    note: m.note || '',
  }
}

function stepView(step) {
  return {
    order: step.order,
    title: `${step.order}. ${step.name}（${step.role_label}）`,
    content: [step.description, text.stepDays(step.days)].filter(Boolean).join(' · '),
  }
}

function feeView(fee) {
  return {
    name: fee.name,
    standard: fee.standard,
    basisText: fee.basis ? text.feeBasis(fee.basis) : '',
    exemption: !!fee.exemption_allowed,
  }
}

function guideView(item) {
  const faster = fasterPercent(item)
  const steps = (item.steps || []).slice().sort((a, b) => a.order - b.order)
  return {
    code: item.code,
    name: item.name,
    itemType: item.item_type,
    kindLabel: item.kind_label,
    kindTheme: KIND_THEMES[item.kind] || 'default',
    departmentLine: text.line(text.department, (item.department && item.department.name) || ''),
    codeLine: text.line(text.code, item.code),
    promisedText: text.days(item.promised_days),
    statutoryText: text.days(item.statutory_days),
    fasterText: faster > 0 ? text.faster(faster) : '',
    legalBasis: item.legal_basis || [],
    conditions: item.conditions || [],
    materials: (item.materials || []).map(materialView),
    steps: steps.map(stepView),
    fees: (item.fees || []).map(feeView),
    prerequisites: (item.prerequisites || []).map((p) => p.name).join('、'),
    jointDepartments: (item.joint_departments || []).map((d) => d.name).join('、'),
    reportTo: item.report_to || '',
    resultText: item.result && item.result.name ? `${item.result.name}（${item.result.type}）` : '',
    deliveryText: (item.delivery_methods || []).map((m) => text.deliveryMethods[m] || m).join('、'),
    places: (item.places || []).map((p) => Object.assign({ hoursText: p.hours ? text.hours(p.hours) : '' }, p)),
    phone: item.phone || '',
    complaintPhone: item.complaint_phone || '',
    online: !!item.online,
  }
}

module.exports = { guideView, fasterPercent }
