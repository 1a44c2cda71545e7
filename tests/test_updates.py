"""Initiators' updates: delivered to members and followers in their language, stored, once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ConfigError, load_settings
from models.delivery import Delivery, OutboxKind, OutboxMessage
from models.initiative import InitiativeUpdate, Membership, MembershipKind
from tests.harness import labels, texts
from tests.joining_seed import bot_texts, initiative, profile, wait_for_message


@pytest.fixture
async def garden(bot):
    """Anna's published initiative with a Dutch member, an English follower and a bystander."""
    anna = await profile(5001, "Anna", "nl")
    garden = await initiative("Buurtmoestuin <Oost>", anna)
    carla = await profile(1001, "Carla", "nl")
    await Membership.create(initiative=garden, citizen=carla, kind=MembershipKind.JOIN)
    bob = await profile(1002, "Bob", "en")
    await Membership.create(initiative=garden, citizen=bob, kind=MembershipKind.FOLLOW)
    garden.members_count, garden.followers_count = 1, 1
    await garden.save()
    return garden


async def people(citizen):
    anna, carla, bob, dave = (await citizen(5001, "Anna", "nl"), await citizen(1001, "Carla", "nl"),
                              await citizen(1002, "Bob", "en"), await citizen(1004, "Dave", "en"))
    for person in (carla, bob, dave):
        await person.send("/start")  # they have talked to the bot before, so it may write to them
    return anna, carla, bob, dave


async def test_update_reaches_members_and_followers_in_their_language(citizen, garden):
    anna, carla, bob, dave = await people(citizen)
    await anna.send(f"/start initiative-{garden.id}")
    shown = await anna.press("Nieuws plaatsen")
    assert "Je nieuws voor “Buurtmoestuin <Oost>”" in texts(shown)
    assert "Het gaat naar 2 deelnemers en volgers." in texts(shown)
    shown = await anna.send("Zaterdag <b>planten</b> we & zaaien we 🌱\nTot dan!")
    preview = texts(shown)
    assert "Voorbeeld" in preview and "Zaterdag <b>planten</b> we & zaaien we 🌱" in preview
    assert "Dit naar 2 mensen sturen?" in preview
    shown = await anna.press("Versturen")
    assert "Je nieuws is onderweg naar 2 mensen." in texts(shown)
    assert "📣 Laatste nieuws (" in texts(shown) and "): Zaterdag <b>planten</b>" in texts(shown)

    dutch = await wait_for_message(carla, "Nieuws van Buurtmoestuin <Oost>")
    assert "Zaterdag <b>planten</b> we & zaaien we 🌱\nTot dan!" in dutch["visible_text"]
    assert "— Anna" in dutch["visible_text"]
    assert "Je krijgt dit omdat je meedoet met dit initiatief of het volgt." in dutch["visible_text"]
    english = await wait_for_message(bob, "News from Buurtmoestuin <Oost>")
    assert "Zaterdag <b>planten</b> we" in english["visible_text"]
    assert "You get this because you joined or follow this initiative." in english["visible_text"]
    assert not any("Zaterdag" in text for text in await bot_texts(dave))
    assert not any("Nieuws van" in text for text in await bot_texts(anna)), "the author gets no copy"

    stored = await InitiativeUpdate.get(initiative_id=garden.id)
    assert stored.text == "Zaterdag <b>planten</b> we & zaaien we 🌱\nTot dan!" and stored.photo_file_id is None
    assert f'start=report-u-{stored.id}">Melden</a>' in dutch["text"], "recipients can report the update"
    assert f'start=report-u-{stored.id}">Report</a>' in english["text"]
    message = await OutboxMessage.get(kind=OutboxKind.UPDATE)
    assert await Delivery.filter(message_id=message.id).count() == 2


async def test_second_update_the_same_day_is_refused_with_when(citizen, garden):
    anna, *_others = await people(citizen)
    await InitiativeUpdate.create(initiative=garden, author_id=garden.initiator_id, text="earlier today")
    shown = await anna.send(f"/start initiative-{garden.id}")
    shown = await anna.press("Nieuws plaatsen")
    refusal = texts(shown)
    assert "Elk initiatief kan één nieuwsbericht per dag sturen" in refusal
    assert "over 24 uur" in refusal or "over 23 uur" in refusal
    assert await InitiativeUpdate.filter(initiative_id=garden.id).count() == 1

    await InitiativeUpdate.filter(initiative_id=garden.id).update(
        created_at=datetime.now(UTC) - timedelta(hours=20, minutes=30))
    await anna.press("Terug naar het initiatief")
    shown = await anna.press("Nieuws plaatsen")
    assert "over 3 uur" in texts(shown) or "over 4 uur" in texts(shown)

    await InitiativeUpdate.filter(initiative_id=garden.id).update(created_at=datetime.now(UTC) - timedelta(days=1))
    await anna.press("Terug naar het initiatief")
    shown = await anna.press("Nieuws plaatsen")
    assert "Je nieuws voor" in texts(shown)


async def test_limit_is_checked_again_when_sending(citizen, garden):
    anna, *_others = await people(citizen)
    await anna.send(f"/start initiative-{garden.id}")
    await anna.press("Nieuws plaatsen")
    await anna.send("Eerste bericht")
    await InitiativeUpdate.create(initiative=garden, author_id=garden.initiator_id, text="from another device")
    shown = await anna.press("Versturen")
    assert "Elk initiatief kan één nieuwsbericht per dag sturen" in texts(shown)
    assert await InitiativeUpdate.filter(initiative_id=garden.id).count() == 1
    assert not await OutboxMessage.exists(kind=OutboxKind.UPDATE)


