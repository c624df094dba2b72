/** @jest-environment node */
const { idNumberError, normalizeMobile, idCheckChar } = require('../utils/validate')
const { chinaTime, parseReceiptLink, parseScanOption } = require('../utils/cases')

const TODAY = new Date(Date.UTC(2026, 10, 28))

test('a valid ID number passes, with a lower-case x check character too', () => {
  expect(idNumberError('610924199001011233', TODAY)).toBe('')
  const first17 = '11010519491231002'
  expect(idCheckChar(first17)).toBe('X')
  expect(idNumberError(`${first17}x`, TODAY)).toBe('')
})

test('each kind of wrong ID number gets the server message', () => {
  expect(idNumberError('61092419900101123', TODAY)).toBe('身份证号码应为18位')
  expect(idNumberError('61092419900101123Y', TODAY)).toBe('身份证号码只能是数字，最后一位可以是X')
  expect(idNumberError('990924199001011233', TODAY)).toBe('身份证号码地区码不正确')
  expect(idNumberError('610000199001011233', TODAY)).toBe('身份证号码地区码不正确')
  expect(idNumberError('610924199002301233', TODAY)).toBe('身份证号码出生日期不正确')
  expect(idNumberError('610924202712011233', TODAY)).toBe('身份证号码出生日期不正确')
  expect(idNumberError('610924199001011234', TODAY)).toBe('身份证号码校验位不正确')
})

test('mobile numbers are accepted with spaces, hyphens or +86 and refused otherwise', () => {
  expect(normalizeMobile('138 0000-1234')).toBe('13800001234')
  expect(normalizeMobile('+8613800001234')).toBe('13800001234')
  expect(normalizeMobile('8613800001234')).toBe('13800001234')
  expect(normalizeMobile('12800001234')).toBe('')
  expect(normalizeMobile('0915-4321001')).toBe('')
})

test('times are shown in China time whatever the phone zone', () => {
  expect(chinaTime('2026-11-28T16:30:00+00:00')).toBe('2026-11-29 00:30')
  expect(chinaTime('2026-11-28T09:05:00+08:00')).toBe('2026-11-28 09:05')
  expect(chinaTime(null)).toBe('')
})

test('receipt links give the number and the query code; other links give nothing', () => {
  const link = 'https://zwfw.ziyang.gov.cn/m/case?number=610924-20261128-00042&code=7kq3-mx9p'
  expect(parseReceiptLink(link)).toEqual({ number: '610924-20261128-00042', code: '7KQ3MX9P' })
  expect(parseScanOption(encodeURIComponent(link))).toEqual({ number: '610924-20261128-00042', code: '7KQ3MX9P' })
  expect(parseReceiptLink('https://zwfw.ziyang.gov.cn/m/other?number=610924-20261128-00042&code=X')).toBeNull()
  expect(parseReceiptLink('https://zwfw.ziyang.gov.cn/m/case?number=42&code=7KQ3MX9P')).toBeNull()
  expect(parseReceiptLink('610924-20261128-00042')).toBeNull()
  expect(parseScanOption('%E0%A4%A')).toBeNull()
})
