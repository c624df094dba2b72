// 全省概况: read-only figures of every county of the province (counts and rates only).
(() => {
  const { api, flash, esc } = window.S365;
  const form = document.getElementById('period');
  const pct = v => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
  const num = v => (v === null || v === undefined ? '—' : esc(v));
  function cells(r) {
    return [num(r.received), num(r.finished), pct(r.completion_rate), pct(r.on_time_rate), num(r.avg_used_days),
      num(r.cards_yellow), num(r.cards_red), num(r.rated), pct(r.satisfied_share), num(r.open), num(r.overdue)]
      .map(c => `<td>${c}</td>`).join('');
  }
  async function load() {
    const params = new URLSearchParams();
    if (form.from.value) params.set('from', form.from.value);
    if (form.to.value) params.set('to', form.to.value);
    const data = await api('GET', '/api/v1/province/figures?' + params);
    form.from.value = data.from;
    form.to.value = data.to;
    const table = document.getElementById('province-table');
    table.tBodies[0].innerHTML = data.counties.map(r => `<tr data-tenant="${esc(r.tenant)}"><td>${esc(r.name)}</td>${cells(r)}</tr>`).join('')
      || '<tr><td colspan="12" class="muted">本省暂无县区</td></tr>';
    table.tFoot.innerHTML = `<tr><th>${esc(data.province)}合计</th>${cells(data.total)}</tr>`;
  }
  form.addEventListener('submit', event => { event.preventDefault(); load().catch(err => flash(err.message)); });
  load().catch(err => flash(err.message));
})();
