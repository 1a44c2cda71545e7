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


async def test_dutch_citizen_registers_on_the_way_and_submits(citizen):
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/start")
    shown = await anna.press("Nieuw idee")
    assert "Eerst een kort profiel" in texts(shown) and "Stap 1 van 5" in texts(shown)
    await anna.send("Anna de Vries")
    shown = await anna.send("Enschde")
    assert "📍 Enschede" in texts(shown)
    await anna.press("Bewoner")
    await anna.send("anna@example.nl")
    shown = await anna.press("Ik ga akkoord")
    assert "Laten we je idee samen uitwerken" in texts(shown) and "Stap 1 van 8" in texts(shown)
    assert "Hoe heet je idee?" in texts(shown) and "💡 Kort en concreet" in texts(shown)

    await anna.send("Moestuin voor de buurt")
    shown = await anna.press("Groen en natuur")
    assert "Stap 3 van 8" in texts(shown) and "✓ Enschede" in labels(shown)
    shown = await anna.send("hengelo")
    assert "Stap 4 van 8" in texts(shown)
    await anna.send("We maken van het lege veldje aan de Parkweg een tuin waar buren samen groenten kweken.")
    await anna.send("Iedereen in de wijk")
    await anna.press("Vrijwilligers")
    await anna.press("Een plek")
    shown = await anna.press("Klaar")
    assert "Stap 7 van 8" in texts(shown) and "Overslaan ›" in labels(shown)
    shown = await anna.send("€ 2.500")
    assert "Stap 8 van 8" in texts(shown)
    shown = await anna.press("Overslaan")
    summary = texts(shown)
    assert "Je idee — klaar om in te dienen?" in summary
    for expected in ("Titel: Moestuin voor de buurt", "Thema: Groen en natuur", "Gemeente: Hengelo",
                     "Voor wie: Iedereen in de wijk", "Hulp nodig: Vrijwilligers, Een plek", "Begroting: €\xa02.500",
                     "Foto: —"):
        assert expected in summary
    shown = await anna.press("Mijn idee indienen")
    assert "is ingediend" in texts(shown)

    row = await draft_of(1001)
    assert (row.title, row.theme.slug, row.municipality.name) == ("Moestuin voor de buurt", "nature", "Hengelo")
    assert row.description == "We maken van het lege veldje aan de Parkweg een tuin waar buren samen groenten kweken."
    assert row.audience == "Iedereen in de wijk"
    assert row.help_needed == ["volunteers", "place"]
    assert row.budget_cents == 250000 and row.photo_file_id is None
    assert row.status == Status.SUBMITTED and row.initiator_name == "Anna de Vries"
    profile = await CitizenRow.get(telegram_id=1001).prefetch_related("municipality")
    assert profile.municipality.name == "Enschede" and profile.email == "anna@example.nl"


async def walk_to_photo(person, title: str, description: str) -> None:
    await person.send("/idea")
    await person.send(title)
    await person.press("Green spaces and nature")
    await person.press("✓ ")
    await person.send(description)
    await person.press("Skip")
    await person.press("Volunteers")
    await person.press("Done")
    await person.press("Skip")


