/**
 * The online application (网上申请) form: what the apply page shows of an
 * item, the checks before sending (same messages as the server) and the
 * JSON body of POST /api/v1/cases.
 */
const strings = require('./strings')
const { guideView } = require('./guide')
const { idNumberError, mobileError, normalizeMobile } = require('./validate')

const text = strings.validation

/** What the apply page shows of an ItemGuide; townshipNames maps town codes to names. */
function applyView(item, townshipNames = {}) {
  const guide = guideView(item)
  const methods = item.delivery_methods && item.delivery_methods.length ? item.delivery_methods : ['window']
  return {
    code: item.code,
    name: item.name,
    online: !!item.online,
    promisedText: strings.apply.promised(guide.promisedText),
    materials: guide.materials,
    township: item.level === 'township',
    townships: (item.townships || []).map((code) => ({ value: code, label: townshipNames[code] || code })),
    deliveryOptions: methods.map((m) => ({ value: m, label: strings.guide.deliveryMethods[m] || m })),
  }
}

function emptyForm(view) {
  return { name: '', idNumber: '', phone: '', township: '', delivery: view.deliveryOptions[0].value, address: '' }
}

/**
 * Field -> Chinese message for everything that stops the form from being
 * sent; an empty object when it may go. `files` maps material names to
 * uploaded files.
 */
function checkApplication(view, form, files) {
  const errors = {}
  if (!form.name.trim()) errors.name = text.nameRequired
  if (!form.idNumber.trim()) errors.idNumber = text.idRequired
  else if (idNumberError(form.idNumber)) errors.idNumber = idNumberError(form.idNumber)
  if (!form.phone.trim()) errors.phone = text.phoneRequired
  else if (mobileError(form.phone)) errors.phone = mobileError(form.phone)
  if (view.township && !view.townships.some((t) => t.value === form.township)) errors.township = text.townshipRequired
  if (form.delivery === 'post' && !form.address.trim()) errors.address = text.addressRequired
  const missing = view.materials.filter((m) => m.required && !files[m.name]).map((m) => m.name)
  if (missing.length) errors.materials = text.materialsMissing(missing)
  return errors
}

/** The body of POST /api/v1/cases for a form that passed checkApplication. */
function applicationPayload(view, form, files) {
  const payload = {
    item_code: view.code,
    applicant: {
      name: form.name.trim(),
      id_number: form.idNumber.trim().toUpperCase(),
      phone: normalizeMobile(form.phone),
    },
    form: {},
    materials: view.materials.filter((m) => files[m.name]).map((m) => ({ name: m.name, file_id: files[m.name].id })),
    delivery: form.delivery === 'post'
      ? { method: 'post', address: form.address.trim() }
      : { method: form.delivery },
  }
  if (view.township) payload.township = form.township
  return payload
}

module.exports = { applyView, emptyForm, checkApplication, applicationPayload }
