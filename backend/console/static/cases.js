// Case pipeline (办件) shared helpers: times in Beijing time, error display, and the step forms
// (accept, approve, pause, deliver, ...) every case screen offers according to role and state.
window.S365Cases = (() => {
  const { api, flash, esc } = window.S365;
  const KINDS = { immediate: '即办件', promised: '承诺件', joint: '联办件', report_up: '上报件' };
  const PAUSE_KINDS = { hearing: '听证', expert_review: '专家评审', inspection: '现场勘查或检验检测', public_notice: '公示' };
  const DELIVERY = { window: '窗口领取', post: '邮寄（EMS）', electronic: '电子证照' };
  const OPEN_STATES = ['submitted', 'supplement_requested', 'accepted', 'in_review', 'paused', 'review_supplement'];
  const clock = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });

  /** "2026-11-23 09:30:05" in Asia/Shanghai; a dash for no time. */
  function time(iso) {
    if (!iso) return '—';
    const p = Object.fromEntries(clock.formatToParts(new Date(iso)).map(x => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  }
  /** A deadline: midnight is shown as 24:00 of the day before, the way the due explanation words it. */
  function dueTime(iso) {
    const text = time(iso);
    if (!iso || !text.endsWith(' 00:00:00')) return text;
    return time(new Date(new Date(iso).getTime() - 1000).toISOString()).slice(0, 10) + ' 24:00';
  }
  /** How long until ``due`` (or how far past it), in days and hours. */
  function remaining(due, state) {
    if (state === 'paused') return '<span class="tag paused">暂停计时</span>';
    if (!due) return '<span class="muted">—</span>';
    const hours = Math.round((new Date(due) - Date.now()) / 3600000);
    const text = Math.abs(hours) >= 24 ? `${Math.floor(Math.abs(hours) / 24)} 天 ${Math.abs(hours) % 24} 小时` : `${Math.abs(hours)} 小时`;
    if (hours < 0) return `<span class="tag overdue">已超期 ${text}</span>`;
    return `<span class="tag ${hours < 24 ? 'due-soon' : 'on-time'}">剩余 ${text}</span>`;
  }
  function detailLines(details) {
    if (!details || typeof details !== 'object') return [];
    if (Array.isArray(details.errors)) return details.errors.map(e => e.message || JSON.stringify(e));
    return Object.entries(details).map(([k, v]) =>
      `${k}：${Array.isArray(v) ? v.join('、') : (v && typeof v === 'object') ? JSON.stringify(v) : v}`);
  }
  /** Show an API error: its Chinese message and any details, at the top of the page. */
  function fail(err) {
    flash(err.message || String(err));
    const box = document.getElementById('flash');
    if (!box) return;
    const lines = detailLines(err.details);
    if (lines.length) box.insertAdjacentHTML('beforeend', '<ul class="details">' + lines.map(l => `<li>${esc(l)}</li>`).join('') + '</ul>');
    box.scrollIntoView({ block: 'nearest' });
  }
  function caseUrl(number, suffix) {
    return `/api/v1/cases/${encodeURIComponent(number)}${suffix || ''}`;
  }
  /** Printable documents the case has now (the server lists them in ``view.documents``). */
  const DOCUMENTS = {
    receipt: ['/receipt', '打印受理回执'], 'supplement-notice': ['/supplement-notice', '打印补正通知书'],
    'rejection-notice': ['/rejection-notice', '打印不予受理通知书'],
    'review-supplement-notice': ['/review-supplement-notice', '打印审查中补正告知书'],
    'decision-notice': ['/decision-notice', '打印办理决定书'], 'reply-notice': ['/reply-notice', '打印上级批复告知书'],
  };
  const DOC_KEYS = { receipt: 'receipt', 'supplement-notice': 'supplement', 'rejection-notice': 'rejection' };
  function documentLinks(view) {
    const doc = (key, path, label) => `<a class="button" data-doc="${key}" target="_blank" href="${caseUrl(view.number, path + '.html')}">${label}<span class="sr-only">（在新窗口打开）</span></a>
      <a class="button" data-doc="${key}-pdf" target="_blank" href="${caseUrl(view.number, path + '.pdf')}">${label}（大字 PDF）<span class="sr-only">（在新窗口打开）</span></a>`;
    const names = view.documents || ['receipt'];
    return names.filter(name => DOCUMENTS[name])
      .map(name => doc(DOC_KEYS[name] || name, ...DOCUMENTS[name])).join(' ');
  }

  // ---- item guides (for the supplement checklist) --------------------------------------------
  const guides = {};
  function guide(code) {
    guides[code] = guides[code] || api('GET', `/api/v1/items/${encodeURIComponent(code)}`).catch(() => ({ materials: [] }));
    return guides[code];
  }
  async function fillSupplementChecklist(form, view) {
    const item = await guide(view.item_code);
    const received = new Set((view.materials || []).map(m => m.name));
    const asked = new Set((view.timeline || []).filter(e => e.type === 'SupplementRequested').flatMap(e => e.materials || []));
    const names = [...new Set([...(item.materials || []).map(m => m.name), ...asked])];
    form.querySelector('.checklist').innerHTML = names.map(name => `<label class="inline"><input type="checkbox" name="material"
      value="${esc(name)}"${asked.has(name) || (!asked.size && !received.has(name)) ? ' checked' : ''}> ${esc(name)}</label>`).join('')
      || '<span class="muted">该事项未列出申请材料，请在下方逐项填写。</span>';
  }
  const value = (form, name) => (form.elements[name] ? form.elements[name].value.trim() : '');
  function supplementBody(form) {
    const ticked = [...form.querySelectorAll('input[name=material]:checked')].map(b => b.value);
    const typed = value(form, 'other').split('\n').map(s => s.trim()).filter(Boolean);
    return { materials: [...ticked, ...typed], reason: value(form, 'reason') };
  }

  // ---- step forms ----------------------------------------------------------------------------
  const textarea = (name, label, extra) => `<label>${label}<textarea name="${name}" rows="2"${extra || ''}></textarea></label>`;
  const input = (name, label, extra) => `<label>${label}<input name="${name}"${extra || ''}></label>`;
  const BLOCKS = {
    accept: { title: '受理', fields: '<p class="muted">材料齐全、符合法定形式的，予以受理；受理后开始计时。</p>',
      buttons: [{ label: '受理', action: 'accept', cls: 'primary', done: '已受理' }] },
    reject: { title: '不予受理', fields: textarea('reason', '不予受理理由（告知申请人）'),
      buttons: [{ label: '不予受理', action: 'reject', cls: 'danger', body: f => ({ reason: value(f, 'reason') }), done: '已作出不予受理决定' }] },
    supplement: { title: '一次性告知补正', setup: fillSupplementChecklist,
      fields: '<fieldset><legend>需补正的材料（勾选）</legend><div class="checklist"></div></fieldset>' + textarea('other', '其他需补正的材料（每行一项）') + input('reason', '说明'),
      buttons: [{ label: '一次性告知补正', action: 'supplement', body: supplementBody, done: '已一次性告知补正材料' }] },
    resubmit: { title: '补正后重新提交', fields: input('note', '补正说明'),
      buttons: [{ label: '补正材料已收齐，重新提交', action: 'resubmit', body: f => ({ note: value(f, 'note') }), done: '已重新提交' }] },
    review_supplement: { title: '审查中一次性告知补正（每件限一次，补正期间暂停计时）', setup: fillSupplementChecklist,
      fields: '<fieldset><legend>需补正的材料（勾选）</legend><div class="checklist"></div></fieldset>' + textarea('other', '其他需补正的材料（每行一项）') + input('reason', '补正理由（必填）'),
      buttons: [{ label: '一次性告知补正', action: 'review-supplement', body: supplementBody, done: '已一次性告知补正材料，暂停计时' }] },
    decide: { title: '当场办结（即办件）', fields: textarea('reason', '说明（不予办理时必填理由）'),
      buttons: [{ label: '准予办理（当场办结）', action: 'decide-at-window', cls: 'primary', body: f => ({ approve: true, reason: value(f, 'reason') }), done: '已当场办结：准予办理' },
        { label: '不予办理', action: 'decide-at-window', cls: 'danger', body: f => ({ approve: false, reason: value(f, 'reason') }), done: '已当场办结：不予办理' }] },
    dispatch: { title: '分派审批', fields: '<p class="muted">将审批任务同时分派给各承办部门的审批岗位。</p>',
      buttons: [{ label: '分派审批任务', action: 'dispatch', done: '已分派审批任务' }] },
    decision: { title: '审批决定', fields: textarea('text', '审批意见（不同意时必须填写理由）'),
      buttons: [{ label: '同意', action: 'approve', cls: 'primary', body: f => ({ opinion: value(f, 'text') }), done: '已同意' },
        { label: '不同意', action: 'refuse', cls: 'danger', body: f => ({ reason: value(f, 'text') }), done: '已作出不同意决定' }] },
    pause: { title: '暂停计时（法定程序）',
      fields: `<label>暂停事由<select name="kind">${Object.entries(PAUSE_KINDS).map(([k, v]) => `<option value="${k}">${v}</option>`).join('')}</select></label>` + input('reason', '理由'),
      buttons: [{ label: '暂停计时', action: 'pause', body: f => ({ kind: value(f, 'kind'), reason: value(f, 'reason') }), done: '已暂停计时' }] },
    resume: { title: '恢复计时', fields: input('note', '说明'),
      buttons: [{ label: '恢复计时', action: 'resume', cls: 'primary', body: f => ({ note: value(f, 'note') }), done: '已恢复计时' }] },
    forward: { title: '报送上级机关', fields: input('note', '报送说明'),
      buttons: [{ label: '报送上级机关', action: 'forward', cls: 'primary', body: f => ({ note: value(f, 'note') }), done: '已报送上级机关' }] },
    reply: { title: '登记上级批复',
      fields: '<label>批复结果<select name="approved"><option value="yes">批准</option><option value="no">不予批准</option></select></label>' +
        input('reference', '批复文号') + input('reason', '不予批准的理由'),
      buttons: [{ label: '登记批复', action: 'record-reply', cls: 'primary', done: '已登记上级批复',
        body: f => ({ approved: value(f, 'approved') === 'yes', reference: value(f, 'reference'), reason: value(f, 'reason') }) }] },
    send: { title: '送达办理结果', setup: (form, view) => {
      form.querySelector('.send-field').innerHTML = view.delivery_method === 'post' ? input('tracking_number', 'EMS 运单号')
        : input('reference', '电子证照编号或文书链接');
    }, fields: '<div class="send-field"></div>',
      buttons: [{ label: '发出结果', action: 'send-result', cls: 'primary', done: '办理结果已发出',
        body: f => ({ tracking_number: value(f, 'tracking_number'), reference: value(f, 'reference') }) }] },
    confirm: { title: '确认送达', fields: input('received_by', '领取人 / 签收人'),
      buttons: [{ label: '确认送达', action: 'confirm-delivery', cls: 'primary', body: f => ({ received_by: value(f, 'received_by') }), done: '已送达，办件办结' }] },
    withdraw: { title: '撤回申请', fields: input('reason', '撤回原因'),
      buttons: [{ label: '撤回申请', action: 'withdraw', cls: 'danger', body: f => ({ reason: value(f, 'reason') }), done: '申请已撤回' }] },
  };

  /** The step forms the signed-in person may use on this case now (``me``: roles, department). */
  function blocksFor(view, me) {
    const has = role => me.roles.includes(role);
    const clerk = has('window_clerk'), manager = has('centre_manager'), officer = has('info_officer');
    const approver = has('dept_approver') && view.departments.some(d => d.code === me.department);
    const s = view.state, out = [];
    if (clerk && s === 'submitted') out.push('accept', 'reject', 'supplement');
    if ((clerk || officer) && (s === 'supplement_requested' || s === 'review_supplement')) out.push('resubmit');
    if (clerk && s === 'accepted' && view.kind === 'immediate') out.push('decide');
    if ((clerk || manager) && s === 'accepted' && view.kind !== 'immediate') out.push('dispatch');
    if (approver) {
      const mine = view.tasks.find(t => t.department === me.department && t.state === 'open');
      if (s === 'in_review' && mine) out.push('decision');
      const askedInReview = (view.pauses || []).some(p => p.kind === 'review_supplement');
      if (s === 'in_review' && mine && !askedInReview) out.push('review_supplement');
      if (s === 'in_review') out.push('pause');
      if (s === 'paused') out.push('resume');
      if (view.kind === 'report_up' && s === 'approved') out.push('forward');
      if (s === 'forwarded') out.push('reply');
    }
    if (clerk || manager) {
      const ready = view.kind === 'report_up' ? ['refused', 'reply_recorded'] : ['approved', 'refused'];
      if (ready.includes(s) && view.delivery_method !== 'window') out.push('send');
      if (s === 'delivering' || (view.delivery_method === 'window' && ready.includes(s))) out.push('confirm');
    }
    if ((clerk || officer) && OPEN_STATES.includes(s)) out.push('withdraw');
    return out;
  }

  /** Render step forms into ``box``; each posts its step and hands the returned view to ``onView``. */
  function renderActions(box, view, me, onView, only) {
    const keys = blocksFor(view, me).filter(k => !only || only.includes(k));
    const uid = `${box.id || 'actions'}-${view.number}`;
    box.innerHTML = keys.map(key => `<form class="action" data-block="${key}" novalidate aria-labelledby="${uid}-${key}">
      <h3 id="${uid}-${key}">${esc(BLOCKS[key].title)}</h3>
      ${BLOCKS[key].fields || ''}<div class="toolbar">${BLOCKS[key].buttons.map((b, i) =>
        `<button type="button" data-btn="${i}" class="${b.cls || ''}">${esc(b.label)}</button>`).join('')}</div></form>`).join('')
      || '<p class="muted" data-testid="no-actions">当前状态下您没有可执行的办件操作。</p>';
    const setups = [];
    box.querySelectorAll('form.action').forEach(form => {
      const block = BLOCKS[form.dataset.block];
      if (block.setup) setups.push(Promise.resolve(block.setup(form, view)).catch(fail));
      form.addEventListener('submit', event => event.preventDefault());
      form.querySelectorAll('[data-btn]').forEach(button => {
        button.onclick = async () => {
          const spec = block.buttons[Number(button.dataset.btn)];
          button.disabled = true;
          try {
            const next = await api('POST', caseUrl(view.number, '/' + spec.action), spec.body ? spec.body(form) : {});
            flash(`${spec.done}（办件 ${next.number}，当前状态：${next.state_label}）`, 'ok');
            onView(next);
            window.S365.focusOn(document.getElementById('flash'));
          } catch (err) { fail(err); window.S365.fieldErrors(form, err); } finally { button.disabled = false; }
        };
      });
    });
    box.ready = Promise.all(setups);  // forms whose fields load later (the supplement checklist) are complete then
    return keys;
  }

  /** The signed-in person, as the page template put it on ``#page`` data attributes. */
  function me() {
    const root = document.getElementById('page');
    return { roles: (root.dataset.roles || '').split(',').filter(Boolean), department: root.dataset.department || '',
      centre: root.dataset.centre || 'county', id: root.dataset.id || '' };
  }
  return { KINDS, DELIVERY, PAUSE_KINDS, time, dueTime, remaining, fail, caseUrl, documentLinks, guide, renderActions, blocksFor, me };
})();