async def test_similar_initiatives_join_instead_or_mine_is_different(citizen):
    garden = await published("MOESTÚIN in de wijk", "Een gezamenlijke moestuin waar buren groenten kweken.",
                             members=4)
    also = await published("Buurtmoestuin De Groene Vingers", "Bewoners telen samen groenten in een moestuin.")
    await published("Repair café", "Elke maand repareren vrijwilligers kapotte spullen.")
    hidden = await published("Moestuin verborgen", "Een moestuin met groenten.")
    hidden.hidden = True
    await hidden.save()
    await registered(1004, "Dirk", "en")
    dirk = await citizen(1004, "Dirk", "en")
    await walk_to_photo(dirk, "Moestuin voor de buurt",
                        "We willen een gezamenlijke moestuin aanleggen waar buren samen groenten kweken.")
    shown = await dirk.press("Skip")
    compare = texts(shown)
    assert "these initiatives look like yours" in compare
    assert "MOESTÚIN in de wijk — Enschede · 👥 4" in compare and "Buurtmoestuin" in compare
    assert "Repair café" not in compare and "verborgen" not in compare
    assert compare.index("MOESTÚIN") < compare.index("Buurtmoestuin")
    assert labels(shown)[:2] == ["🤝 Join 1 instead", "🤝 Join 2 instead"]
    assert "✏️ Mine is different" in labels(shown)

    shown = await dirk.press("Join 1 instead")
    assert (await dirk.callback_notice())["text"] == "Your draft is kept: continue it any time with 💡 New idea."
    assert "How would you like to help?" in texts(shown)  # the join flow of that initiative
    assert str(garden.id) in (await dirk.user.bot_messages())[-1]["reply_markup"]["inline_keyboard"][0][0][
        "callback_data"]
    draft = await draft_of(1004)
    assert draft.status == Status.DRAFT and draft.title == "Moestuin voor de buurt"

    await dirk.send("/cancel")
    shown = await dirk.send("/idea")
    assert "You have a draft idea: “Moestuin voor de buurt”" in texts(shown)
    shown = await dirk.press("Continue my draft")
    assert "these initiatives look like yours" in texts(shown)
    shown = await dirk.press("Mine is different")
    assert "ready to submit?" in texts(shown)
    await dirk.press("Submit")
    assert (await draft_of(1004)).status == Status.SUBMITTED
    assert also.id != garden.id


async def test_no_similar_initiatives_skips_the_compare_step(citizen):
    await published("Repair café", "Elke maand repareren vrijwilligers kapotte spullen samen met bewoners.")
    await registered(1005, "Eva", "en")
    eva = await citizen(1005, "Eva", "en")
    await walk_to_photo(eva, "Speeltuin opknappen", "De speeltuin in onze straat is versleten en moet opgeknapt.")
    shown = await eva.press("Skip")
    assert "ready to submit?" in texts(shown) and "look like yours" not in texts(shown)


async def test_the_draft_survives_a_restart_and_cancel_and_is_gone_when_discarded(citizen, bot):
    await registered(1006, "Finn", "en")
    finn = await citizen(1006, "Finn", "en")
    await finn.send("/idea")
    await finn.send("Bench in the park")
    await finn.press("Traffic and safety")
    await bot.restart()
    shown = await finn.send("Zwolle")  # the answer to step 3, after the restart
    assert "Step 4 of 8" in texts(shown)
    assert (await draft_of(1006)).municipality_id == (await Municipality.get(name="Zwolle")).id

    shown = await finn.send("/cancel")
    assert "your idea" in texts(shown)
    await bot.restart()
    await finn.send("/start")  # coming back after a while
    shown = await finn.press("New idea")
    assert "You have a draft idea: “Bench in the park”" in texts(shown)
    shown = await finn.press("Continue my draft")
    assert "Step 4 of 8" in texts(shown)
    await finn.send("A bench for older people to rest on during their walk around the park.")

    await finn.send("/cancel")
    shown = await finn.press("Discard my answers")
    assert "discarded" in texts(shown)
    assert await Initiative.filter(title="Bench in the park").count() == 0
    shown = await finn.send("/idea")
    assert "Step 1 of 8" in texts(shown) and "draft" not in texts(shown).split("Step 1")[0].replace(
        "your draft is kept", "")


