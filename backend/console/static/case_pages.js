// Case screens: the case page (办件详情), case lookup (办件查询) and the approver's task queue (审批任务).
window.S365CasePages = (() => {
  const { api, flash, esc } = window.S365;
  const { KINDS, time, dueTime, remaining, fail, caseUrl, documentLinks, renderActions } = window.S365Cases;

  /** Names of posts and of their holders, for showing "周建国" instead of an id; empty if not allowed. */
  async function postDirectory() {
    const posts = { names: {}, people: {} };
    try {
      for (const p of (await api('GET', '/api/v1/posts')).posts) {
        posts.names[p.code] = p.name;
        for (const h of [p.holder_a, p.holder_b]) if (h && h.id) posts.people[h.id] = h.name;
      }
    } catch (err) { /* roles without access to posts see codes instead of names */ }
    return posts;
  }
  const person = (dir, id) => dir.people[id] || String(id || '').replace(/^[^:]*:/, '') || '—';
  const postName = (dir, code) => (code ? (dir.names[code] || code) : '—');
  const row = (label, html) => `<div><dt>${esc(label)}</dt><dd>${html}</dd></div>`;

  function summaryHtml(v) {
    const applicant = v.applicant ? `${esc(v.applicant.name)} ${esc(v.applicant.id_number)} ${esc(v.applicant.phone)}` : esc(v.applicant_name);
    const delivery = [v.delivery_label, v.delivery_address, v.tracking_number && `EMS ${v.tracking_number}`].filter(Boolean).map(esc).join('，');
    const outcome = v.outcome ? `${esc({ approved: '准予', refused: '不予' }[v.outcome] || v.outcome)} ${esc(v.outcome_reason)}` : '—';
    return `<dl class="facts">
      ${row('办件编号', `<strong data-testid="case-number">${esc(v.number)}</strong>`)}
      ${row('查询码', esc(v.query_code || '—'))}
      ${row('状态', `<span class="tag state-${esc(v.state)}" data-testid="case-state">${esc(v.state_label)}</span>`)}
      ${row('办理事项', esc(v.item_name))}
      ${row('办件类型', esc(v.kind_label))}
      ${row('受理渠道', esc(v.channel_label))}
      ${row('承办部门', esc(v.departments.map(d => d.name).join('、')))}
      ${row('申请人', applicant)}
      ${v.submitted_by ? row('提交人', esc(v.submitted_by.name)) : ''}
      ${row('提交时间', time(v.submitted_at))}
      ${row('受理时间', time(v.accepted_at))}
      ${row('时限', `承诺 ${esc(v.promised_days)} 个工作日 / 法定 ${esc(v.statutory_days)} 个工作日`)}
      ${row('办结期限', `${dueTime(v.due_at)}${v.due_provisional ? '（暂定）' : ''} ${v.finished ? '' : remaining(v.due_at, v.state)}`)}
      ${row('送达方式', delivery || '—')}
      ${row('办理结果', outcome)}
      ${v.missing_materials.length ? row('待补正材料', esc(v.missing_materials.join('、'))) : ''}
    </dl>${v.due_explanation ? `<p class="explain" data-testid="due-explanation">${esc(v.due_explanation)}</p>` : ''}`;
  }
  function materialsHtml(v) {
    return (v.materials || []).map(m => `<tr><td>${esc(m.name)}</td><td>${esc(m.copies ?? 1)}</td>
      <td>${m.received === false ? '未收' : '已收'}</td>
      <td>${m.file_id ? `<a href="/api/v1/uploads/${encodeURIComponent(m.file_id)}" target="_blank">查看文件</a>` : '<span class="muted">纸质</span>'}</td></tr>`).join('')
      || '<tr><td colspan="4" class="muted">未登记材料</td></tr>';
  }
  function tasksHtml(v, dir) {
    return (v.tasks || []).map(t => `<tr data-department="${esc(t.department)}"><td>${esc(t.department_name)}</td><td>${esc(postName(dir, t.post))}</td>
      <td data-testid="assignee">${esc(person(dir, t.assignee))}</td><td><span class="tag task-${esc(t.state)}">${esc(t.state_label)}</span></td>
      <td>${time(t.opened_at)}</td><td>${time(t.closed_at)}</td><td>${esc(t.decided_by || '—')}</td><td>${esc(t.opinion || '')}</td></tr>`).join('')
      || '<tr><td colspan="8" class="muted">尚未分派审批任务</td></tr>';
  }
  function pausesHtml(v) {
    return (v.pauses || []).map(p => `<tr><td>${esc(p.kind_label)}</td><td>${esc(p.reason)}</td><td>${time(p.started_at)}</td>
      <td>${p.ended_at ? time(p.ended_at) : '<span class="tag paused">暂停中</span>'}</td></tr>`).join('')
      || '<tr><td colspan="4" class="muted">无暂停计时</td></tr>';
  }
  function timelineHtml(v, dir) {
    return v.timeline.map(e => {
      const extra = [e.materials && e.materials.length ? `补正材料：${e.materials.join('、')}` : '',
        e.tracking_number ? `EMS 运单号：${e.tracking_number}` : '',
        e.data && e.data.to_assignee ? `由 ${person(dir, e.data.from_assignee)} 移交 ${person(dir, e.data.to_assignee)}` : '',
        e.data && e.data.received_by ? `领取人：${e.data.received_by}` : ''].filter(Boolean);
      return `<tr data-type="${esc(e.type)}"><td>${esc(e.seq)}</td><td class="nowrap">${time(e.at)}</td><td class="step">${esc(e.label)}</td>
        <td>${esc(e.state_label)}</td><td>${esc(e.actor_name || '')}<span class="muted">（${esc(e.actor_role)}）</span></td>
        <td>${esc(e.actor_post ? postName(dir, e.actor_post) : '')}</td><td>${esc(e.reason || '')}${extra.map(x => `<div class="muted">${esc(x)}</div>`).join('')}</td>
        <td>${e.hash ? `<code title="${esc(e.hash)}">${esc(e.hash.slice(0, 12))}</code>` : ''}</td></tr>`;
    }).join('');
  }

  /** One notice: when it happened (sent, failed, or the next try of a waiting one) and what to say about it. */
  function noticeWhen(n) {
    if (n.status === 'sent') return `发送于 ${time(n.sent_at)}`;
    if (n.status === 'failed') return `失败于 ${time(n.failed_at)}`;
    return n.next_attempt_at ? `${n.status === 'retrying' ? '下次重试' : '计划发送'} ${time(n.next_attempt_at)}` : time(n.created_at);
  }
  function noticesHtml(list, canResend) {
    return list.map(n => `<tr data-status="${esc(n.status)}" data-template="${esc(n.template)}"><td>${esc(n.event_seq)}</td>
      <td class="nowrap">${esc(n.template_label)}</td><td class="nowrap">${esc(n.channel_label)}</td><td class="nowrap">${esc(n.to)}</td>
      <td><span class="tag notice-${esc(n.status)}" data-testid="notice-status">${esc(n.status_label)}</span></td>
      <td>${esc(n.attempts)}</td><td class="nowrap">${noticeWhen(n)}${n.resent_at ? `<div class="muted">${time(n.resent_at)} 重新发送</div>` : ''}</td>
      <td data-testid="notice-error">${n.last_error ? esc(n.last_error) : ''}${n.status === 'failed' ? '<div class="muted">请电话告知申请人</div>' : ''}
        ${n.status === 'failed' && canResend ? `<button type="button" data-resend="${esc(n.id)}">重新发送</button>` : ''}</td></tr>`).join('')
      || '<tr><td colspan="8" class="muted">暂无通知（申请人未留手机号或未关注小程序时不发送）</td></tr>';
  }
  async function showNotices(number) {
    const card = document.getElementById('case-notices-card');
    const body = document.querySelector('#case-notices tbody');
    const render = data => { body.innerHTML = noticesHtml(data.notices, data.can_resend); };
    try {
      render(await api('GET', caseUrl(number, '/notifications')));
      card.hidden = false;
    } catch (err) {
      card.hidden = true;  // roles that may not read the case see no notices either
      return;
    }
    body.onclick = async event => {
      const button = event.target.closest('button[data-resend]');
      if (!button) return;
      button.disabled = true;
      try {
        render(await api('POST', caseUrl(number, '/notifications/resend'), { notice: button.dataset.resend }));
        flash('已重新排队发送，稍后刷新页面查看结果', 'ok');
      } catch (err) {
        button.disabled = false;
        fail(err);
      }
    };
  }

  // ---- the case page --------------------------------------------------------------------------
  async function detail() {
    const root = document.getElementById('case-page');
    const number = root.dataset.number;
    const me = window.S365Cases.me();
    const dir = await postDirectory();
    function show(v) {
      document.getElementById('case-summary').innerHTML = summaryHtml(v);
      document.getElementById('case-docs').innerHTML = documentLinks(v);
      document.querySelector('#case-materials tbody').innerHTML = materialsHtml(v);
      document.querySelector('#case-tasks tbody').innerHTML = tasksHtml(v, dir);
      document.querySelector('#case-pauses tbody').innerHTML = pausesHtml(v);
      document.querySelector('#case-timeline tbody').innerHTML = timelineHtml(v, dir);
      renderActions(document.getElementById('case-actions'), v, me, show);
      root.hidden = false;
      if (v.version !== undefined) showNotices(number).catch(fail);  // the staff view: its notices too, after every step
    }
    try {
      show(await api('GET', caseUrl(number)));
    } catch (err) {
      if (err.status !== 403) { fail(err); return; }
      const v = await api('GET', caseUrl(number, '/progress')).catch(e => { fail(e); return null; });
      if (!v) return;
      show({ ...v, tasks: [], pauses: [], materials: [] });
      document.getElementById('case-actions').innerHTML = '<p class="muted">该办件不属于您所在的服务中心，仅显示公开进度。</p>';
      document.getElementById('case-docs').innerHTML = '';
    }
  }

  // ---- lookup and "my submissions" --------------------------------------------------------------
  const NUMBER = /^\d{6}-\d{8}-\d{5,}$/;
  async function lookup() {
    const form = document.getElementById('lookup');
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const number = form.number.value.trim();
      const code = form.code.value.trim();
      if (!NUMBER.test(number)) {
        const message = '办件编号格式应为“610924-20261123-00001”';
        flash(message);
        window.S365.fieldErrors(form, { message, details: { errors: [{ field: 'number', message }] } });
        return;
      }
      if (!code) { window.location.href = `/console/cases/${encodeURIComponent(number)}`; return; }
      try {
        const v = await api('GET', caseUrl(number, '/progress?code=' + encodeURIComponent(code)));
        const box = document.getElementById('progress');
        box.innerHTML = `<h2>办件进度</h2><p><a class="button" href="/console/cases/${encodeURIComponent(v.number)}">打开办件详情</a></p>
          <dl class="facts">${row('办件编号', esc(v.number))}${row('事项', esc(v.item_name))}${row('申请人', esc(v.applicant_name))}
          ${row('状态', `<span class="tag">${esc(v.state_label)}</span>`)}${row('办结期限', dueTime(v.due_at))}</dl>
          <ol class="trail">${v.timeline.map(e => `<li>${time(e.at)} ${esc(e.label)}（${esc(e.state_label)}）${esc(e.reason || '')}</li>`).join('')}</ol>`;
        box.hidden = false;
        window.S365.focusOn(box.querySelector('h2'));
      } catch (err) { fail(err); window.S365.fieldErrors(form, err); }
    });
    let page = 1;
    async function load() {
      const data = await api('GET', `/api/v1/my/cases?page=${page}&page_size=20`);
      document.querySelector('#my-cases tbody').innerHTML = data.items.map(c => `<tr>
        <td><a href="/console/cases/${encodeURIComponent(c.number)}">${esc(c.number)}</a></td><td>${esc(c.item_name)}</td>
        <td>${esc(c.kind_label)}</td><td>${esc(c.channel_label)}</td><td><span class="tag">${esc(c.state_label)}</span></td>
        <td>${time(c.submitted_at)}</td><td>${dueTime(c.due_at)}</td></tr>`).join('') || '<tr><td colspan="7" class="muted">暂无您提交的办件</td></tr>';
      const pages = Math.max(1, Math.ceil(data.total / data.page_size));
      document.getElementById('page-info').textContent = `第 ${data.page} / ${pages} 页，共 ${data.total} 件`;
      document.getElementById('prev').disabled = page <= 1;
      document.getElementById('next').disabled = page >= pages;
    }
    document.getElementById('prev').onclick = () => { page -= 1; load().catch(fail); };
    document.getElementById('next').onclick = () => { page += 1; load().catch(fail); };
    await load().catch(fail);
  }

  // ---- the approver's queue ----------------------------------------------------------------------
  async function tasks() {
    const me = window.S365Cases.me();
    const [queue, dir] = await Promise.all([api('GET', '/api/v1/queues/tasks'), postDirectory()]);
    // The queue carries no deadline; read each case once for its due time (API gap, see report).
    const views = await Promise.all(queue.tasks.slice(0, 100).map(t => api('GET', caseUrl(t.number)).catch(() => null)));
    const due = Object.fromEntries(views.filter(Boolean).map(v => [v.number, v]));
    const rows = queue.tasks.map(t => ({ ...t, due_at: (due[t.number] || {}).due_at, case_state: (due[t.number] || {}).state || t.state }));
    rows.sort((a, b) => (a.assignee !== me.id) - (b.assignee !== me.id)
      || String(a.due_at || '9999').localeCompare(String(b.due_at || '9999')) || String(a.opened_at).localeCompare(String(b.opened_at)));
    document.querySelector('#task-table tbody').innerHTML = rows.map(t => `<tr data-number="${esc(t.number)}">
      <td><a href="/console/cases/${encodeURIComponent(t.number)}">${esc(t.number)}</a>${t.assignee === me.id ? ' <span class="tag mine">本人</span>' : ''}</td>
      <td>${esc(t.item_name)}</td><td>${esc(KINDS[t.kind] || t.kind)}</td><td>${esc(t.applicant)}</td>
      <td>${esc(postName(dir, t.post))}</td><td>${esc(person(dir, t.assignee))}</td><td>${time(t.opened_at)}</td>
      <td>${dueTime(t.due_at)}</td><td>${remaining(t.due_at, t.case_state)}</td>
      <td><a class="button" href="/console/cases/${encodeURIComponent(t.number)}">办理<span class="sr-only">（${esc(t.number)}）</span></a></td></tr>`).join('')
      || '<tr><td colspan="10" class="muted">暂无待办审批任务</td></tr>';
    document.getElementById('task-count').textContent = `共 ${queue.total} 件待审批`;
  }
  return { detail, lookup, tasks };
})();
