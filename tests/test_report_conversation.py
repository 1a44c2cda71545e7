"""Reporting initiatives and updates through the emulation, and hiding after three reports."""

from __future__ import annotations

from models.audit import AuditEntry
from models.initiative import Initiative, InitiativeUpdate, Report, Status
from tests.harness import STAFF_ID, labels, texts
from tests.moderation_seed import initiative, profile, wait_for_message


async def test_three_reports_hide_an_initiative_until_staff_decide(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    garden = await initiative("Buurtmoestuin", anna_row, status=Status.PUBLISHED)
    staff = await citizen(STAFF_ID, "Sam", "en")
    await staff.send("/start")
    bob = await citizen(1002, "Bob", "en")
    carol = await citizen(1003, "Carol", "nl")
    dave = await citizen(1004, "Dave", "en")
    anna = await citizen(1001, "Anna", "nl")

    shown = await bob.send(f"/start report-i-{garden.id}")
    assert "What is wrong with this initiative?" in texts(shown)
    assert labels(shown) == ["Spam", "Offensive", "Does not belong here", "Never mind"]
    shown = await bob.press("Spam")
    assert "add a note for the moderators" in texts(shown)
    shown = await bob.send("x" * 501)
    assert "at most 500 characters" in texts(shown)
    shown = await bob.send("Sells <b>watches</b> & more 🕰")
    assert "Thank you. The moderators will look at “Buurtmoestuin”." in texts(shown)
    notice = await wait_for_message(staff, "Report on initiative")
    assert f"Report on initiative #{garden.id}: spam" in notice["visible_text"]
    assert "Note: Sells <b>watches</b> & more 🕰" in notice["visible_text"]
    assert "1 report" in notice["visible_text"]
    assert not (await Initiative.get(id=garden.id)).hidden

    shown = await bob.send(f"/start report-i-{garden.id}")
    assert "You already reported this." in texts(shown)
    shown = await anna.send(f"/start report-i-{garden.id}")
    assert "Je eigen initiatief of bericht kun je niet melden." in texts(shown)

    shown = await carol.send(f"/start report-i-{garden.id}")
    assert "Wat is er mis met dit initiatief?" in texts(shown)
    await carol.press("Beledigend")
    shown = await carol.press("Overslaan")
    assert "Dank je wel. De moderatoren gaan naar “Buurtmoestuin” kijken." in texts(shown)
    assert not (await Initiative.get(id=garden.id)).hidden

    await dave.send(f"/start report-i-{garden.id}")
    await dave.press("Does not belong")
    await dave.press("Skip")
    assert (await Initiative.get(id=garden.id)).hidden
    notice = await wait_for_message(staff, "It is now hidden until a staff member decides.")
    assert "3 reports" in notice["visible_text"]
    assert labels([notice]) == ["🙈 Keep hidden", "👁 Show again", "🚫 Block the author"]
    assert await AuditEntry.filter(action="auto_hide", target_id=garden.id).exists()
    reports = await Report.filter(target_id=garden.id).order_by("id").values_list("reason", "note")
    assert reports == [("spam", "Sells <b>watches</b> & more 🕰"), ("offensive", None), ("off_topic", None)]

    shown = await staff.send("/queue")
    assert "3 reports · hidden" in texts(shown)
    shown = await staff.press("1. Buurtmoestuin")
    assert "🚩 spam: Sells <b>watches</b> & more 🕰" in texts(shown)
    shown = await staff.press("Show again")
    assert "Visible: Buurtmoestuin" in texts(shown)
    assert not (await Initiative.get(id=garden.id)).hidden
    assert await Report.filter(target_id=garden.id, resolved=False).count() == 0
    assert "Nothing is waiting for you." in texts(await staff.send("/queue"))


async def test_report_an_update_and_staff_hide_it(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    garden = await initiative("Buurtmoestuin", anna_row, status=Status.PUBLISHED)
    news = await InitiativeUpdate.create(initiative=garden, author=anna_row, text="Koop nu goedkope horloges!")
    staff = await citizen(STAFF_ID, "Sam", "nl")
    await staff.send("/start")
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send("/start")
    shown = await bob.press_data(shown[-1]["message_id"], f"rep:u:{news.id}")
    assert "What is wrong with this update?" in texts(shown)
    await bob.press("Spam")
    await bob.press("Skip")
    notice = await wait_for_message(staff, "Melding over bericht")
    assert "Koop nu goedkope horloges!" in notice["visible_text"]
    shown = await staff.press("Verbergen")
    assert "Verborgen: Koop nu goedkope horloges!" in texts(shown)
    assert (await InitiativeUpdate.get(id=news.id)).hidden
    assert await AuditEntry.filter(action="hide", target_type="update", target_id=news.id,
                                   actor_telegram_id=STAFF_ID).exists()


async def test_reporting_what_is_not_there_or_forged(citizen):
    anna_row = await profile(1001, "Anna", "nl")
    draft = await initiative("Nog geheim", anna_row, status=Status.DRAFT)
    bob = await citizen(1002, "Bob", "en")
    shown = await bob.send(f"/start report-i-{draft.id}")
    assert "This can no longer be reported" in texts(shown)
    shown = await bob.send("/start report-x-1")
    assert "This link is not valid" in texts(shown)
    message_id = shown[-1]["message_id"]
    for data in ("rep:i:abc", "rep:x:i:1:boring", "rep:skip", "rep:x:q:1:spam", "rep:i:99999999999"):
        await bob.press_data(message_id, data)
        assert (await bob.callback_notice())["answered"], data
    await bob.press_data(message_id, f"rep:x:i:{draft.id}:spam")  # skipping the checks of the first step
    shown = await bob.press("Skip")
    assert "This can no longer be reported" in texts(shown)
    assert await Report.all().count() == 0
    published = await initiative("Speeltuin", anna_row, status=Status.PUBLISHED)
    await bob.send(f"/start report-i-{published.id}")
    await bob.press("Never mind")
    assert "Nothing was reported." in await bob.last_text()
