/**
 * Online application (在线申请) for one item: upload the materials, fill in
 * the applicant, choose the township (township items) and how the result is
 * delivered, then submit. Opened as /pages/apply/apply?code=<item code>.
 *
 * One Idempotency-Key is made per form fill, so a retry after a lost answer
 * never opens a second case.
 */
const api = require('../../utils/api')
const strings = require('../../utils/strings')
const { applyView, emptyForm, checkApplication, applicationPayload } = require('../../utils/application')
const { newIdempotencyKey, progressUrl, rememberCode } = require('../../utils/cases')
const elderlyMode = require('../../behaviors/elderly')

function townshipNames(tenant) {
  const names = {}
  ;(tenant.townships || []).forEach((t) => {
    names[t.code] = t.name
  })
  return names
}

Component({
  behaviors: [elderlyMode],
  data: {
    text: strings.apply,
    view: null,
    loading: false,
    loadError: '',
    form: { name: '', idNumber: '', phone: '', township: '', delivery: 'window', address: '' },
    townshipLabel: '',
    townshipValue: [],
    townshipPickerVisible: false,
    errors: {},
    submitting: false,
    submitError: '',
  },

  methods: {
    onLoad(query) {
      wx.setNavigationBarTitle({ title: strings.apply.title })
      this._code = (query && query.code) || ''
      this._files = {}
      this._key = newIdempotencyKey()
      return this.loadItem()
    },

    loadItem() {
      if (!this._code) {
        this.setData({ loadError: strings.errors.notFound })
        return Promise.resolve()
      }
      this.setData({ loading: true, loadError: '' })
      return api.getItem(this._code)
        .then((item) => (item.level === 'township'
          ? api.getTenant().then((tenant) => applyView(item, townshipNames(tenant)), () => applyView(item))
          : applyView(item)))
        .then(
          (view) => {
            const loadError = view.online ? '' : strings.apply.notOnline
            this.setData({ loading: false, view, loadError, form: emptyForm(view) })
          },
          (err) => this.setData({ loading: false, loadError: err.message })
        )
    },

    onMaterialChange(event) {
      const { name, file } = event.detail
      this._files[name] = file
      if (this.data.errors.materials) this.recheck()
    },

    onFieldChange(event) {
      const field = event.currentTarget.dataset.field
      this.setData({ [`form.${field}`]: event.detail.value })
      if (this.data.errors[field]) this.recheck()
    },

    onDeliveryChange(event) {
      this.setData({ 'form.delivery': event.detail.value })
      if (this.data.errors.address) this.recheck()
    },

    openTownshipPicker() {
      this.setData({ townshipPickerVisible: true })
    },

    closeTownshipPicker() {
      this.setData({ townshipPickerVisible: false })
    },

    onTownshipChange(event) {
      const value = event.detail.value[0]
      const chosen = this.data.view.townships.find((t) => t.value === value)
      this.setData({
        'form.township': value,
        townshipValue: [value],
        townshipLabel: chosen ? chosen.label : '',
        townshipPickerVisible: false,
      })
      if (this.data.errors.township) this.recheck()
    },

    /** Refreshes the messages already shown, as the person corrects the form. */
    recheck() {
      const now = checkApplication(this.data.view, this.data.form, this._files)
      const errors = {}
      Object.keys(this.data.errors).forEach((field) => {
        if (now[field]) errors[field] = now[field]
      })
      this.setData({ errors })
    },

    onSubmit() {
      if (this.data.submitting || !this.data.view) return Promise.resolve()
      const { view, form } = this.data
      const errors = checkApplication(view, form, this._files)
      if (Object.keys(errors).length) {
        this.setData({ errors, submitError: strings.validation.fixErrors })
        return Promise.resolve()
      }
      this.setData({ errors: {}, submitting: true, submitError: '' })
      return api.submitCase(applicationPayload(view, form, this._files), this._key).then(
        (created) => {
          this.setData({ submitting: false })
          rememberCode(created.number, created.query_code)
          wx.showToast({ title: strings.apply.submitted, icon: 'success' })
          wx.redirectTo({ url: progressUrl(created.number, created.query_code) })
        },
        (err) => this.setData({ submitting: false, submitError: err.message })
      )
    },
  },
})
