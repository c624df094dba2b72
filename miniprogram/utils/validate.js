/**
 * Client-side checks of the applicant's identity (身份信息校验), the same
 * rules and messages as the server (backend/domain/identity.py), so a typo
 * is caught before anything is sent.
 *
 * Citizen ID numbers follow GB 11643-1999: 6-digit address code, 8-digit
 * birth date, 3-digit sequence and an ISO 7064 MOD 11-2 check character.
 */
const strings = require('./strings')

const PROVINCE_CODES = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]
const PERMIT_CODES = ['81', '82', '83']
const CHECK_CHARS = '10X98765432'
const text = strings.validation

/** The 18th character for the first 17 digits. */
function idCheckChar(first17) {
  let total = 0
  for (let i = 0; i < 17; i += 1) total += Number(first17[i]) * (2 ** (17 - i) % 11)
  return CHECK_CHARS[total % 11]
}

function birthDateValid(number, today) {
  const year = Number(number.slice(6, 10))
  const month = Number(number.slice(10, 12))
  const day = Number(number.slice(12, 14))
  const born = new Date(Date.UTC(year, month - 1, day))
  const real = born.getUTCFullYear() === year && born.getUTCMonth() === month - 1 && born.getUTCDate() === day
  return real && year >= 1850 && born.getTime() <= today.getTime()
}

/** '' when the ID number is valid, else the server's Chinese message. */
function idNumberError(raw, today = new Date()) {
  const number = String(raw || '').trim().toUpperCase()
  if (number.length !== 18) return text.idLength
  if (!/^\d{17}[\dX]$/.test(number)) return text.idCharacters
  const province = number.slice(0, 2)
  if (!PROVINCE_CODES.includes(province) || (!PERMIT_CODES.includes(province) && number.slice(2, 6) === '0000')) {
    return text.idRegion
  }
  if (!birthDateValid(number, today)) return text.idBirthDate
  if (idCheckChar(number.slice(0, 17)) !== number[17]) return text.idCheckDigit
  return ''
}

/** A mainland mobile number as 11 digits (spaces, hyphens, +86 removed), or '' when it is not one. */
function normalizeMobile(raw) {
  let digits = String(raw || '').replace(/[\s-]/g, '')
  if (digits.startsWith('+86')) digits = digits.slice(3)
  else if (digits.startsWith('86') && digits.length === 13) digits = digits.slice(2)
  return /^1[3-9]\d{9}$/.test(digits) ? digits : ''
}

function mobileError(raw) {
  return normalizeMobile(raw) ? '' : text.mobileFormat
}

module.exports = { idCheckChar, idNumberError, normalizeMobile, mobileError }
