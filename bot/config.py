"""Typed configuration, read once from the environment (or a .env file) at start-up."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_LOCALES = ("nl", "en")
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite://data/initiatives.sqlite3"
SANDBOX_TOKEN = "123456789:SANDBOX-sandbox-sandbox-sandbox-000"

_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    telegram_bot_token: str | None = None
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    database_url: str = DEFAULT_DATABASE_URL
    staff_ids: frozenset[int] = field(default_factory=frozenset)
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    default_locale: str = "nl"
    publish_immediately: bool = False
    bot_username: str = "SamenVoorElkaarBot"
    log_level: str = "INFO"
    log_format: str = "logfmt"  # or json
    max_initiatives_per_day: int = 3  # per citizen, in any 24 hours; 0 = no limit
    max_messages_per_minute: int = 30  # per user (staff exempt); 0 = no limit
    join_digest_seconds: int = 3600  # at most one join digest per initiative in this time
    coaching_digest_seconds: int = 86400  # at most one coaching digest per professional in this time
    update_interval_seconds: int = 86400  # at most one initiative update in this time
    digest_check_seconds: float = 60.0  # how often the digest job looks for work
    delivery_rate: float = 30.0  # outbox messages per second overall (Telegram: about 30)
    delivery_paid_rate: float = 1000.0  # the same with allow_paid_broadcast (Telegram: up to 1000)
    delivery_chat_interval: float = 1.0  # seconds between two messages to one chat
    delivery_concurrency: int = 8  # outbox requests in flight at once (also the most a crash can duplicate)
    delivery_retry_seconds: float = 5.0  # first wait after a network error or 5xx; doubles each attempt
    web_cache_seconds: int = 10  # public pages are served from memory for this long; 0 = no cache

    @property
    def sandbox(self) -> bool:
        """No token: run against the built-in Bot API emulation."""
        return self.telegram_bot_token is None

    @property
    def token(self) -> str:
        """The token the bot uses: the real one, or the sandbox's."""
        return self.telegram_bot_token or SANDBOX_TOKEN

    def is_staff(self, telegram_id: int | None) -> bool:
        """Whether a Telegram user has staff rights."""
        return telegram_id is not None and telegram_id in self.staff_ids


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a .env file: KEY=VALUE lines, # comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


