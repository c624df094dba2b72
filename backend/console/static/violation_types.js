// Violation types (违规类型): the county's list over four levels, each kind linked to the cards that can raise it.
(() => {
  const { api, flash, esc, focusOn } = window.S365;
  const root = document.getElementById('page');
  const editor = (root.dataset.roles || '').split(',').some(r => r === 'supervisor' || r === 'admin');
  const tbody = document.querySelector('#types-table tbody');
  let levels = [], cardKinds = [], rows = 0;

  function row(t) {
    const n = ++rows, off = editor ? '' : ' disabled';
    const levelOptions = levels.map(l => `<option value="${esc(l.code)}"${l.code === t.level ? ' selected' : ''}>${esc(l.label)}</option>`).join('');
    const cards = cardKinds.map(k => `<label class="inline"><input type="checkbox" data-f="card" value="${esc(k.code)}"${(t.card_kinds || []).includes(k.code) ? ' checked' : ''}${off}> ${esc(k.label)}</label>`).join(' ');
    return `<tr data-row="${n}">
      <td><input data-f="code" value="${esc(t.code)}" size="14" aria-label="第 ${n} 行代码"${off}></td>
      <td><input data-f="name" value="${esc(t.name)}" size="12" aria-label="第 ${n} 行名称"${off}></td>
      <td><select data-f="level" aria-label="第 ${n} 行责任层级"${off}>${levelOptions}</select></td>
      <td><input data-f="description" value="${esc(t.description)}" size="28" aria-label="第 ${n} 行说明"${off}></td>
      <td><fieldset class="plain"><legend class="sr-only">第 ${n} 行可发现该违规的预警卡</legend>${cards}</fieldset></td>
      <td>${editor ? `<button type="button" data-remove="${n}">删除<span class="sr-only">第 ${n} 行</span></button>` : ''}</td></tr>`;
  }
  function show(view) {
    levels = view.levels;
    cardKinds = view.card_kinds;
    rows = 0;
    tbody.innerHTML = view.types.map(row).join('');
    const banner = document.getElementById('sample-banner');
    banner.hidden = !view.sample;
    banner.textContent = view.sample ? view.note : '';
    document.getElementById('type-counts').textContent = `共 ${view.total} 种：` +
      view.levels.map(l => `${l.label} ${l.count} 种`).join('、') + (view.sample ? '（示例数据）' : '');
  }
  function collect() {
    return [...tbody.querySelectorAll('tr')].map(tr => {
      const value = f => tr.querySelector(`[data-f=${f}]`).value.trim();
      return { code: value('code'), name: value('name'), level: value('level'), description: value('description'),
        card_kinds: [...tr.querySelectorAll('[data-f=card]:checked')].map(b => b.value) };
    });
  }
  tbody.addEventListener('click', event => {
    const button = event.target.closest('[data-remove]');
    if (button) button.closest('tr').remove();
  });
  document.getElementById('add-type').onclick = () => {
    tbody.insertAdjacentHTML('beforeend', row({ code: '', name: '', level: levels[0].code, description: '', card_kinds: [] }));
    tbody.querySelector('tr:last-child [data-f=code]').focus();
  };
  document.getElementById('types-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const view = await api('PUT', '/api/v1/supervision/violation-types', { types: collect() });
      show(view);
      flash(`已保存本县违规类型清单，共 ${view.total} 种`, 'ok');
    } catch (err) { flash(err.message); }
    focusOn(document.getElementById('flash'));
  });
  document.getElementById('types-actions').hidden = !editor;
  api('GET', '/api/v1/supervision/violation-types').then(show).catch(err => flash(err.message));
})();
