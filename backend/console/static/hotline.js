// 热线工单 operator console: live call cards (polled every 2 s), intake with caller history,
// as-you-type knowledge base and routing suggestion, dispatch or answer on the spot, queue,
// handover notes and today's figures.
(() => {
  const { api, flash, esc, fieldErrors, focusOn } = window.S365;
  const { time, fail } = window.S365Cases;
  const $ = (selector) => document.querySelector(selector);
  const form = $('#intake');
  const state = { callId: '', answer: null, suggestion: null, lastPhone: '', timers: {} };

  function percent(rate) { return rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`; }
  function debounce(name, ms, fn) {
    clearTimeout(state.timers[name]);
    state.timers[name] = setTimeout(fn, ms);
  }

  // ---- live calls ----------------------------------------------------------------------------
  function callCard(call) {
    const chosen = call.call_id === state.callId ? ' chosen' : '';
    const tickets = call.tickets.length ? `<div class="muted">本次通话工单：${call.tickets.map(esc).join('、')}</div>` : '';
    return `<div class="call-card ${esc(call.state)}${chosen}" data-call="${esc(call.call_id)}" data-testid="call-card">
      <span class="phone">${esc(call.caller || '未知号码')}</span><span class="tag">${esc(call.state_label)}</span>
      <span class="muted">坐席 ${esc(call.seat || '—')} · 振铃 ${esc(time(call.ringing_at))}
      ${call.duration_s !== null ? ` · 通话 ${call.duration_s} 秒` : ''}</span>
      ${call.recording_url ? ` <a href="${esc(call.recording_url)}" target="_blank">录音</a>` : ''}
      <div class="muted">历史诉求 ${call.history.length} 件</div>${tickets}
      <button type="button" data-take="${esc(call.call_id)}">${chosen ? '正在受理' : '受理此来电'}<span class="sr-only">（${esc(call.caller || '未知号码')}）</span></button></div>`;
  }
  async function pollCalls() {
    try {
      const live = await api('GET', '/api/v1/hotline/calls/live');
      state.calls = live.calls;
      showCalls(live.calls);
      $('[data-figure=answered]').textContent = live.today.answered;
    } catch (err) { /* the next poll tries again */ }
  }
  /** Redraw the call cards only when they changed, keeping keyboard focus on the same call's button;
   *  a new ringing call is announced to screen readers. */
  function showCalls(calls) {
    const html = calls.map(callCard).join('') || '<p class="muted">暂无来电</p>';
    if (html === state.callsHtml) return;
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.take : '';
    state.callsHtml = html;
    $('#calls').innerHTML = html;
    if (focused) { const again = $('#calls').querySelector(`[data-take="${CSS.escape(focused)}"]`); if (again) again.focus(); }
    const ringing = calls.filter(c => c.state === 'ringing' && !(state.announced || []).includes(c.call_id));
    state.announced = [...(state.announced || []), ...ringing.map(c => c.call_id)];
    if (ringing.length) $('#call-news').textContent = `新来电：${ringing.map(c => c.caller || '未知号码').join('、')}`;
  }
  function takeCall(callId) {
    const call = (state.calls || []).find(c => c.call_id === callId);
    if (!call) return;
    state.callId = callId;
    $('#call-tag').textContent = `通话 ${callId}`;
    form.elements.caller_phone.value = call.caller || '';
    showHistory(call.history);
    state.lastPhone = call.caller;
    $('#calls').querySelectorAll('.call-card').forEach(el => el.classList.toggle('chosen', el.dataset.call === callId));
  }

  // ---- caller history ------------------------------------------------------------------------
  function showHistory(entries) {
    $('#history').innerHTML = entries.length ? `<table class="grid" data-testid="history"><thead><tr><th>编号</th><th>内容</th><th>状态</th><th>时间</th></tr></thead><tbody>
      ${entries.map(e => `<tr><td>${esc(e.number)}</td><td>${esc(e.title)}</td><td>${esc(e.state_label)}</td><td>${esc(time(e.at))}</td></tr>`).join('')}
      </tbody></table>` : '<p class="muted" data-testid="history">首次来电，没有历史记录</p>';
  }
  async function loadHistory() {
    const phone = form.elements.caller_phone.value.trim();
    if (!phone || phone === state.lastPhone || phone.length < 7) return;
    state.lastPhone = phone;
    try {
      showHistory((await api('GET', `/api/v1/hotline/callers/${encodeURIComponent(phone)}/history`)).entries);
    } catch (err) { $('#history').innerHTML = `<p class="muted">${esc(err.message)}</p>`; }
  }

  // ---- knowledge base and routing suggestion -------------------------------------------------
  function showKb(results) {
    $('#kb').innerHTML = results.map(r => `<div class="kb-hit" data-kb="${esc(r.id)}">
      <b>${esc(r.title)}</b> <span class="tag">${esc(r.kind_label)}</span>
      <div class="body">${esc(r.body.slice(0, 120))}</div>
      <button type="button" data-use-kb="${esc(r.id)}" data-kind="${esc(r.kind)}" data-title="${esc(r.title)}">据此答复<span class="sr-only">：${esc(r.title)}</span></button></div>`).join('')
      || '<p class="muted">知识库中没有找到相关内容</p>';
  }
  function showSuggestion(s) {
    state.suggestion = s;
    const dept = s.department;
    const words = (s.evidence || []).map(e => `<span class="tag">${esc(e.word)}</span>`).join('');
    $('#suggestion').innerHTML = dept
      ? `<span data-testid="suggestion">建议派给 <b>${esc(dept.name)}</b>（置信度 ${percent(s.confidence)}）</span>
         ${s.township ? ` · 乡镇 ${esc(s.township.name)}` : ''}${s.type ? ` · 类型 ${esc(s.type.name)}` : ''}
         <div class="evidence">依据：${words || '—'}</div>
         <button type="button" data-accept-suggestion>采用建议</button>`
      : '暂无分派建议';
  }
  function acceptSuggestion() {
    const s = state.suggestion;
    if (!s) return;
    if (s.department) form.elements.department.value = s.department.code;
    if (s.township) form.elements.township.value = s.township.code;
    if (s.type && s.type.code && s.type.code !== 'application') form.elements.type.value = s.type.code;
  }
  async function lookUp() {
    const text = form.elements.content.value.trim();
    if (!text) return;
    try {
      const [kb, suggestion] = await Promise.all([
        api('GET', `/api/v1/hotline/kb?q=${encodeURIComponent(text.slice(0, 200))}&limit=5`),
        api('POST', '/api/v1/hotline/suggest', { text }),
      ]);
      showKb(kb.results);
      showSuggestion(suggestion);
    } catch (err) { fail(err); }
  }
  function chooseAnswer(button) {
    state.answer = { source: button.dataset.kind === 'guide' ? 'guide' : 'article', id: button.dataset.useKb, title: button.dataset.title };
    $('#chosen-answer').textContent = `答复依据：${state.answer.title}`;
    form.querySelector('[data-do=answer]').disabled = false;
  }

  // ---- registering ---------------------------------------------------------------------------
  function payload() {
    const value = (name) => form.elements[name].value.trim();
    const body = { caller_phone: value('caller_phone'), caller_name: value('caller_name'), type: value('type'),
      urgency: value('urgency'), content: value('content') };
    if (value('township')) body.township = value('township');
    return body;
  }
  async function register() {
    const body = payload();
    if (state.callId) return api('POST', `/api/v1/hotline/calls/${encodeURIComponent(state.callId)}/tickets`, body);
    return api('POST', '/api/v1/hotline/tickets', Object.assign(body, { channel: 'phone' }));
  }
  async function file(how) {
    const target = form.elements.to_township.checked
      ? { township: form.elements.township.value } : { department: form.elements.department.value };
    if (how === 'dispatch' && !target.department && !target.township) {
      const message = '请选择承办部门或乡镇';
      flash(message);
      return fieldErrors(form, { message, details: { errors: [{ field: form.elements.to_township.checked ? 'township' : 'department', message }] } });
    }
    if (how === 'answer' && !state.answer) return flash('请先在知识库中选择答复依据');
    let ticket;
    try {
      ticket = await register();
    } catch (err) { fail(err); return fieldErrors(form, err); }
    fieldErrors(form, null);
    try {
      const path = `/api/v1/hotline/tickets/${encodeURIComponent(ticket.number)}/${how}`;
      ticket = await api('POST', path, how === 'dispatch' ? target : { source: state.answer.source, id: state.answer.id });
      flash(`工单 ${ticket.number} ${ticket.state_label}`, 'ok');
    } catch (err) { fail(err); }
    $('#result').innerHTML = `<p>工单编号 <b data-testid="ticket-number">${esc(ticket.number)}</b>
      <span class="tag" data-testid="ticket-state">${esc(ticket.state_label)}</span>
      ${ticket.target ? `承办：<span data-testid="ticket-target">${esc(ticket.target.name)}</span>` : ''}
      ${ticket.answer ? `答复依据：<span data-testid="ticket-answer">${esc(ticket.answer.title)}</span>` : ''}</p>`;
    focusOn($('#result p'));
    reset();
    refreshSide();
  }
  function reset() {
    form.elements.content.value = '';
    form.elements.caller_name.value = '';
    state.answer = null;
    $('#chosen-answer').textContent = '';
    form.querySelector('[data-do=answer]').disabled = true;
  }

  // ---- queue, handover, figures --------------------------------------------------------------
  async function loadQueue() {
    const queue = await api('GET', '/api/v1/hotline/queue');
    $('#queue tbody').innerHTML = queue.entries.map(e => `<tr data-number="${esc(e.number)}"><td>${esc(e.number)}</td>
      <td>${esc(e.type_label)}</td><td>${esc(e.state_label)}${e.overdue ? ' <span class="tag overdue">超期</span>' : ''}</td>
      <td>${esc(e.target ? e.target.name : '—')}</td></tr>`).join('') || '<tr><td colspan="4" class="muted">队列为空</td></tr>';
  }
  async function loadHandover() {
    const shifts = await api('GET', '/api/v1/hotline/shifts');
    const shift = shifts.on_duty[0];
    if (!shift) { $('#handover').innerHTML = '<p class="muted">当前没有值班班次</p>'; return; }
    const notes = await api('GET', `/api/v1/hotline/shifts/${encodeURIComponent(shift.id)}/notes`);
    const list = [...notes.previous_notes, ...notes.notes];
    $('#handover').innerHTML = `<p class="muted">${esc(shift.name)}：${esc(time(shift.start))} 至 ${esc(time(shift.end))}</p>
      <ul>${list.map(n => `<li>${esc(n.author_name)}（${esc(time(n.at))}）：${esc(n.text)}</li>`).join('') || '<li class="muted">暂无交接记录</li>'}</ul>
      <form id="note" class="toolbar"><input name="text" placeholder="交接事项" style="flex:1"><button type="submit">记录</button></form>`;
    $('#note').addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api('POST', `/api/v1/hotline/shifts/${encodeURIComponent(shift.id)}/notes`, { text: event.target.elements.text.value });
        loadHandover();
      } catch (err) { fail(err); }
    });
  }
  async function loadFigures() {
    const s = await api('GET', '/api/v1/hotline/stats');
    $('[data-figure=tickets]').textContent = s.tickets;
    $('[data-figure=on_time]').textContent = percent(s.on_time_rate);
    $('[data-figure=callback]').textContent = percent(s.callback_rate);
    $('[data-figure=satisfaction]').textContent = percent(s.satisfaction_rate);
    const names = { consult: '咨询', help: '求助', complaint: '投诉', report: '举报', suggestion: '建议', application: '办事申请' };
    $('#by-type').textContent = '按类型：' + Object.entries(s.by_type).map(([k, v]) => `${names[k] || k} ${v}`).join('，');
  }
  function refreshSide() {
    loadQueue().catch(fail);
    loadFigures().catch(fail);
  }

  async function loadUnits() {
    const tenant = await api('GET', '/api/v1/tenant');
    form.elements.department.insertAdjacentHTML('beforeend',
      tenant.departments.map(d => `<option value="${esc(d.code)}">${esc(d.name)}</option>`).join(''));
    form.elements.township.insertAdjacentHTML('beforeend',
      tenant.townships.map(t => `<option value="${esc(t.code)}">${esc(t.name)}</option>`).join(''));
  }

  document.addEventListener('click', (event) => {
    const take = event.target.closest('[data-take]');
    if (take) takeCall(take.dataset.take);
    const kb = event.target.closest('[data-use-kb]');
    if (kb) chooseAnswer(kb);
    if (event.target.closest('[data-accept-suggestion]')) acceptSuggestion();
    const action = event.target.closest('[data-do]');
    if (action) file(action.dataset.do);
  });
  form.elements.content.addEventListener('input', () => debounce('lookup', 400, lookUp));
  form.elements.caller_phone.addEventListener('input', () => debounce('history', 500, loadHistory));

  loadUnits().catch(fail);
  refreshSide();
  loadHandover().catch(fail);
  pollCalls();
  setInterval(pollCalls, 2000);
})();
