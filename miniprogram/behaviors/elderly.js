/**
 * Every page and component uses this: `modeClass` is 'elder' in 长辈模式 and '' otherwise, put on the
 * root view so styles/elder.wxss (TDesign CSS variables and our own classes) takes effect. The mode is
 * read when the view attaches and again whenever its page shows, so a switch on the home page reaches
 * pages that are already open.
 */
const { isElderly } = require('../utils/elderly')

module.exports = Behavior({
  data: { elderly: false, modeClass: '' },

  lifetimes: {
    attached() {
      this.applyMode()
    },
  },

  pageLifetimes: {
    show() {
      this.applyMode()
    },
  },

  methods: {
    applyMode() {
      const on = isElderly()
      if (on !== this.data.elderly || (on ? 'elder' : '') !== this.data.modeClass) {
        this.setData({ elderly: on, modeClass: on ? 'elder' : '' })
      }
    },
  },
})
