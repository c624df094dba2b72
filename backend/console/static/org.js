// 机构设置: profile, departments, townships, centres, posts and staff; import and export of the workbook.
window.S365Org = (() => {
  const { api, flash, esc } = window.S365;
  const LEVELS = { county: '县级', township: '乡镇' };
  const POST_KINDS = { window: '窗口岗', approval: '审批岗' };
  const ROLES = window.S365RoleLabels || {};
  const data = {};
  const editing = {};

  const ref = r => (r ? esc(r.name || r.code) : '');
  const list = v => (v || []).join('、');
  const named = kind => Object.fromEntries((data[kind] || []).filter(e => e.active).map(e => [e.code || e.username, e.name]));
  const former = e => (e.former_names.length ? `<div class="muted">曾用名：${esc(e.former_names.join('、'))}</div>` : '');
  const holder = h => (h ? esc(h.name || h.username) : '<span class="tag overdue">未设置</span>');

  // kind -> table columns and form fields ([name, label, type, options])
  const KINDS = {
    departments: {
      head: ['代码', '名称', '职责（用于热线分派）', '审批岗'],
      row: d => [esc(d.code), esc(d.name) + former(d), esc(d.duties), esc(list(d.approval_posts))],
      fields: [['code', '部门代码'], ['name', '部门名称'], ['duties', '职责（顿号分隔关键词）', 'textarea']],
    },
    townships: {
      head: ['代码', '名称', '村（社区）', '便民服务中心'],
      row: t => [esc(t.code), esc(t.name) + former(t), esc(list(t.villages)), ref(t.centre)],
      fields: [['code', '乡镇代码'], ['name', '乡镇名称'], ['villages', '村（社区，顿号分隔）', 'list']],
    },
    centres: {
      head: ['代码', '名称', '层级', '所在乡镇', '可受理事项'],
      row: c => [esc(c.code), esc(c.name) + former(c), esc(c.level_label), ref(c.township_ref), c.items.length ? esc(list(c.items)) : '<span class="muted">本层级全部</span>'],
      fields: [['code', '中心代码（县级为 county，乡镇中心同乡镇代码）'], ['name', '中心名称'], ['level', '层级', 'choice', () => LEVELS],
        ['township', '所在乡镇', 'select', () => named('townships')], ['items', '可受理事项（实施编码，留空为全部）', 'list'], ['address', '地址']],
    },
    posts: {
      head: ['代码', '名称', '类型', '服务中心', '部门', 'A 岗', 'B 岗'],
      row: p => [esc(p.code), esc(p.name) + former(p), esc(p.kind_label), ref(p.centre_ref), p.department_refs.map(ref).join('、'),
        holder(p.holders.A) + assignButton(p, 'A'), holder(p.holders.B) + assignButton(p, 'B')],
      fields: [['code', '岗位代码'], ['name', '岗位名称'], ['kind', '类型', 'choice', () => POST_KINDS],
        ['centre', '服务中心', 'select', () => named('centres')], ['departments', '部门（代码，顿号分隔；审批岗填一个）', 'list'],
        ['holder_a', 'A 岗人员', 'select', () => named('staff')], ['holder_b', 'B 岗人员', 'select', () => named('staff')]],
    },
    staff: {
      key: 'username',
      head: ['用户名', '姓名', '角色', '部门', '服务中心', '岗位'],
      row: s => [esc(s.username), esc(s.name), esc(s.role_labels.join('、')), ref(s.department_ref), ref(s.centre_ref),
        s.post ? `${esc(s.post.name)}（${esc(s.post.slot)} 岗）` : ''],
      fields: [['username', '用户名'], ['name', '姓名'], ['roles', '角色', 'roles'], ['department', '部门', 'select', () => named('departments')],
        ['centre', '服务中心', 'select', () => named('centres')], ['phone', '手机'], ['password', '初始密码（新建时填写）', 'password']],
    },
  };
  const keyOf = kind => KINDS[kind].key || 'code';

  function assignButton(post, slot) {
    return post.active ? ` <button type="button" data-assign="${esc(slot)}" data-post="${esc(post.code)}">调整</button>` : '';
  }
  /** Every problem in the message box; those about the entity in ``form`` also beside their fields. */
  function showProblems(err, form, code) {
    const problems = (err.details && err.details.problems) || [];
    flash(err.message);
    const box = document.getElementById('flash');
    if (problems.length > 1) {
      box.textContent = '机构设置有误，请逐条处理：';
      box.insertAdjacentHTML('beforeend', `<ul class="details">${problems.map(p => `<li>${esc(p.message)}</li>`).join('')}</ul>`);
    }
    if (form) S365.fieldErrors(form, { code: err.code, details: { errors: problems.filter(p => p.code === code) } });
  }

  // ---- one kind: table and form --------------------------------------------------------------------
  function input([name, label, type, options], value) {
    if (type === 'select' || type === 'choice') {  // a choice has no empty option
      const choices = Object.entries(options()).map(([v, l]) => `<option value="${esc(v)}"${v === value ? ' selected' : ''}>${esc(l)}（${esc(v)}）</option>`);
      const empty = type === 'select' ? '<option value="">（无）</option>' : '';
      return `<label>${esc(label)} <select name="${name}">${empty}${choices.join('')}</select></label>`;
    }
    if (type === 'roles') {
      return `<fieldset><legend>${esc(label)}</legend>${Object.entries(ROLES).map(([code, l]) =>
        `<label class="inline"><input type="checkbox" name="roles" value="${esc(code)}"${(value || []).includes(code) ? ' checked' : ''}> ${esc(l)}</label>`).join('')}</fieldset>`;
    }
    const text = Array.isArray(value) ? value.join('、') : (value ?? '');
    if (type === 'textarea') return `<label>${esc(label)} <textarea name="${name}" rows="2">${esc(text)}</textarea></label>`;
    return `<label>${esc(label)} <input name="${name}" type="${type === 'password' ? 'password' : 'text'}" value="${esc(text)}"></label>`;
  }
  function renderForm(kind, entity) {
    const form = document.getElementById(`form-${kind}`);
    editing[kind] = entity ? entity[keyOf(kind)] : '';
    const fields = KINDS[kind].fields.filter(f => !(entity && f[2] === 'password'));
    form.innerHTML = fields.map(f => input(f, entity ? (f[0] === 'holder_a' || f[0] === 'holder_b' ? entity.holders[f[0].slice(-1).toUpperCase()]?.username : entity[f[0]]) : undefined)).join('') +
      `<div><button type="submit" class="primary">${entity ? '保存修改' : '新增'}</button>${entity ? ' <button type="button" class="cancel">取消</button>' : ''}</div>`;
    form.closest('section').querySelector('.form-title').textContent = entity ? `修改 ${entity.name}（${editing[kind]}）` : '新增';
    const key = form.querySelector(`[name=${keyOf(kind)}]`);
    if (entity && key) key.disabled = true;
    const cancel = form.querySelector('.cancel');
    if (cancel) cancel.onclick = () => renderForm(kind);
    if (entity) form.scrollIntoView({ block: 'center' });
  }
  function formBody(kind, form) {
    const body = {};
    for (const [name, , type] of KINDS[kind].fields) {
      if (type === 'roles') body.roles = [...form.querySelectorAll('input[name=roles]:checked')].map(i => i.value);
      else if (form[name] && !form[name].disabled) {
        const value = form[name].value.trim();
        body[name] = type === 'list' ? value.split(/[、，,;；\n]+/).map(v => v.trim()).filter(Boolean) : value;
      }
    }
    if (editing[kind]) delete body.password;
    return body;
  }
  async function load(kind) {
    data[kind] = (await api('GET', `/api/v1/org/${kind}`)).items;
  }
  function renderTable(kind) {
    const spec = KINDS[kind];
    const table = document.getElementById(`org-${kind}`);
    table.tHead.innerHTML = `<tr>${spec.head.map(h => `<th>${esc(h)}</th>`).join('')}<th>状态</th><th>操作</th></tr>`;
    table.tBodies[0].innerHTML = data[kind].map(e => `<tr data-code="${esc(e[keyOf(kind)])}" class="${e.active ? '' : 'muted'}">
      ${spec.row(e).map(c => `<td>${c}</td>`).join('')}<td><span class="tag ${e.active ? 'on-time' : 'withdrawn'}">${esc(e.status_label)}</span></td>
      <td class="nowrap"><button type="button" data-edit>编辑</button> <button type="button" data-active="${e.active ? 'deactivate' : 'activate'}">${e.active ? '停用' : '启用'}</button></td></tr>`).join('')
      || `<tr><td colspan="${spec.head.length + 2}" class="muted">暂无</td></tr>`;
  }
  async function refresh(...kinds) {
    await Promise.all(kinds.map(load));
    kinds.forEach(renderTable);
  }
  function wire(kind) {
    const table = document.getElementById(`org-${kind}`);
    table.addEventListener('click', async event => {
      const button = event.target.closest('button');
      if (!button) return;
      const code = button.closest('tr').dataset.code;
      const entity = data[kind].find(e => e[keyOf(kind)] === code);
      try {
        if (button.hasAttribute('data-edit')) return renderForm(kind, entity);
        if (button.dataset.assign) return openAssign(button);
        await api('POST', `/api/v1/org/${kind}/${encodeURIComponent(code)}/${button.dataset.active}`);
        await refresh(...Object.keys(KINDS));
        flash(`${entity.name}已${button.dataset.active === 'activate' ? '启用' : '停用'}`, 'ok');
      } catch (err) { showProblems(err); }
    });
    document.getElementById(`form-${kind}`).addEventListener('submit', async event => {
      event.preventDefault();
      const form = event.target;
      const body = formBody(kind, form);
      try {
        if (editing[kind]) await api('PUT', `/api/v1/org/${kind}/${encodeURIComponent(editing[kind])}`, body);
        else await api('POST', `/api/v1/org/${kind}`, body);
        flash(editing[kind] ? '已保存' : '已新增', 'ok');
        await refresh(...Object.keys(KINDS));
        renderForm(kind);
      } catch (err) { showProblems(err, form, editing[kind] || body[keyOf(kind)]); }
    });
  }

  // ---- moving people between posts (A/B) ------------------------------------------------------------
  function openAssign(button) {
    document.querySelectorAll('#org-posts tr.inline-form').forEach(r => r.remove());
    const tr = button.closest('tr');
    const { post, assign: slot } = button.dataset;
    const people = Object.entries(named('staff')).map(([u, n]) => `<option value="${esc(u)}">${esc(n)}（${esc(u)}）</option>`).join('');
    tr.insertAdjacentHTML('afterend', `<tr class="inline-form"><td colspan="10"><form class="toolbar assign-form">
      <strong>${esc(slot)} 岗改由</strong> <select name="username"><option value="">（空缺）</option>${people}</select>
      <button type="submit" class="primary">确认调整</button> <button type="button" class="cancel">取消</button>
      <span class="muted">此人离开原岗位；该岗位未办结的审批任务按 AB 岗规则移交。</span></form></td></tr>`);
    const form = tr.nextElementSibling.querySelector('form');
    form.querySelector('.cancel').onclick = () => tr.nextElementSibling.remove();
    form.addEventListener('submit', async event => {
      event.preventDefault();
      try {
        await api('PUT', `/api/v1/org/posts/${encodeURIComponent(post)}/holders`, { slot, username: form.username.value });
        await refresh('posts', 'staff');
        flash('岗位人员已调整', 'ok');
      } catch (err) { showProblems(err); }
    });
  }

  // ---- profile and workbook -------------------------------------------------------------------------
  async function loadProfile() {
    const form = document.getElementById('profile-form');
    const profile = await api('GET', '/api/v1/org/profile');
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === 'checkbox') el.checked = !!profile[el.name];
      else el.value = profile[el.name] ?? '';
    }
    const c = profile.counts;
    document.getElementById('profile-counts').textContent =
      `在用：部门 ${c.departments.active} 个，乡镇 ${c.townships.active} 个，服务中心 ${c.centres.active} 个，岗位 ${c.posts.active} 个，人员 ${c.staff.active} 人`;
  }
  async function saveProfile(event) {
    event.preventDefault();
    const form = event.target;
    const body = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      body[el.name] = el.type === 'checkbox' ? el.checked : el.type === 'number' ? Number(el.value) : el.value.trim();
    }
    try { await api('PUT', '/api/v1/org/profile', body); await loadProfile(); flash('县区信息已保存', 'ok'); } catch (err) { showProblems(err); }
  }
  async function importWorkbook(event) {
    event.preventDefault();
    const file = event.target.file.files[0];
    const errors = document.getElementById('import-errors');
    const result = document.getElementById('import-result');
    errors.hidden = result.hidden = true;
    if (!file) return flash('请选择机构设置表（.xlsx）');
    try {
      const body = new Blob([await file.arrayBuffer()], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const done = await api('POST', '/api/v1/org/import', body);
      const labels = { departments: '部门', townships: '乡镇', centres: '服务中心', posts: '岗位', staff: '人员' };
      document.getElementById('import-summary').textContent = '导入完成：' +
        Object.entries(done.counts).map(([k, v]) => `${labels[k]} 新增 ${v.created}、更新 ${v.updated}`).join('；');
      const passwords = Object.entries(done.initial_passwords);
      const table = document.getElementById('import-passwords');
      table.tBodies[0].innerHTML = passwords.map(([u, p]) => `<tr><td>${esc(u)}</td><td><code>${esc(p)}</code></td></tr>`).join('');
      table.hidden = !passwords.length;
      result.hidden = false;
      flash('机构设置已导入', 'ok');
      S365.focusOn(document.getElementById('import-summary'));
      await Promise.all([loadProfile(), refresh(...Object.keys(KINDS))]);
    } catch (err) {
      flash(err.message.split('\n')[0]);
      const rows = (err.details && err.details.errors) || [];
      errors.tBodies[0].innerHTML = rows.map(e => `<tr><td>${esc(e.sheet)}</td><td>${esc(e.row ?? '')}</td><td>${esc(e.column ?? '')}</td><td>${esc(e.message)}</td></tr>`).join('');
      errors.hidden = !rows.length;
      if (rows.length) S365.focusOn(errors);
    }
  }
  function show(tab) {
    document.querySelectorAll('.org-tab').forEach(s => { s.hidden = s.id !== `tab-${tab}`; });
    document.querySelectorAll('#org-tabs button').forEach(b => b.classList.toggle('primary', b.dataset.tab === tab));
    history.replaceState(null, '', `#${tab}`);
  }

  async function start() {
    document.querySelectorAll('#org-tabs button').forEach(b => { b.onclick = () => show(b.dataset.tab); });
    show((location.hash || '#profile').slice(1));
    document.getElementById('profile-form').addEventListener('submit', saveProfile);
    const importForm = document.getElementById('import-form');
    if (importForm) importForm.addEventListener('submit', importWorkbook);
    Object.keys(KINDS).forEach(wire);
    try {
      await Promise.all([loadProfile(), refresh(...Object.keys(KINDS))]);
      Object.keys(KINDS).forEach(kind => renderForm(kind));
    } catch (err) { flash(err.message); }
  }
  return { start };
})();
