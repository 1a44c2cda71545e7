"""Running the real bot against the emulation inside a test, and talking to it as users."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from typing import Any

from telegram.ext import Application

from bot.app import build_application, start_application, stop_application
from bot.config import Settings
from bot.emulator.client import EmulatedUserClient, EmulatorClient, SentUpdate

STAFF_ID = 9000


def test_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: sandbox token, the test database, one staff member.

    Tests type much faster than people: the per-minute message cap is raised so that a long
    conversation test is never refused (tests of the cap itself set their own).
    """
    base = Settings(telegram_bot_token=None, database_url=database_url, staff_ids=frozenset({STAFF_ID}),
                    public_url="http://testserver.local", max_messages_per_minute=600,
                    web_cache_seconds=0)
    return replace(base, **overrides)


class BotUnderTest:
    """The product's PTB Application, polling the emulation, started and stopped by the test."""

    def __init__(self, settings: Settings, api_base_url: str) -> None:
        self.settings = settings
        self.api_base_url = api_base_url
        self.application: Application | None = None

    async def start(self) -> None:
        """Start the bot as `python -m bot` would (minus the web server)."""
        self.application = build_application(self.settings, self.api_base_url)
        await start_application(self.application, poll_timeout=2)

    async def stop(self) -> None:
        """Stop as on SIGTERM: stop polling, finish updates in flight."""
        if self.application is not None:
            await stop_application(self.application)
            self.application = None

    async def restart(self) -> None:
        """A new process, as after a crash or a deploy: nothing kept in memory."""
        await self.stop()
        await self.start()

    @property
    def stats(self) -> Any:
        assert self.application is not None
        return self.application.bot_data.stats

    async def handled(self, update_id: int, timeout: float = 15.0) -> None:
        """Wait until the bot has finished handling `update_id`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while update_id not in self.stats.last_update_ids:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"update {update_id} was not handled within {timeout}s")
            await asyncio.sleep(0.005)


class Citizen:
    """A test citizen: sends and presses, waits for the bot, returns what the bot showed."""

    def __init__(self, user: EmulatedUserClient, bot: BotUnderTest, emulator: EmulatorClient) -> None:
        self.user = user
        self.bot = bot
        self.emulator = emulator
        self.id = user.id
        self.last_update: SentUpdate | None = None

    async def _do(self, action: Any) -> list[dict[str, Any]]:
        before = {m["message_id"]: m for m in await self.user.bot_messages()}
        self.last_update = sent = await action
        await self.bot.handled(sent.update_id)
        after = await self.user.bot_messages()
        return [m for m in after if m["message_id"] not in before or m != before[m["message_id"]]]

    async def send(self, text: str) -> list[dict[str, Any]]:
        """Send text; return the bot messages that are new or changed."""
        return await self._do(self.user.send(text))

    async def send_formatted(self, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send text with formatting entities (bold, italic, text_link...) as a Telegram client does."""
        return await self._do(self.user.send(text, entities))

    async def press(self, label: str) -> list[dict[str, Any]]:
        """Press a button by (part of) its label; return new or changed bot messages."""
        return await self._do(self.user.press(label))

    async def press_data(self, message_id: int, data: str) -> list[dict[str, Any]]:
        """Press (or forge) a button with this callback_data."""
        return await self._do(self.user.press_data(message_id, data))

    async def send_photo(self, caption: str | None = None) -> list[dict[str, Any]]:
        return await self._do(self.user.send_photo(caption))

    async def send_sticker(self) -> list[dict[str, Any]]:
        return await self._do(self.user.send_sticker())

    async def callback_notice(self) -> dict[str, Any]:
        """How the bot answered the last button press."""
        assert self.last_update and self.last_update.callback_query_id
        return await self.emulator.callback_answer(self.last_update.callback_query_id)

    async def last_text(self) -> str:
        return await self.user.last_text()


def texts(messages: list[dict[str, Any]]) -> str:
    """All visible texts of some messages, joined (for `in` assertions)."""
    return "\n".join(m.get("visible_text") or "" for m in messages)


def labels(messages: list[dict[str, Any]]) -> list[str]:
    """All button labels of some messages."""
    return [b["text"] for m in messages for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


def postgres_url() -> str | None:
    """The PostgreSQL the suite runs against, when TEST_DATABASE_URL says so."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None
