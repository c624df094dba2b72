// The window rating pad (评价器): pairs once with a code, then shows the case the clerk calls up.
(() => {
  const STORE = 'sunshine365-pad-token';
  const $ = id => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  let token = localStorage.getItem(STORE) || '';
  let shown = '', current = null, level = 0, picked = new Set(), choices = null, resting = false;

  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers['X-Pad-Token'] = token;
    if (body) headers['Content-Type'] = 'application/json';
    let res;
    try { res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined }); }
    catch (e) { throw new Error('网络连接失败，请稍候'); }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const error = new Error((data.error && data.error.message) || '操作失败');
      error.status = res.status;
      throw error;
    }
    return data;
  }
  function say(text, kind) { const box = $('pad-message'); box.textContent = text; box.className = 'message ' + (kind || ''); }
  function showOnly(id) { for (const one of ['pair-form', 'pad-idle', 'rate-form']) $(one).hidden = one !== id; }

  function levelButtons() {
    $('pad-levels').innerHTML = '';
    for (const l of choices.levels) {
      const b = document.createElement('button');
      b.type = 'button'; b.dataset.level = l.score; b.textContent = l.label;
      b.className = l.score <= 2 ? 'bad' : 'good';
      b.setAttribute('aria-pressed', 'false');
      b.onclick = () => choose(l.score);
      $('pad-levels').append(b);
    }
  }
  function choose(score) {
    level = score; picked = new Set();
    for (const b of $('pad-levels').children) b.setAttribute('aria-pressed', String(Number(b.dataset.level) === score));
    const reasons = score <= 2 ? choices.bad_reasons : choices.good_reasons;
    $('reasons-legend').textContent = score <= 2 ? '请告诉我们哪里做得不好（至少选一项或填写意见）' : '您满意的地方（可多选）';
    $('pad-reasons').innerHTML = '';
    for (const r of reasons) {
      const b = document.createElement('button');
      b.type = 'button'; b.textContent = r; b.setAttribute('aria-pressed', 'false');
      b.onclick = () => { picked.has(r) ? picked.delete(r) : picked.add(r); b.setAttribute('aria-pressed', String(picked.has(r))); };
      $('pad-reasons').append(b);
    }
    $('reasons-box').hidden = false;
  }
  function showCase(view) {
    const c = view.current;
    $('pad-window').textContent = view.post_name;
    if (!c) { shown = ''; current = null; showOnly('pad-idle'); return; }
    if (shown === c.number + c.stage) return;
    shown = c.number + c.stage; current = c; level = 0; picked = new Set();
    $('pad-case').textContent = `${c.item_name}（${c.stage_label}）· 办件编号 ${c.number} · 申请人 ${c.applicant} · 服务人员 ${c.staff_name}`;
    $('pad-text').value = '';
    $('reasons-box').hidden = true;
    levelButtons();
    say('');
    showOnly('rate-form');
    $('pad-levels').firstElementChild.focus();
  }
  async function refresh() {
    if (!token || resting) return;
    try {
      const view = await call('GET', '/api/v1/satisfaction/pad');
      choices = choices || view;
      showCase(view);
    } catch (err) {
      if (err.status === 401) { token = ''; localStorage.removeItem(STORE); showOnly('pair-form'); say(err.message, 'error'); }
    }
  }

  $('pair-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const paired = await call('POST', '/api/v1/satisfaction/pads/pair',
        { code: $('pair-code').value.trim(), tenant: params.get('tenant') || '' });
      token = paired.token; localStorage.setItem(STORE, token);
      say(`已与 ${paired.post_name} 配对`, 'ok');
      history.replaceState(null, '', location.pathname);
      showOnly('pad-idle');
      refresh();
    } catch (err) { say(err.message, 'error'); $('pair-code').focus(); }
  });
  $('rate-form').addEventListener('submit', async event => {
    event.preventDefault();
    if (!level) { say('请先选择满意程度', 'error'); $('pad-levels').firstElementChild.focus(); return; }
    try {
      const done = await call('POST', '/api/v1/satisfaction/pad/ratings',
        { number: current.number, level, reasons: [...picked], text: $('pad-text').value.trim() });
      say(done.thanks, 'ok');
      shown = ''; resting = true; showOnly('pad-idle');
      setTimeout(() => { resting = false; refresh(); }, 8000);
    } catch (err) { say(err.message, 'error'); }
  });

  if (params.get('code') && !token) { $('pair-code').value = params.get('code'); $('pair-form').requestSubmit(); }
  if (!token) showOnly('pair-form'); else showOnly('pad-idle');
  refresh();
  setInterval(refresh, 3000);
})();
