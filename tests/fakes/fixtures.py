"""Pytest fixtures for the fake third parties (load with ``pytest_plugins = ["tests.fakes.fixtures"]``).

Each fixture starts a fresh fake on a free 127.0.0.1 port for one test and
stops it afterwards. The fakes run in their own threads, so sync and
pytest-asyncio tests can use them alike.
"""

from __future__ import annotations

import pytest

from tests.fakes.aliyun import FakeAliyun
from tests.fakes.wechat import FakeWeChat
from tests.fakes.wechatpay import FakeWeChatPay


@pytest.fixture
def fake_wechat():
    """A fake api.weixin.qq.com: ``.appid``, ``.secret``, ``.base_url``, ``.register_code(...)``, ``.sent``."""
    with FakeWeChat() as fake:
        yield fake


@pytest.fixture
def fake_aliyun():
    """A fake Aliyun RPC endpoint: ``.host``, ``.access_key_id``, ``.access_key_secret``, ``.sms``, ``.sent_sms``."""
    with FakeAliyun() as fake:
        yield fake


@pytest.fixture
def fake_wechatpay():
    """A fake WeChat Pay v3: ``.mchid``, ``.apiv3_key``, ``.merchant_private_pem``, ``.merchant_serial``,
    ``.api_base``, ``.pay(number)``, ``.notification(number)``, ``.trade_bill(orders)``."""
    with FakeWeChatPay() as fake:
        yield fake
