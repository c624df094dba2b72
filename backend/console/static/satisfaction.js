// 满意度结果: rates per window, staff member, department and township from every source; flags; publication.
(() => {
  const { api, flash, esc, focusOn } = window.S365;
  const roles = (document.getElementById('page').dataset.roles || '').split(',');
  const surveyor = roles.includes('survey_centre') || roles.includes('admin');
  const pct = v => v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10}%`;
  const form = document.getElementById('period-form');
  const say = (message, kind) => { flash(message, kind); focusOn(document.getElementById('flash')); };

  function table(id, caption, rows, extra) {
    const head = ['名称', '评价数', '满意率', '不含默认', '默认评价', '差评', '来源', ...extra.map(e => e[0])];
    document.getElementById(id).innerHTML = rows.length ? `<table class="grid" data-table="${id}"><caption class="sr-only">${caption}</caption>
      <thead><tr>${head.map(h => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.map(r => `<tr data-code="${esc(r.code)}">
      <td>${esc(r.name)}${r.flag ? ` <span class="tag overdue">${esc(r.flag.label)}</span>` : ''}</td><td>${r.rated}</td><td>${pct(r.rate)}</td>
      <td>${pct(r.rate_without_defaults)}</td><td>${r.defaults}</td><td>${r.bad}</td>
      <td>${esc(Object.entries(r.sources).map(([k, n]) => `${sources[k] || k} ${n}`).join('、'))}</td>
      ${extra.map(e => `<td>${e[1](r)}</td>`).join('')}</tr>`).join('')}</tbody></table>` : '<p class="muted">本期暂无评价</p>';
  }
  let sources = {}, period = '';
  async function load() {
    const asked = form.elements.period.value.trim();
    try {
      const r = await api('GET', '/api/v1/satisfaction/results' + (asked ? `?period=${encodeURIComponent(asked)}` : ''));
      sources = r.sources; period = r.period;
      form.elements.period.value = r.period;
      document.getElementById('headline').textContent = `${r.period_label}：评价 ${r.county.rated} 次，满意率 ${pct(r.county.rate)}`
        + `（其中默认评价 ${r.county.defaults} 次，不含默认 ${pct(r.county.rate_without_defaults)}）；单位底线 ${pct(r.thresholds.unit)}，个人底线 ${pct(r.thresholds.staff)}`;
      document.getElementById('flags').innerHTML = r.flags.map(f => `<li>${esc(f.name)}：${pct(f.rate)}，${esc(f.label)}</li>`).join('') || '<li>本期没有低于底线的单位和个人</li>';
      table('windows', '各窗口满意率', r.windows, [['考核得分', w => w.assessment ?? '—']]);
      table('staff', '工作人员满意率', r.staff, [['上期满意率', s => pct(s.previous_rate)]]);
      table('departments', '各部门满意率', r.departments, []);
      table('townships', '各乡镇满意率', r.townships, []);
      const reports = await api('GET', '/api/v1/satisfaction/reports');
      document.getElementById('reports').innerHTML = reports.items.length ? '<h2>半年测评报告</h2><ul>' + reports.items.map(x =>
        `<li>${esc(x.title)}：<a href="${esc(x.html_url)}">网页版</a> · <a href="${esc(x.pdf_url)}">PDF</a></li>`).join('') + '</ul>' : '';
    } catch (err) { say(err.message); }
  }
  form.addEventListener('submit', event => { event.preventDefault(); load(); });
  const publish = document.getElementById('publish'), report = document.getElementById('make-report');
  publish.hidden = report.hidden = !surveyor;
  publish.addEventListener('click', async () => {
    try { await api('POST', `/api/v1/satisfaction/results/${period}/publish`); say(`已公布 ${period} 的满意度结果`, 'ok'); }
    catch (err) { say(err.message); }
  });
  report.addEventListener('click', async () => {
    try { const made = await api('POST', '/api/v1/satisfaction/reports', { period }); say(`已生成：${made.title}`, 'ok'); await load(); }
    catch (err) { say(err.message); }
  });
  load();
})();
