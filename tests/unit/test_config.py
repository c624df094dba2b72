import pytest

from backend.config import SettingsError, load_settings


def test_a_newcomer_gets_working_defaults_without_any_environment():
    settings = load_settings(env={})
    assert settings.port == 8365
    assert settings.embedded is True
    assert settings.default_tenant == "ziyang"


def test_every_bad_value_is_named_in_one_error():
    with pytest.raises(SettingsError) as caught:
        load_settings(env={"SUNSHINE_PORT": "eighty", "SUNSHINE_SEED_SAMPLE": "maybe", "MONGODB_URI": "http://x"})
    text = str(caught.value)
    assert "SUNSHINE_PORT" in text and "SUNSHINE_SEED_SAMPLE" in text and "MONGODB_URI" in text
    assert "配置有误" in text


def test_printed_settings_hide_secrets_but_say_they_are_set():
    settings = load_settings(env={"WECHAT_SECRET": "s3cr3t-value", "MONGODB_URI": "mongodb://u:pw@db:27017/"})
    shown = {env: value for env, value, _ in settings.describe()}
    assert "s3cr3t" not in shown["WECHAT_SECRET"] and "已设置" in shown["WECHAT_SECRET"]
    assert "pw@" not in shown["MONGODB_URI"]
    assert shown["SUNSHINE_PORT"] == "8365"


def test_every_setting_has_a_description():
    assert all(description for _, _, description in load_settings(env={}).describe())
