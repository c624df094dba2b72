// 账号安全 (one's own sessions and second factor) and 登录会话 (the county's sessions, administrators).
(() => {
  const { api, esc, flash, focusOn } = window.S365;
  const when = value => (value ? new Date(value).toLocaleString('zh-CN', { hour12: false }) : '');
  const browser = agent => (agent || '').replace(/^Mozilla\/5\.0 /, '').slice(0, 60);

  function rows(items, withName) {
    return items.map(s => `<tr>${withName ? `<td>${esc(s.username)}</td>` : ''}
      <td>${esc(when(s.created_at))}</td><td>${esc(when(s.last_seen))}</td><td>${esc(s.address)}</td>
      <td>${esc(browser(s.agent))}</td>
      <td>${s.current ? '当前会话' : `<button type="button" data-end="${esc(s.id)}">结束<span class="sr-only">（${esc(s.username)} ${esc(when(s.created_at))} 的会话）</span></button>`}</td></tr>`).join('');
  }
  async function show(table, path, endPath, withName) {
    const data = await api('GET', path);
    table.querySelector('tbody').innerHTML = rows(data.items, withName) || `<tr><td colspan="${withName ? 6 : 5}">没有其他会话</td></tr>`;
    table.querySelectorAll('[data-end]').forEach(button => button.addEventListener('click', async () => {
      try {
        await api('DELETE', `${endPath}/${encodeURIComponent(button.dataset.end)}`);
        await show(table, path, endPath, withName);
        flash('会话已结束', 'ok');
        focusOn(document.getElementById('flash'));
      } catch (err) { flash(err.message); }
    }));
    return data;
  }
  const mine = document.getElementById('my-sessions');
  if (mine) show(mine, '/api/v1/auth/sessions', '/api/v1/auth/sessions', false).then(data => {
    const factor = data.second_factor;
    document.getElementById('factor-status').textContent = factor.enrolled
      ? `已启用（${when(factor.enrolled_at)} 绑定）。登录时须输入验证器应用中的 6 位验证码。手机丢失或更换时，请联系另一位系统管理员重置。`
      : (factor.required ? '未启用：下次登录时须先绑定验证器应用。' : '您的岗位无须两步验证。');
  }).catch(err => flash(err.message));
  const county = document.getElementById('county-sessions');
  if (county) show(county, '/api/v1/sessions', '/api/v1/sessions', true).catch(err => flash(err.message));
})();
