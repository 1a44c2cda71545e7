"""/privacy, /mydata and /deleteme through the emulation: the file's content and the database afterwards."""

from __future__ import annotations

import json
import logging

from models.audit import AuditEntry
from models.citizen import Citizen as CitizenRow
from models.conversation import ConversationState
from models.delivery import Delivery, OutboxKind, OutboxMessage
from models.initiative import Initiative, Membership, MembershipKind, Status
from tests.harness import STAFF_ID, labels, texts
from tests.moderation_seed import initiative, profile


async def test_privacy_explains_and_links_the_web_page(citizen):
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/privacy")
    assert "Your privacy" in texts(shown) and "What we store, and why:" in texts(shown)
    buttons = shown[-1]["reply_markup"]["inline_keyboard"]
    assert buttons[0][0] == {"text": "Privacy statement", "url": "http://testserver.local/privacy"}
    assert labels(shown)[1:] == ["📦 My data", "🗑 Delete my data"]
    anna = await citizen(1001, "Anna", "nl")
    assert "Je privacy" in texts(await anna.send("/privacy"))


async def document_of(emulator, user) -> dict:
    message = [m for m in await user.user.bot_messages() if m.get("document")][-1]
    assert message["document"]["file_name"] == "my-data.json"
    return json.loads(await emulator.file(message["document"]["file_id"]))


async def test_mydata_sends_a_summary_and_a_json_file_with_everything(citizen, emulator):
    anna_row = await profile(1001, "Anna <de> Vries", "nl", email="anna@example.org")
    bob_row = await profile(1002, "Bob", "en")
    mine = await initiative("Buurtmoestuin", anna_row, status=Status.PUBLISHED)
    theirs = await initiative("Repair café", bob_row, status=Status.PUBLISHED)
    await Membership.create(initiative=theirs, citizen=anna_row, kind=MembershipKind.JOIN,
                            offer_text="Ik kan solderen")
    await Membership.create(initiative=theirs, citizen=anna_row, kind=MembershipKind.FOLLOW)
    anna = await citizen(1001, "Anna", "nl")

    shown = await anna.send("/mydata")
    summary = texts(shown)
    assert "Wat we over je bewaren" in summary
    assert "Openbare naam: Anna <de> Vries" in summary and "Gemeente: Zwolle" in summary
    assert "E-mail: anna@example.org" in summary
    assert "Initiatieven: 1" in summary and "Doe je mee: 1 · Volg je: 1" in summary
    document = await document_of(emulator, anna)
    assert document["profile"]["telegram_id"] == 1001
    assert document["profile"]["public_name"] == "Anna <de> Vries"
    assert document["profile"]["email"] == "anna@example.org"
    assert document["profile"]["municipality"] == "Zwolle"
    assert [row["id"] for row in document["initiatives"]] == [mine.id]
    assert {row["kind"] for row in document["memberships"]} == {"join", "follow"}
    assert any(row["offer_text"] == "Ik kan solderen" for row in document["memberships"])
    assert "Repair café" not in json.dumps(document["initiatives"])

    bob = await citizen(1002, "Bob", "en")
    await bob.send("/privacy")
    shown = await bob.press("My data")
    assert "What we store about you" in texts(shown) and "Public name: Bob" in texts(shown)
    assert (await document_of(emulator, bob))["profile"]["language"] == "en"


async def test_mydata_of_someone_without_a_profile(citizen, emulator):
    nina = await citizen(1005, "Nina", "en")
    shown = await nina.send("/mydata")
    assert "Telegram name: Nina" in texts(shown) and "You have no profile." in texts(shown)
    assert (await document_of(emulator, nina))["profile"]["registered_at"] is None


