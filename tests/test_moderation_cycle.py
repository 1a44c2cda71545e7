"""The whole moderation cycle through the emulation: submit in the wizard, staff decide, the initiator is told;
edits of published initiatives; the daily submission cap; forged buttons of other features' actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.audit import AuditEntry
from models.citizen import Citizen as CitizenRow
from models.initiative import Initiative, Status
from tests.harness import STAFF_ID, labels, texts
from tests.moderation_seed import initiative, profile, wait_for_message

DESCRIPTION_NL = "We maken van het lege veldje aan de Parkweg een tuin waar buren samen groenten kweken."
DESCRIPTION_EN = "We turn the empty lot on the Parkweg into a garden where neighbours grow vegetables together."


async def walk_the_wizard(person, title: str, description: str, theme: str, skip: str, volunteers: str,
                          done: str) -> list:
    """/idea from the title to the summary, the quickest way."""
    await person.send("/idea")
    await person.send(title)
    await person.press(theme)
    await person.press("✓ ")
    await person.send(description)
    await person.press(skip)
    await person.press(volunteers)
    await person.press(done)
    await person.press(skip)
    return await person.press(skip)


async def latest_initiative(telegram_id: int) -> Initiative:
    owner = await CitizenRow.get(telegram_id=telegram_id)
    return await Initiative.filter(initiator_id=owner.id).order_by("-id").first()


async def test_dutch_initiative_changes_asked_resubmitted_approved_then_edited(citizen):
    await profile(1001, "Anna de Vries", "nl")
    staff = await citizen(STAFF_ID, "Sam", "en")
    await staff.send("/start")
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/start")

    shown = await walk_the_wizard(anna, "Moestuin <Oost> & co", DESCRIPTION_NL, "Groen en natuur", "Overslaan",
                                  "Vrijwilligers", "Klaar")
    assert "klaar om in te dienen?" in texts(shown)
    shown = await anna.press("indienen")
    assert "is ingediend" in texts(shown)
    row = await latest_initiative(1001)
    assert row.status == Status.SUBMITTED

    card = await wait_for_message(staff, f"New initiative #{row.id}")
    assert "Moestuin <Oost> & co" in card["visible_text"] and DESCRIPTION_NL in card["visible_text"]
    assert labels([card]) == ["✅ Approve", "✏️ Ask for changes", "⛔ Reject"]
    shown = await staff.press("Ask for changes")
    assert "What should be changed in “Moestuin <Oost> & co”?" in texts(shown)
    await staff.send("Noem <b>waar</b> precies & wanneer.")
    told = await wait_for_message(anna, "De moderatoren vragen je iets aan te passen")
    assert "Noem <b>waar</b> precies & wanneer." in told["visible_text"]
    assert (await Initiative.get(id=row.id)).status == Status.CHANGES_REQUESTED

    await anna.send("/mine")
    await anna.press("Moestuin")
    await anna.press("Wijzigen")
    await anna.press("Beschrijving")
    await anna.send(DESCRIPTION_NL + " Elke zaterdag vanaf 10 uur.")
    shown = await anna.press("Opnieuw indienen")
    assert (await Initiative.get(id=row.id)).status == Status.SUBMITTED
    cards = [m for m in await staff.user.bot_messages() if f"New initiative #{row.id}" in (m["visible_text"] or "")]
    assert len(cards) == 2 and "Elke zaterdag vanaf 10 uur." in cards[-1]["visible_text"]
    assert "Earlier reason: Noem <b>waar</b> precies & wanneer." not in cards[-1]["visible_text"]

    shown = await staff.press("Approve")
    assert "Approved and published: Moestuin <Oost> & co" in texts(shown)
    await wait_for_message(anna, "Je initiatief “Moestuin <Oost> & co” is goedgekeurd en gepubliceerd!")
    published = await Initiative.get(id=row.id)
    assert published.status == Status.PUBLISHED and published.published_at is not None

    await anna.send("/mine")
    await anna.press("Moestuin")
    await anna.press("Wijzigen")
    await anna.press("Titel")
    shown = await anna.send("Moestuin Oost voor iedereen")
    assert "Je wijzigingen zijn zichtbaar na controle" in texts(shown)
    assert (await Initiative.get(id=row.id)).title == "Moestuin <Oost> & co"  # the public version stays
    edit_card = await wait_for_message(staff, f"Changes to published initiative #{row.id}")
    assert "Proposed changes:" in edit_card["visible_text"]
    assert "Title: Moestuin Oost voor iedereen" in edit_card["visible_text"]
    await anna.press("Wijzigen")
    await anna.press("Beschrijving")
    await anna.send(DESCRIPTION_NL + " Ook op woensdag.")
    edit_cards = [m for m in await staff.user.bot_messages()
                  if f"Changes to published initiative #{row.id}" in (m["visible_text"] or "")]
    assert len(edit_cards) == 1  # staff are told once per waiting edit

    shown = await staff.send("/queue")
    assert "changes to a published initiative" in texts(shown)
    await staff.press("1. Moestuin")
    await staff.press("Approve")
    await wait_for_message(anna, "Je wijzigingen in “Moestuin Oost voor iedereen” zijn goedgekeurd")
    edited = await Initiative.get(id=row.id)
    assert edited.title == "Moestuin Oost voor iedereen" and edited.description.endswith("Ook op woensdag.")
    assert edited.pending_changes is None and edited.status == Status.PUBLISHED
    actions = await AuditEntry.filter(actor_telegram_id=STAFF_ID).order_by("id").values_list("action", "reason")
    assert actions == [("request_changes", "Noem <b>waar</b> precies & wanneer."), ("approve", None),
                       ("approve", "edit")]


async def test_english_initiative_rejected_by_dutch_staff(citizen):
    await profile(1002, "Bob", "en")
    staff = await citizen(STAFF_ID, "Sam", "nl")
    await staff.send("/start")
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    await walk_the_wizard(bob, "Cheap watches for everyone", DESCRIPTION_EN, "Green spaces and nature", "Skip",
                          "Volunteers", "Done")
    await bob.press("Submit my idea")
    row = await latest_initiative(1002)
    card = await wait_for_message(staff, f"Nieuw initiatief #{row.id}")
    assert labels([card]) == ["✅ Goedkeuren", "✏️ Wijziging vragen", "⛔ Afwijzen"]
    shown = await staff.press("Afwijzen")
    assert "Waarom wijs je “Cheap watches for everyone” af?" in texts(shown)
    shown = await staff.send("Dit is reclame, geen initiatief voor de buurt.")
    assert "Afgewezen: Cheap watches for everyone." in texts(shown)
    told = await wait_for_message(bob, "Your initiative “Cheap watches for everyone” was not accepted.")
    assert "Dit is reclame, geen initiatief voor de buurt." in told["visible_text"]
    rejected = await Initiative.get(id=row.id)
    assert rejected.status == Status.REJECTED
    assert rejected.status_reason == "Dit is reclame, geen initiatief voor de buurt."


async def test_at_most_three_initiatives_a_day(citizen):
    bob_row = await profile(1002, "Bob", "en")
    now = datetime.now(UTC)
    for hours in (23, 5, 1):
        earlier = await initiative(f"Earlier idea {hours}", bob_row)
        await Initiative.filter(id=earlier.id).update(submitted_at=now - timedelta(hours=hours))
    staff = await citizen(STAFF_ID, "Sam", "en")
    await staff.send("/start")
    before = len(await staff.user.bot_messages())
    bob = await citizen(1002, "Bob", "en")
    await walk_the_wizard(bob, "A fourth idea today", DESCRIPTION_EN, "Green spaces and nature", "Skip",
                          "Volunteers", "Done")
    shown = await bob.press("Submit my idea")
    answer = texts(shown)
    assert "You can submit at most 3 initiatives a day, and you have reached that." in answer
    assert "you can submit it in about 1 hour." in answer  # the oldest of the three is 23 hours old
    row = await latest_initiative(1002)
    assert row.title == "A fourth idea today" and row.status == Status.DRAFT
    assert len(await staff.user.bot_messages()) == before  # staff were not bothered

    await Initiative.filter(title="Earlier idea 23").update(submitted_at=now - timedelta(hours=25))
    shown = await bob.press("Submit my idea")
    assert "is submitted" in texts(shown)
    assert (await Initiative.get(id=row.id)).status == Status.SUBMITTED


async def test_the_daily_cap_in_dutch(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    for n in range(3):
        await initiative(f"Idee {n}", anna_row)
    anna = await citizen(1001, "Anna", "nl")
    await walk_the_wizard(anna, "Nog een idee vandaag", DESCRIPTION_NL, "Groen en natuur", "Overslaan",
                          "Vrijwilligers", "Klaar")
    shown = await anna.press("indienen")
    assert "Je kunt hoogstens 3 initiatieven per dag indienen" in texts(shown)
    assert "over ongeveer 24 uur" in texts(shown)


async def test_forged_buttons_on_someone_elses_initiative_are_refused_and_logged(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    await profile(1002, "Bob", "en")
    theirs = await initiative("Anna's garden", anna_row, status=Status.PUBLISHED)
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/start")
    message_id = shown[-1]["message_id"]
    for data in (f"mine:e:{theirs.id}", f"mine:w:{theirs.id}", f"mine:r:{theirs.id}", f"upd:{theirs.id}",
                 f"mod:a:{theirs.id}"):
        await bob.press_data(message_id, data)
        assert (await bob.callback_notice())["answered"], data
    row = await Initiative.get(id=theirs.id)
    assert (row.status, row.title, row.pending_changes) == (Status.PUBLISHED, "Anna's garden", None)
    refused = await AuditEntry.filter(action__startswith="refused:", target_id=theirs.id) \
        .values_list("actor_telegram_id", "action")
    assert {actor for actor, _action in refused} == {1002}
    assert {"refused:open", "refused:post_update", "refused:approve"} <= {action for _actor, action in refused}
    staff = await citizen(STAFF_ID, "Sam", "en")
    log = texts(await staff.send("/audit"))
    assert "Bob: ⛔ was refused: approve initiative #" in log
