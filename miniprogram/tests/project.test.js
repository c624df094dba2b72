/**
 * Checks on the project's shape that WeChat DevTools and the house rules rely on.
 */
const fs = require('fs')
const path = require('path')
const { DEFINITIONS } = require('./stubs/tdesign')

const ROOT = path.resolve(__dirname, '..')
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8'))
const app = readJson('app.json')

function sourceFiles(ext) {
  const out = []
  const walk = (dir) => {
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).forEach((entry) => {
      const rel = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!['node_modules', 'miniprogram_npm', 'tests', 'coverage'].includes(entry.name)) walk(rel)
      } else if (rel.endsWith(ext)) out.push(rel)
    })
  }
  walk('.')
  return out
}

const componentJsons = sourceFiles('.json').filter((f) => /^(pages|components)\//.test(f))

test('every page has its four files and is built with Component', () => {
  app.pages.forEach((page) => {
    ;['js', 'json', 'wxml', 'wxss'].forEach((ext) => {
      expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true)
    })
    const js = fs.readFileSync(path.join(ROOT, `${page}.js`), 'utf8')
    expect(js).toMatch(/\bComponent\(\{/)
    expect(js).not.toMatch(/\bPage\(\{/)
  })
})

test('every TDesign tag points at a real tdesign-miniprogram component and has a test stub', () => {
  const dist = path.join(ROOT, 'node_modules', 'tdesign-miniprogram', 'miniprogram_dist')
  componentJsons.forEach((file) => {
    const using = readJson(file).usingComponents || {}
    Object.keys(using).filter((tag) => tag.startsWith('t-')).forEach((tag) => {
      const target = using[tag]
      expect(target).toMatch(/^tdesign-miniprogram\//)
      const inDist = path.join(dist, `${target.replace(/^tdesign-miniprogram\//, '')}.json`)
      expect({ tag, exists: fs.existsSync(inDist) }).toEqual({ tag, exists: true })
      expect(Object.keys(DEFINITIONS)).toContain(tag)
    })
  })
})

test('only utils/http.js calls wx.request', () => {
  const callers = sourceFiles('.js').filter((f) => /wx\.request\s*\(/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')))
  expect(callers).toEqual([path.join('utils', 'http.js')])
})

test('no module requires itself back through others (no require circles)', () => {
  const requires = {}
  sourceFiles('.js').forEach((file) => {
    const src = fs.readFileSync(path.join(ROOT, file), 'utf8')
    requires[file] = [...src.matchAll(/require\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)]
      .map((m) => path.normalize(path.join(path.dirname(file), m[1].endsWith('.js') ? m[1] : `${m[1]}.js`)))
      .filter((target) => target in requires || fs.existsSync(path.join(ROOT, target)))
  })
  const circles = []
  const walk = (file, trail) => {
    if (trail.includes(file)) {
      circles.push(trail.slice(trail.indexOf(file)).concat(file).join(' -> '))
      return
    }
    ;(requires[file] || []).forEach((next) => walk(next, trail.concat(file)))
  }
  Object.keys(requires).forEach((file) => walk(file, []))
  expect(circles).toEqual([])
})

test('people-facing Chinese lives only in utils/strings.js', () => {
  const han = /[\u4e00-\u9fff]/
  const withoutComments = (src) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const offenders = sourceFiles('.js')
    .filter((f) => f !== path.join('utils', 'strings.js'))
    .filter((f) => han.test(withoutComments(fs.readFileSync(path.join(ROOT, f), 'utf8'))))
    .concat(sourceFiles('.wxml').filter((f) => han.test(fs.readFileSync(path.join(ROOT, f), 'utf8'))))
  expect(offenders).toEqual([])
})

test('DevTools opens the project as a tourist and builds TDesign from npm', () => {
  const project = readJson('project.config.json')
  expect(project.appid).toBe('touristappid')
  expect(project.miniprogramRoot).toBe('./')
  expect(project.setting.packNpmManually).toBe(true)
  expect(project.setting.packNpmRelationList).toEqual([{ packageJsonPath: './package.json', miniprogramNpmDistDir: './' }])
  expect(readJson('package.json').dependencies).toHaveProperty('tdesign-miniprogram')
})

test('package versions are pinned exactly', () => {
  const pkg = readJson('package.json')
  const all = Object.assign({}, pkg.dependencies, pkg.devDependencies)
  Object.keys(all).forEach((name) => expect({ name, version: all[name] }).toEqual({ name, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) }))
})
