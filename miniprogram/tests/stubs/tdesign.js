/**
 * Test-only stand-ins for the TDesign components the pages use.
 *
 * The real tdesign-miniprogram package ships ES modules, `import`/`wxs src`
 * templates and a tslib dependency that only WeChat DevTools' "Build npm"
 * step understands; miniprogram-simulate's pure-JS template compiler cannot
 * load them. Each stub keeps the same tag, the same properties the pages
 * pass and the same events the pages listen to, and renders the text a
 * person would read, so tests can assert on what is shown.
 * The app itself always uses the real TDesign components.
 */
const simulate = require('miniprogram-simulate')

function tapToEvent(eventName) {
  return {
    onTap() {
      this.triggerEvent(eventName, {})
    },
  }
}

const DEFINITIONS = {
  't-search': {
    template:
      '<view class="t-search"><view class="t-search__value">{{value}}</view>' +
      '<view class="t-search__placeholder">{{placeholder}}</view></view>',
    properties: { value: String, placeholder: String, action: String, shape: String },
    methods: {
      /** Types a value, as the real search box fires `change` on input. */
      type(value) {
        this.setData({ value })
        this.triggerEvent('change', { value, trigger: 'input-change' })
      },
      /** Presses the keyboard's search key. */
      submit() {
        this.triggerEvent('submit', { value: this.data.value })
      },
      clear() {
        this.setData({ value: '' })
        this.triggerEvent('change', { value: '', trigger: 'clear' })
        this.triggerEvent('clear', { value: '' })
      },
    },
  },
  't-cell': {
    template:
      '<view class="t-cell" bind:tap="onTap"><view class="t-cell__title">{{title}}</view>' +
      '<view class="t-cell__description">{{description}}<slot name="description"/></view>' +
      '<view class="t-cell__note">{{note}}<slot name="note"/></view></view>',
    properties: { title: String, description: String, note: String, arrow: Boolean, hover: Boolean },
    options: { multipleSlots: true },
    methods: tapToEvent('click'),
  },
  't-cell-group': {
    template: '<view class="t-cell-group"><view class="t-cell-group__title">{{title}}</view><slot/></view>',
    properties: { title: String, theme: String, bordered: Boolean },
  },
  't-tag': {
    template: '<view class="t-tag t-tag--{{theme}}" bind:tap="onTap"><slot/></view>',
    properties: { theme: String, variant: String, size: String, shape: String },
    methods: tapToEvent('click'),
  },
  't-tabs': {
    template: '<view class="t-tabs"><slot/></view>',
    properties: { value: null, sticky: Boolean, spaceEvenly: Boolean },
    methods: {
      /** Taps the tab whose value is given. */
      select(value) {
        this.setData({ value })
        this.triggerEvent('change', { value, label: '' })
      },
    },
  },
  't-tab-panel': {
    template: '<view class="t-tab-panel">{{label}}<slot/></view>',
    properties: { label: String, value: null },
  },
  't-steps': {
    template: '<view class="t-steps"><slot/></view>',
    properties: { layout: String, current: null, readonly: Boolean, theme: String },
  },
  't-step-item': {
    template:
      '<view class="t-step-item"><view class="t-step-item__title">{{title}}</view>' +
      '<view class="t-step-item__content">{{content}}</view></view>',
    properties: { title: String, content: String, status: String },
  },
  't-empty': {
    template: '<view class="t-empty">{{description}}<slot name="action"/></view>',
    properties: { description: String, icon: null },
    options: { multipleSlots: true },
  },
  't-loading': {
    template: '<view class="t-loading">{{text}}</view>',
    properties: { text: String, theme: String, size: String, layout: String },
  },
  't-button': {
    template: '<view class="t-button">{{content}}<slot/></view>',
    properties: {
      content: String, theme: String, variant: String, size: String, block: Boolean, icon: null,
      loading: Boolean, disabled: Boolean,
    },
  },
  't-input': {
    template:
      '<view class="t-input t-input--{{status}}"><view class="t-input__label">{{label}}</view>' +
      '<view class="t-input__value">{{value}}</view><view class="t-input__tips">{{tips}}</view></view>',
    properties: {
      label: String, value: null, placeholder: String, type: String, maxlength: Number, status: String, tips: String,
    },
    methods: {
      /** Types a value, as the real input fires `change` on every keystroke. */
      type(value) {
        this.setData({ value })
        this.triggerEvent('change', { value })
      },
    },
  },
  't-radio-group': {
    template:
      '<view class="t-radio-group"><view wx:for="{{options}}" wx:key="value" class="t-radio ' +
      '{{item.value === value ? \'t-radio--checked\' : \'\'}}">{{item.label}}</view></view>',
    properties: { value: null, options: Array },
    methods: {
      /** Taps the option whose value is given. */
      select(value) {
        this.setData({ value })
        this.triggerEvent('change', { value })
      },
    },
  },
  't-picker': {
    template: '<view class="t-picker"><block wx:if="{{visible}}"><view class="t-picker__title">{{title}}</view><slot/></block></view>',
    properties: { visible: Boolean, title: String, value: Array },
    methods: {
      /** Scrolls to the option with this value and taps confirm. */
      confirm(value, label) {
        this.triggerEvent('change', { value: [value], label: [label] })
        this.triggerEvent('confirm', { value: [value], label: [label] })
      },
      cancel() {
        this.triggerEvent('cancel')
      },
    },
  },
  't-picker-item': {
    template: '<view class="t-picker-item"><view wx:for="{{options}}" wx:key="value" class="t-picker-item__option">{{item.label}}</view></view>',
    properties: { options: Array },
  },
  't-grid': {
    template: '<view class="t-grid"><slot/></view>',
    properties: { column: Number, border: null, theme: String },
  },
  't-grid-item': {
    template: '<view class="t-grid-item" bind:tap="onTap">{{text}}</view>',
    properties: { text: String, icon: null, description: String },
    methods: tapToEvent('click'),
  },
  't-switch': {
    template: '<view class="t-switch t-switch--{{value ? \'on\' : \'off\'}}" bind:tap="onTap"></view>',
    properties: { value: Boolean, size: String, label: Array, disabled: Boolean },
    methods: {
      /** Flips the switch, as a tap on the real one fires `change` with the new value. */
      onTap() {
        this.triggerEvent('change', { value: !this.data.value })
      },
    },
  },
  't-icon': {
    template: '<view class="t-icon"></view>',
    properties: { name: String, size: null, color: String },
  },
}

let ids = null

/** Tag name -> registered stub id, for simulate.load's usingComponents option. */
function stubIds() {
  if (!ids) {
    ids = {}
    Object.keys(DEFINITIONS).forEach((tag) => {
      ids[tag] = simulate.load(Object.assign({ tagName: tag }, DEFINITIONS[tag]))
    })
  }
  return ids
}

module.exports = { DEFINITIONS, stubIds }
