"""Structured logging: one line per event (logfmt or JSON), secrets redacted, no personal data.

`configure_logging(settings)` is called once by `python -m bot`. Every line carries `time`,
`level`, `logger` and `msg`; values passed with `extra={...}` become fields of their own:

    time=2025-05-01T10:00:00.123Z level=info logger=webhook msg="update handled" update_id=42 ms=3.1

What is never logged:
- the bot token (the Bot API URL carries it: httpx and PTB log request URLs) and the webhook
  secret: `RedactingFilter` on the root handler replaces them, and anything shaped like a bot
  token, with `<redacted>` in the message, its arguments and tracebacks;
- personal data: our own log calls name citizens only by internal ids; PTB's debug lines (which
  print whole updates, names and texts included) are capped at INFO whatever LOG_LEVEL says.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import Settings

REDACTED = "<redacted>"
# Anything shaped like a bot token (digits, a colon, 30+ URL-safe characters), e.g. inside
# https://api.telegram.org/bot123456:AA.../sendMessage
_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_NOISY_LOGGERS = {
    "httpx": logging.WARNING,  # one line per Bot API request
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,  # DEBUG prints whole updates: names, texts
    "aiohttp.access": logging.WARNING,
    "tortoise": logging.WARNING,  # DEBUG prints SQL with its parameters
    "asyncpg": logging.WARNING,
    "aiosqlite": logging.WARNING,
}


class RedactingFilter(logging.Filter):
    """Replace secrets (and anything shaped like a bot token) in a record before it is written."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_RE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            record.exc_info = None  # the formatter must not render the unredacted traceback again
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
            fields[key] = value
    if record.exc_text:
        fields["exc"] = record.exc_text
    elif record.exc_info:
        fields["exc"] = logging.Formatter().formatException(record.exc_info)
    if record.stack_info:
        fields["stack"] = record.stack_info
    return fields


class LogfmtFormatter(logging.Formatter):
    """`key=value` pairs on one line; values with spaces, quotes or newlines are quoted and escaped."""

    def format(self, record: logging.LogRecord) -> str:
        """One line for one record."""
        return " ".join(f"{key}={_logfmt_value(value)}" for key, value in _fields(record).items())


def _logfmt_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str) if value is not None else ""
    if text and not re.search(r'[\s"=\\]', text):
        return text
    return json.dumps(text, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """One line for one record."""
        return json.dumps(_fields(record), ensure_ascii=False, default=str)


def configure_logging(settings: Settings | None = None, *, level: str = "INFO", fmt: str = "logfmt",
                      stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to one handler on the root logger (stderr by default); return it."""
    secrets: list[str | None] = []
    if settings is not None:
        secrets += [settings.telegram_bot_token, settings.webhook_secret, _password(settings.database_url)]
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name, floor in _NOISY_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
    logging.captureWarnings(True)
    return handler


def _password(database_url: str) -> str | None:
    """The password in a database URL, so that it is redacted too."""
    match = re.match(r"^[a-z]+://[^:/@]+:([^@]+)@", database_url)
    return match.group(1) if match else None
