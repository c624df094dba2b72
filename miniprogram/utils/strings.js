/**
 * Every people-facing Chinese text of the mini-program, one section per surface.
 * Functions build sentences that carry numbers; pages never hard-code Chinese.
 */
const days = (n) => (n === 0 ? '即时办结' : `${n}个工作日`)

module.exports = {
  app: {
    name: '阳光365',
    comingSoon: '该功能即将开放',
  },

  errors: {
    network: '网络连接失败，请检查网络后重试',
    server: '服务暂时不可用，请稍后重试',
    notFound: '未找到该事项',
    retry: '重新加载',
  },

  list: {
    loading: '加载中…',
    loadingMore: '正在加载更多…',
    noMore: '没有更多了',
    empty: '暂无相关事项',
    total: (n) => `共 ${n} 项`,
    promised: (n) => `承诺 ${days(n)}`,
    statutory: (n) => `法定 ${days(n)}`,
    online: '可网办',
    charged: '收费',
    free: '免费',
  },

  home: {
    title: '阳光365',
    slogan: '进一扇门，办所有事',
    searchPlaceholder: '搜索事项，如“营业执照”或“yyzz”',
    hotTitle: '大家都在搜',
    hotKeywords: ['营业执照', '身份证', '生育登记', '不动产登记', '社保参保', '低保'],
    popularTitle: '热门事项',
    entries: {
      guide: '办事指南',
      myCases: '我的办件',
      scan: '扫码查件',
      hotline: '热线留言',
    },
  },

  catalogue: {
    title: '办事指南',
    tabs: {
      department: '按部门',
      topic: '按主题',
      township: '按乡镇',
    },
    lifeEvents: '人生事件',
    themes: '主题服务',
    count: (n) => `${n} 项`,
    back: '返回分类',
    loading: '加载中…',
    retry: '重新加载',
    emptyFacets: '暂无分类',
  },

  search: {
    title: '搜索事项',
    placeholder: '输入事项名称、关键词或拼音首字母',
    hint: '可输入“办营业执照”“生孩子要办什么”或拼音首字母',
    empty: (q) => `没有找到与“${q}”相关的事项`,
  },

  guide: {
    title: '办事指南',
    loading: '加载中…',
    retry: '重新加载',
    timeLimit: '办理时限',
    promisedLabel: '承诺时限',
    statutoryLabel: '法定时限',
    days,
    line: (label, value) => `${label}：${value}`,
    faster: (ratio) => `比法定时限提速 ${ratio}%`,
    itemType: '事项类型',
    department: '实施部门',
    code: '实施编码',
    legalBasis: '设定依据',
    conditions: '受理条件',
    materials: '申请材料',
    steps: '办理流程',
    stepDays: (n) => (n > 0 ? `${n}个工作日` : '当场完成'),
    fees: '收费标准',
    noFee: '不收费',
    feeBasis: (basis) => `依据：${basis}`,
    feeExemption: '可申请减免',
    prerequisites: '前置审批',
    jointDepartments: '联办部门',
    reportTo: '上报机关',
    result: '办理结果',
    delivery: '送达方式',
    places: '办理地点',
    hours: (h) => `办公时间：${h}`,
    phone: '咨询电话',
    complaintPhone: '投诉电话',
    apply: '在线申请',
    notOnline: '本事项请到窗口办理',
    requirement: {
      required: '必要',
      conditional: '视情形提交',
    },
    form: {
      original: '原件',
      copy: '复印件',
      original_and_copy: '原件和复印件',
      electronic: '电子材料',
    },
    copies: (n) => `${n}份`,
    source: (s) => `来源：${s}`,
    deliveryMethods: {
      window: '窗口领取',
      post: '邮寄（EMS）',
      electronic: '电子证照',
    },
  },
}
