/**
 * 热线留言 (hotline message): a citizen writes what is wrong, adds photos, the place
 * (wx.chooseLocation), the township and a mobile number, and submits it to the 12345
 * hotline (POST /api/v1/hotline/messages). The answer shows the ticket number and its
 * state; earlier messages are listed below with their states.
 */
const api = require('../../utils/api')
const strings = require('../../utils/strings')
const { normalizeMobile, mobileError } = require('../../utils/validate')
const elderlyMode = require('../../behaviors/elderly')

const MAX_PHOTOS = 9
const text = strings.message

function resultView(message) {
  return {
    number: message.number,
    numberText: text.number(message.number),
    stateText: text.state(message.state_label),
    replyText: message.reply ? text.reply(message.reply.text) : '',
  }
}

function mineView(items) {
  return (items || []).map((m) => Object.assign({}, m, { numberText: text.number(m.number) }))
}

Component({
  behaviors: [elderlyMode],
  data: {
    text,
    form: { content: '', phone: '', township: '', location: null },
    photos: [],
    photosText: text.addPhoto,
    townships: [],
    townshipLabel: '',
    townshipValue: [],
    townshipPickerVisible: false,
    errors: {},
    submitting: false,
    submitError: '',
    result: null,
    mine: [],
  },

  methods: {
    onLoad() {
      wx.setNavigationBarTitle({ title: text.title })
      const townships = api.getTenant().then(
        (tenant) => this.setData({ townships: (tenant.townships || []).map((t) => ({ label: t.name, value: t.code })) }),
        () => null
      )
      return Promise.all([townships, this.loadMine()])
    },

    loadMine() {
      return api.myMessages().then((body) => this.setData({ mine: mineView(body.items) }), () => null)
    },

    onContentInput(event) {
      this.setData({ 'form.content': event.detail.value, 'errors.content': '' })
    },

    onPhoneChange(event) {
      this.setData({ 'form.phone': event.detail.value, 'errors.phone': '' })
    },

    onAddPhoto() {
      const left = MAX_PHOTOS - this.data.photos.length
      if (left <= 0) {
        this.setData({ 'errors.photos': text.photosFull })
        return Promise.resolve()
      }
      return new Promise((resolve) => {
        wx.chooseMedia({
          count: left, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'],
          success: (res) => resolve(this.uploadPhotos((res.tempFiles || []).map((f) => f.tempFilePath))),
          fail: () => resolve(),
        })
      })
    },

    uploadPhotos(paths) {
      const uploads = paths.map((path, i) => {
        const ext = (/\.([A-Za-z0-9]+)$/.exec(path) || [])[1] || 'jpg'
        return api.uploadFile(path, `photo-${this.data.photos.length + i + 1}.${ext.toLowerCase()}`)
      })
      return Promise.all(uploads).then(
        (saved) => {
          const photos = this.data.photos.concat(saved.map((s) => s.id))
          this.setData({ photos, photosText: text.photoCount(photos.length), 'errors.photos': '' })
        },
        (err) => this.setData({ 'errors.photos': err.message || text.uploadFailed })
      )
    },

    onChooseLocation() {
      return new Promise((resolve) => {
        wx.chooseLocation({
          success: (res) => {
            const address = [res.name, res.address].filter(Boolean).join(' ')
            this.setData({ 'form.location': { lat: res.latitude, lng: res.longitude, address } })
            resolve()
          },
          fail: () => resolve(),
        })
      })
    },

    openTownshipPicker() {
      this.setData({ townshipPickerVisible: true })
    },

    closeTownshipPicker() {
      this.setData({ townshipPickerVisible: false })
    },

    onTownshipChange(event) {
      const code = event.detail.value[0]
      const chosen = this.data.townships.find((t) => t.value === code)
      this.setData({
        'form.township': code, townshipValue: [code], townshipLabel: chosen ? chosen.label : '', townshipPickerVisible: false,
      })
    },

    check() {
      const { content, phone } = this.data.form
      const errors = {}
      if (!content.trim()) errors.content = text.contentRequired
      if (mobileError(phone)) errors.phone = strings.validation.mobileFormat
      this.setData({ errors })
      return !Object.keys(errors).length
    },

    onSubmit() {
      if (this.data.submitting || !this.check()) return Promise.resolve()
      const { content, phone, township, location } = this.data.form
      const payload = { content: content.trim(), phone: normalizeMobile(phone), photos: this.data.photos }
      if (township) payload.township = township
      if (location) payload.location = location
      this.setData({ submitting: true, submitError: '' })
      return api.submitMessage(payload).then(
        (message) => {
          this.setData({
            submitting: false, result: resultView(message), form: { content: '', phone, township: '', location: null },
            photos: [], photosText: text.addPhoto, townshipLabel: '', townshipValue: [],
          })
          wx.showToast({ title: text.submitted, icon: 'success' })
          return this.loadMine()
        },
        (err) => this.setData({ submitting: false, submitError: err.message })
      )
    },

    refreshResult() {
      if (!this.data.result) return Promise.resolve()
      return api.getMessage(this.data.result.number).then(
        (message) => this.setData({ result: resultView(message) }),
        (err) => this.setData({ submitError: err.message })
      )
    },
  },
})
