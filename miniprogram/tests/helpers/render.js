/**
 * Loads a page or component of the mini-program into miniprogram-simulate,
 * with TDesign tags served by the test stubs, and attaches it to the DOM.
 */
const path = require('path')
const simulate = require('miniprogram-simulate')
const { stubIds } = require('../stubs/tdesign')

const ROOT = path.resolve(__dirname, '..', '..')

// Jest keeps required modules in its own registry, so a page's js (which
// calls Component()) runs once per test file: load once, render many times.
const loaded = {}

function render(relativePath, properties) {
  if (!loaded[relativePath]) {
    loaded[relativePath] = simulate.load(path.join(ROOT, relativePath), {
      rootPath: ROOT,
      compiler: 'simulate',
      usingComponents: stubIds(),
    })
  }
  const comp = simulate.render(loaded[relativePath], properties)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/** Lets pending fake answers and promise callbacks run. */
async function settle(ms = 5) {
  await simulate.sleep(ms)
  await simulate.sleep(0)
}

/**
 * Settles until `check()` is true (or two seconds pass), for chains of
 * several fake answers in a row (pick a file, sign in, upload ...).
 */
async function waitFor(check, timeoutMs = 2000) {
  const started = Date.now()
  while (!check() && Date.now() - started < timeoutMs) await settle(5)
  await settle(0)
}

/** Visible text of a node: its text pieces joined by one space, as a reader sees separate lines. */
function textOf(comp) {
  const pieces = []
  const walker = document.createTreeWalker(comp.dom, NodeFilter.SHOW_TEXT)
  while (walker.nextNode()) {
    const piece = walker.currentNode.nodeValue.replace(/\s+/g, ' ').trim()
    if (piece) pieces.push(piece)
  }
  return pieces.join(' ')
}

function textsOf(comp, selector) {
  return comp.querySelectorAll(selector).map(textOf)
}

/**
 * Taps a TDesign stub the way a finger would: on its inner node, so the stub
 * fires the same event (click / tap) the real component fires.
 */
async function tap(comp) {
  const inner = comp.querySelector('.t-cell') || comp.querySelector('.t-grid-item') || comp.querySelector('.t-tag')
    || comp.querySelector('.t-switch')
  ;(inner || comp).dispatchEvent('tap')
  await settle(0)
}

module.exports = { ROOT, render, settle, waitFor, tap, textOf, textsOf }
