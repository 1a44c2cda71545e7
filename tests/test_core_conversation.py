"""Conversation basics through the emulation: /start, menu, /help, /language, /cancel, fallbacks."""

from __future__ import annotations

import asyncio

from models.citizen import Citizen as CitizenRow
from tests.harness import labels, texts


async def test_dutch_and_english_users_get_start_in_their_language(citizen):
    anna = await citizen(1001, "Anna", "nl")
    bob = await citizen(1002, "Bob", "en-GB")

    shown = await anna.send("/start")
    assert "Welkom, Anna!" in texts(shown)
    assert "Taal wijzigen" not in texts(shown)
    shown = await bob.send("/start")
    assert "Welcome, Bob!" in texts(shown)

    again = await anna.send("/start")
    assert "Welkom terug, Anna!" in texts(again)
    assert (await CitizenRow.get(telegram_id=1001)).language == "nl"
    assert (await CitizenRow.get(telegram_id=1002)).language == "en"


async def test_unsupported_telegram_language_falls_back_to_default(citizen):
    pierre = await citizen(1003, "Pierre", "fr")
    shown = await pierre.send("/start")
    assert "Welkom, Pierre!" in texts(shown)


async def test_help_lists_commands_in_each_language(citizen):
    anna = await citizen(1001, "Anna", "nl")
    bob = await citizen(1002, "Bob", "en")
    dutch = texts(await anna.send("/help"))
    english = texts(await bob.send("/help"))
    assert "/language — Taal wijzigen" in dutch
    assert "/language — Change the language" in english
    assert "/cancel" in dutch and "/cancel" in english


async def test_language_switch_is_persisted(citizen):
    anna = await citizen(1001, "Anna", "nl")
    shown = await anna.send("/language")
    assert "Kies je taal:" in texts(shown)
    assert labels(shown) == ["✓ Nederlands", "English"]
    shown = await anna.press("English")
    assert "From now on I will talk to you in English." in texts(shown)
    assert (await anna.callback_notice())["answered"] is True
    assert (await CitizenRow.get(telegram_id=1001)).language == "en"
    assert "Welcome back, Anna!" in texts(await anna.send("/start"))


async def test_cancel_without_a_flow_says_so(citizen):
    bob = await citizen(1002, "Bob", "en")
    assert "There is nothing to cancel." in texts(await bob.send("/cancel"))
    anna = await citizen(1001, "Anna", "nl")
    assert "Er is niets om te stoppen." in texts(await anna.send("/cancel"))


async def test_unknown_text_and_unknown_command_get_a_hint_and_the_menu(citizen):
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("hello there <b>&")
    assert "I'm not sure what you mean" in texts(shown)
    assert labels(shown), "the main menu is shown"
    shown = await bob.send("/doesnotexist")
    assert "I don't know that command" in texts(shown)


async def test_stale_and_forged_buttons_are_answered(citizen):
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/start")
    message_id = shown[-1]["message_id"]
    shown = await bob.press_data(message_id, "no-such-feature:1")
    notice = await bob.callback_notice()
    assert notice["answered"] and notice["text"] == "This button is no longer active."
    assert "This button is no longer active." in texts(shown)
    await bob.press_data(message_id, "lang:xx")  # a forged language
    assert (await bob.callback_notice())["answered"]
    assert (await CitizenRow.get(telegram_id=1002)).language == "en"


async def test_sticker_and_photo_outside_a_flow_get_an_answer(citizen):
    bob = await citizen(1002, "Bob", "en")
    assert "I'm not sure what you mean" in texts(await bob.send_sticker())
    assert "I'm not sure what you mean" in texts(await bob.send_photo())


async def test_invalid_deep_link_payload_is_a_plain_start(citizen):
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/start " + "x" * 65)
    assert "Welcome, Bob!" in texts(shown)
    shown = await bob.send("/start bad<payload>")
    assert "Welcome back, Bob!" in texts(shown)


async def test_commands_registered_per_language_and_for_staff(citizen, emulator):
    from tests.harness import STAFF_ID

    registered = await emulator.commands()
    default = {c["command"] for c in registered["default::"]}
    assert {"start", "help", "language", "cancel"} <= default
    assert registered["default::nl"][0]["description"] == "Beginnen en het hoofdmenu tonen"
    assert registered["default::en"][0]["description"] == "Start and show the main menu"
    assert f"chat:{STAFF_ID}:" not in registered  # the staff member never wrote to the bot yet

    staff = await citizen(STAFF_ID, "Sam", "nl")
    await staff.send("/start")
    registered = await emulator.commands()
    staff_commands = {c["command"] for c in registered[f"chat:{STAFF_ID}:"]}
    assert default <= staff_commands


async def test_fifty_users_at_once_each_handled_in_order(citizen, bot):
    users = [await citizen(2000 + n, f"User{n}", "en" if n % 2 else "nl") for n in range(50)]

    async def walk(user):
        sent = [await user.user.send(text) for text in ("/start", "/help", "/language", "/cancel")]
        for update in sent:
            await bot.handled(update.update_id)
        return await user.user.bot_messages()

    results = await asyncio.gather(*(walk(u) for u in users))
    for user, messages in zip(users, results, strict=True):
        english = user.id % 2 == 1
        expected = (["Welcome, ", "Samen voor Elkaar", "Choose your language:", "There is nothing to cancel."]
                    if english else
                    ["Welkom, ", "Samen voor Elkaar", "Kies je taal:", "Er is niets om te stoppen."])
        assert len(messages) == 4
        for message, start in zip(messages, expected, strict=True):
            assert start in message["visible_text"]


async def test_a_restart_between_two_steps_of_a_flow_loses_nothing(citizen, bot):
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/profile")  # registration: step 1 of 5
    await bob.send("Bob B.")
    await bot.restart()  # a new process: nothing kept in memory
    shown = await bob.send("Zwolle")  # the answer to step 2 reaches the new process
    assert "Step 3 of 5" in texts(shown)
    await bot.restart()
    await bob.press("Resident")
    await bob.press("Skip")
    await bob.press("I agree")
    saved = await CitizenRow.get(telegram_id=1002).prefetch_related("municipality")
    assert saved.public_name == "Bob B." and saved.municipality.name == "Zwolle"
    assert saved.registered_at is not None
