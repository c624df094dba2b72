"""Settings: one typed object read from the environment once, validated at start.

Every key has a default that works for a newcomer and a one-line description.
Secrets come only from the environment and are hidden when printed.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from backend import key_formats
from backend.domain.numbering import is_tenant_code

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
LOOPBACK_NAMES = {"127.0.0.1", "localhost"}


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
    session_idle_minutes: int = _setting(
        "SUNSHINE_SESSION_IDLE_MINUTES", 30, "A staff session unused for this many minutes ends (signed out)"
    )
    secure_cookies: str = _setting(
        "SUNSHINE_SECURE_COOKIES", "auto",
        "Session cookies only over HTTPS: true, false, or auto (true unless SUNSHINE_PUBLIC_URL is http on this machine)",
    )
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
    progress_cache_seconds: str = _setting(
        "SUNSHINE_PROGRESS_CACHE_SECONDS", "auto",
        "Longest a public progress view is kept in memory (a step through this server drops it at once): "
        "seconds, 0 for off, or auto (30 on the embedded store, 5 with MONGODB_URI: other hosts' steps show that late)",
    )
    session_cache_seconds: str = _setting(
        "SUNSHINE_SESSION_CACHE_SECONDS", "auto",
        "Longest a signed-in session is kept in memory between requests (signing out or revoking it through this "
        "server ends it at once): seconds, 0 for off, or auto (30 on the embedded store, off with MONGODB_URI, "
        "where another host's sign-out must also count at once)",
    )
    wechat_appid: str = _setting("WECHAT_APPID", "", "Mini-program AppID")
    wechat_secret: str = _setting("WECHAT_SECRET", "", "Mini-program AppSecret", secret=True)
    wechat_api_base: str = _setting("WECHAT_API_BASE", "https://api.weixin.qq.com/", "WeChat server API base URL")
    miniprogram_url_link: str = _setting(
        "MINIPROGRAM_URL_LINK", "",
        "URL Link of the mini-program's progress page (https://wxaurl.cn/...); the QR landing page adds the case as ?cq=",
    )
    miniprogram_page: str = _setting(
        "MINIPROGRAM_PAGE", "pages/progress/progress",
        "Mini-program page the QR landing page opens by URL Scheme (declared under 明文Scheme拉起此小程序)",
    )
    miniprogram_env_version: str = _setting(
        "MINIPROGRAM_ENV_VERSION", "release", "Mini-program version the URL Scheme opens: release, trial or develop"
    )
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
    data_keys: str = _setting(
        "SUNSHINE_DATA_KEYS", "",
        "Keys encrypting ID and phone numbers at rest: id=base64 (32-byte AES key) pairs, comma-separated, the first "
        "encrypts; empty with the embedded store: a generated development key in the data folder",
        secret=True,
    )
    lookup_key: str = _setting(
        "SUNSHINE_LOOKUP_KEY", "",
        "Key (base64, 32 bytes) of the keyed hash that finds equal ID and phone numbers; set once, never changed",
        secret=True,
    )
    cti_secret: str = _setting(
        "SUNSHINE_CTI_SECRET", "", "Shared secret of the CTI webhook (HMAC-SHA256 signatures); empty turns the webhook off",
        secret=True,
    )

    @property
    def embedded(self) -> bool:
        return not self.mongodb_uri

    @property
    def development(self) -> bool:
        """Running on a developer's machine: the public address is plain http on loopback
        (http://127.0.0.1…, http://localhost…, http://[::1]…), as the default is."""
        parts = urlsplit(self.public_url)
        return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_NAMES | {"::1"} \
            or (parts.scheme == "http" and (parts.hostname or "").startswith("127."))

    @property
    def cookies_secure(self) -> bool:
        """Whether cookies carry ``Secure``: as set, or by default everywhere but development."""
        choice = self.secure_cookies.strip().lower()
        return (not self.development) if choice == "auto" else choice in TRUE_WORDS

    def progress_cache_ttl(self, embedded_store: bool) -> float:
        """Seconds a progress view may be kept (0: not kept); ``auto`` depends on whether this server
        runs the embedded store (every writer is one of its workers) or shares a MongoDB."""
        choice = self.progress_cache_seconds.strip().lower()
        if choice == "auto":
            return 30.0 if embedded_store else 5.0
        return float(choice)

    def session_cache_ttl(self, embedded_store: bool) -> float:
        """Seconds a session may be kept between requests (0: read on every request)."""
        choice = self.session_cache_seconds.strip().lower()
        if choice == "auto":
            return 30.0 if embedded_store else 0.0
        return float(choice)

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


def _cache_seconds_ok(value: str) -> bool:
    if value.strip().lower() == "auto":
        return True
    try:
        return float(value) >= 0
    except ValueError:
        return False


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
    if settings.session_idle_minutes < 1:
        problems.append("SUNSHINE_SESSION_IDLE_MINUTES: 至少 1 分钟 / at least 1 minute")
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        problems.append(f"SUNSHINE_LOG_LEVEL: 取值无效 / unknown level {settings.log_level!r}")
    if not _cache_seconds_ok(settings.progress_cache_seconds):
        problems.append("SUNSHINE_PROGRESS_CACHE_SECONDS: 应为 auto 或不小于 0 的秒数 / auto or seconds >= 0, "
                        f"got {settings.progress_cache_seconds!r}")
    if not _cache_seconds_ok(settings.session_cache_seconds):
        problems.append("SUNSHINE_SESSION_CACHE_SECONDS: 应为 auto 或不小于 0 的秒数 / auto or seconds >= 0, "
                        f"got {settings.session_cache_seconds!r}")
    if settings.secure_cookies.strip().lower() not in TRUE_WORDS | FALSE_WORDS | {"auto"}:
        problems.append(f"SUNSHINE_SECURE_COOKIES: 应为 auto、true 或 false / auto, true or false, got {settings.secure_cookies!r}")
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
    if settings.miniprogram_env_version not in ("release", "trial", "develop"):
        problems.append("MINIPROGRAM_ENV_VERSION: 应为 release、trial 或 develop / must be release, trial or develop")
    if settings.miniprogram_url_link and not settings.miniprogram_url_link.startswith("https://"):
        problems.append("MINIPROGRAM_URL_LINK: 应以 https:// 开头 / must start with https://")
    if settings.miniprogram_page.startswith("/") or "?" in settings.miniprogram_page:
        problems.append("MINIPROGRAM_PAGE: 页面路径不以 / 开头且不带参数 / a page path without a leading / or a query")
    if not is_tenant_code(settings.default_tenant):
        problems.append("SUNSHINE_DEFAULT_TENANT: 只能包含英文字母、数字和下划线 / letters, digits and _ only")
    problems += _key_problems(settings)
    return problems


def _key_problems(settings: Settings) -> list[str]:
    problems = []
    for env, value, parse in (("SUNSHINE_DATA_KEYS", settings.data_keys, key_formats.parse_data_keys),
                              ("SUNSHINE_LOOKUP_KEY", settings.lookup_key, key_formats.parse_lookup_key)):
        if value:
            try:
                parse(value)
            except ValueError as exc:
                problems.append(f"{env}: {exc}")
    if bool(settings.data_keys) != bool(settings.lookup_key):
        problems.append("SUNSHINE_DATA_KEYS 与 SUNSHINE_LOOKUP_KEY 须同时设置 / set both keys or neither")
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