async def test_a_lost_conversation_still_offers_the_draft_at_its_first_open_question(citizen):
    await registered(1007, "Gijs", "en")
    gijs = await citizen(1007, "Gijs", "en")
    await gijs.send("/idea")
    await gijs.send("Bench in the park")
    await gijs.send("/profile")
    await gijs.press("✏️ Name")  # another flow replaces the wizard in the conversation
    await gijs.send("Gijs B.")
    shown = await gijs.send("/idea")
    assert "You have a draft idea" in texts(shown)
    shown = await gijs.press("Continue my draft")
    assert "Step 2 of 8" in texts(shown)  # the theme is the first question without an answer
    shown = await gijs.send("/idea")
    assert "Step 2 of 8" in texts(shown)  # inside the wizard, /idea asks the current question again
    await gijs.press("Green spaces")
    await gijs.send("/cancel")
    await gijs.send("/idea")
    shown = await gijs.press("Discard it and start a new idea")
    assert "Step 1 of 8" in texts(shown) and "Now:" not in texts(shown)
    assert await Initiative.filter(title="Bench in the park").count() == 0


async def test_bad_input_is_explained_and_the_draft_kept(citizen):
    await registered(1008, "Hans", "en")
    hans = await citizen(1008, "Hans", "en")
    await hans.send("/idea")
    assert "I can only read text here" in texts(await hans.send_sticker())
    assert "I can only read text here" in texts(await hans.send_photo("a caption"))
    assert "at least 5 characters" in texts(await hans.send("Hi"))
    assert "at most 100 characters, yours has 101" in texts(await hans.send("x" * 101))
    assert await Initiative.filter(initiator__telegram_id=1008).count() == 0
    await hans.send("x" * 100)
    shown = await hans.send("a theme typed in")
    assert "Please choose one of the buttons." in texts(shown) and "Which theme" in texts(shown)
    message_id = shown[-1]["message_id"]
    await hans.press_data(message_id, "idea:th:999999")  # a forged theme
    assert "Which theme" in await hans.last_text() or "cannot be used" in await hans.last_text()
    assert (await draft_of(1008)).theme_id is None
    await hans.press("Arts and culture")
    shown = await hans.send("Amsterdam")
    assert "“Amsterdam” is not a municipality in Overijssel" in texts(shown)
    await hans.press_data(message_id, "idea:th:1")  # an old theme button, now stale
    assert (await hans.callback_notice())["text"] == "This button is no longer active."
    assert (await draft_of(1008)).theme.slug == "culture"
    await hans.send("Olst Wijhe")
    assert "at least 30 characters" in texts(await hans.send("Too short."))
    assert "at most 2000 characters, yours has 2001" in texts(await hans.send("y" * 2001))
    assert "I can only read text here" in texts(await hans.send_photo())
    await hans.send("d" * 2000)
    assert "at most 500 characters" in texts(await hans.send("z" * 501))
    await hans.press("Skip")
    await hans.press("Done")
    assert (await hans.callback_notice())["text"] == "Choose at least one kind of help."
    await hans.press("Money")
    await hans.press("Done")
    for bad in ("lots", "12.34.5", "2,50,0", "-5", "1e5"):
        assert "I could not read that as an amount" in texts(await hans.send(bad))
    assert "at most €10,000,000" in texts(await hans.send("99999999999"))
    await hans.press("Skip")
    assert "Please send a photo" in texts(await hans.send("here is my photo"))
    draft = await draft_of(1008)
    assert draft.title == "x" * 100 and draft.description == "d" * 2000 and draft.budget_cents is None
    assert draft.municipality.name == "Olst-Wijhe" and draft.theme.slug == "culture"
    assert draft.status == Status.DRAFT


async def test_html_and_emoji_round_trip_into_messages(citizen):
    await registered(1009, "Ilse", "en")
    ilse = await citizen(1009, "Ilse", "en")
    await walk_to_photo(ilse, TITLE, DESCRIPTION)
    shown = await ilse.press("Skip")
    assert f"Title: {TITLE}" in texts(shown) and f"Description: {DESCRIPTION}" in texts(shown)
    assert "&lt;b&gt;" in shown[-1]["text"]  # escaped in the HTML that was sent
    row = await draft_of(1009)
    assert row.title == TITLE and row.description == DESCRIPTION
