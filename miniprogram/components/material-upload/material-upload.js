/**
 * One material (申请材料) with its upload: the name, whether it is required,
 * the uploaded file's name, and a button to pick and upload a file.
 * Fires `change` with {name, file: {id, filename}} after an upload.
 * `editable` false shows the material without the button.
 */
const api = require('../../utils/api')
const strings = require('../../utils/strings')
const { chooseFile } = require('../../utils/files')
const elderlyMode = require('../../behaviors/elderly')

Component({
  behaviors: [elderlyMode],
  options: { styleIsolation: 'apply-shared' },
  properties: {
    material: { type: Object, value: {} },
    editable: { type: Boolean, value: true },
  },
  data: {
    text: strings.upload,
    file: null,
    statusText: strings.upload.notUploaded,
    uploading: false,
    error: '',
  },
  methods: {
    onChoose() {
      if (this.data.uploading) return Promise.resolve()
      const name = this.data.material.name
      return chooseFile(name).then((picked) => (picked ? this.upload(picked) : null))
    },

    upload(picked) {
      this.setData({ uploading: true, error: '', statusText: strings.upload.uploading })
      return api.uploadFile(picked.path, picked.filename).then(
        (saved) => {
          const file = { id: saved.id, filename: saved.filename }
          this.setData({ uploading: false, file, statusText: strings.upload.uploaded(saved.filename) })
          this.triggerEvent('change', { name: this.data.material.name, file })
        },
        (err) => {
          const statusText = this.data.file ? strings.upload.uploaded(this.data.file.filename) : strings.upload.notUploaded
          this.setData({ uploading: false, error: err.message, statusText })
        }
      )
    },
  },
})
