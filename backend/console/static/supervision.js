// 电子监察 console page: live counts (refreshed every 30 s), figures and charts (ECharts, served from
// /console/vendor/), warning cards with drill-down to the case, the violations registry with decisions,
// trail verification and the stored reports. Read-only except violation decisions and generating reports.
window.S365Supervision = (() => {
  const { api, flash, esc } = window.S365;
  const { time, dueTime, fail } = window.S365Cases;
  const root = document.getElementById('page');
  const roles = (root.dataset.roles || '').split(',').filter(Boolean);
  const canDecide = roles.includes('supervisor') || roles.includes('admin');
  const PAGE = 20;
  const REFRESH_MS = 30000;
  const state = { board: null, tab: 'departments', pages: { cards: 1, violations: 1 }, totals: {}, types: [], names: {} };
  const charts = {};
  const $ = selector => document.querySelector(selector);
  const pct = v => (v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10}%`);
  const num = v => (v === null || v === undefined ? '—' : String(v));
  const short = name => String(name || '').replace(/^紫阳县/, '');
  const caseLink = number => `<a href="/console/cases/${encodeURIComponent(number)}" data-case="${esc(number)}">${esc(number)}</a>`;

  function chart(id) {
    if (!window.echarts) throw new Error('图表组件未安装：请运行 ./scripts/setup 安装 ECharts');
    charts[id] = charts[id] || window.echarts.init(document.getElementById(id));
    return charts[id];
  }
  window.addEventListener('resize', () => Object.values(charts).forEach(c => c.resize()));

  // ---- live counts, figures and charts ------------------------------------------------------
  function renderCounts(board) {
    const counts = { ...board, cards_yellow: board.open_cards.yellow, cards_red: board.open_cards.red };
    document.querySelectorAll('#live-counts [data-count]').forEach(li => {
      li.querySelector('b').textContent = counts[li.dataset.count];
    });
    $('#updated-at').textContent = time(board.at).slice(11);
    const f = board.finished;
    $('#finished-summary').textContent = `${board.period.from} 至 ${board.period.to}：办结 ${f.finished} 件，计时 ${f.counted} 件，`
      + `按时 ${f.on_time} 件，按时办结率 ${pct(f.on_time_rate)}；平均用时 ${num(f.avg_used_days)} 个工作日`
      + `（平均承诺 ${num(f.avg_promised_days)}，平均法定 ${num(f.avg_statutory_days)}）。`;
  }

  function renderFigures() {
    const rows = (state.board && state.board[state.tab]) || [];
    document.querySelectorAll('.tabs [data-tab]').forEach(b => b.setAttribute('aria-pressed', String(b.dataset.tab === state.tab)));
    $('#figures-caption').textContent = `办结情况统计（${$(`.tabs [data-tab=${state.tab}]`).textContent}）`;
    $('#figures tbody').innerHTML = rows.map(r => `<tr data-key="${esc(r.key)}"><td>${esc(r.name || r.key)}</td>
      <td class="num">${num(r.open)}</td><td class="num">${num(r.due_soon)}</td><td class="num">${num(r.overdue)}</td>
      <td class="num">${num(r.suspended)}</td><td class="num">${r.finished}</td><td class="num">${pct(r.on_time_rate)}</td>
      <td class="num">${num(r.avg_used_days)}</td><td class="num">${num(r.avg_promised_days)}</td>
      <td class="num">${num(r.avg_statutory_days)}</td></tr>`).join('')
      || '<tr><td colspan="10" class="muted">所选期间暂无数据</td></tr>';
  }

  /** The chart's figures in words, as its accessible name (the chart itself is a picture). */
  function describe(id, title, parts) {
    $(`#${id}`).setAttribute('aria-label', `${title}：${parts.length ? parts.join('，') : '暂无数据'}`);
  }

  function drawOnTime(board) {
    const rows = board.departments.filter(r => r.counted);
    describe('chart-on-time', '各部门按时办结率', rows.map(r => `${short(r.name)} ${pct(r.on_time_rate)}`));
    chart('chart-on-time').setOption({
      title: { text: '各部门按时办结率', left: 'center', textStyle: { fontSize: 14 },
        subtext: rows.length ? '' : '所选期间暂无计时办结的办件' },
      tooltip: { trigger: 'axis', valueFormatter: v => `${v}%` },
      grid: { left: 110, right: 40, top: 50, bottom: 30 },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: rows.map(r => short(r.name)), inverse: true },
      series: [{ type: 'bar', name: '按时办结率', data: rows.map(r => Math.round(r.on_time_rate * 1000) / 10),
        itemStyle: { color: p => (p.value < 100 ? '#dc2626' : '#16a34a') }, label: { show: true, position: 'right', formatter: '{c}%' } }],
    }, true);
  }

  function drawCards(board) {
    const c = board.open_cards;
    const levels = [['黄牌', c.yellow], ['红牌', c.red], ['其中环节超期', c.step_overdue]];
    describe('chart-cards', '未关闭预警卡', levels.map(([name, n]) => `${name} ${n} 张`));
    $('#chart-cards-table tbody').innerHTML = levels.map(([name, n]) => `<tr><td>${name}</td><td class="num">${n}</td></tr>`).join('');
    chart('chart-cards').setOption({
      title: { text: '未关闭预警卡（按级别）', left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'axis' },
      grid: { left: 50, right: 20, top: 50, bottom: 30 },
      xAxis: { type: 'category', data: ['黄牌', '红牌', '其中环节超期'] },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: '张数', data: [
        { value: c.yellow, itemStyle: { color: '#f59e0b' } }, { value: c.red, itemStyle: { color: '#dc2626' } },
        { value: c.step_overdue, itemStyle: { color: '#9c3d14' } }], label: { show: true, position: 'top' } }],
    }, true);
  }

  async function loadTrend() {
    const trend = await api('GET', `/api/v1/supervision/trend?days=${$('#days').value}`);
    const received = trend.days.reduce((n, d) => n + d.received, 0);
    const finished = trend.days.reduce((n, d) => n + d.finished, 0);
    describe('chart-trend', `最近 ${trend.days.length} 天收件量与办结量`, [`共收件 ${received} 件`, `办结 ${finished} 件`]);
    $('#chart-trend-table tbody').innerHTML = trend.days.map(d => `<tr><td>${esc(d.day)}</td><td class="num">${d.received}</td>
      <td class="num">${d.finished}</td></tr>`).join('');
    chart('chart-trend').setOption({
      title: { text: '收件量与办结量趋势', left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'axis' }, legend: { bottom: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 56 },
      xAxis: { type: 'category', data: trend.days.map(d => d.day.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: '收件量', data: trend.days.map(d => d.received), itemStyle: { color: '#b4461a' } },
        { type: 'line', name: '办结量', data: trend.days.map(d => d.finished), itemStyle: { color: '#1d4ed8' }, symbol: 'triangle', symbolSize: 8 }],
    }, true);
  }

  async function loadDashboard() {
    const board = await api('GET', `/api/v1/supervision/dashboard?days=${$('#days').value}`);
    state.board = board;
    renderCounts(board);
    renderFigures();
    drawOnTime(board);
    drawCards(board);
  }

  // ---- cards -----------------------------------------------------------------------------------
  function pager(name, total) {
    const pages = Math.max(1, Math.ceil(total / PAGE));
    state.totals[name] = pages;
    $(`#${name}-page`).textContent = `第 ${state.pages[name]} / ${pages} 页，共 ${total} 条`;
  }

  async function loadCards() {
    const form = $('#card-filters');
    const query = new URLSearchParams({ page: state.pages.cards, page_size: PAGE });
    ['level', 'status', 'department'].forEach(k => { if (form.elements[k].value) query.set(k, form.elements[k].value); });
    const data = await api('GET', `/api/v1/supervision/cards?${query}`);
    $('#cards tbody').innerHTML = data.items.map(c => `<tr data-card="${esc(c.id)}" data-level="${esc(c.level)}">
      <td class="nowrap">${time(c.raised_at)}</td><td><span class="tag ${esc(c.level)}">${esc(c.level_label)}</span></td>
      <td>${esc(c.kind_label)}</td><td>${caseLink(c.number)}</td><td>${esc(c.item_name)}</td>
      <td>${esc(state.names[c.department] || c.department)}</td><td>${esc(c.staff_name || '—')}</td>
      <td class="nowrap">${c.due_at ? dueTime(c.due_at) : '—'}</td><td><span class="tag ${esc(c.status)}">${esc(c.status_label)}</span></td></tr>`).join('')
      || '<tr><td colspan="9" class="muted">没有符合条件的预警卡</td></tr>';
    pager('cards', data.total);
  }

  // ---- violations --------------------------------------------------------------------------------
  function responsibleText(v) {
    if (v.status === 'confirmed') {
      const who = v.responsible.find(r => r.level === v.responsible_level) || {};
      const name = who.level === 'department' ? (state.names[who.code] || who.code) : who.name;
      return `<b>${esc(who.level_label)}</b>${name ? `（${esc(name)}）` : ''}`;
    }
    return v.responsible.filter(r => r.level !== 'department' && r.name)
      .map(r => `${esc(r.level_label)}：${esc(r.name)}`).join('<br>') || '—';
  }

  function violationRow(v) {
    const buttons = v.status === 'candidate' && canDecide
      ? `<button type="button" data-open="confirm">认定违规<span class="sr-only">（${esc(v.number)}）</span></button>
         <button type="button" data-open="dismiss" class="danger">排除<span class="sr-only">（${esc(v.number)}）</span></button>`
      : esc(v.reason || '');
    return `<tr data-violation="${esc(v.id)}" data-number="${esc(v.number)}"><td class="nowrap">${time(v.raised_at)}</td>
      <td>${caseLink(v.number)}</td><td>${esc(v.item_name)}</td><td>${esc(v.type_name)}</td>
      <td>${esc(state.names[v.department] || v.department)}</td><td>${responsibleText(v)}</td>
      <td><span class="tag ${esc(v.status)}">${esc(v.status_label)}</span></td><td>${buttons}</td></tr>`;
  }

  /** The types of one responsible level (a type belongs to one level); the candidate's own type first chosen. */
  function typeOptions(v, level) {
    return state.types.filter(t => (t.level || 'department') === level)
      .map(t => `<option value="${esc(t.code)}"${t.code === v.type ? ' selected' : ''}>${esc(t.name)}</option>`).join('');
  }

  function decisionForm(v, kind) {
    const start = v.type_level || 'department';
    const levels = v.responsible.map(r => {
      const who = r.level === 'department' ? (state.names[r.code] || r.code) : r.name;
      return `<option value="${esc(r.level)}"${r.level === start ? ' selected' : ''}>${esc(r.level_label)}${who ? `（${esc(who)}）` : ''}</option>`;
    }).join('');
    const types = typeOptions(v, start);
    const fields = kind === 'confirm'
      ? `<label>责任层级<select name="responsible_level">${levels}</select></label><label>违规类型<select name="type">${types}</select></label>`
      : '';
    const label = kind === 'confirm' ? '认定理由' : '排除理由';
    return `<tr class="decide-row"><td colspan="8"><form data-decide="${kind}" novalidate>${fields}
      <label class="full">${label}<textarea name="reason" rows="2"></textarea></label>
      <div class="toolbar full"><button type="submit" class="${kind === 'confirm' ? 'primary' : 'danger'}">${kind === 'confirm' ? '确认认定' : '确认排除'}</button>
      <button type="button" data-cancel>取消</button></div></form></td></tr>`;
  }

  function openDecision(row, v, kind) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains('decide-row')) next.remove();
    row.insertAdjacentHTML('afterend', decisionForm(v, kind));
    const form = row.nextElementSibling.querySelector('form');
    form.querySelector('[data-cancel]').onclick = () => form.closest('tr').remove();
    if (form.elements.responsible_level) {
      form.elements.responsible_level.onchange = () => { form.elements.type.innerHTML = typeOptions(v, form.elements.responsible_level.value); };
    }
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const body = { reason: form.elements.reason.value.trim() };
      if (kind === 'confirm') Object.assign(body, { responsible_level: form.elements.responsible_level.value, type: form.elements.type.value });
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        const done = await api('POST', `/api/v1/supervision/violations/${encodeURIComponent(v.id)}/${kind}`, body);
        await loadViolations();
        flash(`办件 ${done.number}：${done.status_label}`, 'ok');
        window.S365.focusOn($('#flash'));
      } catch (err) { fail(err); window.S365.fieldErrors(form, err); } finally { button.disabled = false; }
    });
    form.querySelector('[data-cancel]').addEventListener('click', () => row.querySelector(`[data-open=${kind}]`).focus());
    (form.elements.responsible_level || form.elements.reason).focus();
  }

  async function loadViolations() {
    const status = $('#violation-filters').elements.status.value;
    const query = new URLSearchParams({ page: state.pages.violations, page_size: PAGE });
    if (status) query.set('status', status);
    const data = await api('GET', `/api/v1/supervision/violations?${query}`);
    state.types = data.types;
    const body = $('#violations tbody');
    body.innerHTML = data.items.map(violationRow).join('') || '<tr><td colspan="8" class="muted">没有符合条件的记录</td></tr>';
    data.items.forEach(v => {
      const row = body.querySelector(`tr[data-violation="${CSS.escape(v.id)}"]`);
      row.querySelectorAll('[data-open]').forEach(b => { b.onclick = () => openDecision(row, v, b.dataset.open); });
    });
    pager('violations', data.total);
  }

  // ---- trail verification, calendar banner, reports -------------------------------------------
  async function verifyTrail() {
    const button = $('#trail-verify');
    const box = $('#trail-result');
    button.disabled = true;
    box.hidden = false;
    box.className = '';
    box.textContent = '正在校验……';
    try {
      const r = await api('GET', '/api/v1/supervision/trail/verify');
      box.className = r.ok ? 'ok' : 'bad';
      box.innerHTML = `<p data-testid="trail-verdict"><b>${r.ok ? '未发现篡改' : `发现 ${r.problems.length} 处问题`}</b>：校验办件和工单 ${r.cases_checked} 件，存证点 ${r.checkpoints_checked} 个。</p>`
        + (r.ok ? '' : `<ol>${r.problems.map(p => `<li>${esc(p.message)}</li>`).join('')}</ol>`);
    } catch (err) { box.hidden = true; fail(err); } finally { button.disabled = false; }
  }

  async function loadCalendarBanner() {
    const status = await api('GET', '/api/v1/calendar/status');
    const banner = $('#calendar-banner');
    banner.hidden = !status.provisional_warning;
    banner.textContent = status.provisional_warning ? `工作日历提醒：${status.provisional_warning}` : '';
  }

  async function loadReports() {
    const data = await api('GET', '/api/v1/supervision/reports?page_size=50');
    $('#reports tbody').innerHTML = data.items.map(r => `<tr data-report="${esc(r.id)}"><td>${esc(r.title)}</td>
      <td class="nowrap">${esc(r.from === r.to ? r.from : `${r.from} 至 ${r.to}`)}</td>
      <td class="num">${r.county.received}</td><td class="num">${r.county.finished}</td><td class="num">${pct(r.county.on_time_rate)}</td>
      <td class="num">${pct(r.county.satisfied_share)}</td><td class="nowrap">${time(r.generated_at)}<br><span class="muted">${esc(r.generated_by_name)}</span></td>
      <td class="nowrap"><a href="${esc(r.html_url)}" target="_blank" data-format="html">网页</a> · <a href="${esc(r.pdf_url)}" target="_blank" data-format="pdf">PDF</a></td></tr>`).join('')
      || '<tr><td colspan="8" class="muted">暂无报表</td></tr>';
  }

  async function generateReport(event) {
    event.preventDefault();
    const form = event.target;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const r = await api('POST', '/api/v1/supervision/reports', { kind: form.elements.kind.value, period: form.elements.period.value.trim() });
      flash(`${r.title}已生成`, 'ok');
      await loadReports();
    } catch (err) { fail(err); } finally { button.disabled = false; }
  }

  async function loadNames() {
    const county = await api('GET', '/api/v1/tenant');
    county.departments.forEach(d => { state.names[d.code] = d.name; });
    $('#card-filters').elements.department.insertAdjacentHTML('beforeend',
      county.departments.map(d => `<option value="${esc(d.code)}">${esc(d.name)}</option>`).join(''));
  }

  function wire() {
    $('#days').onchange = () => Promise.all([loadDashboard(), loadTrend()]).catch(fail);
    document.querySelectorAll('.tabs [data-tab]').forEach(b => { b.onclick = () => { state.tab = b.dataset.tab; renderFigures(); }; });
    $('#card-filters').addEventListener('submit', e => { e.preventDefault(); state.pages.cards = 1; loadCards().catch(fail); });
    $('#violation-filters').addEventListener('submit', e => { e.preventDefault(); state.pages.violations = 1; loadViolations().catch(fail); });
    document.querySelectorAll('[data-pager]').forEach(b => {
      b.onclick = () => {
        const name = b.dataset.pager;
        const next = state.pages[name] + Number(b.dataset.step);
        if (next < 1 || next > (state.totals[name] || 1)) return;
        state.pages[name] = next;
        (name === 'cards' ? loadCards() : loadViolations()).catch(fail);
      };
    });
    $('#trail-verify').onclick = verifyTrail;
    $('#trail-section').hidden = !canDecide;  // the trail check is the supervisors' tool
    $('#report-form').addEventListener('submit', generateReport);
  }

  async function start() {
    wire();
    await loadNames();
    await Promise.all([loadDashboard(), loadTrend(), loadCards(), loadViolations(), loadReports(), loadCalendarBanner()]);
    setInterval(() => { loadDashboard().catch(fail); }, REFRESH_MS);
  }
  return { start, loadDashboard };
})();
S365Supervision.start().catch(S365Cases.fail);
