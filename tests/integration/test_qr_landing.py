"""The receipt's QR link opens a page in any browser: /m/case?number=…&code=… (no sign-in, masked like the API)."""

import dataclasses
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from backend.config import load_settings
from backend.domain.numbering import new_query_code
from backend.mobile.links import open_link
from tests.integration.test_case_pipeline import APPLICANT, ITEMS, staff, walk_in

WECHAT_UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile MicroMessenger/8.0.50"


def landing(case, code=None) -> str:
    return f"/m/case?number={case['number']}&code={quote(code if code is not None else case['query_code'])}"


async def test_the_qr_link_opens_a_chinese_progress_page_without_signing_in(api, seeded):
    case = await walk_in(api, await staff(api, "clerk_a"), ITEMS["promised"])
    page = await api.as_anonymous().get(landing(case))
    html = page.body.decode()
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="zh-CN">' in html and "个体工商户设立登记" in html and "审批中" in html
    assert "张*丰" in html and APPLICANT["name"] not in html and APPLICANT["phone"] not in html
    assert APPLICANT["id_number"] not in html and "王晓燕" not in html  # no staff names, as in the API
    for step in ("提交申请", "窗口受理", "分派部门审批"):
        assert step in html
    assert page.headers["Cache-Control"] == "no-store"


async def test_a_wrong_code_answers_a_chinese_page_not_json(api, seeded):
    case = await walk_in(api, await staff(api, "clerk_a"), ITEMS["promised"])
    other = next(c for c in iter(new_query_code, None) if c != case["query_code"].replace("-", ""))
    wrong = await api.as_anonymous().get(landing(case, other))
    assert wrong.status == 404 and "未找到该办件" in wrong.body.decode() and "<form" in wrong.body.decode()
    malformed = await api.as_anonymous().get(landing(case, "!!"))
    assert malformed.status == 422 and "查询码" in malformed.body.decode()
    form = await api.as_anonymous().get("/m/case")
    assert form.status == 200 and 'name="number"' in form.body.decode() and 'name="code"' in form.body.decode()


async def test_without_a_configured_link_the_page_says_how_to_find_the_mini_program(api, seeded):
    case = await walk_in(api, await staff(api, "clerk_a"), ITEMS["promised"])
    html = (await api.as_anonymous().get(landing(case))).body.decode()
    assert 'data-testid="open-mp"' not in html and "搜索“阳光365”小程序" in html


def test_the_url_scheme_carries_the_case_to_the_progress_page():
    settings = load_settings(env={"WECHAT_APPID": "wx1234567890abcdef"})
    link = open_link(settings, "610924-20261128-00042", "7KQ3MX9P", in_wechat=False)
    parts = urlsplit(link)
    assert parts.scheme == "weixin" and parts.netloc == "dl" and parts.path == "/business/"
    query = parse_qs(parts.query)
    assert query["appid"] == ["wx1234567890abcdef"] and query["path"] == ["pages/progress/progress"]
    assert parse_qs(query["query"][0]) == {"number": ["610924-20261128-00042"], "code": ["7KQ3MX9P"]}
    assert query["env_version"] == ["release"]
    assert open_link(settings, "610924-20261128-00042", "7KQ3MX9P", in_wechat=True) == ""  # WeChat's browser ignores it


def test_a_url_link_is_used_in_and_out_of_wechat_with_the_case_as_cq():
    settings = load_settings(env={"MINIPROGRAM_URL_LINK": "https://wxaurl.cn/AbCdEf123", "WECHAT_APPID": "wx1"})
    for in_wechat in (True, False):
        link = open_link(settings, "610924-20261128-00042", "7KQ3MX9P", in_wechat)
        parts = urlsplit(link)
        assert link.startswith("https://wxaurl.cn/AbCdEf123?cq=")
        assert parse_qs(parse_qs(parts.query)["cq"][0]) == {"number": ["610924-20261128-00042"], "code": ["7KQ3MX9P"]}


@pytest.mark.parametrize("env, problem", [({"MINIPROGRAM_ENV_VERSION": "beta"}, "MINIPROGRAM_ENV_VERSION"),
                                          ({"MINIPROGRAM_URL_LINK": "http://wxaurl.cn/x"}, "MINIPROGRAM_URL_LINK"),
                                          ({"MINIPROGRAM_PAGE": "/pages/progress/progress"}, "MINIPROGRAM_PAGE")])
def test_link_settings_are_checked_at_start(env, problem):
    with pytest.raises(ValueError, match=problem):
        load_settings(env=env)


async def test_the_button_appears_where_wechat_can_open_it(api, seeded):
    case = await walk_in(api, await staff(api, "clerk_a"), ITEMS["promised"])
    services = api.app.settings["services"]
    services.settings = dataclasses.replace(services.settings, wechat_appid="wx1234567890abcdef")
    phone = await api.as_anonymous().get(landing(case))
    assert 'data-testid="open-mp" href="weixin://dl/business/?appid=wx1234567890abcdef' in phone.body.decode()
    in_wechat = await api.as_anonymous().get(landing(case), headers={"User-Agent": WECHAT_UA})
    assert 'data-testid="open-mp"' not in in_wechat.body.decode() and "长按识别" in in_wechat.body.decode()


async def test_a_report_up_case_reads_as_sent_up_on_the_page_never_approved(api, seeded):
    clerk, approver = await staff(api, "clerk_a"), await staff(api, "zrzyj_a")
    case = await walk_in(api, clerk, ITEMS["report_up"])
    await approver.post(f"/api/v1/cases/{case['number']}/approve", {"opinion": "县级初审同意"})
    html = (await api.as_anonymous().get(landing(case))).body.decode()
    assert "县级审核通过，已报上级" in html and "准予办理" not in html
