/**
 * Case progress (办件进度): state, item, masked applicant, promised finish
 * time in China time and the whole timeline; the applicant can supply the
 * materials a supplement notice (补正) asks for, or withdraw (撤回).
 *
 * Opened as /pages/progress/progress?number=&code= (code: the receipt's
 * query code), with source=scan after scanning a receipt, or by WeChat
 * itself with options.q = the receipt's URL-encoded QR link. A scanned case
 * can be added to "my cases" (claim) when the citizen is signed in. A case
 * waiting for its fee (待缴费) shows the slip; its applicant pays it with
 * WeChat Pay (wx.requestPayment); strangers see only the fee's state.
 */
const api = require('../../utils/api')
const auth = require('../../utils/auth')
const strings = require('../../utils/strings')
const { parseScanOption, progressView, cleanQueryCode, rememberCode, rememberedCode } = require('../../utils/cases')
const elderlyMode = require('../../behaviors/elderly')

/** {number, code, scanned} from the page options, or null when a scanned link is not a receipt's. */
function caseFromOptions(options) {
  if (options.q) {
    const found = parseScanOption(options.q)
    return found && Object.assign({ scanned: true }, found)
  }
  if (!options.number) return null
  const number = decodeURIComponent(options.number)
  const code = cleanQueryCode(decodeURIComponent(options.code || '')) || rememberedCode(number)
  return { number, code, scanned: options.source === 'scan' }
}

function requestPayment(payment) {
  return new Promise((resolve, reject) => {
    wx.requestPayment(Object.assign({}, payment, { success: resolve, fail: reject }))
  })
}

Component({
  behaviors: [elderlyMode],
  data: {
    text: strings.progress,
    view: null,
    loading: false,
    loadError: '',
    scanned: false,
    canClaim: false,
    canRate: false,
    busy: false,
    actionError: '',
    fee: strings.fee,
    paying: false,
    payText: '',
  },

  methods: {
    onLoad(options) {
      wx.setNavigationBarTitle({ title: strings.progress.title })
      this._case = caseFromOptions(options || {})
      this._supplied = {}
      if (!this._case) {
        this.setData({ loadError: strings.progress.badLink })
        return Promise.resolve()
      }
      this.setData({ scanned: this._case.scanned, canClaim: this._case.scanned && auth.hasToken(),
        canRate: !this._case.scanned && auth.hasToken() })
      return this.loadProgress()
    },

    onPullDownRefresh() {
      return this.loadProgress().then(() => wx.stopPullDownRefresh())
    },

    loadProgress() {
      if (!this._case) return Promise.resolve()
      this.setData({ loading: !this.data.view, loadError: '' })
      return api.getProgress(this._case.number, this._case.code).then(
        (progress) => this.show(progress),
        (err) => this.setData({ loading: false, loadError: err.message })
      )
    },

    show(progress) {
      this._supplied = {}
      const view = progressView(progress)
      this.setData({ loading: false, view, actionError: '', payText: view.fee ? strings.fee.pay(view.fee.totalText) : '' })
    },

    /** 微信支付: an order for the slip, then wx.requestPayment; the server learns the result from WeChat Pay. */
    onPay() {
      if (this.data.paying || !this.data.view.fee) return Promise.resolve()
      this.setData({ paying: true, actionError: '' })
      return api.orderFeePayment(this.data.view.fee.slip)
        .then((order) => requestPayment(order.payment))
        .then(() => {
          wx.showToast({ title: strings.fee.paid, icon: 'success' })
          this.setData({ paying: false, actionError: strings.fee.paying })
          return this.loadProgress()
        }, (err) => {
          const cancelled = err && /cancel/.test(err.errMsg || '')
          this.setData({ paying: false, actionError: cancelled ? strings.fee.cancelled : (err.message || strings.fee.failed) })
        })
    },

    onSupplementFile(event) {
      this._supplied[event.detail.name] = event.detail.file
    },

    onResubmit() {
      if (this.data.busy) return Promise.resolve()
      const names = this.data.view.missingMaterials.map((m) => m.name)
      const missing = names.filter((name) => !this._supplied[name])
      if (missing.length) {
        this.setData({ actionError: strings.progress.supplementMissing(missing) })
        return Promise.resolve()
      }
      const body = {
        note: strings.progress.resubmitNote(names),
        materials: names.map((name) => ({ name, file_id: this._supplied[name].id })),
      }
      return this.act('resubmit', body, strings.progress.resubmitted)
    },

    onWithdraw() {
      if (this.data.busy) return Promise.resolve()
      return new Promise((resolve) => {
        wx.showModal({
          title: strings.progress.withdrawTitle,
          content: strings.progress.withdrawConfirm,
          confirmText: strings.progress.withdrawOk,
          cancelText: strings.progress.withdrawCancel,
          confirmColor: '#d54941',
          success: (res) => resolve(res && res.confirm),
          fail: () => resolve(false),
        })
      }).then((confirmed) => (confirmed ? this.act('withdraw', {}, strings.progress.withdrawn) : null))
    },

    act(action, body, doneText) {
      this.setData({ busy: true, actionError: '' })
      return api.caseAction(this._case.number, action, body).then(
        (progress) => {
          this.setData({ busy: false })
          this.show(progress)
          wx.showToast({ title: doneText, icon: 'success' })
        },
        (err) => this.setData({ busy: false, actionError: err.message })
      )
    },

    onClaim() {
      if (this.data.busy) return Promise.resolve()
      this.setData({ busy: true, actionError: '' })
      const { number, code } = this._case
      return api.claimCase(number, code).then(
        (progress) => {
          rememberCode(number, code)
          this.setData({ busy: false, canClaim: false })
          this.show(progress)
          wx.showToast({ title: strings.progress.claimed, icon: 'success' })
        },
        (err) => this.setData({ busy: false, actionError: err.message })
      )
    },
  },
})
