"""/mine through the emulation: the list with status and support, opening, editing, withdrawing."""

from __future__ import annotations

from datetime import UTC, datetime

from models.citizen import Citizen as CitizenRow
from models.initiative import Initiative, Status
from models.region import Municipality, Theme
from tests.harness import labels, texts


async def citizen_row(telegram_id: int, name: str, language: str) -> CitizenRow:
    now = datetime.now(UTC)
    return await CitizenRow.create(telegram_id=telegram_id, first_name=name, language=language, public_name=name,
                                   municipality=await Municipality.get(name="Almelo"), consent_at=now,
                                   registered_at=now)


async def initiative(owner: CitizenRow, title: str, status: Status, **extra) -> Initiative:
    now = datetime.now(UTC)
    return await Initiative.create(
        title=title, description="A description that is long enough for the rules of the wizard.",
        status=status, initiator=owner, initiator_name=owner.public_name, help_needed=["volunteers"],
        theme=await Theme.get(slug="sport"), municipality=await Municipality.get(name="Almelo"),
        submitted_at=now, published_at=now if status == Status.PUBLISHED else None, **extra)


async def test_list_open_and_counts_in_both_languages(citizen):
    bob = await citizen_row(1002, "Bob", "en")
    anna = await citizen_row(1001, "Anna", "nl")
    await initiative(bob, "Football <for> all", Status.PUBLISHED, members_count=3, followers_count=7)
    await initiative(bob, "Skate park", Status.SUBMITTED)
    await initiative(anna, "Anna's own", Status.PUBLISHED)
    bob_chat = await citizen(1002, "Bob", "en")
    shown = await bob_chat.send("/mine")
    listing = texts(shown)
    assert "Your initiatives" in listing
    assert "Football <for> all" in listing and "✅ published · 👥 3 joined · ⭐ 7 following" in listing
    assert "Skate park" in listing and "⏳ submitted, awaiting moderation" in listing
    assert "Anna's own" not in listing
    shown = await bob_chat.press("Football")
    assert "Status: ✅ published" in texts(shown) and "Sport and exercise · Almelo" in texts(shown)
    assert {"✏️ Edit", "↩️ Withdraw", "🌐 View on the website"} <= set(labels(shown))

    anna_chat = await citizen(1001, "Anna", "nl")
    await anna_chat.send("/start")
    shown = await anna_chat.press("Mijn initiatieven")
    assert "Je initiatieven" in texts(shown) and "✅ gepubliceerd · 👥 0 doen mee · ⭐ 0 volgen" in texts(shown)


async def test_nobody_elses_initiative_can_be_opened_edited_or_withdrawn(citizen):
    bob = await citizen_row(1002, "Bob", "en")
    anna = await citizen_row(1001, "Anna", "nl")
    theirs = await initiative(anna, "Anna's own", Status.PUBLISHED)
    bob_chat = await citizen(1002, "Bob", "en")
    shown = await bob_chat.send("/mine")
    assert "You have no initiatives yet" in texts(shown)
    message_id = shown[-1]["message_id"]
    for data in (f"mine:o:{theirs.id}", f"mine:e:{theirs.id}", f"mine:f:{theirs.id}:t", f"mine:w:{theirs.id}",
                 f"mine:r:{theirs.id}", "mine:o:99999999999", "mine:o:abc"):
        await bob_chat.press_data(message_id, data)
        assert (await bob_chat.callback_notice())["answered"]
        assert "was not found" in await bob_chat.last_text() or "no initiatives" in await bob_chat.last_text()
    await bob_chat.send("A new title from Bob")
    row = await Initiative.get(id=theirs.id)
    assert row.title == "Anna's own" and row.status == Status.PUBLISHED and row.pending_changes is None
    assert bob.id != anna.id


