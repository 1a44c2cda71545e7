"""The idea wizard through the emulation: registration on the way, every step, Back/Skip/edit, compare, submit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.citizen import Citizen as CitizenRow
from models.initiative import Initiative, Status
from models.region import Municipality, Theme
from tests import harness
from tests.harness import BotUnderTest, labels, texts

TITLE = 'Garden <b>"Oost"</b> & more 🌻'
DESCRIPTION = "We turn the empty lot on the Parkweg into a garden where neighbours grow vegetables <together> & 🥕."


async def registered(telegram_id: int, name: str, language: str, municipality: str = "Deventer") -> CitizenRow:
    """A citizen who has a profile already (registration has its own tests)."""
    place = await Municipality.get(name=municipality)
    now = datetime.now(UTC)
    return await CitizenRow.create(telegram_id=telegram_id, first_name=name, language=language, public_name=name,
                                   municipality=place, consent_at=now, registered_at=now)


async def published(title: str, description: str, municipality: str = "Enschede", members: int = 0) -> Initiative:
    now = datetime.now(UTC)
    return await Initiative.create(title=title, description=description, status=Status.PUBLISHED,
                                   municipality=await Municipality.get(name=municipality), help_needed=["volunteers"],
                                   theme=await Theme.get(slug="nature"), published_at=now, submitted_at=now,
                                   members_count=members)


async def draft_of(telegram_id: int) -> Initiative:
    citizen = await CitizenRow.get(telegram_id=telegram_id)
    return await Initiative.filter(initiator_id=citizen.id).order_by("-id").first().prefetch_related(
        "theme", "municipality")


async def test_english_citizen_from_start_through_registration_and_wizard(citizen):
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    shown = await bob.press("New idea")
    assert "First a short profile" in texts(shown)
    await bob.press("Use “Bob”")
    await bob.send("Zwolle")
    await bob.press("Resident")
    await bob.press("Skip")
    shown = await bob.press("I agree")
    assert (await bob.callback_notice())["text"] == "Thanks, Bob! Your profile is ready."
    assert "Let's work out your idea together" in texts(shown) and "Step 1 of 8" in texts(shown)
    assert "What is your idea called?" in await bob.last_text()

    shown = await bob.send(TITLE)
    assert "Step 2 of 8" in texts(shown) and "Which theme" in texts(shown)
    assert "💡" in texts(shown)  # a tip
    shown = await bob.press("Green spaces and nature")
    assert "Step 3 of 8" in texts(shown)
    assert "✓ Zwolle" in labels(shown)  # the profile's municipality, first
    shown = await bob.press("✓ Zwolle")
    assert "Step 4 of 8" in texts(shown)
    shown = await bob.send(DESCRIPTION)
    assert "Step 5 of 8" in texts(shown) and "Skip ›" in labels(shown)
    shown = await bob.send("Children <10> & their parents")
    assert "Step 6 of 8" in texts(shown)
    await bob.press("Volunteers")
    shown = await bob.press("Materials")
    assert "✓ 🙋 Volunteers" in labels(shown) and "✓ 🧰 Materials" in labels(shown)
    shown = await bob.press("Done")
    assert "Step 7 of 8" in texts(shown)
    shown = await bob.send("2,500.50")
    assert "Step 8 of 8" in texts(shown)
    shown = await bob.send_photo()
    assert "ready to submit?" in texts(shown)  # no similar initiatives: the compare step is skipped
    summary = texts(shown)
    for expected in (f"Title: {TITLE}", "Theme: Green spaces and nature", "Municipality: Zwolle",
                     f"Description: {DESCRIPTION}", "For whom: Children <10> & their parents",
                     "Help needed: Volunteers, Materials", "Budget: €2,500.50", "Photo: added"):
        assert expected in summary
    shown = await bob.press("Submit")
    assert "is submitted" in texts(shown) and TITLE in texts(shown)

    row = await draft_of(1002)
    bob_row = await CitizenRow.get(telegram_id=1002)
    assert row.title == TITLE
    assert row.description == DESCRIPTION
    assert row.audience == "Children <10> & their parents"
    assert row.help_needed == ["volunteers", "materials"]
    assert row.budget_cents == 250050
    assert row.photo_file_id and row.photo_file_id.startswith("userphoto-")
    assert row.theme.slug == "nature"
    assert row.municipality.name == "Zwolle"
    assert row.initiator_id == bob_row.id and row.initiator_name == "Bob"
    assert row.status == Status.SUBMITTED and row.submitted_at is not None and row.published_at is None
    conversation = await bob.send("hello")  # the wizard is over: text is unexpected again
    assert "I'm not sure what you mean" in texts(conversation)


@pytest.fixture
async def publishing_bot(database_url, emulator_server):
    """The bot with moderation switched off (PUBLISH_IMMEDIATELY)."""
    running = BotUnderTest(harness.test_settings(database_url, publish_immediately=True),
                           str(emulator_server.make_url("/bot")))
    await running.start()
    yield running
    await running.stop()


async def test_back_skip_keep_and_edit_from_summary_then_published_at_once(publishing_bot, emulator):
    from tests.harness import Citizen

    await registered(1003, "Carla", "en", "Kampen")
    carla = Citizen(await emulator.user(1003, "Carla", "en"), publishing_bot, emulator)
    await carla.send("/idea")
    await carla.send("Repair café")
    await carla.press("Meeting and living together")
    shown = await carla.press("Back")
    assert "Step 2 of 8" in texts(shown) and "✓ Meeting and living together" in labels(shown)
    shown = await carla.press("Back")
    assert "Step 1 of 8" in texts(shown) and "Now: Repair café" in texts(shown)
    shown = await carla.press("Keep")
    assert "Step 2 of 8" in texts(shown)
    await carla.press("Meeting and living together")
    shown = await carla.send("kampen")
    assert "Step 4 of 8" in texts(shown)
    await carla.send("Once a month volunteers repair broken things together with their owners.")
    shown = await carla.press("Skip")
    assert "Step 6 of 8" in texts(shown)
    await carla.press("Knowledge")
    await carla.press("Done")
    shown = await carla.press("Skip")
    assert "Step 8 of 8" in texts(shown)
    shown = await carla.press("Back")
    assert "Step 7 of 8" in texts(shown)
    await carla.press("Skip")
    shown = await carla.press("Skip")
    assert "ready to submit?" in texts(shown)
    assert "For whom: —" in texts(shown) and "Budget: —" in texts(shown) and "Photo: —" in texts(shown)

    shown = await carla.press("✏️ Title")
    assert "What is your idea called?" in texts(shown) and "‹ Back" in labels(shown)
    shown = await carla.send("Repair café Kampen")
    assert "ready to submit?" in texts(shown) and "Title: Repair café Kampen" in texts(shown)
    await carla.press("✏️ Budget")
    shown = await carla.send("€ 2.500")
    assert "Budget: €2,500" in texts(shown)
    await carla.press("✏️ Help needed")
    await carla.press("Money")
    shown = await carla.press("Done")
    assert "Help needed: Money, Knowledge or advice" in texts(shown)
    await carla.press("✏️ For whom")
    shown = await carla.press("Back")
    assert "ready to submit?" in texts(shown)
    shown = await carla.press("Submit")
    assert "is published!" in texts(shown)
    assert "https://t.me/SamenVoorElkaarBot?start=initiative-" in texts(shown)

    row = await draft_of(1003)
    assert row.title == "Repair café Kampen" and row.budget_cents == 250000 and row.audience is None
    assert row.help_needed == ["money", "knowledge"] and row.photo_file_id is None
    assert row.municipality.name == "Kampen" and row.theme.slug == "together"
    assert row.status == Status.PUBLISHED and row.published_at is not None
