"""Configuration and the command line, as an operator meets them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
GOOD_TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"


def test_defaults_match_the_design_table():
    settings = load_settings({}, env_file=None)
    assert settings.sandbox and settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.database_url == "sqlite://data/initiatives.sqlite3"
    assert settings.staff_ids == frozenset()
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert settings.public_url == "http://127.0.0.1:8080"
    assert settings.webhook_url is None and settings.default_locale == "nl"


def test_values_from_env_file_are_overridden_by_environment(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("STAFF_IDS=1,2\nWEB_PORT=9000\n# comment\nDEFAULT_LOCALE='en'\n")
    settings = load_settings({"WEB_PORT": "9100"}, env_file=env_file)
    assert settings.staff_ids == frozenset({1, 2})
    assert settings.web_port == 9100
    assert settings.default_locale == "en"
    assert settings.is_staff(2) and not settings.is_staff(3)


@pytest.mark.parametrize(("variable", "value"), [
    ("STAFF_IDS", "12,abc"),
    ("DATABASE_URL", "mysql://localhost/db"),
    ("TELEGRAM_BOT_TOKEN", "not-a-token"),
    ("WEB_PORT", "http"),
    ("DEFAULT_LOCALE", "de"),
    ("TELEGRAM_API_BASE_URL", "ftp://example.org"),
    ("WEBHOOK_SECRET", "has spaces"),
])
def test_bad_value_names_the_variable(variable, value):
    with pytest.raises(ConfigError) as raised:
        load_settings({variable: value}, env_file=None)
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ")


def test_webhook_needs_a_secret():
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings({"WEBHOOK_URL": "https://bot.example.org/telegram"}, env_file=None)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "STAFF_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or ROOT, timeout=60)


def test_help_lists_the_subcommands():
    result = run_cli("--help")
    assert result.returncode == 0
    for subcommand in ("run", "migrate", "check-config"):
        assert subcommand in result.stdout


def test_bad_configuration_stops_with_one_line_and_status_2(tmp_path):
    result = run_cli("check-config", env={"STAFF_IDS": "12,x", "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert result.returncode == 2
    expected = "configuration error: STAFF_IDS: 'x' is not a numeric Telegram user id"
    assert result.stderr.strip().splitlines() == [expected]
    assert "Traceback" not in result.stderr


def test_check_config_hides_secrets(tmp_path):
    result = run_cli("check-config", env={"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "PYTHONPATH": str(ROOT),
                                          "DATABASE_URL": "postgres://app:s3cret@db:5432/prod"}, cwd=tmp_path)
    assert result.returncode == 0
    assert GOOD_TOKEN not in result.stdout and "s3cret" not in result.stdout
    assert "mode: telegram" in result.stdout


def test_run_starts_the_sandbox_and_stops_cleanly_on_sigterm(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "STAFF_"))}
    env.update({"WEB_PORT": "0", "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite://{tmp_path}/db.sqlite3"})
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = ""
        deadline = time.monotonic() + 60
        while "Press Ctrl-C to stop." not in output and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output += line
        assert "SANDBOX MODE" in output
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output + rest
    assert "Stopped." in rest
    assert "Traceback" not in output + rest
    assert (tmp_path / "db.sqlite3").exists()
