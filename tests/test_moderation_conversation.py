"""Moderation through the emulation: the staff queue, decisions with reasons, forged buttons, typed commands."""

from __future__ import annotations

from models.audit import AuditEntry
from models.citizen import Citizen as CitizenRow
from models.initiative import Initiative, Status
from tests.harness import STAFF_ID, labels, texts
from tests.moderation_seed import initiative, profile, wait_for_message


async def test_staff_approve_from_the_queue_and_the_dutch_initiator_is_told(citizen):
    anna_row = await profile(1001, "Anna de Vries", "nl")
    older = await initiative("Buurtmoestuin <Zwolle> & co", anna_row)
    await initiative("Speeltuin", anna_row)
    await Initiative.filter(id=older.id).update(submitted_at=older.submitted_at.replace(year=2024))
    staff = await citizen(STAFF_ID, "Sam", "en")
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/start")  # Telegram lets a bot write only to people who started it

    shown = await staff.send("/queue")
    assert "Waiting for you (oldest first):" in texts(shown)
    queue = texts(shown)
    assert queue.index("Buurtmoestuin <Zwolle> & co") < queue.index("Speeltuin")
    assert "new initiative" in queue
    shown = await staff.press("1. Buurtmoestuin")
    card = texts(shown)
    assert f"New initiative #{older.id}" in card and "Buurtmoestuin <Zwolle> & co" in card
    assert "Green spaces and nature · Zwolle" in card
    assert "Budget: €1,250.50" in card and "By: Anna de Vries (citizen #" in card
    assert labels(shown) == ["✅ Approve", "✏️ Ask for changes", "⛔ Reject"]

    shown = await staff.press("Approve")
    assert "Approved and published: Buurtmoestuin <Zwolle> & co" in texts(shown)
    told = await wait_for_message(anna, "is goedgekeurd en gepubliceerd")
    assert "Je initiatief “Buurtmoestuin <Zwolle> & co” is goedgekeurd en gepubliceerd!" in told["visible_text"]
    row = await Initiative.get(id=older.id)
    assert row.status == Status.PUBLISHED and row.published_at is not None
    assert await AuditEntry.filter(action="approve", actor_telegram_id=STAFF_ID, target_id=older.id).exists()

    await staff.press_data(shown[-1]["message_id"], f"mod:a:{older.id}")  # pressed again: already decided
    assert (await staff.callback_notice())["text"] == "Someone already decided on this."
    shown = await staff.send("/queue")
    assert "Buurtmoestuin" not in texts(shown) and "Speeltuin" in texts(shown)


async def test_dutch_staff_ask_for_changes_and_the_english_initiator_reads_the_reason(citizen):
    bob_row = await profile(1002, "Bob", "en")
    waiting = await initiative("Repair café", bob_row)
    staff = await citizen(STAFF_ID, "Sam", "nl")
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")

    await staff.send("/queue")
    shown = await staff.press("1. Repair café")
    assert f"Nieuw initiatief #{waiting.id}" in texts(shown)
    assert labels(shown) == ["✅ Goedkeuren", "✏️ Wijziging vragen", "⛔ Afwijzen"]
    shown = await staff.press("Wijziging vragen")
    assert "Wat moet er veranderen aan “Repair café”?" in texts(shown)
    shown = await staff.send_sticker()
    assert "Hier kan ik alleen tekst lezen" in texts(shown)
    shown = await staff.send("x" * 1001)
    assert "hoogstens 1000 tekens" in texts(shown)
    assert (await Initiative.get(id=waiting.id)).status == Status.SUBMITTED

    shown = await staff.send("Vertel <b>wie</b> meedoet & waar 🌱")
    assert "Wijziging gevraagd: Repair café." in texts(shown)
    told = await wait_for_message(bob, "Staff ask you to change something")
    assert "“Repair café”" in told["visible_text"]
    assert "Vertel <b>wie</b> meedoet & waar 🌱" in told["visible_text"]  # shown as typed, not as markup
    row = await Initiative.get(id=waiting.id)
    assert (row.status, row.status_reason) == (Status.CHANGES_REQUESTED, "Vertel <b>wie</b> meedoet & waar 🌱")


