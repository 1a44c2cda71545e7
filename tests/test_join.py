"""Joining, following, leaving and unfollowing initiatives; what the initiator sees of their members."""

from __future__ import annotations

import pytest

from bot.emulator.client import EmulatorClient
from models.citizen import Citizen as CitizenRow
from models.initiative import Initiative, Membership, MembershipKind
from tests.harness import Citizen, labels, texts
from tests.joining_seed import initiative, profile


@pytest.fixture
async def garden(bot):
    """A published initiative of Anna (5001)."""
    anna = await profile(5001, "Anna Initiatiefnemer", "nl")
    return await initiative("Buurtmoestuin", anna, help_needed=["volunteers", "knowledge"])


async def named(bot, emulator: EmulatorClient, user_id: int, first_name: str, language: str,
                username: str | None = None) -> Citizen:
    """A test citizen with a Telegram username."""
    return Citizen(await emulator.user(user_id, first_name, language, username), bot, emulator)


async def counts(initiative_id: int) -> tuple[int, int]:
    row = await Initiative.get(id=initiative_id)
    return row.members_count, row.followers_count


async def test_join_without_profile_registers_first_then_lands_on_the_join(citizen, garden):
    bob = await citizen(1002, "Bob", "en")
    await bob.send(f"/start initiative-{garden.id}")
    shown = await bob.press("Join")
    assert "First a short profile" in texts(shown)
    await bob.press("Use “Bob”")
    await bob.send("Zwolle")
    await bob.press("Resident")
    await bob.press("Skip")
    shown = await bob.press("I agree")
    assert "Join “Buurtmoestuin”" in texts(shown)
    assert "How would you like to help?" in texts(shown)
    assert (await CitizenRow.get(telegram_id=1002)).registered_at is not None
    assert await counts(garden.id) == (0, 0), "not a member before the questions are answered"

    await bob.press("Next")
    shown = await bob.press("No, keep it private")
    assert "You joined!" in texts(shown)
    assert (await bob.callback_notice())["text"] == "You joined!"
    membership = await Membership.get(initiative_id=garden.id, kind=MembershipKind.JOIN)
    assert membership.offer == [] and membership.offer_text is None and membership.share_contact is False
    assert await counts(garden.id) == (1, 0)


async def test_join_with_offer_and_contact_in_dutch(bot, emulator, garden):
    await profile(1001, "Carla de Vries", "nl", email="carla@example.nl")
    carla = await named(bot, emulator, 1001, "Carla", "nl", username="carla_nl")
    await carla.send(f"/start initiative-{garden.id}")
    shown = await carla.press("Doe mee")
    assert "Doe mee met “Buurtmoestuin”" in texts(shown)
    await carla.press("Kennis of advies")
    shown = await carla.press("Een plek")
    assert "✅ 🧠 Kennis of advies" in labels(shown) and "✅ 🏠 Een plek" in labels(shown)
    shown = await carla.press("Kennis of advies")  # toggled off again
    assert "🧠 Kennis of advies" in labels(shown)
    await carla.press("Kennis of advies")
    shown = await carla.send("Ik neem <b>koffie</b> & taart mee 🎂")
    assert "In je eigen woorden: “Ik neem <b>koffie</b> & taart mee 🎂”" in texts(shown)
    shown = await carla.press("Volgende")
    assert "Mag de initiatiefnemer zien hoe ze je kunnen bereiken?" in texts(shown)
    assert labels(shown)[0].startswith("✓ 🔒"), "keeping the contact private is the default"
    shown = await carla.send("ja")
    assert "Kies een van de knoppen." in texts(shown)
    shown = await carla.press("Ja, deel mijn contactgegevens")
    assert "Je doet mee!" in texts(shown)
    assert "Je doet mee met dit initiatief. Je biedt: kennis of advies, een plek; “Ik neem <b>koffie</b>" in texts(
        shown)
    assert "🚪 Niet meer meedoen" in labels(shown) and "🙋 Doe mee" not in labels(shown)

    membership = await Membership.get(initiative_id=garden.id, kind=MembershipKind.JOIN)
    assert membership.offer == ["knowledge", "place"]
    assert membership.offer_text == "Ik neem <b>koffie</b> & taart mee 🎂"
    assert membership.share_contact is True and membership.contact_username == "carla_nl"

    anna = await citizen_of(bot, emulator, 5001, "Anna", "nl")
    shown = await anna.send(f"/start initiative-{garden.id}")
    assert "Dit is jouw initiatief." in texts(shown)
    shown = await anna.press("Deelnemers (1)")
    members = texts(shown)
    assert "Carla de Vries" in members
    assert "Biedt: kennis of advies, een plek; “Ik neem <b>koffie</b> & taart mee 🎂”" in members
    assert "Contact: @carla_nl · carla@example.nl · stuur een bericht" in members


