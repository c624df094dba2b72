/** Answers shaped exactly like the public item API contract (docs: notes/items-api.md). */
const DEPARTMENTS = {
  scjgj: '紫阳县市场监督管理局',
  gaj: '紫阳县公安局',
  wjj: '紫阳县卫生健康局',
}

function itemSummary(n, overrides = {}) {
  const code = `610924-0001050010${String(n).padStart(2, '0')}-01`
  return Object.assign(
    {
      code,
      base_code: `0001050010${String(n).padStart(2, '0')}`,
      name: `测试事项${n}`,
      item_type: '行政许可',
      kind: 'promised',
      kind_label: '承诺件',
      department: { code: 'scjgj', name: DEPARTMENTS.scjgj },
      level: 'county',
      townships: [],
      promised_days: 3,
      statutory_days: 20,
      charged: false,
      online: false,
      life_events: ['开办企业'],
      themes: ['市场准入'],
      version: 1,
      effective_date: '2026-01-01',
    },
    overrides
  )
}

/** A page of the list answer: items n = from .. from+count-1 out of total. */
function itemsPage({ from = 1, count, total, page = 1, pageSize = 20, make = itemSummary }) {
  const items = []
  for (let i = 0; i < count; i += 1) items.push(make(from + i))
  return { items, total, page, page_size: pageSize }
}

function licenceGuide(overrides = {}) {
  return Object.assign(
    itemSummary(1, {
      name: '个体工商户设立登记',
      online: true,
      promised_days: 1,
      statutory_days: 15,
    }),
    {
      legal_basis: ['《促进个体工商户发展条例》第八条'],
      conditions: ['申请人具有经营能力', '经营场所符合规定'],
      materials: [
        { name: '经营者身份证件', requirement: 'required', condition: '', form: 'original', copies: 1,
          source: '申请人自备', blank_form: '', sample: '', note: '' },
        { name: '委托代理人证明', requirement: 'conditional', condition: '委托他人代办时提交', form: 'copy',
          copies: 1, source: '申请人自备', blank_form: '', sample: '', note: '' },
      ],
      steps: [
        { order: 2, name: '审核', role: 'approver', role_label: '后台审批', description: '审核材料', days: 1 },
        { order: 1, name: '受理', role: 'window_clerk', role_label: '窗口人员', description: '收取材料', days: 0 },
        { order: 3, name: '发证', role: 'window_clerk', role_label: '窗口人员', description: '发放营业执照', days: 0 },
      ],
      fees: [],
      prerequisites: [],
      joint_departments: [],
      report_to: '',
      result: { name: '营业执照', type: '证照' },
      delivery_methods: ['window', 'post', 'electronic'],
      places: [
        { name: '紫阳县政务服务中心一楼A区', address: '紫阳县城关镇政务服务中心',
          hours: '周一至周日 8:30-12:00 14:00-18:00' },
      ],
      phone: '0915-4321001',
      complaint_phone: '0915-12345',
      compression: 0.07,
    },
    overrides
  )
}

function facets() {
  return {
    departments: [
      { code: 'scjgj', name: DEPARTMENTS.scjgj, count: 45 },
      { code: 'gaj', name: DEPARTMENTS.gaj, count: 30 },
    ],
    townships: [
      { code: 'chengguan', name: '城关镇', count: 68 },
      { code: 'haoping', name: '蒿坪镇', count: 68 },
    ],
    life_events: [{ name: '开办企业', count: 12 }, { name: '生育收养', count: 6 }],
    themes: [{ name: '市场准入', count: 9 }],
    kinds: [{ code: 'immediate', label: '即办件', count: 100 }],
  }
}

function errorBody(code, message) {
  return { error: { code, message } }
}

module.exports = { DEPARTMENTS, itemSummary, itemsPage, licenceGuide, facets, errorBody }
