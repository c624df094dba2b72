/** Answers shaped like the case pipeline API (notes/cases-api.md, backend/services/case_views.py). */
const { licenceGuide } = require('./fixtures')

const NUMBER = '610924-20261128-00042'
const QUERY_CODE = '7KQ3MX9P'

function event(seq, type, label, at, extra = {}) {
  return Object.assign({ seq, type, label, at, to_state: '', state_label: '', reason: '', actor_role: '' }, extra)
}

/** A promised item accepted and with its department: three steps so far. */
function progressBody(overrides = {}) {
  return Object.assign({
    number: NUMBER,
    state: 'in_review',
    state_label: '审批中',
    item_code: '610924-000105001001-01',
    item_name: '个体工商户设立登记',
    kind: 'promised',
    kind_label: '承诺件',
    channel: 'miniprogram',
    channel_label: '阳光365小程序',
    centre: 'county',
    departments: [{ code: 'scjgj', name: '紫阳县市场监督管理局' }],
    promised_days: 1,
    statutory_days: 15,
    submitted_at: '2026-11-28T01:05:00+00:00',
    accepted_at: '2026-11-28T02:00:00+00:00',
    decided_at: null,
    delivered_at: null,
    due_at: '2026-11-30T10:00:00+00:00',
    due_provisional: false,
    delivery_method: 'window',
    delivery_label: '窗口领取',
    outcome: '',
    outcome_reason: '',
    finished: false,
    missing_materials: [],
    applicant_name: '张*三',
    applicant_phone: '138****1234',
    timeline: [
      event(1, 'CaseSubmitted', '提交申请', '2026-11-28T01:05:00+00:00', { actor_role: '申请人' }),
      event(2, 'CaseAccepted', '窗口受理', '2026-11-28T02:00:00+00:00', { actor_role: '窗口人员' }),
      event(3, 'TaskAssigned', '分派部门审批（紫阳县市场监督管理局）', '2026-11-28T02:00:01+00:00'),
    ],
  }, overrides)
}

/** The same case after the window asked, once, for two missing materials. */
function supplementBody() {
  return progressBody({
    state: 'supplement_requested',
    state_label: '待补正',
    accepted_at: null,
    due_at: null,
    missing_materials: ['经营场所证明', '经营者身份证件'],
    timeline: [
      event(1, 'CaseSubmitted', '提交申请', '2026-11-28T01:05:00+00:00'),
      event(2, 'SupplementRequested', '一次性告知补正', '2026-11-28T03:30:00+00:00', {
        reason: '身份证照片不清晰', materials: ['经营场所证明', '经营者身份证件'],
      }),
    ],
  })
}

/** Row n of "my cases". */
function caseSummary(n, overrides = {}) {
  const body = progressBody({ number: `610924-20261128-${String(n).padStart(5, '0')}`, item_name: `测试事项${n}` })
  delete body.timeline
  delete body.applicant_name
  delete body.applicant_phone
  return Object.assign(body, overrides)
}

/** 高龄老人生活补贴申请: a township item handled at three towns. */
function townshipGuide() {
  return licenceGuide({
    code: '610924-000201002000-01',
    name: '高龄老人生活补贴申请',
    level: 'township',
    townships: ['chengguan', 'haoping', 'hanwang'],
    department: { code: 'mzj', name: '紫阳县民政局' },
    delivery_methods: ['window', 'post'],
    materials: [{ name: '申请人户口簿', requirement: 'required', condition: '', form: 'original', copies: 1,
      source: '申请人自备', blank_form: '', sample: '', note: '' }],
  })
}

function tenantBody() {
  return {
    code: 'ziyang',
    name: '紫阳县',
    townships: [
      { code: 'chengguan', name: '城关镇' }, { code: 'haoping', name: '蒿坪镇' }, { code: 'hanwang', name: '汉王镇' },
    ],
    departments: [],
    centres: [],
  }
}

function receiptLink(number = NUMBER, code = QUERY_CODE) {
  return `https://zwfw.ziyang.gov.cn/m/case?number=${number}&code=${code}`
}

module.exports = { NUMBER, QUERY_CODE, progressBody, supplementBody, caseSummary, townshipGuide, tenantBody, receiptLink }