async def citizen_of(bot, emulator, user_id: int, name: str, language: str) -> Citizen:
    return Citizen(await emulator.user(user_id, name, language), bot, emulator)


async def test_contact_is_private_by_default_and_can_be_changed(bot, emulator, garden):
    await profile(1002, "Bob Baker", "en", email="bob@example.org")
    bob = await named(bot, emulator, 1002, "Bob", "en", username="bobbaker")
    await bob.send(f"/start initiative-{garden.id}")
    await bob.press("Join")
    await bob.press("Lend a hand")
    await bob.press("Next")
    await bob.press("No, keep it private")
    membership = await Membership.get(initiative_id=garden.id, kind=MembershipKind.JOIN)
    assert membership.share_contact is False and membership.contact_username is None

    await CitizenRow.filter(telegram_id=5001).update(language="en")
    anna = await citizen_of(bot, emulator, 5001, "Anna", "en")
    await anna.send(f"/start initiative-{garden.id}")
    members = texts(await anna.press("Members (1)"))
    assert "Bob Baker" in members and "Offers: volunteers" in members
    assert "bobbaker" not in members and "bob@example.org" not in members and "Contact:" not in members

    shown = await bob.press("Change what I offer")
    assert "✅ 🙋 Lend a hand" in labels(shown)
    await bob.press("Next")
    shown = await bob.press("Yes, share my contact")
    assert "Saved: what you offer is updated." in texts(shown)
    assert await counts(garden.id) == (1, 0), "changing the offer does not count twice"
    await anna.press("Back to the initiative")
    members = texts(await anna.press("Members (1)"))
    assert "Contact: @bobbaker · bob@example.org" in members


async def test_follow_unfollow_join_and_leave_keep_the_counts(citizen, garden):
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    dave = await citizen(1004, "Dave", "en")  # no profile: following needs none
    await bob.send(f"/start initiative-{garden.id}")
    await dave.send(f"/start initiative-{garden.id}")

    shown = await dave.press("Follow")
    assert "You now follow this initiative" in texts(shown)
    assert "🔕 Unfollow" in labels(shown) and "🔔 Follow" not in labels(shown)
    await bob.press("Follow")
    assert await counts(garden.id) == (0, 2)
    assert await Membership.filter(kind=MembershipKind.FOLLOW).count() == 2

    await bob.press("Join")
    await bob.press("Next")
    shown = await bob.press("No, keep it private")
    assert "You joined!" in texts(shown)
    assert await counts(garden.id) == (1, 1), "joining replaces following"
    assert not await Membership.exists(citizen__telegram_id=1002, kind=MembershipKind.FOLLOW)

    shown = await bob.press("Leave")
    assert "Leave this initiative?" in texts(shown)
    shown = await bob.press("No, stay")
    assert "Buurtmoestuin" in texts(shown)
    assert await counts(garden.id) == (1, 1)
    await bob.press("Leave")
    shown = await bob.press("Yes, leave")
    assert "You left this initiative." in texts(shown)
    assert "🔔 Follow" in labels(shown) and "🙋 Join" in labels(shown)
    assert await counts(garden.id) == (0, 1)

    shown = await dave.press("Unfollow")
    assert "You no longer follow this initiative." in texts(shown)
    assert await counts(garden.id) == (0, 0)
    assert await Membership.all().count() == 0


async def test_repeated_and_forged_buttons(citizen, garden):
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send(f"/start initiative-{garden.id}")
    card_id = shown[-1]["message_id"]
    await bob.press("Follow")
    shown = await bob.press_data(card_id, f"fol:{garden.id}")
    assert "You already follow this initiative." in texts(shown)
    await bob.press_data(card_id, f"unf:{garden.id}")
    shown = await bob.press_data(card_id, f"unf:{garden.id}")
    assert "You were not following it." in texts(shown)
    shown = await bob.press_data(card_id, f"leave:{garden.id}:yes")
    assert "You are not a member of this initiative." in texts(shown)
    assert await counts(garden.id) == (0, 0)

    for data in ("join:999999", "fol:999999", "fol:abc", "join:" + "9" * 30):
        await bob.press_data(card_id, data)
        assert (await bob.callback_notice())["answered"], data
    assert "does not exist or is not published" in await bob.last_text() or "no longer active" in (
        await bob.last_text())
    await bob.press_data(card_id, f"offer:{garden.id}:share:1")  # not in the join flow
    assert (await bob.callback_notice())["text"] == "This button is no longer active."
    await bob.press_data(card_id, f"join:{garden.id}")
    await bob.press_data(card_id, "offer:999999:share:1")  # another initiative than the one being joined
    assert (await bob.callback_notice())["text"] == "This button is no longer active."
    assert await Membership.all().count() == 0


