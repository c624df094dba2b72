/**
 * One item (事项) in a list: name, kind tag, department and promised vs
 * statutory days; a tap opens its guide. `item` comes from utils/items.itemCard.
 */
const strings = require('../../utils/strings')
const { guideUrl } = require('../../utils/items')
const elderlyMode = require('../../behaviors/elderly')

Component({
  behaviors: [elderlyMode],
  options: { multipleSlots: true, styleIsolation: 'apply-shared' },
  properties: {
    item: { type: Object, value: {} },
  },
  data: {
    onlineText: strings.list.online,
  },
  methods: {
    onTap() {
      wx.navigateTo({ url: guideUrl(this.data.item.code) })
    },
  },
})
