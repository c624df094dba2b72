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

/** The same case after the department asked, once, during review for a missing original. */
function reviewSupplementBody() {
  const body = progressBody({
    state: 'review_supplement',
    state_label: '审查中待补正',
    due_at: null,
    missing_materials: ['房屋租赁合同原件'],
  })
  body.timeline.push(event(4, 'ReviewSupplementRequested', '审查中一次性告知补正（紫阳县市场监督管理局）',
    '2026-11-29T03:00:00+00:00', { reason: '租赁合同为复印件，须核对原件', materials: ['房屋租赁合同原件'] }))
  return body
}

/** A report-up case the county has approved: the higher authority has not decided yet. */
function reportUpBody(state, label) {
  return progressBody({ kind: 'report_up', kind_label: '上报件', state, state_label: label, item_name: '采矿权新立登记' })
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

const LEVELS = [[5, '非常满意'], [4, '满意'], [3, '基本满意'], [2, '不满意'], [1, '非常不满意']]

/** GET /api/v1/cases/{number}/ratings: a promised case accepted (open to rating) and not finished yet. */
function ratingsBody(stages) {
  return {
    number: NUMBER, item_name: '个体工商户设立登记', kind: 'promised', window_days: 7,
    levels: LEVELS.map(([score, label]) => ({ score, label })),
    good_reasons: ['办事效率高', '服务态度好', '一次办成'], bad_reasons: ['等候时间长', '多次跑腿', '服务态度差'],
    stages: stages || [
      { stage: 'accepted', label: '受理', reached: true, due_at: '2026-12-05T02:00:00+00:00', rated: false, can_rate: true,
        rating: null, rectification: null },
      { stage: 'finished', label: '办结', reached: false, due_at: null, rated: false, can_rate: false, rating: null,
        rectification: null },
    ],
  }
}

/** GET /api/v1/public/satisfaction with two published half years. */
function publishedBody(period = '2026H2') {
  const label = period === '2026H2' ? '2026年下半年' : '2026年上半年'
  return {
    county: '紫阳县', periods: [{ period: '2026H2', label: '2026年下半年' }, { period: '2026H1', label: '2026年上半年' }],
    results: {
      period, period_label: label, county: { rated: 120, rate: period === '2026H2' ? 0.9667 : 0.9, defaults: 12 },
      windows: [{ code: 'w01', name: '市场监管综合窗口', rated: 60, rate: 0.95 }],
      departments: [{ code: 'mzj', name: '紫阳县民政局', rated: 40, rate: 1 }], townships: [],
      flags: [], levels: LEVELS.map(([, label]) => label),
    },
  }
}

module.exports = { ratingsBody, publishedBody, NUMBER, QUERY_CODE, progressBody, supplementBody, reviewSupplementBody, reportUpBody, caseSummary, townshipGuide, tenantBody, receiptLink }