def load_settings(environ: dict[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Build Settings from a .env file overlaid by the environment; raise ConfigError on a bad value."""
    env = read_env_file(env_file) if env_file else {}
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if token is not None and not _TOKEN_RE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN", "not a bot token (expected digits, a colon and 30+ characters)")

    base_url = get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise ConfigError("TELEGRAM_API_BASE_URL", "must be an http:// or https:// URL")

    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    scheme = database_url.split("://", 1)[0] if "://" in database_url else ""
    if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
        raise ConfigError("DATABASE_URL", f"unknown scheme {scheme or '(none)'!r}; use sqlite:// or postgres://")

    staff_ids: set[int] = set()
    for part in (get("STAFF_IDS") or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError("STAFF_IDS", f"{part[:20]!r} is not a numeric Telegram user id")
        staff_ids.add(int(part))

    web_host = get("WEB_HOST") or "127.0.0.1"
    port_text = get("WEB_PORT") or "8080"
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError("WEB_PORT", f"{port_text[:20]!r} is not a port number (0-65535)")
    web_port = int(port_text)

    public_url = (get("PUBLIC_URL") or f"http://{_host_for_url(web_host)}:{web_port}").rstrip("/")
    if not re.match(r"^https?://[^\s/]+", public_url):
        raise ConfigError("PUBLIC_URL", "must be an http:// or https:// URL")

    webhook_url = get("WEBHOOK_URL")
    if webhook_url is not None and not webhook_url.startswith("https://") and not webhook_url.startswith("http://"):
        raise ConfigError("WEBHOOK_URL", "must be an https:// URL")
    webhook_secret = get("WEBHOOK_SECRET")
    if webhook_secret is not None and not _SECRET_RE.match(webhook_secret):
        raise ConfigError("WEBHOOK_SECRET", "1-256 characters of A-Z a-z 0-9 _ -")
    if webhook_url and not webhook_secret:
        raise ConfigError("WEBHOOK_SECRET", "required when WEBHOOK_URL is set")

    default_locale = (get("DEFAULT_LOCALE") or "nl").lower()
    if default_locale not in SUPPORTED_LOCALES:
        raise ConfigError("DEFAULT_LOCALE", f"must be one of {', '.join(SUPPORTED_LOCALES)}")

    publish = (get("PUBLISH_IMMEDIATELY") or "false").lower()
    if publish not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError("PUBLISH_IMMEDIATELY", "must be true or false")

    username = get("BOT_USERNAME") or "SamenVoorElkaarBot"
    if not re.match(r"^[A-Za-z][A-Za-z0-9_]{4,31}$", username):
        raise ConfigError("BOT_USERNAME", "not a Telegram bot username")

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("LOG_LEVEL", "must be DEBUG, INFO, WARNING or ERROR")
    log_format = (get("LOG_FORMAT") or "logfmt").lower()
    if log_format not in ("logfmt", "json"):
        raise ConfigError("LOG_FORMAT", "must be logfmt or json")

    max_initiatives_per_day = _count(get("MAX_INITIATIVES_PER_DAY"), "MAX_INITIATIVES_PER_DAY", 3)
    max_messages_per_minute = _count(get("MAX_MESSAGES_PER_MINUTE"), "MAX_MESSAGES_PER_MINUTE", 30)

    return Settings(
        telegram_bot_token=token,
        telegram_api_base_url=base_url,
        database_url=database_url,
        staff_ids=frozenset(staff_ids),
        web_host=web_host,
        web_port=web_port,
        public_url=public_url,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        default_locale=default_locale,
        publish_immediately=publish in ("true", "1", "yes"),
        bot_username=username,
        log_level=log_level,
        log_format=log_format,
        max_initiatives_per_day=max_initiatives_per_day,
        max_messages_per_minute=max_messages_per_minute,
        join_digest_seconds=_seconds(get, "JOIN_DIGEST_SECONDS", 3600),
        coaching_digest_seconds=_seconds(get, "COACHING_DIGEST_SECONDS", 86400),
        update_interval_seconds=_seconds(get, "UPDATE_INTERVAL_SECONDS", 86400),
        digest_check_seconds=max(_seconds(get, "DIGEST_CHECK_SECONDS", 60), 1),
        delivery_rate=_rate(get("DELIVERY_RATE"), "DELIVERY_RATE", 30.0),
        delivery_paid_rate=_rate(get("DELIVERY_PAID_RATE"), "DELIVERY_PAID_RATE", 1000.0),
        delivery_chat_interval=_rate(get("DELIVERY_CHAT_INTERVAL"), "DELIVERY_CHAT_INTERVAL", 1.0),
        delivery_concurrency=max(_count(get("DELIVERY_CONCURRENCY"), "DELIVERY_CONCURRENCY", 8), 1),
        delivery_retry_seconds=_rate(get("DELIVERY_RETRY_SECONDS"), "DELIVERY_RETRY_SECONDS", 5.0),
        web_cache_seconds=_seconds(get, "WEB_CACHE_SECONDS", 10),
    )


def _rate(text: str | None, variable: str, default: float) -> float:
    """A positive number (a rate per second, or seconds) from the environment."""
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 100_000:
        raise ConfigError(variable, f"{text[:20]!r} is not a positive number")
    return value


def _seconds(get: Callable[[str], str | None], variable: str, default: int) -> int:
    """A whole number of seconds (0 or more) from the environment."""
    text = get(variable)
    if text is None:
        return default
    if not text.isdigit():
        raise ConfigError(variable, f"{text[:20]!r} is not a whole number of seconds")
    return int(text)


def _count(text: str | None, variable: str, default: int) -> int:
    """A non-negative whole number (0 switches a limit off)."""
    if text is None:
        return default
    if not text.isdigit() or int(text) > 1_000_000:
        raise ConfigError(variable, f"{text[:20]!r} is not a whole number from 0 to 1000000")
    return int(text)


def _host_for_url(host: str) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host
