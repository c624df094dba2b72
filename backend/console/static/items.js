// Power-list console pages: the item list and the item editor.
window.S365Items = (() => {
  const { api, flash, esc } = window.S365;
  const KINDS = { immediate: '即办件', promised: '承诺件', joint: '联办件', report_up: '上报件' };
  const TYPES = ['行政许可', '行政给付', '行政确认', '行政裁决', '行政奖励', '其他行政权力', '公共服务'];
  const STATUS = { draft: '草稿', published: '已发布', withdrawn: '已撤销', superseded: '已替换' };
  const ROLES = { window_clerk: '窗口人员', dept_approver: '部门审批人', centre_manager: '中心管理', higher_authority: '上级机关', fee_window: '收费窗口' };
  const REQUIREMENTS = { required: '必要', conditional: '按情形' };
  const FORMS = { original: '原件', copy: '复印件', original_and_copy: '原件和复印件', electronic: '电子版' };
  let profile = null;

  async function loadProfile() {
    profile = profile || await api('GET', '/api/v1/tenant');
    return profile;
  }
  function options(map, selected) {
    return Object.entries(map).map(([v, label]) => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(label)}</option>`).join('');
  }

  // ---- list -------------------------------------------------------------------------------
  async function list() {
    const form = document.getElementById('filters');
    const { departments } = await loadProfile();
    form.department.insertAdjacentHTML('beforeend', departments.map(d => `<option value="${esc(d.code)}">${esc(d.name)}</option>`).join(''));
    const names = Object.fromEntries(departments.map(d => [d.code, d.name]));
    let page = 1;
    async function load() {
      const params = new URLSearchParams(new FormData(form));
      params.set('page', page);
      params.set('page_size', 20);
      const data = await api('GET', '/api/v1/admin/items?' + params);
      document.querySelector('#items-table tbody').innerHTML = data.items.map(i => `<tr>
        <td><a href="/console/items/${encodeURIComponent(i.code)}">${esc(i.code)}</a></td><td>${esc(i.name)}</td>
        <td>${esc(names[i.department] || i.department)}</td><td>${esc(KINDS[i.kind] || i.kind)}</td>
        <td><span class="tag ${esc(i.status)}">${esc(i.status_label)}</span></td>
        <td>${i.published_version ?? '—'}</td><td>${i.latest_version}</td></tr>`).join('') ||
        '<tr><td colspan="7" class="muted">没有符合条件的事项</td></tr>';
      const pages = Math.max(1, Math.ceil(data.total / data.page_size));
      document.getElementById('page-info').textContent = `第 ${data.page} / ${pages} 页，共 ${data.total} 项`;
      document.getElementById('prev').disabled = page <= 1;
      document.getElementById('next').disabled = page >= pages;
    }
    form.addEventListener('submit', e => { e.preventDefault(); page = 1; load().catch(err => flash(err.message)); });
    document.getElementById('prev').onclick = () => { page -= 1; load().catch(err => flash(err.message)); };
    document.getElementById('next').onclick = () => { page += 1; load().catch(err => flash(err.message)); };
    await load().catch(err => flash(err.message));
  }

  // ---- editor rows ----------------------------------------------------------------------------
  const ROWS = {
    materials: m => `<td><input data-f="name" value="${esc(m.name)}"></td>
      <td><select data-f="requirement">${options(REQUIREMENTS, m.requirement || 'required')}</select></td>
      <td><input data-f="condition" value="${esc(m.condition)}"></td>
      <td><select data-f="form">${options(FORMS, m.form || 'original')}</select></td>
      <td><input data-f="copies" type="number" min="0" value="${esc(m.copies ?? 1)}"></td>
      <td><input data-f="source" value="${esc(m.source || '申请人自备')}"></td>`,
    steps: s => `<td><input data-f="name" value="${esc(s.name)}"></td>
      <td><select data-f="role">${options(ROLES, s.role || 'dept_approver')}</select></td>
      <td><input data-f="days" type="number" min="0" value="${esc(s.days ?? 0)}"></td>
      <td><input data-f="description" value="${esc(s.description)}"></td>`,
    fees: f => `<td><input data-f="name" value="${esc(f.name)}"></td><td><input data-f="standard" value="${esc(f.standard)}"></td>
      <td><input data-f="amount" size="7" value="${esc(f.amount_fen == null ? '' : yuan(f.amount_fen))}"></td>
      <td><input data-f="unit" size="3" value="${esc(f.unit || '件')}"></td>
      <td><input data-f="choice_input" size="8" value="${esc(f.choice_input)}"></td>
      <td><input data-f="options" value="${esc((f.options || []).map(o => `${o.label}=${yuan(o.amount_fen)}`).join('；'))}"></td>
      <td><input data-f="quantity_input" size="6" value="${esc(f.quantity_input)}"></td>
      <td><input data-f="basis" value="${esc(f.basis)}"></td><td><input data-f="exemption_allowed" type="checkbox"${f.exemption_allowed ? ' checked' : ''}></td>`,
    places: p => `<td><input data-f="name" value="${esc(p.name)}"></td><td><input data-f="address" value="${esc(p.address)}"></td>
      <td><input data-f="hours" value="${esc(p.hours)}"></td>`,
  };
  function addRow(table, data) {
    const tr = document.createElement('tr');
    tr.innerHTML = ROWS[table](data || {}) + '<td><button type="button" class="remove">删除<span class="sr-only"></span></button></td>';
    tr.querySelector('.remove').onclick = () => { tr.remove(); labelRows(table); };
    document.querySelector(`#${table} tbody`).appendChild(tr);
    labelRows(table);
  }
  /** Row inputs have no visible label of their own: name each by its column and row (第 2 行 材料名称). */
  function labelRows(table) {
    const heads = [...document.querySelectorAll(`#${table} thead th`)].map(th => th.textContent.trim());
    document.querySelectorAll(`#${table} tbody tr`).forEach((tr, row) => {
      tr.querySelectorAll('td').forEach((td, col) => {
        const field = td.querySelector('[data-f]');
        if (field) field.setAttribute('aria-label', `第 ${row + 1} 行 ${heads[col]}`);
      });
      tr.querySelector('.remove .sr-only').textContent = `第 ${row + 1} 行`;
    });
  }
  /** 2050 -> "20.50"; and back, exactly (no floating point): "20.5" -> 2050; other text is sent as it is, for the
   *  server to name. */
  function yuan(fen) { return typeof fen === 'number' ? `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}` : String(fen); }
  function fen(text) {
    const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(text).trim());
    return m ? Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0')) : String(text).trim();
  }
  /** A fee row as the item's FeeItem: the amount in fen, the cases "情形=元；…" as options. */
  function feeRow(row) {
    const { amount, options, ...rest } = row;
    const parsed = (options || '').split(/[;；]/).map(p => p.trim()).filter(Boolean).map(p => {
      const at = p.lastIndexOf('=');
      return { label: p.slice(0, at).trim(), amount_fen: fen(p.slice(at + 1)) };
    });
    return { ...rest, amount_fen: amount === '' ? null : fen(amount), options: parsed };
  }
  function readRows(table) {
    return [...document.querySelectorAll(`#${table} tbody tr`)].map((tr, index) => {
      const row = {};
      tr.querySelectorAll('[data-f]').forEach(input => {
        row[input.dataset.f] = input.type === 'checkbox' ? input.checked : input.type === 'number' ? Number(input.value || 0) : input.value.trim();
      });
      if (table === 'steps') row.order = index + 1;
      return table === 'fees' ? feeRow(row) : row;
    });
  }
  const lines = text => text.split('\n').map(s => s.trim()).filter(Boolean);
  const commas = text => text.split(/[,，、]/).map(s => s.trim()).filter(Boolean);

  function fill(form, item) {
    for (const name of ['code', 'base_code', 'name', 'report_to', 'phone', 'complaint_phone', 'internal_notes', 'effective_date', 'promised_days', 'statutory_days']) {
      form[name].value = item[name] ?? '';
    }
    form.item_type.value = item.item_type || '行政许可';
    form.kind.value = item.kind || 'promised';
    form.department.value = item.department || '';
    form.level.value = item.level || 'county';
    form.online.checked = !!item.online;
    form.life_events.value = (item.life_events || []).join('，');
    form.themes.value = (item.themes || []).join('，');
    form.aliases.value = (item.aliases || []).join('，');
    form.result_name.value = (item.result || {}).name || '';
    form.fee_stage.value = item.fee_stage || 'decision';
    form.conditions.value = (item.conditions || []).join('\n');
    form.legal_basis.value = (item.legal_basis || []).join('\n');
    form.querySelectorAll('input[name=delivery]').forEach(b => { b.checked = (item.delivery_methods || []).includes(b.value); });
    const joint = (item.joint_departments || []).map(j => j.code || j);
    form.querySelectorAll('input[name=joint]').forEach(b => { b.checked = joint.includes(b.value); });
    form.querySelectorAll('input[name=township]').forEach(b => { b.checked = (item.townships || []).includes(b.value); });
    for (const table of Object.keys(ROWS)) {
      document.querySelector(`#${table} tbody`).innerHTML = '';
      (item[table] || []).forEach(row => addRow(table, row));
    }
  }
  function collect(form) {
    const checked = name => [...form.querySelectorAll(`input[name=${name}]:checked`)].map(b => b.value);
    return {
      code: form.code.value.trim(), base_code: form.base_code.value.trim(), name: form.name.value.trim(),
      item_type: form.item_type.value, kind: form.kind.value, department: form.department.value, level: form.level.value,
      promised_days: Number(form.promised_days.value || 0), statutory_days: Number(form.statutory_days.value || 0),
      online: form.online.checked, effective_date: form.effective_date.value,
      life_events: commas(form.life_events.value), themes: commas(form.themes.value), aliases: commas(form.aliases.value),
      report_to: form.report_to.value.trim(), result: { name: form.result_name.value.trim() },
      phone: form.phone.value.trim(), complaint_phone: form.complaint_phone.value.trim(),
      conditions: lines(form.conditions.value), legal_basis: lines(form.legal_basis.value),
      delivery_methods: checked('delivery'), joint_departments: checked('joint'), townships: checked('township'),
      materials: readRows('materials'), steps: readRows('steps'), fees: readRows('fees'), places: readRows('places'),
      fee_stage: form.fee_stage.value, internal_notes: form.internal_notes.value.trim(),
    };
  }
  function showProblems(err) {
    const box = document.getElementById('problems');
    const problems = (err.details && err.details.errors) || [];
    box.innerHTML = problems.map(p => `<li>${esc(p.message)}</li>`).join('');
    box.hidden = !problems.length;
    flash(err.message);
    window.S365.fieldErrors(document.getElementById('item-form'), err);
  }

  // ---- editor ----------------------------------------------------------------------------------
  async function edit() {
    const root = document.getElementById('item-editor');
    const form = document.getElementById('item-form');
    let code = root.dataset.code;
    const { departments, townships } = await loadProfile();
    form.item_type.innerHTML = TYPES.map(t => `<option>${esc(t)}</option>`).join('');
    form.kind.innerHTML = options(KINDS, 'promised');
    form.department.innerHTML = departments.map(d => `<option value="${esc(d.code)}">${esc(d.name)}</option>`).join('');
    document.getElementById('joint-departments').innerHTML = departments.map(d =>
      `<label class="inline"><input type="checkbox" name="joint" value="${esc(d.code)}"> ${esc(d.name)}</label>`).join('');
    document.getElementById('townships').innerHTML = townships.map(t =>
      `<label class="inline"><input type="checkbox" name="township" value="${esc(t.code)}"> ${esc(t.name)}</label>`).join('');
    document.querySelectorAll('[data-add]').forEach(b => { b.onclick = () => addRow(b.dataset.add); });
    let latestVersion = 0;

    async function refresh(detail) {
      latestVersion = detail.head.latest_version;
      fill(form, detail.latest);
      form.code.readOnly = true;
      document.getElementById('versions-card').hidden = false;
      document.getElementById('head-status').innerHTML = `当前状态：<span class="tag ${esc(detail.head.status)}">${esc(detail.head.status_label)}</span>，公开版本：${detail.head.published_version ?? '无'}`;
      const canPublish = !!root.dataset.canPublish;
      document.querySelector('#versions tbody').innerHTML = detail.versions.map(v => `<tr>
        <td>第 ${v.version} 版</td><td><span class="tag ${esc(v.status)}">${esc(STATUS[v.status] || v.status)}</span></td>
        <td>${esc(v.effective_date)}</td><td>${esc(new Date(v.created_at).toLocaleString('zh-CN'))}</td><td>${esc(v.created_by)}</td>
        <td><a href="/api/v1/admin/items/${encodeURIComponent(code)}/versions/${v.version}/guide.html" target="_blank">预览指南</a>
        ${canPublish && v.status === 'draft' ? `<button type="button" data-publish="${v.version}">发布此版本</button>` : ''}</td></tr>`).join('');
      document.querySelectorAll('[data-publish]').forEach(b => {
        b.onclick = async () => {
          try { await refresh(await api('POST', `/api/v1/admin/items/${encodeURIComponent(code)}/publish`, { version: Number(b.dataset.publish) })); flash(`第 ${b.dataset.publish} 版已发布`, 'ok'); } catch (err) { flash(err.message); }
        };
      });
      const withdraw = document.getElementById('withdraw');
      withdraw.hidden = !(canPublish && detail.head.status === 'published');
      withdraw.onclick = async () => {
        const reason = window.prompt('请填写撤销原因');
        if (reason === null) return;
        try { await refresh(await api('POST', `/api/v1/admin/items/${encodeURIComponent(code)}/withdraw`, { reason })); flash('事项已撤销', 'ok'); } catch (err) { flash(err.message); }
      };
    }

    form.addEventListener('submit', async event => {
      event.preventDefault();
      const item = collect(form);
      try {
        const detail = code
          ? await api('PUT', `/api/v1/admin/items/${encodeURIComponent(code)}`, { expected_version: latestVersion, item })
          : await api('POST', '/api/v1/admin/items', item);
        if (!code) { code = detail.head.code; history.replaceState(null, '', `/console/items/${encodeURIComponent(code)}`); }
        document.getElementById('problems').hidden = true;
        await refresh(detail);
        flash(`已保存为第 ${detail.head.latest_version} 版草稿`, 'ok');
      } catch (err) { showProblems(err); }
    });
    if (code) await refresh(await api('GET', `/api/v1/admin/items/${encodeURIComponent(code)}`));
    else { addRow('materials'); addRow('steps', { name: '受理', role: 'window_clerk' }); }
  }
  return { list, edit };
})();
