"""The delivery engine against the emulation with Telegram's flood limits switched on.

Recipients are seeded directly (emulated users created in bulk, Citizen rows with bulk_create) so
that thousands of them cost little; the messages are queued with the outbox's `enqueue`, as the
announcement and update features do, and delivered by the real sender of the real bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.emulator.client import EmulatorClient
from bot.emulator.state import World
from bot.services import outbox
from models.citizen import Citizen as CitizenRow
from models.delivery import Delivery, DeliveryStatus, OutboxKind
from tests.harness import BotUnderTest
from tests.harness import test_settings as settings_for

FIRST_ID = 500_000


@pytest.fixture
async def start_bot(database_url: str, emulator_server: Any) -> AsyncIterator[Callable[..., Awaitable[BotUnderTest]]]:
    """Start the real bot with delivery settings of the test's choosing: `await start_bot(delivery_rate=...)`."""
    running: list[BotUnderTest] = []

    async def start(**overrides: Any) -> BotUnderTest:
        bot = BotUnderTest(settings_for(database_url, **overrides), str(emulator_server.make_url("/bot")))
        await bot.start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


async def seed_recipients(emulator: EmulatorClient, count: int, first_id: int = FIRST_ID,
                          language: str = "nl") -> list[int]:
    """`count` emulated users who started the bot, each with a Citizen row; return the citizen ids."""
    await emulator._call("POST", "/users/bulk", {"first_id": first_id, "count": count, "language_code": language})
    await CitizenRow.bulk_create([CitizenRow(telegram_id=first_id + n, first_name=f"User{n}", language=language)
                                  for n in range(count)], batch_size=500)
    return list(await CitizenRow.filter(telegram_id__gte=first_id, telegram_id__lt=first_id + count)
                .order_by("telegram_id").values_list("id", flat=True))


def copies(world: World, telegram_id: int, text: str) -> int:
    """How many messages with `text` the user got from the bot."""
    chat = world.chats[telegram_id]
    return sum(1 for m in chat.messages.values() if m.from_bot and not m.deleted and m.visible_text == text)


async def delivered(message_id: int, timeout: float = 60.0) -> outbox.Progress:
    """Wait until the sender finished an outbox message; return its final counts."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        progress = await outbox.progress(message_id)
        assert progress is not None
        if progress.finished:
            return progress
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"outbox message {message_id} not delivered in {timeout}s: {progress}")
        await asyncio.sleep(0.05)


async def test_two_thousand_recipients_100_blocked_each_reachable_one_gets_one_copy(
        start_bot, emulator, world):
    await emulator.set_limits(enabled=True, global_per_second=1000, per_chat_per_second=1, per_chat_burst=3)
    citizen_ids = await seed_recipients(emulator, 2000)
    blocked = {FIRST_ID + n for n in range(0, 2000, 20)}  # 100 users who blocked the bot meanwhile
    for telegram_id in blocked:
        world.users[telegram_id].blocked_bot = True
    bot = await start_bot(delivery_rate=1000)

    message_id = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, dict.fromkeys(citizen_ids, "<b>Hello</b> everyone"))
    progress = await delivered(message_id)

    assert (progress.sent, progress.blocked, progress.failed, progress.pending) == (1900, 100, 0, 0)
    for n in range(2000):
        assert copies(world, FIRST_ID + n, "Hello everyone") == (0 if FIRST_ID + n in blocked else 1)
    assert (await emulator.stats())["too_many_requests"] == 0
    assert await CitizenRow.filter(reachable=False).count() == 100
    assert set(await CitizenRow.filter(reachable=False).values_list("telegram_id", flat=True)) == blocked
    assert bot.application.bot_data.sender.stats.blocked == 100

    second = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, dict.fromkeys(citizen_ids, "Second"))
    assert await Delivery.filter(message_id=second).count() == 1900  # the blocked ones are skipped
    assert not await Delivery.filter(message_id=second, citizen__telegram_id__in=blocked).exists()
