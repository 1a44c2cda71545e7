"""The per-minute message cap through the emulation (the daily initiative cap: tests of submitting)."""

from __future__ import annotations

import pytest

from tests import harness
from tests.harness import STAFF_ID, BotUnderTest, Citizen, texts


@pytest.fixture
async def strict_bot(database_url, emulator_server):
    """The bot with a cap of 5 messages a minute."""
    running = BotUnderTest(harness.test_settings(database_url, max_messages_per_minute=5),
                           str(emulator_server.make_url("/bot")))
    await running.start()
    yield running
    await running.stop()


async def test_too_many_messages_get_one_polite_answer_with_when_to_continue(strict_bot, emulator):
    bob = Citizen(await emulator.user(1002, "Bob", "en"), strict_bot, emulator)
    anna = Citizen(await emulator.user(1001, "Anna", "nl"), strict_bot, emulator)
    for _ in range(5):
        assert await bob.send("/help")
    shown = await bob.send("/help")
    answer = texts(shown)
    assert "You are sending messages faster than I can handle (at most 5 a minute)." in answer
    assert "You can continue in " in answer and "seconds." in answer
    assert await bob.send("/help") == []  # answered once, then quiet until the wait is over
    message_id = (await bob.user.bot_messages())[-1]["message_id"]
    await bob.press_data(message_id, "help")
    notice = await bob.callback_notice()
    assert notice["answered"] and notice["text"].startswith("You are sending messages faster")

    assert "Samen voor Elkaar" in texts(await anna.send("/help"))  # others are not affected
    for _ in range(4):
        await anna.send("/menu")
    assert "Je stuurt sneller berichten dan ik aankan (hoogstens 5 per minuut)." in texts(await anna.send("/menu"))


async def test_staff_are_not_capped(strict_bot, emulator):
    staff = Citizen(await emulator.user(STAFF_ID, "Sam", "en"), strict_bot, emulator)
    for _ in range(8):
        assert "What would you like to do?" in texts(await staff.send("/menu"))
