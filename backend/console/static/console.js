// Shared helpers of the staff console: one place that calls the JSON API.
window.S365 = (() => {
  // The session's token for state-changing requests (the server checks it when the session is a cookie).
  const csrf = (document.querySelector('meta[name=csrf-token]') || {}).content || '';
  async function api(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': csrf } };
    if (body instanceof Blob) {  // a file sent as it is (uploads, workbooks)
      init.headers['Content-Type'] = body.type || 'application/octet-stream';
      init.body = body;
    } else if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try { res = await fetch(path, init); } catch (e) { throw new Error('网络连接失败，请检查网络后重试'); }
    const data = await res.json().catch(() => ({}));
    if (res.status === 401 && !path.endsWith('/auth/login')) {
      window.location.href = '/console/login?next=' + encodeURIComponent(location.pathname);
    }
    if (!res.ok) {
      const error = new Error((data.error && data.error.message) || ('请求失败（' + res.status + '）'));
      error.code = data.error && data.error.code;
      error.details = data.error && data.error.details;
      error.status = res.status;
      throw error;
    }
    return data;
  }
  function flash(message, kind) {
    const box = document.getElementById('flash');
    if (!box) return alert(message);
    box.textContent = message;
    box.className = 'flash ' + (kind || 'error');
    box.hidden = false;
  }
  function esc(value) {
    return String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }
  // ---- errors tied to their fields (WCAG 3.3.1): aria-invalid, a message below, aria-describedby ----------
  /** Error codes of the API and the form fields they are about (first field present in the form wins). */
  const ERROR_FIELDS = [
    [/^id_number/, ['id_number']], [/^(mobile|bad_phone|phone_required)/, ['phone', 'caller_phone']],
    [/^applicant_required$/, ['name']], [/^(township_required|unknown_township)$/, ['township']],
    [/reason_required$/, ['reason', 'text']], [/^materials_required$/, ['other']],
    [/^tracking_number_required$/, ['tracking_number']], [/^reference_required$/, ['reference']],
    [/^(slip_required|slip_not_found)$/, ['q', 'slip']], [/^(unknown_fee_input|fee_input_missing)$/, ['inputs']], [/^content_/, ['content']],
    [/^target_required$/, ['department']], [/^invalid_date$/, ['date', 'day']], [/^calendar_note_required$/, ['note']],
    [/^invalid_year$/, ['year']], [/^calendar_import/, ['rows']], [/^bad_credentials$/, ['password']], [/^(bad_totp|totp_reused)$/, ['code']],
  ];
  let errorIds = 0;
  function clearFieldErrors(form) {
    if (!form) return;
    form.querySelectorAll('.field-error').forEach(el => el.remove());
    form.querySelectorAll('[aria-invalid]').forEach(field => {
      field.removeAttribute('aria-invalid');
      const rest = (field.getAttribute('aria-describedby') || '').split(' ').filter(id => id && !id.startsWith('err-'));
      if (rest.length) field.setAttribute('aria-describedby', rest.join(' ')); else field.removeAttribute('aria-describedby');
    });
  }
  /** Mark ``field`` invalid and put ``message`` right after it (or after its label), named by aria-describedby. */
  function markField(field, message) {
    const note = document.createElement('span');
    note.className = 'field-error';
    note.id = `err-${++errorIds}`;
    note.textContent = message;
    (field.closest('label') || field).after(note);
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', [field.getAttribute('aria-describedby'), note.id].filter(Boolean).join(' '));
  }
  function fieldOf(form, names) {
    for (const name of names) {
      const field = form.elements[name];
      const one = field instanceof RadioNodeList ? field[0] : field;
      if (one && one.type !== 'hidden' && !one.closest('[hidden]')) return one;
    }
    return null;
  }
  /** Show an API error beside the fields it names; focus the first. Returns how many fields were marked. */
  function fieldErrors(form, err) {
    clearFieldErrors(form);
    if (!form || !err) return 0;
    const listed = (err.details && (err.details.errors || err.details.fields)) || [];
    const marks = listed.filter(p => p && p.field).map(p => [fieldOf(form, [p.field]), p.message]);
    const rule = ERROR_FIELDS.find(([pattern]) => pattern.test(err.code || ''));
    if (rule) marks.push([fieldOf(form, rule[1]), err.message]);
    const done = marks.filter(([field]) => field);
    done.forEach(([field, message]) => markField(field, message));
    if (done.length) done[0][0].focus();
    return done.length;
  }
  /** Move focus to a result or message that just appeared, so keyboard and screen-reader users land on it. */
  function focusOn(element) {
    if (!element) return;
    if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
    element.focus();
  }

  const logout = document.getElementById('logout');
  if (logout) logout.addEventListener('click', async () => {
    try { await api('POST', '/api/v1/auth/logout'); } finally { window.location.href = '/console/login'; }
  });
  return { api, flash, esc, fieldErrors, clearFieldErrors, focusOn };
})();
