// 一窗式收费 console pages: the fee window (find, pay, print, refunds), exemptions and reissues, reconciliation.
// No form here has an amount: the system computes every amount from the fee standard.
window.S365Fees = (() => {
  const { api, flash, esc, focusOn, fieldErrors } = window.S365;
  const { time, fail } = window.S365Cases;
  const $ = selector => document.querySelector(selector);
  const roles = () => ($('#page').dataset.roles || '').split(',');
  const holds = role => roles().includes(role) || roles().includes('admin');
  const slipPath = (slip, suffix) => `/api/v1/fees/slips/${encodeURIComponent(slip)}${suffix || ''}`;
  const empty = (cols, text) => `<tr><td colspan="${cols}" class="muted">${text}</td></tr>`;
  function ok(message) { flash(message, 'ok'); focusOn(document.getElementById('flash')); }
  function showFor() { document.querySelectorAll('[data-for]').forEach(el => { el.hidden = !holds(el.dataset.for); }); }

  // ---- the fee window ------------------------------------------------------------------------
  function slipHtml(s) {
    const lines = s.lines.map(l => `<tr><td>${esc(l.name)}</td><td>${esc(l.option || '—')}</td><td class="num">${esc(l.unit_yuan)}</td>
      <td class="num">${l.quantity} ${esc(l.unit)}</td><td class="num">${esc(l.amount_yuan)}</td></tr>`).join('');
    const paid = s.settlement ? `<p data-testid="settled">${esc(s.state_label)}：${esc(s.settlement.channel_label || '')}
      ${esc(s.settlement.reference || s.settlement.reason || '')}，${esc(time(s.settlement.at))}</p>` : '';
    const payForm = s.state === 'due' && !s.problem && holds('fee_window') ? `<form id="pay" class="toolbar" novalidate>
      <label class="inline">银行交易流水号 <input name="reference" autocomplete="off" size="24"></label>
      <button type="submit" class="primary">确认收款 ${esc(s.total_yuan)} 元</button></form>` : '';
    const receipt = s.state === 'paid' ? `<a class="button" target="_blank" data-doc="receipt" href="${slipPath(s.slip, '/receipt.pdf')}">打印缴费凭证（PDF）<span class="sr-only">（在新窗口打开）</span></a>` : '';
    return `<dl class="meta"><dt>缴款单号</dt><dd data-testid="slip-number">${esc(s.slip)}</dd><dt>办件编号</dt><dd>${esc(s.number)}</dd>
      <dt>事项</dt><dd>${esc(s.item_name)}</dd><dt>缴款人</dt><dd>${esc(s.payer)}</dd>
      <dt>状态</dt><dd data-testid="slip-state">${esc(s.state_label)}</dd><dt>缴费期限</dt><dd>${esc(s.due_date || '—')}</dd></dl>
      ${s.problem ? `<p class="flash error">${esc(s.problem)}</p>` : ''}
      <table class="grid"><caption class="sr-only">收费明细</caption><thead><tr><th scope="col">收费项目</th><th scope="col">情形</th>
      <th scope="col">单价（元）</th><th scope="col">数量</th><th scope="col">金额（元）</th></tr></thead><tbody>${lines}</tbody>
      <tfoot><tr><th scope="row" colspan="4">合计</th><td class="num" data-testid="total">${esc(s.total_yuan)}</td></tr></tfoot></table>
      ${paid}${payForm}<p><a class="button" target="_blank" href="${slipPath(s.slip, '/slip.pdf')}">打印缴款单（PDF）<span class="sr-only">（在新窗口打开）</span></a> ${receipt}</p>`;
  }
  async function showSlip(slip) {
    const s = await api('GET', slipPath(slip));
    $('#slip').innerHTML = slipHtml(s);
    $('#slip-card').hidden = false;
    const form = $('#pay');
    if (form) {
      form.addEventListener('submit', async event => {
        event.preventDefault();
        try {
          const paid = await api('POST', slipPath(s.slip, '/pay'), { reference: form.elements.reference.value.trim() });
          await showSlip(paid.slip);
          await loadLists();
          ok(`已收款：缴款单 ${paid.slip}，${paid.total_yuan} 元`);
        } catch (err) { fail(err); fieldErrors(form, err); }
      });
      form.elements.reference.focus();
    } else { focusOn($('#slip-card')); }
  }
  async function loadLists() {
    const open = (await api('GET', '/api/v1/fees/open?kind=slips')).items;
    $('#open-slips tbody').innerHTML = open.map(s => `<tr><td><button type="button" class="link" data-slip="${esc(s.slip)}">${esc(s.slip)}</button></td>
      <td>${esc(s.item_name)}</td><td>${esc(s.payer)}</td><td class="num">${esc(s.total_yuan || '—')}</td><td>${esc(s.due_date || '—')}</td></tr>`).join('')
      || empty(5, '没有待缴费的缴款单');
    $('#open-slips').querySelectorAll('[data-slip]').forEach(b => { b.onclick = () => showSlip(b.dataset.slip).catch(fail); });
    const refunds = (await api('GET', '/api/v1/fees/open?kind=refunds')).items;
    $('#refunds tbody').innerHTML = refunds.map(r => `<tr data-refund="${esc(r.slip)}"><td>${esc(r.slip)}</td><td>${esc(r.number)}</td>
      <td>${esc(r.payer)}</td><td class="num">${esc(r.amount_yuan)}</td><td>${holds('fee_window') ? `<form class="toolbar refund" novalidate>
      <label class="inline">退费流水号<span class="sr-only">（${esc(r.slip)}）</span> <input name="reference" size="16" autocomplete="off"></label>
      <button type="submit">登记退费</button></form>` : '—'}</td></tr>`).join('') || empty(5, '没有待退费');
    $('#refunds').querySelectorAll('form.refund').forEach(form => form.addEventListener('submit', async event => {
      event.preventDefault();
      const slip = form.closest('tr').dataset.refund;
      try {
        await api('POST', slipPath(slip, '/refund'), { reference: form.elements.reference.value.trim() });
        await loadLists();
        ok(`已登记退费：${slip}`);
      } catch (err) { fail(err); fieldErrors(form, err); }
    }));
  }
  function feeWindow() {
    $('#find').addEventListener('submit', async event => {
      event.preventDefault();
      const form = event.target;
      try {
        const found = await api('GET', '/api/v1/fees/find?q=' + encodeURIComponent(form.elements.q.value.trim()));
        await showSlip(found.slip);
      } catch (err) { fail(err); fieldErrors(form, err); }
    });
    loadLists().catch(fail);
  }

  // ---- exemptions and reissues ---------------------------------------------------------------
  function parseInputs(text) {
    return Object.fromEntries(text.split(/[;；,，]/).map(p => p.trim()).filter(Boolean).map(p => p.split(/[=＝]/).map(x => x.trim())));
  }
  async function loadExemptions() {
    const pending = (await api('GET', '/api/v1/fees/exemptions')).items;
    $('#pending tbody').innerHTML = pending.map(e => `<tr data-slip="${esc(e.slip)}"><td>${esc(e.slip)}</td><td>${esc(e.item_name)}</td>
      <td>${esc(e.payer)}</td><td class="num">${esc(e.total_yuan)}</td><td>${esc(e.reason)}</td><td>${esc(e.requested_by_name)}</td>
      <td>${holds('centre_manager') ? `<form class="toolbar decide" novalidate><label class="inline">意见<span class="sr-only">（${esc(e.slip)}）</span>
      <input name="note" size="14"></label><button type="submit" name="approve" value="true" class="primary">批准</button>
      <button type="submit" name="approve" value="false">不批准</button></form>` : '—'}</td></tr>`).join('') || empty(7, '没有待审批的减免申请');
    $('#pending').querySelectorAll('form.decide').forEach(form => form.addEventListener('submit', async event => {
      event.preventDefault();
      const slip = form.closest('tr').dataset.slip;
      const approve = (event.submitter || {}).value !== 'false';
      try {
        const done = await api('POST', slipPath(slip, '/exemption/decide'), { approve, note: form.elements.note.value.trim() });
        await loadExemptions();
        ok(`减免申请${done.status_label}：${slip}`);
      } catch (err) { fail(err); fieldErrors(form, err); }
    }));
    const all = (await api('GET', '/api/v1/fees/exemptions?status=all')).items;
    $('#all-exemptions tbody').innerHTML = all.map(e => `<tr><td>${esc(e.slip)}</td><td>${esc(e.item_name)}</td><td class="num">${esc(e.total_yuan)}</td>
      <td>${esc(e.reason)}</td><td>${esc(e.requested_by_name)}</td><td>${esc(e.status_label)}</td><td>${esc(e.decided_by_name || '—')}</td></tr>`).join('')
      || empty(7, '没有减免记录');
  }
  function exemptions() {
    showFor();
    $('#request').addEventListener('submit', async event => {
      event.preventDefault();
      const form = event.target;
      try {
        await api('POST', slipPath(form.elements.slip.value.trim(), '/exemption'), { reason: form.elements.reason.value.trim() });
        form.reset();
        await loadExemptions();
        ok('减免申请已提交，等待中心管理人员审批');
      } catch (err) { fail(err); fieldErrors(form, err); }
    });
    $('#void').addEventListener('submit', async event => {
      event.preventDefault();
      const form = event.target;
      try {
        const next = await api('POST', slipPath(form.elements.slip.value.trim(), '/void'),
          { reason: form.elements.reason.value.trim(), inputs: parseInputs(form.elements.inputs.value) });
        form.reset();
        ok(`已作废，新缴款单 ${next.slip}，${next.total_yuan} 元`);
      } catch (err) { fail(err); fieldErrors(form, err); }
    });
    loadExemptions().catch(fail);
  }

  // ---- reconciliation ------------------------------------------------------------------------
  async function loadDay(day) {
    const s = await api('GET', '/api/v1/fees/statement?day=' + encodeURIComponent(day));
    $('#facts tbody').innerHTML = s.facts.map(f => `<tr><th scope="row">${esc(f.label)}</th><td class="num">${f.count}</td>
      <td class="num">${esc(f.amount_yuan)}</td></tr>`).join('');
    $('#channels tbody').innerHTML = s.channels.map(c => `<tr><th scope="row">${esc(c.label)}</th><td class="num">${c.count}</td>
      <td class="num">${esc(c.amount_yuan)}</td></tr>`).join('') || empty(3, '当日没有缴费');
    $('#imported').textContent = s.imported.length ? '已导入：' + s.imported.map(i => `${i.label}（${i.lines} 笔，差错 ${i.mismatches} 笔）`).join('；') : '当日尚未导入对账单';
  }
  async function loadMismatches() {
    const status = $('#mismatch-status').value;
    const items = (await api('GET', '/api/v1/fees/mismatches?status=' + status)).items;
    $('#mismatches tbody').innerHTML = items.map(m => `<tr data-id="${esc(m.id)}"><td>${esc(m.day)}</td><td>${esc(m.channel_label)}</td>
      <td>${esc(m.kind_label)}</td><td>${esc(m.slip)}</td><td>${esc(m.reference)}</td><td class="num">${esc(m.ours_yuan)}</td>
      <td class="num">${esc(m.theirs_yuan)}</td><td>${m.status === 'resolved' ? `已处理：${esc(m.resolution)}` : holds('fee_window')
        ? `<form class="toolbar resolve" novalidate><label class="inline">处理说明<span class="sr-only">（${esc(m.reference)}）</span>
        <input name="reason" size="18"></label><button type="submit">处理</button></form>` : '待处理'}</td></tr>`).join('')
      || empty(8, '没有差错');
    $('#mismatches').querySelectorAll('form.resolve').forEach(form => form.addEventListener('submit', async event => {
      event.preventDefault();
      try {
        await api('POST', `/api/v1/fees/mismatches/${form.closest('tr').dataset.id.replace(/[^A-Za-z0-9_:-]/g, '')}/resolve`,
          { reason: form.elements.reason.value.trim() });
        await loadMismatches();
        ok('差错已处理');
      } catch (err) { fail(err); fieldErrors(form, err); }
    }));
  }
  function today() { return new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10); }
  function reconcile() {
    showFor();
    const dayForm = $('#day');
    dayForm.elements.day.value = today();
    $('#import').elements.day.value = today();
    dayForm.addEventListener('submit', event => { event.preventDefault(); loadDay(dayForm.elements.day.value).catch(fail); });
    $('#import').addEventListener('submit', async event => {
      event.preventDefault();
      const form = event.target;
      try {
        const file = form.elements.file.files[0];
        if (!file) throw new Error('请选择对账单文件');
        const result = await api('POST', '/api/v1/fees/statements',
          { channel: form.elements.channel.value, day: form.elements.day.value, content: await file.text() });
        await Promise.all([loadDay(result.day), loadMismatches()]);
        ok(`已对账：${result.lines} 笔，相符 ${result.matched} 笔，差错 ${result.mismatches.length} 笔`);
      } catch (err) { fail(err); fieldErrors(form, err); }
    });
    $('#mismatch-status').onchange = () => loadMismatches().catch(fail);
    loadDay(dayForm.elements.day.value).catch(fail);
    loadMismatches().catch(fail);
  }
  return { window: feeWindow, exemptions, reconcile };
})();
