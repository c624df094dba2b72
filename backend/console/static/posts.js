// 岗位与AB岗: who holds each post, who is on duty; marking a holder away hands open tasks to the other.
window.S365Posts = (() => {
  const { api, flash, esc } = window.S365;
  const { time, fail } = window.S365Cases;
  let centres = {};

  function holderCell(post, slot) {
    const h = slot === 'A' ? post.holder_a : post.holder_b;
    if (!h || !h.id) return '<span class="muted">未设置</span>';
    const absence = [...post.absences].reverse().find(a => a.staff === h.id);
    const awayNote = h.away && absence ? `<div class="muted">${esc(absence.reason)}${absence.end ? `，预计 ${time(absence.end)} 返岗` : ''}</div>` : '';
    return `<span data-testid="holder-${slot}">${esc(h.name)}</span> ${h.away ? '<span class="tag away">离岗</span>' : '<span class="tag on-time">在岗</span>'}
      ${awayNote}<div>${h.away
        ? `<button type="button" data-back="${slot}">返岗<span class="sr-only">（${esc(post.name)} ${esc(h.name)}）</span></button>`
        : `<button type="button" data-away="${slot}">${slot}岗离岗<span class="sr-only">（${esc(post.name)} ${esc(h.name)}）</span></button>`}</div>`;
  }
  async function load() {
    const centre = document.getElementById('centre-filter').value;
    const data = await api('GET', '/api/v1/posts' + (centre ? `?centre=${encodeURIComponent(centre)}` : ''));
    const body = document.querySelector('#posts-table tbody');
    body.innerHTML = data.posts.map(p => `<tr data-post="${esc(p.code)}"><td>${esc(p.name)}<div class="muted">${esc(p.code)}</div></td>
      <td>${esc(p.kind_label)}</td><td>${esc(centres[p.centre] || p.centre)}</td>
      <td>${holderCell(p, 'A')}</td><td>${holderCell(p, 'B')}</td>
      <td data-testid="on-duty">${p.on_duty ? esc(p.on_duty) : '<span class="tag overdue">无人在岗</span>'}</td></tr>`).join('')
      || '<tr><td colspan="6" class="muted">没有岗位</td></tr>';
    body.querySelectorAll('[data-away]').forEach(b => { b.onclick = () => openAwayForm(b); });
    body.querySelectorAll('[data-back]').forEach(b => {
      b.onclick = async () => {
        const code = b.closest('tr').dataset.post;
        try {
          await api('POST', `/api/v1/posts/${encodeURIComponent(code)}/back`, { slot: b.dataset.back });
          await load();
          flash(`${b.dataset.back}岗已返岗`, 'ok');
          window.S365.focusOn(document.getElementById('flash'));
        } catch (err) { fail(err); }
      };
    });
  }
  /** Local "2026-11-23T18:00" from the picker, read as Beijing time. */
  const beijing = local => (local ? `${local.length === 16 ? local + ':00' : local}+08:00` : undefined);
  function openAwayForm(button) {
    document.querySelectorAll('#posts-table tr.inline-form').forEach(r => r.remove());
    const tr = button.closest('tr');
    const slot = button.dataset.away;
    const formRow = document.createElement('tr');
    formRow.className = 'inline-form';
    formRow.innerHTML = `<td colspan="6"><form class="away-form toolbar" novalidate aria-label="${esc(slot)}岗离岗登记">
      <strong>${esc(slot)}岗离岗</strong>
      <label class="inline">原因 <input name="reason" placeholder="请假、会议、外出等"></label>
      <label class="inline">预计返岗（可不填） <input name="until" type="datetime-local"></label>
      <button type="submit" class="primary">确认离岗</button> <button type="button" class="cancel">取消</button></form></td>`;
    tr.after(formRow);
    const form = formRow.querySelector('form');
    formRow.querySelector('.cancel').onclick = () => { formRow.remove(); button.focus(); };
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const body = { slot, reason: form.reason.value.trim() };
      if (form.until.value) body.until = beijing(form.until.value);
      try {
        const result = await api('POST', `/api/v1/posts/${encodeURIComponent(tr.dataset.post)}/away`, body);
        await load();
        flash(`已登记${slot}岗离岗，已移交 ${result.handed_over} 件`, 'ok');
        window.S365.focusOn(document.getElementById('flash'));
      } catch (err) { fail(err); window.S365.fieldErrors(form, err); }
    });
    form.reason.focus();
  }
  async function start() {
    const profile = await api('GET', '/api/v1/tenant').catch(() => ({ centres: [] }));
    centres = Object.fromEntries((profile.centres || []).map(c => [c.code, c.name]));
    const select = document.getElementById('centre-filter');
    select.insertAdjacentHTML('beforeend', (profile.centres || []).map(c => `<option value="${esc(c.code)}">${esc(c.name)}</option>`).join(''));
    select.value = 'county';
    select.onchange = () => load().catch(fail);
    await load().catch(fail);
  }
  return { start };
})();
