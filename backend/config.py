"""Settings: one typed object read from the environment once, validated at start.

Every key has a default that works for a newcomer and a one-line description.
Secrets come only from the environment and are hidden when printed.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _setting(env: str, default, description: str, *, secret: bool = False):
    return field(default=default, metadata={"env": env, "description": description, "secret": secret})


class SettingsError(ValueError):
    """Raised when the environment holds a value that cannot be used; lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("配置有误 / invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one Sunshine 365 process."""

    host: str = _setting("SUNSHINE_HOST", "127.0.0.1", "Address the HTTP server listens on")
    port: int = _setting("SUNSHINE_PORT", 8365, "Port the HTTP server listens on")
    mongodb_uri: str = _setting(
        "MONGODB_URI", "", "MongoDB connection string; empty starts the embedded FerretDB store", secret=True
    )
    database: str = _setting("SUNSHINE_DB", "sunshine", "Database name inside the store")
    data_dir: Path = _setting("SUNSHINE_DATA_DIR", PROJECT_ROOT / "var", "Folder of the embedded store's data")
    ferretdb_bin: Path = _setting(
        "SUNSHINE_FERRETDB_BIN", PROJECT_ROOT / ".tools" / "bin" / "ferretdb", "FerretDB binary for the embedded store"
    )
    public_url: str = _setting(
        "SUNSHINE_PUBLIC_URL", "http://127.0.0.1:8365", "Public root URL printed in receipts' QR codes (https in production)"
    )
    default_tenant: str = _setting("SUNSHINE_DEFAULT_TENANT", "ziyang", "Tenant (county) served when a request names none")
    store_timeout_ms: int = _setting(
        "SUNSHINE_STORE_TIMEOUT_MS", 1500, "How long a request waits for the store before answering 503"
    )
    session_hours: int = _setting("SUNSHINE_SESSION_HOURS", 12, "Lifetime of a staff or citizen session, in hours")
    secure_cookies: bool = _setting("SUNSHINE_SECURE_COOKIES", False, "Mark session cookies Secure (behind HTTPS)")
    max_body_bytes: int = _setting("SUNSHINE_MAX_BODY_BYTES", 1024 * 1024, "Largest JSON request body accepted")
    max_upload_bytes: int = _setting(
        "SUNSHINE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, "Largest uploaded material (image or PDF)"
    )
    log_level: str = _setting("SUNSHINE_LOG_LEVEL", "INFO", "Log level: DEBUG, INFO, WARNING, ERROR")
    log_format: str = _setting("SUNSHINE_LOG_FORMAT", "json", "Log lines as json (one object per line) or text")
    log_file: str = _setting(
        "SUNSHINE_LOG_FILE", "", "Append logs to this file (reopened when logrotate moves it); empty: standard error"
    )
    trusted_proxies: str = _setting(
        "SUNSHINE_TRUSTED_PROXIES", "",
        "Comma-separated addresses of reverse proxies whose X-Real-IP / X-Forwarded-For are believed; empty: none",
    )
    metrics_token: str = _setting(
        "SUNSHINE_METRICS_TOKEN", "", "Bearer token for /metrics; empty: /metrics answers loopback clients only",
        secret=True,
    )
    backup_dir: str = _setting(
        "SUNSHINE_BACKUP_DIR", "", "Folder of the scheduled daily backups; empty turns the scheduled backup off"
    )
    backup_at: str = _setting("SUNSHINE_BACKUP_AT", "02:30", "Time of day (Beijing time, HH:MM) of the scheduled backup")
    backup_keep_daily: int = _setting("SUNSHINE_BACKUP_KEEP_DAILY", 7, "Scheduled backups kept: the last N days")
    backup_keep_monthly: int = _setting(
        "SUNSHINE_BACKUP_KEEP_MONTHLY", 12, "Scheduled backups kept: the first of each of the last M months"
    )
    seed_sample: bool = _setting("SUNSHINE_SEED_SAMPLE", True, "Load the sample county into an empty store on start")
    background: bool = _setting("SUNSHINE_BACKGROUND", True, "Run background work (sweeps, retries) in this process")
    wechat_appid: str = _setting("WECHAT_APPID", "", "Mini-program AppID")
    wechat_secret: str = _setting("WECHAT_SECRET", "", "Mini-program AppSecret", secret=True)
    wechat_api_base: str = _setting("WECHAT_API_BASE", "https://api.weixin.qq.com/", "WeChat server API base URL")
    aliyun_access_key_id: str = _setting("ALIYUN_ACCESS_KEY_ID", "", "Aliyun AccessKey ID for SMS")
    aliyun_access_key_secret: str = _setting("ALIYUN_ACCESS_KEY_SECRET", "", "Aliyun AccessKey secret", secret=True)
    aliyun_sms_sign_name: str = _setting("ALIYUN_SMS_SIGN_NAME", "阳光365", "Registered SMS signature")
    aliyun_sms_endpoint: str = _setting("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com", "Aliyun SMS endpoint host")
    wechat_notify_templates: str = _setting(
        "WECHAT_NOTIFY_TEMPLATES", "",
        "Subscribe-message template ids per notice: accepted=ID,supplement=ID,rejected=ID,decided=ID,"
        "dispatched=ID,delivered=ID (default=ID covers the rest)",
    )
    wechat_notify_fields: str = _setting(
        "WECHAT_NOTIFY_FIELDS", "thing1=item,character_string2=number,phrase3=state,thing4=note,time5=time",
        "Subscribe-message data keys filled from a notice's item, number, state, note and time",
    )
    wechat_notify_page: str = _setting(
        "WECHAT_NOTIFY_PAGE", "", "Mini-program page a notice opens (?number=<case> is added); empty for none"
    )
    aliyun_sms_templates: str = _setting(
        "ALIYUN_SMS_TEMPLATES", "",
        "SMS template codes per notice: accepted=SMS_1,supplement=SMS_2,... (default=CODE covers the rest); "
        "variables ${item} ${number} ${state} ${note} ${time}",
    )
    wechatpay_mchid: str = _setting("WECHATPAY_MCHID", "", "WeChat Pay merchant id (商户号); empty turns online payment off")
    wechatpay_private_key: str = _setting(
        "WECHATPAY_PRIVATE_KEY", "", "Merchant API private key: PEM text or the path of the PEM file", secret=True
    )
    wechatpay_cert_serial_no: str = _setting("WECHATPAY_CERT_SERIAL_NO", "", "Serial number of the merchant API certificate")
    wechatpay_apiv3_key: str = _setting("WECHATPAY_APIV3_KEY", "", "Merchant APIv3 key (32 characters)", secret=True)
    wechatpay_api_base: str = _setting("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com", "WeChat Pay API base URL")
    wechatpay_cert_dir: str = _setting("WECHATPAY_CERT_DIR", "", "Folder where downloaded platform certificates are kept")
    wechatpay_query_after: int = _setting(
        "WECHATPAY_QUERY_AFTER_SECONDS", 300,
        "Seconds after an online order without notification before its state is queried from WeChat Pay",
    )
    sweep_seconds: int = _setting(
        "SUNSHINE_SWEEP_SECONDS", 30, "Seconds between warning sweeps (the sweep lease lapses after four)"
    )
    cti_secret: str = _setting(
        "SUNSHINE_CTI_SECRET", "", "Shared secret of the CTI webhook (HMAC-SHA256 signatures); empty turns the webhook off",
        secret=True,
    )

    @property
    def embedded(self) -> bool:
        return not self.mongodb_uri

    def describe(self) -> list[tuple[str, str, str]]:
        """(env name, shown value, description) for every key, secrets hidden."""
        rows = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            shown = str(value)
            if f.metadata["secret"] and value:
                shown = "******（已设置 / set）"
            rows.append((f.metadata["env"], shown, f.metadata["description"]))
        return rows


def _convert(f: dataclasses.Field, raw: str):
    kind = type(f.default)
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"应为 true/false / expected true or false, got {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"应为整数 / expected an integer, got {raw!r}") from None
    if isinstance(f.default, Path):
        return Path(raw).expanduser().resolve()
    return raw


def _check(settings: Settings) -> list[str]:
    problems = []
    if not 0 < settings.port < 65536:
        problems.append(f"SUNSHINE_PORT: 端口应在 1-65535 之间 / port must be 1-65535, got {settings.port}")
    if settings.store_timeout_ms < 100:
        problems.append("SUNSHINE_STORE_TIMEOUT_MS: 至少 100 毫秒 / at least 100 ms")
    if not 1 <= settings.sweep_seconds <= 3600:
        problems.append("SUNSHINE_SWEEP_SECONDS: 应在 1-3600 秒之间 / must be 1-3600")
    if settings.session_hours < 1:
        problems.append("SUNSHINE_SESSION_HOURS: 至少 1 小时 / at least 1 hour")
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        problems.append(f"SUNSHINE_LOG_LEVEL: 取值无效 / unknown level {settings.log_level!r}")
    if settings.log_format not in {"json", "text"}:
        problems.append(f"SUNSHINE_LOG_FORMAT: 应为 json 或 text / json or text, got {settings.log_format!r}")
    if not _is_clock_time(settings.backup_at):
        problems.append(f"SUNSHINE_BACKUP_AT: 应为 HH:MM / expected HH:MM, got {settings.backup_at!r}")
    if settings.backup_keep_daily < 1 or settings.backup_keep_monthly < 0:
        problems.append("SUNSHINE_BACKUP_KEEP_DAILY 至少 1，SUNSHINE_BACKUP_KEEP_MONTHLY 至少 0 / keep at least one")
    if settings.mongodb_uri and not settings.mongodb_uri.startswith(("mongodb://", "mongodb+srv://")):
        problems.append("MONGODB_URI: 应以 mongodb:// 或 mongodb+srv:// 开头 / must start with mongodb://")
    if not settings.database or any(c in settings.database for c in "/\\. \"$"):
        problems.append(f"SUNSHINE_DB: 数据库名无效 / invalid database name {settings.database!r}")
    if not settings.default_tenant.isidentifier():
        problems.append("SUNSHINE_DEFAULT_TENANT: 只能包含字母、数字和下划线 / letters, digits and _ only")
    return problems


def _is_clock_time(text: str) -> bool:
    hours, _, minutes = text.partition(":")
    return hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60


def load_settings(env: dict[str, str] | None = None, **overrides) -> Settings:
    """Read settings from ``env`` (default: the process environment); raise SettingsError listing every problem."""
    env = os.environ if env is None else env
    values, problems = {}, []
    for f in dataclasses.fields(Settings):
        name = f.metadata["env"]
        if name in env:
            try:
                values[f.name] = _convert(f, env[name])
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
    values.update(overrides)
    settings = Settings(**values)
    problems += _check(settings)
    if problems:
        raise SettingsError(problems)
    return settings
