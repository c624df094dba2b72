// Shared helpers of the staff console: one place that calls the JSON API.
window.S365 = (() => {
  async function api(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
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
  const logout = document.getElementById('logout');
  if (logout) logout.addEventListener('click', async () => {
    try { await api('POST', '/api/v1/auth/logout'); } finally { window.location.href = '/console/login'; }
  });
  return { api, flash, esc };
})();
