"""The join digest: the initiator hears about new members in one message, at most once an hour."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from models.delivery import OutboxKind, OutboxMessage
from models.initiative import Initiative, Membership
from tests import harness
from tests.harness import BotUnderTest, Citizen
from tests.joining_seed import bot_texts, initiative, profile, wait_for_message


@pytest.fixture
async def bot(database_url, emulator_server):
    """The bot with the digest job looking for work every 50 ms (the hour itself stays an hour)."""
    running = BotUnderTest(harness.test_settings(database_url, digest_check_seconds=0.05),
                           str(emulator_server.make_url("/bot")))
    await running.start()
    yield running
    await running.stop()


async def join(person: Citizen, initiative_id: int, *, share: bool = False, kinds: tuple[str, ...] = ()) -> None:
    """Join through the chat, as a citizen with a profile does."""
    await person.send(f"/start initiative-{initiative_id}")
    await person.press("🙋")
    for kind in kinds:
        await person.press(kind)
    await person.press("›")  # Next
    await person.press("📇" if share else "🔒")


async def digests_for(initiative_id: int) -> list[OutboxMessage]:
    return [message for message in await OutboxMessage.filter(kind=OutboxKind.DIGEST)
            if message.audience == {"join_digest": initiative_id}]


async def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


async def test_several_joins_become_one_digest_in_dutch(bot, emulator, citizen):
    anna_row = await profile(5001, "Anna", "nl")
    garden = await initiative("Buurtmoestuin", anna_row)
    await Initiative.filter(id=garden.id).update(join_digest_at=datetime.now(UTC))  # a digest just went out
    anna = await citizen(5001, "Anna", "nl")
    await anna.send("/start")

    await profile(1001, "Carla <C&A>", "nl", email="carla@example.nl")
    carla = Citizen(await emulator.user(1001, "Carla", "nl", "carla_nl"), bot, emulator)
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    await profile(1003, "Dirk", "nl")
    dirk = await citizen(1003, "Dirk", "nl")
    await join(carla, garden.id, share=True, kinds=("Kennis of advies",))
    await join(bob, garden.id, kinds=("Lend a hand",))
    await join(dirk, garden.id)
    assert await Membership.filter(initiative_id=garden.id, notified=False).count() == 3
    assert not await digests_for(garden.id), "within the hour after the last digest nothing is sent"

    await Initiative.filter(id=garden.id).update(join_digest_at=datetime.now(UTC) - timedelta(hours=1, seconds=1))
    digest = await wait_for_message(anna, "nieuwe deelnemers")
    text = digest["visible_text"]
    assert "3 nieuwe deelnemers voor “Buurtmoestuin”:" in text
    assert "Carla <C&A> — biedt: kennis of advies" in text
    assert "Contact: @carla_nl · carla@example.nl" in text
    assert "Bob — biedt: vrijwilligers" in text and "Dirk" in text
    assert text.count("Contact:") == 1, "only Carla agreed to share her contact"
    assert "Je initiatief heeft nu 3 deelnemers." in text
    assert len(await digests_for(garden.id)) == 1
    assert await Membership.filter(initiative_id=garden.id, notified=False).count() == 0

    await profile(1004, "Eva", "nl")
    eva = await citizen(1004, "Eva", "nl")
    await join(eva, garden.id)
    await asyncio.sleep(0.3)  # several rounds of the job
    assert len(await digests_for(garden.id)) == 1, "the next one waits for the hour to pass"
    assert sum("nieuwe deelnemer" in text for text in await bot_texts(anna)) == 1


async def test_first_join_is_told_at_once_in_english_and_leavers_are_left_out(bot, citizen):
    anna_row = await profile(5001, "Anna", "en")
    garden = await initiative("Green roof", anna_row)
    anna = await citizen(5001, "Anna", "en")
    await anna.send("/start")
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    await join(bob, garden.id, kinds=("Materials",))
    digest = await wait_for_message(anna, "new member")
    assert "1 new member for “Green roof”:" in digest["visible_text"]
    assert "Bob — offers: materials" in digest["visible_text"]
    assert "Your initiative now has 1 member." in digest["visible_text"]

    await profile(1003, "Carla", "nl")
    carla = await citizen(1003, "Carla", "nl")
    await join(carla, garden.id)
    await carla.press("Niet meer meedoen")
    await carla.press("Ja, ik stop")
    await Initiative.filter(id=garden.id).update(join_digest_at=datetime.now(UTC) - timedelta(hours=2))
    await asyncio.sleep(0.3)
    assert len(await digests_for(garden.id)) == 1, "someone who joined and left again is not announced"


async def test_digests_of_several_initiatives_are_separate(bot, citizen):
    anna_row = await profile(5001, "Anna", "en")
    first = await initiative("First", anna_row)
    second = await initiative("Second", anna_row)
    anna = await citizen(5001, "Anna", "en")
    await anna.send("/start")
    await profile(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    await join(bob, first.id)
    await join(bob, second.id)
    await wait_until(lambda: _both(first.id, second.id))
    await wait_for_message(anna, "for “First”")
    await wait_for_message(anna, "for “Second”")


async def _both(first: int, second: int) -> bool:
    return len(await digests_for(first)) == 1 and len(await digests_for(second)) == 1


def test_longest_possible_digest_fits_one_message():
    from bot.config import Settings
    from bot.digests import render_join_digest
    from bot.services.memberships import Contact, JoinDigest, MemberInfo
    from bot.telegram_html import MAX_TEXT, parse_html

    member = MemberInfo("N" * 64, ("volunteers", "knowledge", "place", "materials"), "<&>" * 170,
                        datetime.now(UTC), Contact(123456789, "u" * 32, "e" * 240 + "@example.nl"))
    for language in ("nl", "en"):
        digest = JoinDigest(1, "T" * 100, 1, language, [member] * 40, 40)
        visible = parse_html(render_join_digest(Settings(), digest))
        assert len(visible) <= MAX_TEXT
        assert visible.count("N" * 64) == 8 and "32" in visible
