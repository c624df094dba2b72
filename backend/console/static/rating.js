// 窗口评价器: the clerk pairs the window's pad and calls up the case just served.
(() => {
  const { api, flash, esc, fieldErrors, focusOn } = window.S365;
  document.getElementById('make-code').addEventListener('click', async () => {
    try {
      const made = await api('POST', '/api/v1/satisfaction/pads');
      const box = document.getElementById('pairing');
      box.innerHTML = `<p>${esc(made.post_name)} 的配对码：<strong class="big" data-testid="pairing-code">${esc(made.code)}</strong></p>
        <p class="muted">有效期至 ${esc(new Date(made.expires_at).toLocaleTimeString('zh-CN'))}；也可在评价器上直接打开
        <a href="${esc(made.pad_url)}" target="_blank">${esc(made.pad_url)}<span class="sr-only">（在新窗口打开）</span></a></p>`;
      box.hidden = false;
      focusOn(box);
    } catch (err) { flash(err.message); focusOn(document.getElementById('flash')); }
  });
  const form = document.getElementById('call-up');
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const shown = await api('POST', '/api/v1/satisfaction/pads/call-up', { number: form.elements.number.value.trim() });
      fieldErrors(form, null);
      flash(`已在 ${shown.post_name} 的评价器上调出 ${shown.current.number}（${shown.current.stage_label}环节），请群众评价`, 'ok');
      focusOn(document.getElementById('flash'));
    } catch (err) {
      if (!fieldErrors(form, err)) { flash(err.message); focusOn(document.getElementById('flash')); }
    }
  });
})();
