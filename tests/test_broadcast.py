"""/broadcast through the emulation: staff choose an audience, write, preview, send, follow and stop."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.services import outbox
from models.audit import AuditEntry
from models.citizen import Citizen as CitizenRow
from models.citizen import Role, ThemePreference
from models.delivery import Delivery, DeliveryStatus, OutboxKind, OutboxMessage, OutboxStatus
from models.initiative import Initiative, Membership, MembershipKind, Status
from models.region import Municipality, Theme
from tests.harness import STAFF_ID, labels, texts

MARKET = "Markt op zaterdag & <gratis> koffie ☕ info"
MARKET_ENTITIES = [{"type": "bold", "offset": 0, "length": 5},
                   {"type": "text_link", "offset": len(MARKET) - 4, "length": 4, "url": "https://example.org/?a=1&b=2"}]


async def eventually(check: Any, timeout: float = 30.0) -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


async def final_report(user: Any, word: str) -> str:
    """The progress report in `user`'s chat once it says `word` (finished / stopped)."""
    async def report() -> str | None:
        for message in await user.user.bot_messages():
            text = message["visible_text"] or ""
            if text.startswith("📢") and "#" in text.split("\n", 1)[0] and word in text.split("\n", 1)[0]:
                return text
        return None
    return await eventually(report)


def announcements_in(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if (m["visible_text"] or "").startswith(("📢 Aankondiging\n", "📢 Announcement\n"))]


async def test_staff_announces_to_everyone_in_dutch_with_formatting_kept(citizen):
    anna = await citizen(1001, "Anna", "nl")
    bob = await citizen(1002, "Bob", "en")
    staff = await citizen(STAFF_ID, "Sam", "nl")
    for user in (anna, bob, staff):
        await user.send("/start")

    shown = await staff.send("/broadcast")
    assert "Nieuwe aankondiging" in texts(shown) and "Wie moet hem krijgen?" in texts(shown)
    assert labels(shown) == ["👥 Iedereen", "🏷 Een thema", "📍 Een gemeente", "🤝 Deelnemers van een initiatief",
                             "🎓 Professionals", "✖ Annuleren"]
    shown = await staff.press("👥 Iedereen")
    assert "Aankondiging aan iedereen" in texts(shown)
    assert "Hij zou nu 3 mensen bereiken." in texts(shown)

    shown = await staff.send_formatted(MARKET, MARKET_ENTITIES)
    preview, summary = shown
    assert preview["text"].startswith("📢 <b>Aankondiging</b>")
    assert "<b>Markt</b> op zaterdag &amp; &lt;gratis&gt; koffie ☕ " in preview["text"]
    assert '<a href="https://example.org/?a=1&amp;b=2">info</a>' in preview["text"]
    assert "Zo zien de ontvangers je aankondiging." in summary["visible_text"]
    assert "Voor: iedereen" in summary["visible_text"]
    assert "Hij gaat naar 3 mensen. Nu versturen?" in summary["visible_text"]

    shown = await staff.press("Versturen naar 3")
    assert (await staff.callback_notice())["text"] == "Wordt verstuurd…"
    assert shown[0]["message_id"] == summary["message_id"]  # the summary became the progress report
    report = await final_report(staff, "klaar")
    assert "Verstuurd: 3" in report and "Hebben de bot geblokkeerd: 0" in report and "Mislukt: 0" in report

    dutch = announcements_in(await anna.user.bot_messages())
    assert len(dutch) == 1
    assert MARKET in dutch[0]["visible_text"]
    assert "Je krijgt aankondigingen omdat ze aan staan in /settings." in dutch[0]["visible_text"]
    english = announcements_in(await bob.user.bot_messages())
    assert len(english) == 1
    assert english[0]["visible_text"].startswith("📢 Announcement\n\n" + MARKET)
    assert "You get announcements because they are on in /settings." in english[0]["visible_text"]

    message = await OutboxMessage.get(kind=OutboxKind.ANNOUNCEMENT)
    staff_row = await CitizenRow.get(telegram_id=STAFF_ID)
    assert (message.author_id, message.audience, message.status) == (
        staff_row.id, {"kind": "all", "id": None}, OutboxStatus.DONE)
    assert await Delivery.filter(message_id=message.id, status=DeliveryStatus.SENT).count() == 3
    assert await AuditEntry.filter(action="announcement_send", target_id=message.id,
                                   actor_telegram_id=STAFF_ID).exists()


