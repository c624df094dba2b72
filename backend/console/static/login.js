// The sign-in page: the password, then (administrators and supervisors) the second factor.
(() => {
  const { api, flash, fieldErrors, focusOn } = window.S365;
  const loginForm = document.getElementById('login');
  const codeForm = document.getElementById('second-factor');
  let challenge = '';
  loginForm.tenant.value = localStorage.getItem('s365_tenant') || '';

  function enter() {
    const next = loginForm.dataset.next || '/console/';
    window.location.href = next.startsWith('/console') ? next : '/console/';
  }
  function showError(form, box, err) {
    const target = document.getElementById(box);
    target.textContent = err.message;
    target.hidden = false;
    fieldErrors(form, err);
  }
  async function askForCode(step) {
    challenge = step.challenge;
    loginForm.hidden = true;
    codeForm.hidden = false;
    if (step.second_factor === 'totp_enrol') {
      const enrolment = await api('POST', '/api/v1/auth/second-factor/enrolment', { challenge });
      document.getElementById('enrol-qr').src = enrolment.qr;
      document.getElementById('enrol-secret').textContent = enrolment.secret;
      document.getElementById('enrol').hidden = false;
    }
    codeForm.code.focus();
  }
  loginForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const tenant = loginForm.tenant.value.trim();
    try {
      const step = await api('POST', '/api/v1/auth/login', {
        username: loginForm.username.value.trim(), password: loginForm.password.value, ...(tenant ? { tenant } : {}) });
      localStorage.setItem('s365_tenant', tenant);
      if (step.token) enter(); else await askForCode(step);
    } catch (err) { flash(err.message); fieldErrors(loginForm, err); }
  });
  codeForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', '/api/v1/auth/second-factor', { challenge, code: codeForm.code.value.replace(/\s/g, '') });
      enter();
    } catch (err) {
      showError(codeForm, 'flash-code', err);
      if (err.code === 'challenge_expired') focusOn(document.getElementById('flash-code'));
    }
  });
})();
