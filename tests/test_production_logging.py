"""Logs as an operator reads them: one line per event, no bot token, no secrets, no personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.logging_setup import REDACTED, configure_logging
from tests.harness import BotUnderTest
from tests.harness import test_settings as settings_for

TOKEN = "987654321:AAHsecretSECRETsecretSECRETsecret123"
OTHER_TOKEN = "1234567:ZZZanotherTOKENanotherTOKENanother00"
SECRET = "hook-Secret_value"
PASSWORD = "pg-Pass.word"


@pytest.fixture
def capture() -> Iterator[Any]:
    """Configure logging as `python -m bot` does, into a buffer; restore the test runner's logging after."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}

    def setup(settings: Settings, level: str = "DEBUG", fmt: str = "logfmt") -> io.StringIO:
        stream = io.StringIO()
        configure_logging(settings, level=level, fmt=fmt, stream=stream)
        return stream

    yield setup
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


def production_settings() -> Settings:
    return Settings(telegram_bot_token=TOKEN, webhook_url="https://bot.example.org/hook", webhook_secret=SECRET,
                    database_url=f"postgres://bot:{PASSWORD}@db.example.org:5432/bot")


def parse_logfmt(line: str) -> dict[str, str]:
    """A logfmt line as a dict (quoted values are JSON strings)."""
    fields: dict[str, str] = {}
    rest = line
    while rest:
        key, _, rest = rest.partition("=")
        if rest.startswith('"'):
            decoder = json.JSONDecoder()
            value, end = decoder.raw_decode(rest)
            rest = rest[end:].lstrip(" ")
        else:
            value, _, rest = rest.partition(" ")
        fields[key] = value
    return fields


def test_the_token_secrets_and_anything_like_a_token_are_redacted(capture):
    stream = capture(production_settings())
    httpx_like = logging.getLogger("httpx")
    httpx_like.warning('HTTP Request: POST %s "HTTP/1.1 200 OK"', f"https://api.telegram.org/bot{TOKEN}/getMe")
    logging.getLogger("bot.test").info("calling %s with %s", f"https://example.org/bot{OTHER_TOKEN}/x", SECRET)
    logging.getLogger("bot.test").info("connecting", extra={"dsn": f"postgres://bot:{PASSWORD}@db/bot"})
    try:
        raise ConnectionError(f"could not reach https://api.telegram.org/bot{TOKEN}/sendMessage")
    except ConnectionError:
        logging.getLogger("bot.test").exception("request failed\nsecond line")
    output = stream.getvalue()
    for secret in (TOKEN, OTHER_TOKEN, SECRET, PASSWORD, TOKEN.split(":")[1]):
        assert secret not in output
    lines = output.splitlines()
    assert len(lines) == 4  # one line per event, tracebacks and newlines included
    records = [parse_logfmt(line) for line in lines]
    assert records[0]["msg"] == f'HTTP Request: POST https://api.telegram.org/bot{REDACTED}/getMe "HTTP/1.1 200 OK"'
    assert records[0]["level"] == "warning" and records[0]["logger"] == "httpx"
    assert records[1]["msg"] == f"calling https://example.org/bot{REDACTED}/x with {REDACTED}"
    assert records[2]["dsn"] == f"postgres://bot:{REDACTED}@db/bot"
    assert records[3]["msg"] == "request failed\nsecond line"
    assert "ConnectionError" in records[3]["exc"] and f"bot{REDACTED}/sendMessage" in records[3]["exc"]
    assert all(record["time"].endswith("Z") for record in records)


def test_json_lines_when_asked(capture):
    stream = capture(production_settings(), level="INFO", fmt="json")
    logging.getLogger("webhook").warning("webhook update refused", extra={"status": 403, "ms": 0.4})
    logging.getLogger("bot.test").debug("not shown at INFO")
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["msg"] == "webhook update refused" and record["status"] == 403 and record["level"] == "warning"


def test_library_chatter_with_personal_data_stays_out_even_at_debug(capture):
    stream = capture(production_settings(), level="DEBUG")
    logging.getLogger("telegram.ext.Application").debug("Processing update Update(message=... first_name='Anna')")
    logging.getLogger("tortoise.db_client").debug("SELECT ... params: ['anna@example.nl']")
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    logging.getLogger("telegram.ext.Application").info("Application started")
    output = stream.getvalue()
    assert "Anna" not in output and "anna@example.nl" not in output and "sendMessage" not in output
    assert "Application started" in output


async def test_a_conversation_logs_neither_the_token_nor_what_citizens_say(capture, database_url, emulator_server,
                                                                           emulator):
    settings = settings_for(database_url, telegram_bot_token=TOKEN)
    stream = capture(settings, level="DEBUG")
    bot = BotUnderTest(settings, str(emulator_server.make_url("/bot")))
    await bot.start()
    try:
        user = await emulator.user(4242, "Annabel Geheimnaam", "nl")
        for text in ("/start", "Mijn geheime plan voor de Dorpsstraat 12", "/language"):
            sent = await user.send(text)
            await bot.handled(sent.update_id)
        sent = await user.press("English")
        await bot.handled(sent.update_id)
        sent = await user.press_data(1, "idea:nonsense:" + "<b>x</b>")  # a forged button
        await bot.handled(sent.update_id)
    finally:
        await bot.stop()
    output = stream.getvalue()
    assert output  # the bot did log (start-up, shutdown)
    for private in (TOKEN, TOKEN.split(":")[1], "Geheimnaam", "Annabel", "geheime plan", "Dorpsstraat", "4242"):
        assert private not in output, private
    for line in output.splitlines():
        assert line.startswith("time=") and " level=" in line and " msg=" in line
