"""Browsing published initiatives in chat: newest first, filters, paging, the card, deep links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.initiative import Status
from tests.harness import labels, texts
from tests.joining_seed import initiative, profile


@pytest.fixture
async def eight(bot):
    """Seven published initiatives an hour apart (newest: 'Initiative 7'), and some that must not show."""
    anna = await profile(5001, "Anna", "nl")
    made = [await initiative(f"Initiative {n}", anna, published_ago=timedelta(hours=10 - n),
                             theme="nature" if n % 2 else "care", municipality="GM0153" if n < 5 else "GM0193")
            for n in range(1, 8)]
    await initiative("Waiting for moderation", anna, status=Status.SUBMITTED)
    await initiative("A draft", anna, status=Status.DRAFT)
    await initiative("Hidden by staff", anna, hidden=True)
    return made


async def test_browse_lists_newest_first_in_pages(citizen, eight):
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    shown = await bob.press("Browse initiatives")
    page = texts(shown)
    assert "7 initiatives · page 1 of 2" in page
    assert page.index("Initiative 7") < page.index("Initiative 6") < page.index("Initiative 3")
    assert "Initiative 2" not in page
    assert "Waiting for moderation" not in page and "A draft" not in page and "Hidden by staff" not in page
    assert "Next ›" in labels(shown) and "‹ Previous" not in labels(shown)

    shown = await bob.press("Next ›")
    page = texts(shown)
    assert "page 2 of 2" in page and "6. " in page and "Initiative 2" in page and "Initiative 1" in page
    assert "Initiative 7" not in page
    shown = await bob.press("‹ Previous")
    assert "page 1 of 2" in texts(shown)


async def test_browse_filters_by_theme_and_municipality_in_dutch(citizen, eight):
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/start")
    await anna.press("Initiatieven bekijken")
    shown = await anna.press("Thema")
    assert "Kies een thema:" in texts(shown)
    assert "Groen en natuur (4)" in labels(shown) and "Zorg en welzijn (3)" in labels(shown)
    assert not any(label.startswith("Sport") for label in labels(shown)), "themes without initiatives are left out"

    shown = await anna.press("Groen en natuur (4)")
    page = texts(shown)
    assert "🏷 Groen en natuur" in page and "4 initiatieven" in page
    assert all(f"Initiative {n}" in page for n in (1, 3, 5, 7))
    assert "Initiative 2" not in page

    shown = await anna.press("Gemeente")
    assert "Kies een gemeente:" in texts(shown)
    assert labels(shown)[:2] == ["Enschede (2)", "Zwolle (2)"]
    shown = await anna.press("Zwolle (2)")
    page = texts(shown)
    assert "📍 Zwolle" in page and "2 initiatieven" in page
    assert "Initiative 5" in page and "Initiative 7" in page and "Initiative 3" not in page

    shown = await anna.press("Alle initiatieven")
    assert "7 initiatieven" in texts(shown)


async def test_municipality_picker_pages_through_many_places(citizen, bot):
    anna = await profile(5001, "Anna", "nl")
    codes = ["GM0141", "GM0147", "GM0148", "GM0150", "GM1774", "GM0153", "GM0158", "GM0160", "GM0163",
             "GM0164", "GM1735", "GM0166"]
    for code in codes:
        await initiative(f"In {code}", anna, municipality=code)
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    await bob.press("Browse initiatives")
    shown = await bob.press("Municipality")
    assert len([label for label in labels(shown) if label.endswith("(1)")]) == 10
    shown = await bob.press("Next ›")
    assert [label for label in labels(shown) if label.endswith("(1)")] == ["Hof van Twente (1)", "Kampen (1)"]
    shown = await bob.press("Kampen (1)")
    assert "In GM0166" in texts(shown) and "1 initiative ·" in texts(shown)


async def test_forged_filters_and_offsets_do_not_break_the_list(citizen, eight):
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/start")
    message_id = shown[-1]["message_id"]
    for data in ("br:l:999999:999999:0", "br:l:x:y:z", "br:l:0:0:999999999", "br:mu:0:0:77", "br:th", "br:zz"):
        await bob.press_data(message_id, data)
        assert (await bob.callback_notice())["answered"]
        last = await bob.last_text()
        assert "Initiatives" in last or "Choose a" in last, data
    shown = await bob.press_data(message_id, "br:l:0:0:999999999")
    assert "page 2 of 2" in texts(shown), "an offset past the end shows the last page"


async def test_empty_list_says_so(citizen, bot):
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    shown = await bob.press("Browse initiatives")
    assert "There are no published initiatives yet" in texts(shown)


async def test_card_shows_the_initiative_and_goes_back_to_the_list(citizen, bot):
    anna = await profile(5001, "Anna <Gardener>", "nl")
    long_text = "Wij maken een moestuin. " * 100
    garden = await initiative("Moestuin <Oost> & co 🌱", anna, description=long_text,
                              help_needed=["volunteers", "knowledge"])
    garden.members_count, garden.followers_count = 3, 1
    await garden.save()
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    await bob.press("Browse initiatives")
    shown = await bob.press("Moestuin")
    card = texts(shown)
    assert "Moestuin <Oost> & co 🌱" in card
    assert "🏷 Green spaces and nature · 📍 Enschede" in card
    assert "Wij maken een moestuin." in card and "…" in card and len(card) < 1500
    assert "Help needed: volunteers, knowledge or advice" in card
    assert "3 members · 🔔 1 follower" in card
    assert "Started by Anna <Gardener>" in card
    assert f"http://testserver.local/initiatieven/{garden.id}" in card
    assert {"🙋 Join", "🔔 Follow", "🌐 Web page", "‹ Back to the list"} <= set(labels(shown))
    web_button = [b for row in shown[-1]["reply_markup"]["inline_keyboard"] for b in row if "url" in b]
    assert web_button[0]["url"] == f"http://testserver.local/initiatieven/{garden.id}"

    assert "🚩 Report" in labels(shown)
    reported = await bob.press("Report")
    assert "this initiative" in texts(reported)
    await bob.send(f"/start initiative-{garden.id}")
    shown = await bob.press("Back to the list")
    assert "1 initiative · page 1 of 1" in texts(shown)


async def test_deep_link_opens_the_card_in_each_language(citizen, bot):
    anna = await profile(5001, "Anna", "nl")
    garden = await initiative("Buurtmoestuin", anna)
    pending = await initiative("Nog niet gepubliceerd", anna, status=Status.SUBMITTED)
    carla = await citizen(1003, "Carla", "nl")
    shown = await carla.send(f"/start initiative-{garden.id}")
    assert "Buurtmoestuin" in texts(shown) and "🏷 Groen en natuur · 📍 Enschede" in texts(shown)
    assert "🙋 Doe mee" in labels(shown) and "🔔 Volgen" in labels(shown)

    bob = await citizen(1002, "Bob", "en")
    for payload in (f"initiative-{pending.id}", "initiative-999999", "initiative-abc", "initiative-"):
        shown = await bob.send(f"/start {payload}")
        assert "This initiative does not exist or is not published (any more)." in texts(shown), payload
        assert "🔎 Browse initiatives" in labels(shown)
    shown = await carla.send("/start initiative-999999")
    assert "Dit initiatief bestaat niet of is (nog) niet gepubliceerd." in texts(shown)


async def test_initiator_sees_own_unpublished_initiative_with_its_status(citizen, bot):
    anna_row = await profile(5001, "Anna", "en")
    pending = await initiative("My pending idea", anna_row, status=Status.SUBMITTED)
    anna = await citizen(5001, "Anna", "en")
    shown = await anna.send(f"/start initiative-{pending.id}")
    assert "My pending idea" in texts(shown) and "Status: waiting for moderation" in texts(shown)
    assert "This is your initiative." in texts(shown)
    assert "🙋 Join" not in labels(shown) and "📣 Post an update" not in labels(shown)
    assert "👥 Members (0)" in labels(shown)