async def test_staff_announces_to_a_theme_in_english_respecting_choices(citizen):
    staff = await citizen(STAFF_ID, "Sam", "en")
    everyone, sporty, arty, silent = [await citizen(1100 + n, f"C{n}", "nl") for n in range(4)]
    for user in (staff, everyone, sporty, arty, silent):
        await user.send("/start")
    sport, culture = await Theme.get(slug="sport"), await Theme.get(slug="culture")
    rows = {row.telegram_id: row for row in await CitizenRow.all()}
    await ThemePreference.create(citizen_id=rows[sporty.id].id, theme_id=sport.id, kind="announcements")
    await ThemePreference.create(citizen_id=rows[arty.id].id, theme_id=culture.id, kind="announcements")
    await CitizenRow.filter(telegram_id=silent.id).update(receive_announcements=False)

    await staff.send("/broadcast")
    shown = await staff.press("🏷 A theme")
    assert "Which theme?" in texts(shown)
    shown = await staff.press("Arts and culture")
    assert "Announcement to everyone interested in the theme Arts and culture" in texts(shown)
    assert "It would reach 3 people now." in texts(shown)  # staff, the one with all themes, the arty one
    await staff.send("Open studios this weekend 🎨")
    await staff.press("Send to 3")
    report = await final_report(staff, "finished")
    assert "Sent: 3" in report

    for user, expected in ((everyone, 1), (arty, 1), (sporty, 0), (silent, 0)):
        got = announcements_in(await user.user.bot_messages())
        assert len(got) == expected, user.id
        if expected:
            assert "Open studios this weekend 🎨" in got[0]["visible_text"]


async def test_audiences_by_municipality_initiative_and_professionals(citizen):
    staff = await citizen(STAFF_ID, "Sam", "en")
    people = [await citizen(1200 + n, f"P{n}", "en") for n in range(4)]
    for user in (staff, *people):
        await user.send("/start")
    rows = {row.telegram_id: row for row in await CitizenRow.all()}
    deventer = await Municipality.get(name="Deventer")
    await CitizenRow.filter(telegram_id__in=[people[0].id, people[1].id]).update(municipality_id=deventer.id)
    await CitizenRow.filter(telegram_id=people[3].id).update(role=Role.PROFESSIONAL)
    garden = await Initiative.create(title="Community <garden> & more", status=Status.PUBLISHED,
                                     initiator_id=rows[people[0].id].id)
    await Membership.create(initiative_id=garden.id, citizen_id=rows[people[1].id].id, kind=MembershipKind.JOIN)
    await Membership.create(initiative_id=garden.id, citizen_id=rows[people[2].id].id, kind=MembershipKind.FOLLOW)

    await staff.send("/broadcast")
    await staff.press("📍 A municipality")
    shown = await staff.press("Deventer")
    assert "Announcement to everyone in Deventer" in texts(shown)
    assert "It would reach 2 people now." in texts(shown)

    shown = await staff.press("‹ Change audience")
    shown = await staff.press("🎓 Professionals")
    assert "Announcement to the professionals" in texts(shown)
    assert "It would reach 1 person now." in texts(shown)

    await staff.press("‹ Change audience")
    shown = await staff.press("🤝 Members of an initiative")
    assert "Which initiative?" in texts(shown)
    shown = await staff.send("zzz no such thing")
    assert "I found no initiative for “zzz no such thing”" in texts(shown)
    shown = await staff.send("<garden>")
    assert labels(shown)[0] == f"#{garden.id} Community <garden> & more"
    shown = await staff.send(f"#{garden.id}")
    shown = await staff.press(f"#{garden.id} Community")
    assert "Announcement to the members of “Community <garden> & more”" in texts(shown)
    assert "It would reach 2 people now." in texts(shown)  # the initiator and the member, not the follower

    await staff.send("Work day on Saturday")
    await staff.press("Send to 2")
    await final_report(staff, "finished")
    got = [len(announcements_in(await user.user.bot_messages())) for user in people]
    assert got == [1, 1, 0, 0]


