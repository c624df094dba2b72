// 窗口受理: the queue of online and proxy submissions, and registering a walk-in application.
window.S365Intake = (() => {
  const { api, flash, esc, fieldErrors, focusOn } = window.S365;
  const { DELIVERY, time, fail, caseUrl, documentLinks, renderActions } = window.S365Cases;
  let me = null;
  let towns = {};

  // ---- the waiting queue ------------------------------------------------------------------------
  async function loadQueue() {
    const data = await api('GET', '/api/v1/queues/intake');
    const body = document.querySelector('#intake-queue tbody');
    body.innerHTML = data.entries.map(e => `<tr data-number="${esc(e.number)}">
      <td><a href="/console/cases/${encodeURIComponent(e.number)}">${esc(e.number)}</a></td><td>${esc(e.item_name)}</td>
      <td>${esc(e.applicant)}</td><td>${esc(e.channel_label)}</td><td>${esc(towns[e.centre] || (e.centre === 'county' ? '县政务服务中心' : e.centre))}</td>
      <td><span class="tag">${esc(e.state_label)}</span></td><td>${time(e.submitted_at)}</td>
      <td class="nowrap">${queueButtons(e)}</td></tr>`).join('')
      || '<tr><td colspan="8" class="muted">暂无待受理的申请</td></tr>';
    document.getElementById('queue-count').textContent = `共 ${data.total} 件`;
    body.querySelectorAll('[data-do]').forEach(button => { button.onclick = () => queueAction(button).catch(fail); });
  }
  /** The row's buttons; each names its case for screen readers, since every row repeats the same words. */
  function queueButtons(e) {
    const which = `<span class="sr-only">（${esc(e.number)}）</span>`;
    if (e.state !== 'submitted') {
      return `<button type="button" data-do="resubmit">补正后重新提交${which}</button> <a class="button" target="_blank"
        href="${caseUrl(e.number, '/supplement-notice.html')}">补正通知书${which}<span class="sr-only">（在新窗口打开）</span></a>`;
    }
    return `<button type="button" class="primary" data-do="accept">受理${which}</button>
      <button type="button" data-do="reject">不予受理${which}</button> <button type="button" data-do="supplement">补正${which}</button>`;
  }
  async function queueAction(button) {
    const tr = button.closest('tr');
    const number = tr.dataset.number;
    if (button.dataset.do === 'accept') {
      button.disabled = true;
      try {
        const v = await api('POST', caseUrl(number, '/accept'), {});
        flash(`办件 ${v.number} 已受理，当前状态：${v.state_label}`, 'ok');
      } finally { button.disabled = false; }
      await loadQueue();
      return focusOn(document.getElementById('flash'));
    }
    // reject / supplement / resubmit: open the step form in a row under the entry.
    document.querySelectorAll('#intake-queue tr.inline-form').forEach(r => r.remove());
    const view = await api('GET', caseUrl(number));
    const formRow = document.createElement('tr');
    formRow.className = 'inline-form';
    formRow.innerHTML = '<td colspan="8"><div class="inline-actions"></div><button type="button" class="cancel">取消</button></td>';
    tr.after(formRow);
    formRow.querySelector('.cancel').onclick = () => { formRow.remove(); button.focus(); };
    const box = formRow.querySelector('.inline-actions');
    renderActions(box, view, me, () => loadQueue().catch(fail), [button.dataset.do]);
    await box.ready;
    const first = formRow.querySelector('form.action input, form.action textarea, form.action button');
    if (first) first.focus();
  }

  // ---- walk-in registration ----------------------------------------------------------------------
  let chosen = null;
  async function search(form) {
    const q = form.q.value.trim();
    const data = await api('GET', `/api/v1/items?page_size=10&q=${encodeURIComponent(q)}`);
    const list = document.getElementById('item-results');
    const similarOnly = data.total > 0 && data.similar_total === data.total;
    list.innerHTML = (similarOnly ? '<li class="muted" data-testid="similar-note">没有找到完全符合的事项，以下是相近事项</li>' : '')
      + data.items.map(i => `<li><button type="button" data-code="${esc(i.code)}">选择<span class="sr-only">：${esc(i.name)}</span></button>
      ${esc(i.name)} ${i.similar ? `<span class="tag similar" data-testid="similar">${esc(i.similar_label)}</span> ` : ''}<span class="muted">${esc(i.kind_label)} · ${esc(i.department.name)} · ${i.level === 'township' ? '乡镇事项' : '县级事项'}</span></li>`).join('')
      || '<li class="muted">没有找到相关事项，请换个说法</li>';
    list.querySelectorAll('[data-code]').forEach(b => { b.onclick = () => choose(b.dataset.code).catch(fail); });
    document.getElementById('item-count').textContent = data.items.length ? `找到 ${data.total} 个事项，按 Tab 键逐个选择` : '';
  }
  async function choose(code) {
    chosen = await api('GET', `/api/v1/items/${encodeURIComponent(code)}`);
    const form = document.getElementById('walkin');
    document.getElementById('item-results').innerHTML = '';
    document.getElementById('chosen-item').innerHTML = `<strong data-testid="chosen-item">${esc(chosen.name)}</strong>
      <span class="tag">${esc(chosen.kind_label)}</span> ${esc(chosen.department.name)}，承诺 ${esc(chosen.promised_days)} 个工作日`;
    document.getElementById('walkin-materials').innerHTML = chosen.materials.map(m => `<label class="inline material">
      <input type="checkbox" name="material" value="${esc(m.name)}" data-copies="${esc(m.copies ?? 1)}"> ${esc(m.name)}
      <span class="muted">${m.requirement === 'conditional' ? '（按情形）' : ''}${m.copies ? ` ${m.copies} 份` : ''}</span></label>`).join('')
      || '<span class="muted">该事项无需提交材料</span>';
    const methods = chosen.delivery_methods.length ? chosen.delivery_methods : ['window'];
    form.method.innerHTML = methods.map(m => `<option value="${esc(m)}">${esc(DELIVERY[m] || m)}</option>`).join('');
    const townBox = document.getElementById('township-box');
    const countyClerk = me.centre === 'county';
    townBox.hidden = !(chosen.level === 'township' && countyClerk);
    form.township.innerHTML = chosen.townships.map(t => `<option value="${esc(t)}">${esc(towns[t] || t)}</option>`).join('');
    const note = document.getElementById('item-note');
    note.textContent = chosen.level === 'township' && !countyClerk && !chosen.townships.includes(me.centre)
      ? '本镇便民服务中心不办理该事项' : chosen.level !== 'township' && !countyClerk ? '该事项由县政务服务中心办理' : '';
    toggleAddress(form);
    form.hidden = false;
    form.elements.name.focus();
  }
  function toggleAddress(form) {
    document.getElementById('address-box').hidden = form.method.value !== 'post';
  }
  function payload(form, accept) {
    const materials = [...form.querySelectorAll('input[name=material]:checked')]
      .map(b => ({ name: b.value, copies: Number(b.dataset.copies) || 1, received: true }));
    const body = {
      item_code: chosen.code, accept,
      applicant: { name: form.name.value.trim(), id_number: form.id_number.value.trim(), phone: form.phone.value.trim() },
      materials, delivery: { method: form.method.value, address: form.method.value === 'post' ? form.address.value.trim() : '' },
    };
    if (!document.getElementById('township-box').hidden) body.township = form.township.value;
    return body;
  }
  function showResult(v) {
    const box = document.getElementById('walkin-result');
    box.innerHTML = `<h2>登记成功</h2>
      <p class="big">办件编号 <strong data-testid="new-number">${esc(v.number)}</strong>　查询码 <strong data-testid="query-code">${esc(v.query_code)}</strong>
      <span class="tag" data-testid="new-state">${esc(v.state_label)}</span></p>
      <p>${esc(v.item_name)} · ${esc(v.kind_label)} · 申请人 ${esc(v.applicant.name)} · ${esc(v.delivery_label)}</p>
      <p class="toolbar">${documentLinks(v)} <a class="button" href="/console/cases/${encodeURIComponent(v.number)}">查看办件详情</a></p>
      <div id="walkin-actions"></div>`;
    renderActions(document.getElementById('walkin-actions'), v, me, showResult, ['accept', 'reject', 'supplement', 'decide', 'dispatch']);
    box.hidden = false;
    focusOn(box.querySelector('h2'));
  }
  function setupWalkIn() {
    const finder = document.getElementById('item-search');
    finder.addEventListener('submit', event => { event.preventDefault(); search(finder).catch(fail); });
    const form = document.getElementById('walkin');
    form.method.onchange = () => toggleAddress(form);
    form.addEventListener('submit', event => event.preventDefault());
    form.querySelectorAll('[data-register]').forEach(button => {
      button.onclick = async () => {
        if (!chosen) { flash('请先选择办理事项'); return; }
        form.querySelectorAll('[data-register]').forEach(b => { b.disabled = true; });
        try {
          const v = await api('POST', '/api/v1/cases', payload(form, button.dataset.register === 'accept'));
          flash(`已登记，办件编号 ${v.number}（${v.state_label}）`, 'ok');
          fieldErrors(form, null);
          showResult(v);
          loadQueue().catch(fail);
        } catch (err) { fail(err); fieldErrors(form, err); } finally { form.querySelectorAll('[data-register]').forEach(b => { b.disabled = false; }); }
      };
    });
    document.getElementById('walkin-new').onclick = () => {
      form.reset(); form.hidden = true; chosen = null;
      document.getElementById('walkin-result').hidden = true;
      document.getElementById('chosen-item').innerHTML = '';
      document.querySelector('#item-search input[name=q]').focus();
    };
  }

  async function start() {
    me = window.S365Cases.me();
    setupWalkIn();  // before any request: a search typed while the page loads must not submit the form natively
    const profile = await api('GET', '/api/v1/tenant').catch(() => ({ townships: [] }));
    towns = Object.fromEntries(profile.townships.map(t => [t.code, t.name]));
    await loadQueue().catch(fail);
  }
  return { start };
})();
