/**
 * Runtime settings of the mini-program.
 *
 * baseUrl: where the Sunshine 365 API listens. The default suits WeChat
 * DevTools on the same machine as `python -m backend`; a phone preview needs
 * an HTTPS domain registered in the mini-program console instead.
 */
module.exports = {
  baseUrl: 'http://127.0.0.1:8365',
  timeoutMs: 10000,
  pageSize: 20,
  popularCount: 6,
  searchDebounceMs: 300,
  // 长辈模式's big call button dials this (the 12345 government service hotline).
  hotlineNumber: '12345',
}