async def test_reject_with_a_reason_in_english_to_a_dutch_initiator(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    waiting = await initiative("Koop mijn horloges", anna_row)
    staff = await citizen(STAFF_ID, "Sam", "en")
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/start")  # Telegram lets a bot write only to people who started it
    await staff.send("/queue")
    await staff.press("1. Koop")
    shown = await staff.press("Reject")
    assert "Why is “Koop mijn horloges” rejected?" in texts(shown)
    shown = await staff.send("This is advertising.")
    assert "Rejected: Koop mijn horloges." in texts(shown)
    told = await wait_for_message(anna, "is niet geaccepteerd")
    assert "This is advertising." in told["visible_text"]
    row = await Initiative.get(id=waiting.id)
    assert (row.status, row.status_reason) == (Status.REJECTED, "This is advertising.")
    assert await AuditEntry.filter(action="reject", reason="This is advertising.").exists()


async def test_cancel_while_typing_a_reason_keeps_the_initiative_waiting(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    waiting = await initiative("Buurtfeest", anna_row)
    staff = await citizen(STAFF_ID, "Sam", "en")
    await staff.send("/queue")
    await staff.press("1. Buurtfeest")
    await staff.press("Reject")
    shown = await staff.send("/cancel")
    assert "your moderation decision" in texts(shown)
    assert (await Initiative.get(id=waiting.id)).status == Status.SUBMITTED
    shown = await staff.press("Continue")
    assert "Why is “Buurtfeest” rejected?" in texts(shown)


async def test_forged_moderation_buttons_of_a_citizen_are_refused_and_logged(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    waiting = await initiative("Buurtmoestuin", anna_row)
    published = await initiative("Speeltuin", anna_row, status=Status.PUBLISHED)
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/start")
    message_id = shown[-1]["message_id"]
    for data in (f"mod:a:{waiting.id}", f"mod:o:{waiting.id}", f"mod:c:{waiting.id}", f"mod:r:{waiting.id}",
                 f"mod:h:i:{published.id}", f"mod:s:i:{published.id}", f"blk:{anna_row.id}", "mod:q"):
        await bob.press_data(message_id, data)
        notice = await bob.callback_notice()
        assert notice["text"] == "You are not allowed to do that.", data
    assert not bob_in_a_flow(await bob.send("hello"))
    assert (await Initiative.get(id=waiting.id)).status == Status.SUBMITTED
    assert not (await Initiative.get(id=published.id)).hidden
    assert not (await CitizenRow.get(id=anna_row.id)).blocked_by_staff
    refused = await AuditEntry.filter(action__startswith="refused:").values_list("actor_telegram_id", "action")
    assert {actor for actor, _action in refused} == {1002}
    assert {"refused:approve", "refused:hide", "refused:queue"} <= {action for _actor, action in refused}

    await bob.press_data(message_id, "mod:a:99999999999")  # an absurd id is no crash either
    assert (await bob.callback_notice())["answered"]


def bob_in_a_flow(shown: list) -> bool:
    return "I'm not sure what you mean" not in texts(shown)


async def test_staff_commands_typed_by_a_citizen_are_unknown(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    published = await initiative("Speeltuin", anna_row, status=Status.PUBLISHED)
    bob = await citizen(1002, "Bob", "en")
    for command in ("/queue", "/audit", f"/hide {published.id} spam", f"/block {anna_row.id} spam",
                    f"/unblock {anna_row.id}", f"/verify {anna_row.id} Evil Corp", f"/unverify {anna_row.id}",
                    f"/unhide {published.id}", "/QUEUE@SamenVoorElkaarBot"):
        shown = await bob.send(command)
        assert "I don't know that command" in texts(shown), command
    help_text = texts(await bob.send("/help"))
    assert "/queue" not in help_text and "/audit" not in help_text and "/privacy" in help_text
    assert not (await Initiative.get(id=published.id)).hidden
    row = await CitizenRow.get(id=anna_row.id)
    assert not row.blocked_by_staff and not row.verified_professional
    assert not await AuditEntry.filter(action__in=["hide", "block", "verify_professional"]).exists()

    staff = await citizen(STAFF_ID, "Sam", "en")
    staff_help = texts(await staff.send("/help"))
    assert "/queue" in staff_help and "/audit" in staff_help and "/block" in staff_help


async def test_staff_hide_unhide_verify_and_the_audit_log(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    published = await initiative("Speeltuin", anna_row, status=Status.PUBLISHED)
    staff = await citizen(STAFF_ID, "Sam", "en")
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/start")  # Telegram lets a bot write only to people who started it

    assert "Use it like this" in texts(await staff.send("/hide"))
    assert "There is no 424242." in texts(await staff.send("/hide 424242"))
    shown = await staff.send(f"/hide {published.id} Klachten van <buren>")
    assert "Hidden: Speeltuin" in texts(shown)
    assert (await Initiative.get(id=published.id)).hidden
    assert "Visible: Speeltuin" in texts(await staff.send(f"/unhide #{published.id}"))
    assert not (await Initiative.get(id=published.id)).hidden

    newcomer = await profile(1003, "Nina", "en", registered=False)
    assert "has no profile yet" in texts(await staff.send(f"/verify {newcomer.id} Welzijn"))
    shown = await staff.send(f"/verify {anna_row.id} Welzijn & Zorg Zwolle")
    assert f"Anna (citizen #{anna_row.id}) is now a verified professional of Welzijn & Zorg Zwolle" in texts(shown)
    told = await wait_for_message(anna, "geverifieerde professional")
    assert "Welzijn & Zorg Zwolle" in told["visible_text"]
    row = await CitizenRow.get(id=anna_row.id)
    assert row.verified_professional and row.organisation == "Welzijn & Zorg Zwolle"

    log = texts(await staff.send("/audit"))
    assert "Audit log (newest first)" in log
    assert "Sam: verified as professional citizen #" in log
    assert "Sam: hid initiative #" in log and "Klachten van <buren>" in log
    assert log.index("verified as professional") < log.index("hid initiative")


async def test_blocked_citizen_gets_one_polite_notice_and_nothing_runs(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    staff = await citizen(STAFF_ID, "Sam", "en")
    anna = await citizen(1001, "Anna", "nl")
    shown = await anna.send("/start")
    menu_message = shown[-1]["message_id"]

    shown = await staff.send(f"/block {anna_row.id}")
    assert "Why do you block Anna" in texts(shown)
    shown = await staff.send("Stuurt <spam> & reclame")
    assert f"Blocked: Anna (citizen #{anna_row.id})." in texts(shown)
    row = await CitizenRow.get(id=anna_row.id)
    assert row.blocked_by_staff
    assert await AuditEntry.filter(action="block", target_id=anna_row.id, reason="Stuurt <spam> & reclame").exists()

    shown = await anna.send("/start")
    assert texts(shown).startswith("De moderatoren hebben je toegang tot deze bot gepauzeerd")
    assert labels(shown) == []
    assert await anna.send("/help") == []  # one notice only: nothing more
    assert await anna.send("/privacy") == []
    assert await anna.press_data(menu_message, "help") == []
    notice = await anna.callback_notice()
    assert notice["answered"] and notice["text"].startswith("De moderatoren hebben je toegang")

    shown = await staff.send(f"/block {(await CitizenRow.get(telegram_id=STAFF_ID)).id} oeps")
    assert "Staff members cannot be blocked." in texts(shown)
    assert "Unblocked: Anna" in texts(await staff.send(f"/unblock {anna_row.id}"))
    assert "Welkom terug, Anna!" in texts(await anna.send("/start"))


async def test_block_the_author_button_under_a_report_asks_the_reason(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    staff = await citizen(STAFF_ID, "Sam", "nl")
    await staff.send("/start")
    message_id = (await staff.user.bot_messages())[-1]["message_id"]
    shown = await staff.press_data(message_id, f"blk:{anna_row.id}")
    assert "Waarom blokkeer je Anna" in texts(shown)
    shown = await staff.send("Beledigt anderen")
    assert f"Geblokkeerd: Anna (deelnemer #{anna_row.id})" in texts(shown)
    assert (await CitizenRow.get(id=anna_row.id)).blocked_by_staff
    await staff.press_data(message_id, "blk:999999")
    assert (await staff.callback_notice())["text"] == "Dat bestaat niet meer."
