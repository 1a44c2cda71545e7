"""Professionals: coaching themes, the daily digest, offering to coach, the initiator's answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from models.citizen import Citizen as CitizenRow
from models.citizen import Role, ThemePreference
from models.delivery import OutboxKind, OutboxMessage
from models.initiative import CoachingOffer, Status
from tests import harness
from tests.harness import BotUnderTest, Citizen, labels, texts
from tests.joining_seed import bot_texts, initiative, profile, wait_for_message


@pytest.fixture
async def bot(database_url, emulator_server):
    """The bot with the digest job looking for work every 50 ms (the day itself stays a day)."""
    running = BotUnderTest(harness.test_settings(database_url, digest_check_seconds=0.05),
                           str(emulator_server.make_url("/bot")))
    await running.start()
    yield running
    await running.stop()


async def professional(bot, emulator, telegram_id: int, name: str, language: str, organisation: str,
                       username: str | None = None) -> Citizen:
    await profile(telegram_id, name, language, role=Role.PROFESSIONAL, organisation=organisation,
                  email=f"{name.lower()}@example.nl")
    return Citizen(await emulator.user(telegram_id, name, language, username), bot, emulator)


async def coaching_digests() -> list[OutboxMessage]:
    return [m for m in await OutboxMessage.filter(kind=OutboxKind.DIGEST) if "coaching_digest" in m.audience]


async def test_professionals_choose_coaching_themes_others_are_told_what_it_is(bot, emulator, citizen):
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/coaching")
    assert "Coaching is for professionals" in texts(shown)
    dave = await citizen(1004, "Dave", "en")  # no profile at all
    assert "Coaching is for professionals" in texts(await dave.send("/coaching"))

    petra = await professional(bot, emulator, 1001, "Petra", "nl", "Stichting Groen")
    shown = await petra.send("/coaching")
    assert "Kies de thema's waarin je initiatieven kunt coachen." in texts(shown)
    assert "▫️ Groen en natuur" in labels(shown)
    shown = await petra.press("Groen en natuur")
    assert "✅ Groen en natuur" in labels(shown)
    assert (await petra.callback_notice())["text"] == "Thema gevolgd."
    await petra.press("Zorg en welzijn")
    shown = await petra.press("Zorg en welzijn")
    assert "▫️ Zorg en welzijn" in labels(shown)
    themes = await ThemePreference.filter(citizen__telegram_id=1001, kind="coaching").values_list(
        "theme__slug", flat=True)
    assert themes == ["nature"]
    assert (await CitizenRow.get(telegram_id=1001)).coaching_digest_at is not None

    await petra.press_data(shown[-1]["message_id"], "coach:t:999999")
    assert (await petra.callback_notice())["text"] == "Deze knop werkt niet meer."
    bob_message = (await bob.user.bot_messages())[-1]["message_id"]
    await bob.press_data(bob_message, "coach:t:1")  # a resident forging the toggle
    assert not await ThemePreference.filter(citizen__telegram_id=1002).exists()


async def test_daily_digest_lists_new_initiatives_that_ask_for_knowledge(bot, emulator):
    petra = await professional(bot, emulator, 1001, "Petra", "nl", "Stichting Groen")
    await petra.send("/coaching")
    await petra.press("Groen en natuur")
    await CitizenRow.filter(telegram_id=1001).update(coaching_digest_at=datetime.now(UTC) - timedelta(days=2))
    anna = await profile(5001, "Anna", "nl")
    petra_row = await CitizenRow.get(telegram_id=1001)
    await initiative("Moestuin met <kennis>", anna, help_needed=["volunteers", "knowledge"],
                     municipality="GM0193")
    await initiative("Alleen handen", anna, help_needed=["volunteers"])
    await initiative("Zorgproject", anna, theme="care", help_needed=["knowledge"])
    await initiative("Van vorige week", anna, help_needed=["knowledge"], published_ago=timedelta(days=3))
    await initiative("Van Petra zelf", petra_row, help_needed=["knowledge"])
    await initiative("Nog in moderatie", anna, help_needed=["knowledge"], status=Status.SUBMITTED)

    digest = await wait_for_message(petra, "Nieuwe initiatieven in jouw thema's")
    text = digest["visible_text"]
    assert "• Moestuin met <kennis> — Groen en natuur, Zwolle" in text
    for other in ("Alleen handen", "Zorgproject", "Van vorige week", "Van Petra zelf", "Nog in moderatie"):
        assert other not in text
    assert "Je thema's wijzig je met /coaching." in text
    assert len(await coaching_digests()) == 1

    await initiative("Nog een kennisvraag", anna, help_needed=["knowledge"], published_ago=timedelta(0))
    await asyncio.sleep(0.3)  # several rounds of the job
    assert len(await coaching_digests()) == 1, "at most one digest a day"
    assert sum("Nieuwe initiatieven" in text for text in await bot_texts(petra)) == 1


async def test_offer_to_coach_then_accept_and_decline(bot, emulator, citizen):
    anna_row = await profile(5001, "Anna", "en")
    garden = await initiative("Green roof", anna_row, help_needed=["knowledge"])
    anna = await citizen(5001, "Anna", "en")
    await anna.send("/start")
    petra = await professional(bot, emulator, 1001, "Petra", "nl", "Stichting <Groen>", username="petra_pro")
    paul = await professional(bot, emulator, 1003, "Paul", "en", "Green Works")

    shown = await petra.send(f"/start initiative-{garden.id}")
    assert "🎓 Coaching aanbieden" in labels(shown)
    shown = await petra.press("Coaching aanbieden")
    assert "Aanbieden om “Green roof” te coachen?" in texts(shown)
    shown = await petra.press("Ja, bied coaching aan")
    assert "Dank je! De initiatiefnemer hoort van je aanbod" in texts(shown)
    assert "🎓 Coaching aanbieden" not in labels(shown)
    offer = await CoachingOffer.get(initiative_id=garden.id, professional__telegram_id=1001)
    assert offer.status == "offered" and offer.contact_username == "petra_pro"
    notice = await wait_for_message(anna, "offers to coach your initiative")
    assert "Petra (Stichting <Groen>) offers to coach your initiative “Green roof”." in notice["visible_text"]

    await paul.send(f"/start initiative-{garden.id}")
    await paul.press("Offer to coach")
    await paul.press("Yes, offer to coach")
    shown = await paul.press_data((await paul.user.bot_messages())[-1]["message_id"], f"coach:{garden.id}:yes")
    assert "You already offered to coach this initiative." in texts(shown)
    assert await CoachingOffer.filter(initiative_id=garden.id).count() == 2

    shown = await anna.send(f"/start initiative-{garden.id}")
    shown = await anna.press("Coaching offers (2)")
    listing = texts(shown)
    assert "Petra (Stichting <Groen>) — waiting for your answer" in listing
    assert "Contact: @petra_pro · petra@example.nl" in listing
    shown = await anna.press("Accept Petra")
    assert "Accepted: Petra will hear it." in texts(shown)
    assert "Petra (Stichting <Groen>) — accepted" in texts(shown)
    await wait_for_message(petra, "heeft je aanbod om “Green roof” te coachen geaccepteerd")
    shown = await anna.press("Decline")
    assert "Paul (Green Works) — declined" in texts(shown)
    await wait_for_message(paul, "Anna declined your offer to coach “Green roof”.")
    statuses = dict(await CoachingOffer.filter(initiative_id=garden.id).values_list("professional__first_name",
                                                                                     "status"))
    assert statuses == {"Petra": "accepted", "Paul": "declined"}

    card = await anna.press("Back to the initiative")
    assert "🎓 Coaching offers" in labels(card), "answered offers stay reachable from the card"
    shown = await anna.press("Coaching offers")
    offer_id = offer.id
    await paul.press_data((await paul.user.bot_messages())[-1]["message_id"], f"coach:d:{offer_id}")
    refused = (await paul.callback_notice())["text"]
    assert refused == "Only the initiator of an initiative can answer its coaching offers."
    await anna.press_data(shown[-1]["message_id"], f"coach:d:{offer_id}")
    assert (await anna.callback_notice())["text"] == "You already answered this offer."
    assert (await CoachingOffer.get(id=offer_id)).status == "accepted"


async def test_residents_and_initiators_cannot_offer_coaching(bot, emulator, citizen):
    anna_row = await profile(5001, "Anna", "en")
    garden = await initiative("Green roof", anna_row, help_needed=["knowledge"])
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send(f"/start initiative-{garden.id}")
    assert not any("coach" in label for label in labels(shown))
    await bob.press_data(shown[-1]["message_id"], f"coach:{garden.id}:yes")
    assert (await bob.callback_notice())["text"] == "Coaching is for professionals."

    await CitizenRow.filter(telegram_id=5001).update(role=Role.PROFESSIONAL, organisation="Roofs Inc")
    anna = await citizen(5001, "Anna", "en")
    shown = await anna.send(f"/start initiative-{garden.id}")
    assert not any("Offer to coach" in label for label in labels(shown))
    await anna.press_data(shown[-1]["message_id"], f"coach:{garden.id}:yes")
    assert (await anna.callback_notice())["text"] == "You cannot coach your own initiative."
    await anna.press_data(shown[-1]["message_id"], "coach:abc")
    assert (await anna.callback_notice())["answered"]
    assert await CoachingOffer.all().count() == 0
