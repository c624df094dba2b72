"""Links that open the 阳光365 mini-program at a case's progress page from an ordinary web page.

Two kinds, both configured in ``backend.config``:

- **URL Link** (``MINIPROGRAM_URL_LINK``, ``https://wxaurl.cn/<ticket>``, generated once in the
  mini-program admin console or by ``urllink.generate`` for the progress page): works in WeChat's
  own browser and in other browsers (WeChat shows its own page first on Android). Since
  December 2023 a link may carry its own parameters as ``?cq=<url-encoded query>``, which the page's
  ``onLoad`` receives as ordinary options.
- **Plain URL Scheme** (明文 URL Scheme, ``weixin://dl/business/?appid=..&path=..&query=..``): no API
  call, the page path must be declared in the admin console (设置 → 隐私与安全 → 明文Scheme拉起此小程序).
  A phone's browser hands it to the WeChat app; WeChat's own browser does not follow it.

In both the query is ``number=<case number>&code=<query code>``, which the progress page reads
(``miniprogram/pages/progress``) without the citizen signing in.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode


def _case_query(number: str, code: str) -> str:
    return urlencode({"number": number, "code": code})


def url_link(base: str, number: str, code: str) -> str:
    """The URL Link with the case appended as its ``cq`` parameter."""
    return f"{base}?cq={quote(_case_query(number, code), safe='')}"


def url_scheme(appid: str, page: str, env_version: str, number: str, code: str) -> str:
    """The plain URL Scheme opening ``page`` with the case as its query."""
    return "weixin://dl/business/?" + urlencode(
        {"appid": appid, "path": page, "query": _case_query(number, code), "env_version": env_version})


def open_link(settings, number: str, code: str, in_wechat: bool) -> str:
    """The link the page's button follows, or "" when none works where the page is being read."""
    if settings.miniprogram_url_link:
        return url_link(settings.miniprogram_url_link, number, code)
    if settings.wechat_appid and not in_wechat:
        return url_scheme(settings.wechat_appid, settings.miniprogram_page, settings.miniprogram_env_version,
                          number, code)
    return ""