async def test_editing_submitted_applies_and_published_waits_for_moderation(citizen):
    bob = await citizen_row(1002, "Bob", "en")
    submitted = await initiative(bob, "Skate park", Status.SUBMITTED)
    live = await initiative(bob, "Football for all", Status.PUBLISHED)
    chat = await citizen(1002, "Bob", "en")
    await chat.send("/mine")
    await chat.press("Skate park")
    await chat.press("Edit")
    shown = await chat.press("Title")
    assert "What is the new title?" in texts(shown)
    assert "at least 5 characters" in texts(await chat.send("Ska"))
    assert "I can only read text here" in texts(await chat.send_sticker())
    shown = await chat.send("Skate park <Noord> & 🛹")
    assert "Saved." in texts(shown) and "Skate park <Noord> & 🛹" in texts(shown)
    assert (await Initiative.get(id=submitted.id)).title == "Skate park <Noord> & 🛹"

    await chat.send("/mine")
    await chat.press("Football")
    shown = await chat.press("Edit")
    assert "shown after moderation" in texts(shown)
    await chat.press("Budget")
    assert "could not read that as an amount" in texts(await chat.send("a lot"))
    shown = await chat.send("1.250,75")
    assert "Saved. Your changes are shown after moderation." in texts(shown)
    await chat.press("Edit")
    await chat.press("Help needed")
    await chat.press("Volunteers")  # off: nothing selected
    await chat.press("Done")
    assert (await chat.callback_notice())["text"] == "Choose at least one kind of help."
    await chat.press("Money")
    await chat.press("Materials")
    shown = await chat.press("Done")
    assert "Your latest changes are shown after moderation." in texts(shown)
    row = await Initiative.get(id=live.id)
    assert row.budget_cents is None and row.help_needed == ["volunteers"]  # the public version is unchanged
    assert row.pending_changes["fields"] == {"budget_cents": 125075, "help_needed": ["money", "materials"]}
    await chat.press("Edit")
    await chat.press("Description")
    shown = await chat.press("Back")
    assert "Status: ✅ published" in texts(shown)


async def test_withdraw_with_a_reason_and_submit_again_after_changes_requested(citizen):
    bob = await citizen_row(1002, "Bob", "en")
    live = await initiative(bob, "Football for all", Status.PUBLISHED)
    asked = await initiative(bob, "Skate park", Status.CHANGES_REQUESTED, status_reason="Where exactly?")
    chat = await citizen(1002, "Bob", "en")
    await chat.send("/mine")
    await chat.press("Football")
    shown = await chat.press("Withdraw")
    assert "Why do you withdraw it?" in texts(shown)
    assert "at least 5 characters" in texts(await chat.send("no"))
    shown = await chat.send("We found <another> club & joined them")
    assert "Withdraw “Football for all”?" in texts(shown) and "<another> club & joined" in texts(shown)
    shown = await chat.press("No, keep it")
    assert (await Initiative.get(id=live.id)).status == Status.PUBLISHED
    await chat.press("Withdraw")
    await chat.send("We found <another> club & joined them")
    shown = await chat.press("Yes, withdraw it")
    assert "Status: ↩️ withdrawn" in texts(shown) and "Reason: We found <another> club" in texts(shown)
    row = await Initiative.get(id=live.id)
    assert row.status == Status.WITHDRAWN and row.status_reason == "We found <another> club & joined them"
    assert "↩️ Withdraw" not in labels(shown)

    await chat.send("/mine")
    shown = await chat.press("Skate park")
    assert "✏️ changes requested" in texts(shown) and "Reason: Where exactly?" in texts(shown)
    shown = await chat.press("Submit again")
    assert "⏳ submitted, awaiting moderation" in texts(shown)
    row = await Initiative.get(id=asked.id)
    assert row.status == Status.SUBMITTED and row.status_reason is None


async def test_a_draft_in_the_list_continues_in_the_wizard(citizen):
    bob = await citizen_row(1002, "Bob", "en")
    await Initiative.create(title="Half an idea", status=Status.DRAFT, initiator=bob)
    chat = await citizen(1002, "Bob", "en")
    shown = await chat.send("/mine")
    assert "📝 draft, not submitted yet" in texts(shown)
    await chat.press("Half an idea")
    shown = await chat.press("Continue this draft")
    assert "Step 2 of 8" in texts(shown) and "Which theme" in texts(shown)