async def test_deleteme_keeping_initiatives_anonymously(citizen, caplog):
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="handlers")
    anna_row = await profile(1001, "Anna Geheimnaam", "nl", email="geheim@example.org")
    bob_row = await profile(1002, "Bob", "en")
    mine = await initiative("Buurtmoestuin", anna_row, status=Status.PUBLISHED)
    draft = await initiative("Half idee", anna_row, status=Status.DRAFT)
    theirs = await initiative("Repair café", bob_row, status=Status.PUBLISHED, members_count=1)
    await Membership.create(initiative=theirs, citizen=anna_row, kind=MembershipKind.JOIN)
    outbox = await OutboxMessage.create(kind=OutboxKind.UPDATE, text="Nieuws")
    await Delivery.create(message=outbox, citizen=anna_row, chat_id=1001)
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/start")

    shown = await anna.send("/deleteme")
    assert "Je gegevens wissen?" in texts(shown)
    assert labels(shown) == ["Wissen, en mijn initiatieven intrekken", "Wissen, mijn initiatieven anoniem laten staan",
                             "Nee, bewaar mijn gegevens"]
    shown = await anna.press("Nee, bewaar")
    assert "Er is niets gewist." in texts(shown)
    assert await CitizenRow.exists(telegram_id=1001)

    await anna.send("/deleteme")
    shown = await anna.press("anoniem laten staan")
    assert "Je gegevens zijn gewist." in texts(shown)
    assert not await CitizenRow.exists(telegram_id=1001)
    kept = await Initiative.get(id=mine.id)
    assert (kept.status, kept.initiator_id, kept.initiator_name) == (Status.PUBLISHED, None, None)
    assert not await Initiative.exists(id=draft.id)
    assert await Membership.all().count() == 0
    assert (await Initiative.get(id=theirs.id)).members_count == 0
    assert await Delivery.all().count() == 0
    assert not await ConversationState.exists(user_id=1001)
    assert await AuditEntry.filter(action="erase_personal_data").exists()

    shown = await anna.send("/start")  # a new beginning
    assert "Welkom, Anna!" in texts(shown)
    fresh = await CitizenRow.get(telegram_id=1001)
    assert fresh.id != anna_row.id and fresh.public_name is None and fresh.email is None

    logged = caplog.text
    for secret in ("Geheimnaam", "geheim@example.org", "1001"):
        assert secret not in logged


async def test_deleteme_withdrawing_initiatives_in_english(citizen):
    bob_row = await profile(1002, "Bob", "en")
    published = await initiative("Repair café", bob_row, status=Status.PUBLISHED)
    waiting = await initiative("Buurtfeest", bob_row, status=Status.SUBMITTED)
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/privacy")
    shown = await bob.press("Delete my data")
    assert "What should happen to your initiatives?" in texts(shown)
    shown = await bob.press("withdraw my initiatives")
    assert "Your data is erased." in texts(shown)
    for row_id in (published.id, waiting.id):
        row = await Initiative.get(id=row_id)
        assert (row.status, row.initiator_id) == (Status.WITHDRAWN, None)
    assert not await CitizenRow.exists(telegram_id=1002)


async def test_deleteme_without_initiatives_and_a_forged_second_press(citizen):
    nina = await citizen(1005, "Nina", "en")
    shown = await nina.send("/deleteme")
    assert labels(shown) == ["Yes, delete my data", "No, keep my data"]
    message_id = shown[-1]["message_id"]
    await nina.press("Yes, delete")
    assert not await CitizenRow.exists(telegram_id=1005)
    await nina.press_data(message_id, "del:w")  # the citizen row is back (created on contact): erased again
    assert (await nina.callback_notice())["answered"]
    await nina.press_data(message_id, "del:zz")
    assert "Nothing was deleted." in await nina.last_text()


async def test_staff_who_erase_their_data_keep_their_decisions_in_the_audit_log(citizen):
    staff_row = await profile(STAFF_ID, "Sam", "en")
    waiting = await initiative("Buurtfeest", staff_row)
    staff = await citizen(STAFF_ID, "Sam", "en")
    await staff.send("/queue")
    await staff.press("1. Buurtfeest")
    await staff.press("Approve")
    await staff.send("/deleteme")
    await staff.press("keep my initiatives anonymously")
    assert await AuditEntry.filter(action="approve", actor_telegram_id=STAFF_ID, target_id=waiting.id).exists()
