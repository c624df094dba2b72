// 差评整改: each bad review with its deadline, the department's measures, the callback and the appeal.
(() => {
  const { api, flash, esc, focusOn } = window.S365;
  const roles = (document.getElementById('page').dataset.roles || '').split(',');
  const has = (...names) => names.some(r => roles.includes(r) || roles.includes('admin'));
  const tbody = document.querySelector('#reviews tbody');
  const filter = document.getElementById('filter');
  const when = value => value ? new Date(value).toLocaleString('zh-CN', { hour12: false }) : '—';

  function actions(t) {
    const id = `${t.number}-${t.stage}`;
    if (t.status === 'open' && has('dept_approver', 'centre_manager')) {
      return `<form data-act="rectify" data-number="${esc(t.number)}" data-stage="${esc(t.stage)}">
        <label>整改措施<span class="sr-only">（${esc(t.number)}）</span> <textarea name="measures" rows="2" id="m-${esc(id)}"></textarea></label>
        <button type="submit">报送整改</button></form>`;
    }
    if (t.status === 'rectified' && has('survey_centre', 'centre_manager')) {
      return `<form data-act="callback" data-number="${esc(t.number)}" data-stage="${esc(t.stage)}">
        <label>回访结果<span class="sr-only">（${esc(t.number)}）</span> <select name="outcome"><option value="resolved">群众认可整改</option>
          <option value="unresolved">群众仍不满意</option><option value="unreachable">回访联系不上</option></select></label>
        <label>回访记录 <input name="note"></label><button type="submit">记录回访</button></form>`;
    }
    if (t.status === 'appealed' && has('supervisor')) {
      return `<form data-act="appeal-decision" data-number="${esc(t.number)}" data-stage="${esc(t.stage)}">
        <p>申诉理由：${esc(t.appeal && t.appeal.reason)}</p>
        <label>复核意见<span class="sr-only">（${esc(t.number)}）</span> <input name="note"></label>
        <button type="submit" name="upheld" value="true">申诉成立，重新整改</button>
        <button type="submit" name="upheld" value="false">维持原结果</button></form>`;
    }
    return t.outcome_label ? esc(t.outcome_label) : '';
  }
  function row(t) {
    return `<tr data-number="${esc(t.number)}">
      <td>${esc(t.number)}<br><span class="muted">${esc(t.item_name)}（${esc(t.stage_label)}）</span></td>
      <td><span class="tag overdue">${esc(t.level)}</span> ${esc((t.reasons || []).join('、'))}<br>${esc(t.text)}</td>
      <td>${esc(t.department_name)}<br><span class="muted">${esc(t.staff_name)}</span></td>
      <td>${when(t.due_at)}</td>
      <td>${esc(t.status_label)}${t.measures ? `<br><span class="muted">整改：${esc(t.measures)}</span>` : ''}</td>
      <td>${actions(t)}</td></tr>`;
  }
  async function load() {
    try {
      const status = filter.elements.status.value;
      const view = await api('GET', '/api/v1/satisfaction/bad-reviews' + (status ? `?status=${status}` : ''));
      tbody.innerHTML = view.items.map(row).join('') || '<tr><td colspan="6">暂无差评</td></tr>';
      document.getElementById('review-count').textContent = `共 ${view.total} 条`;
    } catch (err) { flash(err.message); }
  }
  filter.addEventListener('submit', event => { event.preventDefault(); load(); });
  tbody.addEventListener('submit', async event => {
    event.preventDefault();
    const form = event.target, base = `/api/v1/satisfaction/bad-reviews/${form.dataset.number}/${form.dataset.stage}`;
    const body = {};
    for (const [key, value] of new FormData(form)) body[key] = value;
    if (form.dataset.act === 'appeal-decision') body.upheld = event.submitter && event.submitter.value === 'true';
    try {
      const done = await api('POST', `${base}/${form.dataset.act}`, body);
      flash(`${done.number}：${done.status_label}`, 'ok');
      await load();
    } catch (err) { flash(err.message); }
    focusOn(document.getElementById('flash'));
  });
  load();
})();
