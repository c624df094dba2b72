// 工作日历 console page: coverage, local days (本地调整) and a year's State Council notice (JSON or CSV).
(() => {
  const { api, flash } = window.S365;
  const { fail } = window.S365Cases;
  const $ = selector => document.querySelector(selector);

  async function loadStatus() {
    const status = await api('GET', '/api/v1/calendar/status');
    $('#calendar-status').textContent = `工作日历已覆盖至 ${status.covered_through} 年。`;
    const banner = $('#calendar-banner');
    banner.hidden = !status.provisional_warning;
    banner.textContent = status.provisional_warning || '';
  }

  /** CSV rows "start,end,kind,name" (a header line and blank lines are skipped) as import rows. */
  function csvRows(text) {
    return text.split(/\r?\n/).map(line => line.trim()).filter(Boolean)
      .map(line => line.split(/[,，]/).map(cell => cell.trim().replace(/^"|"$/g, '')))
      .filter(cells => !/^(start|开始)/i.test(cells[0]))
      .map(([start, end, kind, name]) => ({ start, end: end || undefined, kind, name }));
  }

  function pastedRows(text) {
    const trimmed = text.trim();
    if (!trimmed) return [];
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      let data;
      try { data = JSON.parse(trimmed); } catch (e) { throw new Error('粘贴的内容不是有效的 JSON'); }
      return Array.isArray(data) ? data : (data.rows || []);
    }
    return csvRows(trimmed);
  }

  async function addDay(event) {
    event.preventDefault();
    const form = event.target;
    try {
      const day = await api('POST', '/api/v1/calendar/days', {
        date: form.elements.date.value, working: form.elements.working.value === 'true', note: form.elements.note.value.trim() });
      flash(`已添加 ${day.date}：${day.working ? '调整上班' : '本地放假'}（${day.note}）`, 'ok');
      await loadStatus();
    } catch (err) { fail(err); window.S365.fieldErrors(form, err); }
  }

  async function importNotice(event) {
    event.preventDefault();
    const form = event.target;
    try {
      const file = form.elements.file.files[0];
      const rows = file ? csvRows(await file.text()) : pastedRows(form.elements.rows.value);
      const result = await api('POST', '/api/v1/calendar/import', { year: Number(form.elements.year.value), rows });
      flash(`已导入 ${result.year} 年节假日安排：${result.rows} 行，${result.days} 天`, 'ok');
      await loadStatus();
    } catch (err) { fail(err); window.S365.fieldErrors(form, err); }
  }

  $('#local-day').addEventListener('submit', addDay);
  $('#notice').addEventListener('submit', importNotice);
  loadStatus().catch(fail);
})();
