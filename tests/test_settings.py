"""/settings through the emulation: announcements on and off, their themes, the way to /language."""

from __future__ import annotations

from models.citizen import Citizen as CitizenRow
from models.citizen import ThemePreference
from models.region import Theme
from tests.harness import labels, texts


async def test_dutch_citizen_switches_announcements_off_and_on(citizen):
    anna = await citizen(1001, "Anna", "nl")
    assert "⚙️ Instellingen" in labels(await anna.send("/start"))

    shown = await anna.send("/settings")
    assert "Je instellingen" in texts(shown)
    assert "Aankondigingen: aan" in texts(shown)
    assert "Thema’s: alle thema’s" in texts(shown)
    assert "Taal: Nederlands" in texts(shown)
    assert labels(shown)[0] == "🔕 Geen aankondigingen meer"

    shown = await anna.press("Geen aankondigingen meer")
    assert (await anna.callback_notice())["text"] == "Je krijgt geen aankondigingen meer."
    assert "Aankondigingen: uit" in texts(shown)
    assert "Thema’s kiezen" not in " ".join(labels(shown))
    assert (await CitizenRow.get(telegram_id=1001)).receive_announcements is False

    shown = await anna.press("Aankondigingen ontvangen")
    assert "Aankondigingen: aan" in texts(shown)
    assert (await CitizenRow.get(telegram_id=1001)).receive_announcements is True


async def test_english_citizen_chooses_themes_and_goes_back_to_all(citizen):
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    shown = await bob.press("⚙️ Settings")
    assert "Announcements: on" in texts(shown)
    assert "Themes: all themes" in texts(shown)

    shown = await bob.press("Choose themes")
    assert "Announcements about which themes?" in texts(shown)
    assert "Now: all themes." in texts(shown)
    assert "✓ All themes" in labels(shown)

    shown = await bob.press("Sport and exercise")
    assert (await bob.callback_notice())["text"] == "Saved."
    assert "Now: Sport and exercise." in texts(shown)
    assert "✓ Sport and exercise" in labels(shown)
    assert "All themes" in labels(shown)
    await bob.press("Arts and culture")
    sport, culture = await Theme.get(slug="sport"), await Theme.get(slug="culture")
    citizen_id = (await CitizenRow.get(telegram_id=1002)).id
    chosen = set(await ThemePreference.filter(citizen_id=citizen_id, kind="announcements").values_list(
        "theme_id", flat=True))
    assert chosen == {sport.id, culture.id}

    shown = await bob.press("‹ Back")
    assert "Themes: Sport and exercise, Arts and culture" in texts(shown)
    await bob.press("Choose themes")
    shown = await bob.press("All themes")
    assert "Now: all themes." in texts(shown)
    assert not await ThemePreference.filter(citizen_id=citizen_id).exists()


async def test_dropping_the_last_theme_means_all_themes_again(citizen):
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/settings")
    await bob.press("Choose themes")
    await bob.press("Care and wellbeing")
    shown = await bob.press("✓ Care and wellbeing")
    assert "Now: all themes." in texts(shown)


async def test_language_button_leads_to_language_choice(citizen):
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/settings")
    shown = await anna.press("🌐 Taal")
    assert "Kies je taal:" in texts(shown)
    await anna.press("English")
    shown = await anna.send("/settings")
    assert "Language: English" in texts(shown)


async def test_forged_and_stale_settings_buttons_are_answered(citizen):
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/settings")
    message_id = shown[-1]["message_id"]
    for forged in ("set:th:99999", "set:th:<b>&", "set:th:12345678901234", "set:ann:maybe", "set:🙂"):
        await bob.press_data(message_id, forged)
        assert (await bob.callback_notice())["answered"]
    assert (await CitizenRow.get(telegram_id=1002)).receive_announcements is True
    await bob.press_data(message_id, "set:th:99999")
    assert (await bob.callback_notice())["text"] == "This button is no longer active."
    assert not await ThemePreference.all().exists()


async def test_narrowing_themes_cancels_pending_announcements_about_other_themes(database_url):
    from bot.services import outbox, preferences
    from models.delivery import Delivery, DeliveryStatus, OutboxKind

    sport, culture = await Theme.get(slug="sport"), await Theme.get(slug="culture")
    citizen = await CitizenRow.create(telegram_id=1004, language="nl")
    about_sport = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, {citizen.id: "Sport!"},
                                       audience={"kind": "theme", "id": sport.id})
    about_culture = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, {citizen.id: "Culture!"},
                                         audience={"kind": "theme", "id": culture.id})
    for_everyone = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, {citizen.id: "All!"}, audience={"kind": "all"})
    an_update = await outbox.enqueue(OutboxKind.UPDATE, {citizen.id: "Update"})

    await preferences.toggle_theme(citizen.id, culture.id)  # from all themes to culture only

    status = {row.message_id: row.status for row in await Delivery.filter(citizen_id=citizen.id)}
    assert status == {about_sport: DeliveryStatus.CANCELLED, about_culture: DeliveryStatus.PENDING,
                      for_everyone: DeliveryStatus.PENDING, an_update: DeliveryStatus.PENDING}

    await preferences.set_receive_announcements(citizen.id, False)
    status = {row.message_id: row.status for row in await Delivery.filter(citizen_id=citizen.id)}
    assert status[about_culture] == status[for_everyone] == DeliveryStatus.CANCELLED
    assert status[an_update] == DeliveryStatus.PENDING  # updates of joined initiatives still arrive
    later = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, {citizen.id: "Later"})
    assert not await Delivery.filter(message_id=later).exists()
