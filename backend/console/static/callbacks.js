// 回访抽样: draw a reproducible sample, check it by redrawing, and work the callback queue.
(() => {
  const { api, flash, esc, fieldErrors, focusOn } = window.S365;
  const draw = document.getElementById('draw');
  const queueBox = document.getElementById('queue');
  const say = (message, kind) => { flash(message, kind); focusOn(document.getElementById('flash')); };

  async function loadSamples() {
    const view = await api('GET', '/api/v1/satisfaction/samples');
    document.querySelector('#samples tbody').innerHTML = view.items.map(s => `<tr>
      <td>${esc(s.id)}</td><td>${esc(s.period_label)}</td><td>${s.size}</td><td><code>${esc(s.seed)}</code></td>
      <td>${s.population} / ${s.count}</td>
      <td><button type="button" data-redraw="${esc(s.id)}">重抽核对<span class="sr-only">样本 ${esc(s.id)}</span></button></td></tr>`).join('')
      || '<tr><td colspan="6">尚未抽样</td></tr>';
  }
  function entry(e, view) {
    const levels = view.levels.map(l => `<option value="${l.score}">${esc(l.label)}</option>`).join('');
    const reasons = [...view.good_reasons, ...view.bad_reasons].map(r =>
      `<label class="inline"><input type="checkbox" name="reasons" value="${esc(r)}"> ${esc(r)}</label>`).join('');
    const outcomes = Object.entries(view.outcomes).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join('');
    return `<article class="card callback" data-number="${esc(e.number)}" data-sample="${esc(e.sample)}">
      <h3>${esc(e.number)} · ${esc(e.item_name)}</h3>
      <p>${esc(e.applicant)} · 电话 <span data-phone>${esc(e.phone_masked)}</span>
        <button type="button" data-reveal>查看完整号码<span class="sr-only">（${esc(e.number)}）</span></button>
        · 已拨打 ${e.attempts} 次 · ${esc(e.department_names.join('、'))}</p>
      <p class="explain">${esc(e.script)}</p>
      <form data-attempt class="form-grid">
        <label>拨打结果 <select name="outcome">${outcomes}</select></label>
        <label>评价等级（接通时） <select name="level"><option value="">（未接通）</option>${levels}</select></label>
        <fieldset><legend>评价理由</legend>${reasons}</fieldset>
        <label>群众意见 <input name="text"></label>
        <label>回访员备注 <input name="note"></label>
        <div><button type="submit" class="primary">登记本次回访<span class="sr-only">（${esc(e.number)}）</span></button></div>
      </form></article>`;
  }
  async function loadQueue() {
    const view = await api('GET', '/api/v1/satisfaction/callbacks');
    queueBox.innerHTML = view.items.map(e => entry(e, view)).join('') || '<p>没有待回访的办件</p>';
  }
  draw.addEventListener('submit', async event => {
    event.preventDefault();
    const body = { period: draw.elements.period.value.trim(), seed: draw.elements.seed.value.trim() };
    if (draw.elements.size.value) body.size = Number(draw.elements.size.value);
    try {
      const made = await api('POST', '/api/v1/satisfaction/samples', body);
      fieldErrors(draw, null);
      say(`已抽取样本 ${made.id}：从 ${made.population} 件中抽中 ${made.count} 件，种子 ${made.seed}`, 'ok');
      await Promise.all([loadSamples(), loadQueue()]);
    } catch (err) { if (!fieldErrors(draw, err)) say(err.message); }
  });
  document.getElementById('samples').addEventListener('click', async event => {
    const button = event.target.closest('[data-redraw]');
    if (!button) return;
    try {
      const again = await api('GET', `/api/v1/satisfaction/samples/${button.dataset.redraw}/redraw`);
      say(again.identical ? `按种子 ${again.seed} 重抽，结果与原样本完全一致` : '重抽结果与原样本不一致（总体已变化）', again.identical ? 'ok' : 'error');
    } catch (err) { say(err.message); }
  });
  queueBox.addEventListener('click', async event => {
    if (!event.target.closest('[data-reveal]')) return;
    const card = event.target.closest('[data-number]');
    try {
      const shown = await api('POST', `/api/v1/satisfaction/callbacks/${card.dataset.sample}/${card.dataset.number}/phone`);
      card.querySelector('[data-phone]').textContent = shown.phone;
    } catch (err) { say(err.message); }
  });
  queueBox.addEventListener('submit', async event => {
    event.preventDefault();
    const form = event.target, card = form.closest('[data-number]');
    const body = { outcome: form.elements.outcome.value, reasons: [...form.querySelectorAll('[name=reasons]:checked')].map(b => b.value),
      text: form.elements.text.value.trim(), note: form.elements.note.value.trim() };
    if (form.elements.level.value) body.level = Number(form.elements.level.value);
    try {
      const done = await api('POST', `/api/v1/satisfaction/callbacks/${card.dataset.sample}/${card.dataset.number}/attempts`, body);
      say(`${done.number}：${done.outcome_label}，${done.result_label}`, 'ok');
      await loadQueue();
    } catch (err) { say(err.message); }
  });
  Promise.all([loadSamples(), loadQueue()]).catch(err => flash(err.message));
})();