async def test_initiator_cannot_join_or_follow_their_own_initiative(citizen, garden):
    anna = await citizen(5001, "Anna", "nl")
    shown = await anna.send(f"/start initiative-{garden.id}")
    assert "🙋 Doe mee" not in labels(shown)
    card_id = shown[-1]["message_id"]
    await anna.press_data(card_id, f"join:{garden.id}")
    assert (await anna.callback_notice())["text"] == "Je kunt niet meedoen met je eigen initiatief."
    shown = await anna.press_data(card_id, f"fol:{garden.id}")
    assert "Dit is jouw initiatief: je hoeft het niet te volgen." in texts(shown)
    assert await Membership.all().count() == 0


async def test_own_words_too_long_or_not_text(citizen, garden):
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    await bob.send(f"/start initiative-{garden.id}")
    await bob.press("Join")
    shown = await bob.send("x" * 501)
    assert "That is too long: at most 500 characters, yours has 501." in texts(shown)
    shown = await bob.send_sticker()
    assert "I can only read text here." in texts(shown)
    shown = await bob.send("   ")
    assert "How would you like to help?" in texts(shown)
    await bob.send("I have a van")
    shown = await bob.press("Remove my own words")
    assert "In your own words" not in texts(shown)
    await bob.send("I have a <van> & a trailer")
    await bob.send("/cancel")
    shown = await bob.press("Continue")
    assert "In your own words: “I have a <van> & a trailer”" in texts(shown)
    await bob.press("Next")
    await bob.press("No, keep it private")
    membership = await Membership.get(initiative_id=garden.id)
    assert membership.offer_text == "I have a <van> & a trailer"


async def test_cancel_button_leaves_without_joining(citizen, garden):
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    await bob.send(f"/start initiative-{garden.id}")
    await bob.press("Join")
    shown = await bob.press("Cancel")
    assert "Buurtmoestuin" in texts(shown) and "🙋 Join" in labels(shown)
    assert await Membership.all().count() == 0
    shown = await bob.send("hello")
    assert "I'm not sure what you mean" in texts(shown), "the join flow is over"


async def test_long_member_list_is_paged_and_fits_a_message(citizen, garden):
    for n in range(10):
        member = await profile(2000 + n, f"Member {n} " + "n" * 54, "en", email=f"{n}" + "e" * 70 + "@example.nl")
        await Membership.create(initiative=garden, citizen=member, kind=MembershipKind.JOIN,
                                offer=["volunteers", "knowledge", "place", "materials"],
                                offer_text="<&> " * 125, share_contact=True, contact_username="u" * 32)
    await Initiative.filter(id=garden.id).update(members_count=10)
    anna = await citizen(5001, "Anna", "nl")
    await anna.send(f"/start initiative-{garden.id}")
    shown = await anna.press("Deelnemers (10)")
    page = shown[-1]
    assert page["text"].count("<b>Member ") == 8, "formatting kept: the page was not cut"
    assert len(page["visible_text"]) <= 4096
    assert "Volgende ›" in labels(shown)
    shown = await anna.press("Volgende ›")
    assert shown[-1]["text"].count("<b>Member ") == 2
    assert "Member 0" in shown[-1]["visible_text"], "newest first: the first one is on the last page"


async def test_counts_stay_right_under_concurrent_joins_and_follows(database_url):
    import asyncio

    from bot.services import memberships

    anna = await profile(5001, "Anna", "nl")
    garden = await initiative("Buurtmoestuin", anna)
    people = [await profile(3000 + n, f"P{n}", "nl") for n in range(30)]
    await asyncio.gather(*(memberships.follow(person.id, garden.id) for person in people))
    await asyncio.gather(*(memberships.join(person.id, garden.id, ["volunteers"]) for person in people[:20]),
                         *(memberships.unfollow(person.id, garden.id) for person in people[25:]))
    await asyncio.gather(*(memberships.leave(person.id, garden.id) for person in people[:5]),
                         *(memberships.join(person.id, garden.id, []) for person in people[10:15]))
    members = await Membership.filter(initiative_id=garden.id, kind=MembershipKind.JOIN).count()
    followers = await Membership.filter(initiative_id=garden.id, kind=MembershipKind.FOLLOW).count()
    assert (members, followers) == (15, 5)
    assert await counts(garden.id) == (members, followers)