async def test_photo_update_in_english(citizen, bot):
    anna_row = await profile(5001, "Anna", "en")
    garden = await initiative("Green roof", anna_row)
    bob_row = await profile(1002, "Bob", "en")
    await Membership.create(initiative=garden, citizen=bob_row, kind=MembershipKind.JOIN)
    anna, bob = await citizen(5001, "Anna", "en"), await citizen(1002, "Bob", "en")
    await bob.send("/start")
    await anna.send(f"/start initiative-{garden.id}")
    await anna.press("Post an update")
    shown = await anna.send_photo()
    assert "A photo needs a caption" in texts(shown)
    shown = await anna.send_photo("x" * 701)
    assert "at most 700 characters, yours has 701" in texts(shown)
    shown = await anna.send_photo("The roof is <green> now!")
    assert "with your photo" in texts(shown) and "Send this to 1 person?" in texts(shown)
    shown = await anna.press("Send")
    assert "Your update is on its way to 1 person." in texts(shown)

    received = await wait_for_message(bob, "The roof is <green> now!")
    assert received["photo"], "the photo is sent with the text as its caption"
    stored = await InitiativeUpdate.get(initiative_id=garden.id)
    assert stored.photo_file_id and stored.text == "The roof is <green> now!"


async def test_bad_update_texts(citizen, garden):
    anna, *_others = await people(citizen)
    await anna.send(f"/start initiative-{garden.id}")
    await anna.press("Nieuws plaatsen")
    shown = await anna.send("x" * 3001)
    assert "hoogstens 3000 tekens, de jouwe heeft er 3001" in texts(shown)
    shown = await anna.send_sticker()
    assert "Stuur de tekst van je nieuws, of een foto met een bijschrift." in texts(shown)
    shown = await anna.send("Goed bericht")
    shown = await anna.press("Wijzigen")
    assert "Je nieuws voor" in texts(shown)
    await anna.send("Beter bericht")
    shown = await anna.press("Annuleren")
    assert "Buurtmoestuin" in texts(shown)
    assert await InitiativeUpdate.all().count() == 0


async def test_only_the_initiator_may_post(citizen, garden):
    anna, carla, _bob, _dave = await people(citizen)
    other = await initiative("Iets anders", await profile(5002, "Eva", "nl"))
    shown = await carla.send(f"/start initiative-{garden.id}")
    assert "📣 Nieuws plaatsen" not in labels(shown)
    card_id = shown[-1]["message_id"]
    shown = await carla.press_data(card_id, f"upd:{garden.id}")
    assert "Alleen de initiatiefnemer van een initiatief kan er nieuws over plaatsen." in texts(shown)
    shown = await anna.send(f"/start initiative-{garden.id}")
    shown = await anna.press_data(shown[-1]["message_id"], f"upd:{other.id}")
    assert "Alleen de initiatiefnemer" in texts(shown)
    await anna.press_data(shown[-1]["message_id"], "upd:999999")
    assert "bestaat niet" in await anna.last_text()
    await anna.press_data(shown[-1]["message_id"], f"upd:{other.id}:send")  # not writing one
    assert (await anna.callback_notice())["text"] == "Deze knop werkt niet meer."
    assert await InitiativeUpdate.all().count() == 0


async def test_interval_is_configurable():
    assert load_settings({"UPDATE_INTERVAL_SECONDS": "3600"}, env_file=None).update_interval_seconds == 3600
    assert load_settings({}, env_file=None).update_interval_seconds == 86400
    assert load_settings({"JOIN_DIGEST_SECONDS": "60"}, env_file=None).join_digest_seconds == 60
    for bad in ("-5", "one day", "1.5"):
        with pytest.raises(ConfigError, match="UPDATE_INTERVAL_SECONDS"):
            load_settings({"UPDATE_INTERVAL_SECONDS": bad}, env_file=None)


def test_longest_update_fits_a_caption_and_a_message():
    from bot.config import Settings
    from bot.i18n import use_locale
    from bot.services.initiative_updates import MAX_TEXT, MAX_TEXT_WITH_PHOTO
    from bot.telegram_html import MAX_CAPTION, parse_html
    from handlers.updates import render

    class Context:  # what render() reads of a BotContext
        settings = Settings()

    for language in ("nl", "en"):
        with use_locale(language):
            caption = render(Context(), "T" * 100, 123456, "<" * MAX_TEXT_WITH_PHOTO, "A" * 64, 987654321)
            message = render(Context(), "T" * 100, 123456, "&" * MAX_TEXT, "A" * 64, 987654321)
        assert len(parse_html(caption)) <= MAX_CAPTION
        assert len(parse_html(message)) <= 4096


async def test_update_without_audience_is_stored_for_the_website(citizen, bot):
    anna_row = await profile(5001, "Anna", "en")
    roof = await initiative("Green roof", anna_row)
    anna = await citizen(5001, "Anna", "en")
    await anna.send(f"/start initiative-{roof.id}")
    shown = await anna.press("Post an update")
    assert "It goes to 0 members and followers." in texts(shown)
    await anna.send("We started!")
    shown = await anna.press("Send")
    assert "Your update is stored and shown on the website." in texts(shown)
    assert (await InitiativeUpdate.get(initiative_id=roof.id)).text == "We started!"
    assert not await OutboxMessage.exists(kind=OutboxKind.UPDATE)