async def test_running_announcement_is_listed_and_can_be_stopped(citizen, emulator):
    staff = await citizen(STAFF_ID, "Sam", "nl")
    await staff.send("/start")
    first_id = 700_000
    await emulator._call("POST", "/users/bulk", {"first_id": first_id, "count": 150, "language_code": "nl"})
    await CitizenRow.bulk_create([CitizenRow(telegram_id=first_id + n, language="nl") for n in range(150)])

    await staff.send("/broadcast")
    await staff.press("👥 Iedereen")
    await staff.send("Let op: de tweede versie volgt")
    shown = await staff.press("Versturen naar 151")
    progress_id = shown[0]["message_id"]
    message = await OutboxMessage.get(kind=OutboxKind.ANNOUNCEMENT)

    shown = await staff.send("/broadcast")
    assert "Nu bezig" in texts(shown)
    assert f"#{message.id}: " in texts(shown) and "van 151 verstuurd" in texts(shown)
    assert f"⏹ Stop #{message.id}" in labels(shown)
    await staff.send("/cancel")

    shown = await staff.press_data(progress_id, f"bc:stop:{message.id}")
    assert f"Aankondiging #{message.id} stoppen?" in texts(shown)
    shown = await staff.press("Ja, stoppen")
    assert (await staff.callback_notice())["text"] == "Gestopt."
    assert f"Aankondiging #{message.id} is gestopt." in texts(shown)

    report = await final_report(staff, "gestopt")
    assert "Niet verstuurd (afgemeld of gestopt):" in report
    await eventually(lambda: _none_pending(message.id))
    counts = await outbox.progress(message.id)
    assert counts is not None and counts.status == OutboxStatus.CANCELLED
    assert counts.cancelled > 0 and counts.sent + counts.cancelled == 151
    assert await AuditEntry.filter(action="announcement_cancel", target_id=message.id).exists()

    shown = await staff.press_data(progress_id, f"bc:stop:{message.id}")
    assert (await staff.callback_notice())["text"] == "Deze aankondiging loopt niet meer."


async def _none_pending(message_id: int) -> bool:
    return not await Delivery.filter(message_id=message_id, status=DeliveryStatus.PENDING).exists()


async def test_non_staff_cannot_broadcast_nor_use_its_buttons(citizen):
    anna = await citizen(1001, "Anna", "nl")
    staff = await citizen(STAFF_ID, "Sam", "nl")
    await staff.send("/start")
    running = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, {(await CitizenRow.get(telegram_id=STAFF_ID)).id: "Hi"})

    shown = await anna.send("/broadcast")
    assert "Die opdracht ken ik niet." in texts(shown)
    assert "/broadcast" not in texts(await anna.send("/help"))
    message_id = shown[-1]["message_id"]
    for forged in (f"bc:stopok:{running}", "bc:send", "bc:aud:all", f"bc:stop:{running}"):
        await anna.press_data(message_id, forged)
        assert (await anna.callback_notice())["text"] == "Deze knop werkt niet meer."
    assert (await OutboxMessage.get(id=running)).status != OutboxStatus.CANCELLED
    assert await AuditEntry.filter(action="refused:broadcast", actor_telegram_id=1001).count() >= 4


async def test_bad_input_while_writing_an_announcement(citizen):
    staff = await citizen(STAFF_ID, "Sam", "en")
    await staff.send("/start")
    await staff.send("/broadcast")
    shown = await staff.send("everyone please")
    assert "Please choose the audience with the buttons." in texts(shown)
    await staff.press("👥 Everyone")

    assert "Please send the announcement as a text message." in texts(await staff.send_sticker())
    shown = await staff.send("x" * 3801)
    assert "That is too long: at most 3,800 characters, yours has 3,801." in texts(shown)
    shown = await staff.send("   ")
    assert "Please write the text of the announcement." in texts(shown)

    shown = await staff.send("First <b>draft</b> & 🙂")
    assert "First &lt;b&gt;draft&lt;/b&gt; &amp; 🙂" in shown[0]["text"]
    shown = await staff.send("Second version")  # a new text at the preview replaces the first
    assert "Second version" in shown[0]["visible_text"]

    await staff.send("/cancel")
    shown = await staff.press("Continue")
    assert "Second version" in texts(shown)
    await staff.press("✏️ Change text")
    shown = await staff.send("Third version")
    assert "Third version" in shown[0]["visible_text"]
    shown = await staff.press("✖ Cancel")
    assert "The announcement is cancelled; nothing was sent." in texts(shown)
    assert not await OutboxMessage.exists()
