/**
 * Bottom of a list: loading, error with retry, empty, or "no more".
 * Fires `retry` when the person taps the retry button.
 */
const strings = require('../../utils/strings')
const elderlyMode = require('../../behaviors/elderly')

Component({
  behaviors: [elderlyMode],
  options: { styleIsolation: 'apply-shared' },
  properties: {
    loading: { type: Boolean, value: false },
    error: { type: String, value: '' },
    empty: { type: Boolean, value: false },
    finished: { type: Boolean, value: false },
    emptyText: { type: String, value: strings.list.empty },
  },
  data: {
    text: {
      loading: strings.list.loading,
      noMore: strings.list.noMore,
      retry: strings.errors.retry,
    },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})
