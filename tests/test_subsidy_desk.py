"""The subsidy desk through the emulation: the finder in Dutch and English, with and without a profile,
no match and the staff advice round trip, pre-filling from an initiative, and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from models.audit import AuditEntry
from models.citizen import Citizen as CitizenRow
from models.initiative import Initiative, Status
from models.region import Municipality, Theme
from models.subsidy import AdviceRequest, SubsidyRoute
from tests.harness import STAFF_ID, labels
from tests.harness import texts as visible

ZWOLLE, ENSCHEDE, DEVENTER = "GM0193", "GM0153", "GM0150"


def texts(messages: list[dict]) -> str:
    """What the citizen reads (amounts use a no-break space: compare them with a plain one)."""
    return visible(messages).replace("\xa0", " ")


async def registered(telegram_id: int, name: str, language: str, municipality: str = "Zwolle") -> CitizenRow:
    """A citizen with a complete profile, as registration leaves them."""
    now = datetime.now(UTC)
    return await CitizenRow.create(telegram_id=telegram_id, first_name=name, language=language, public_name=name,
                                   municipality=await Municipality.get(name=municipality), consent_at=now,
                                   registered_at=now)


async def route(code: str, name: str, **fields) -> SubsidyRoute:
    values = {"provider": "Provincie", "themes": [], "municipalities": [], "applicant_types": [], **fields}
    return await SubsidyRoute.create(code=code, name=name, **values)


async def seed_routes() -> None:
    today = date.today()
    await route("buurt", "Buurtbudget Zwolle", provider="Gemeente Zwolle", themes=["neighbourhood"],
                municipalities=[ZWOLLE], applicant_types=["individual", "informal_group"],
                min_amount_cents=10_000, max_amount_cents=250_000, url="https://example.org/buurt?a=1&b=2",
                description_nl="Voor je <eigen> buurt & straat.", description_en="For your own street.")
    await route("regio", "Regiofonds", applicant_types=["informal_group", "foundation"],
                min_amount_cents=50_000, max_amount_cents=1_000_000, deadline=today + timedelta(days=5),
                is_example=True)
    await route("stichting", "Stichtingenfonds", applicant_types=["foundation"])
    await route("groot", "Groot Fonds", min_amount_cents=500_000)
    await route("enschede", "Groen Enschede", municipalities=[ENSCHEDE])
    await route("verlopen", "Verlopen Fonds", deadline=today - timedelta(days=1))
    await route("later", "Later Fonds", opens_on=today + timedelta(days=400))


async def test_dutch_citizen_with_a_profile_finds_routes_best_first(citizen):
    await registered(1001, "Anna", "nl")
    await seed_routes()
    anna = await citizen(1001, "Anna", "nl")
    shown = await anna.send("/start")
    assert "💶 Subsidie zoeken" in labels(shown)

    shown = await anna.press("Subsidie zoeken")
    assert "Stap 1 van 5" in texts(shown) and "Waar gaat je plan over?" in texts(shown)
    shown = await anna.press("Wonen en leefomgeving")
    assert "Stap 2 van 5" in texts(shown)
    assert "✓ Zwolle" in labels(shown), "the profile's municipality is pre-filled"
    shown = await anna.press("✓ Zwolle")
    assert "Wie vraagt het geld aan?" in texts(shown)
    shown = await anna.press("Een informele groep")
    assert "Hoeveel geld heb je nodig?" in texts(shown)
    shown = await anna.send("€ 1.500")
    assert "Wanneer heb je het geld nodig?" in texts(shown)
    shown = await anna.press("Binnen 3 maanden")

    result = texts(shown)
    assert "Subsidieroutes voor jouw plan" in result
    assert "2 routes passen, de beste eerst:" in result
    assert result.index("1. Buurtbudget Zwolle") < result.index("2. Regiofonds")
    assert "voor Wonen en leefomgeving; voor Zwolle; voor bewoners en informele groepen" in result
    assert "€ 1.500 valt binnen de grenzen" in result
    assert "€ 100 tot € 2.500" in result
    assert "Voor je <eigen> buurt & straat." in result
    assert "(voorbeeld)" in result and "vraag snel aan!" in result  # Regiofonds: an example, deadline in 5 days
    assert "Past bijna:" in result
    assert "Stichtingenfonds (Provincie) — alleen voor stichtingen" in result
    assert "Groot Fonds (Provincie) — minimumbedrag € 5.000" in result
    assert "Groen Enschede" not in result, "at most three near misses, the easiest to overcome first"
    assert "Later Fonds" in result and "Verlopen Fonds" not in result
    raw = shown[-1]["text"]
    assert '<a href="https://example.org/buurt?a=1&amp;b=2">Meer informatie</a>' in raw
    assert "&lt;eigen&gt; buurt &amp; straat" in raw
    assert {"🙋 Vraag de provincie", "🔄 Opnieuw zoeken"} <= set(labels(shown))


async def test_english_citizen_with_no_match_asks_staff_and_gets_the_answer(citizen):
    await registered(1002, "Bob", "en", municipality="Deventer")
    await route("zwolle-only", "Zwolle Fund", municipalities=[ZWOLLE], applicant_types=["association"])
    staff = await citizen(STAFF_ID, "Sam", "nl")
    await staff.send("/start")
    bob = await citizen(1002, "Bob", "en")

    await bob.send("/start")
    shown = await bob.press("Find funding")
    assert "Step 1 of 5" in texts(shown)
    await bob.press("Another theme / not sure")
    shown = await bob.send("enschede")  # typed instead of the pre-filled Deventer
    assert "📍 Enschede" in texts(shown) and "Who will apply for the money?" in texts(shown)
    await bob.press("A foundation")
    await bob.press("I don't know yet")
    shown = await bob.press("Not sure yet")
    result = texts(shown)
    assert "I found no subsidy route that fits your plan right now." in result
    assert "Shall I ask them for you?" in result
    assert "Zwolle Fund" not in result, "two things missing is not a near miss"

    shown = await bob.press("Ask the province for advice")
    assert "What would you like to ask the province's staff?" in texts(shown)
    shown = await bob.send("We want a <b>garden</b> & benches 🌱")
    assert "Your question is with the province's staff." in texts(shown)

    request = await AdviceRequest.get(citizen__telegram_id=1002)
    assert request.answers["note"] == "We want a <b>garden</b> & benches 🌱"
    assert request.answers["applicant"] == "foundation" and request.answers["found"] == 0
    assert request.answers["municipality_id"] == (await Municipality.get(name="Enschede")).id
    question = (await staff.user.bot_messages())[-1]
    staff_sees = texts([question])
    assert "Subsidievraag #" in staff_sees and "Van Bob" in staff_sees
    assert "Gemeente: Enschede" in staff_sees and "Wie vraagt aan: een stichting" in staff_sees
    assert "Geen enkele subsidieroute past bij deze antwoorden." in staff_sees
    assert "We want a <b>garden</b> & benches 🌱" in staff_sees
    assert "&lt;b&gt;garden&lt;/b&gt; &amp; benches" in question["text"]

    shown = await staff.press("Beantwoorden")
    assert "Typ je antwoord aan Bob" in texts(shown)
    shown = await staff.send("Probeer het <Oranje Fonds> & bel ons")
    assert "Je antwoord is verstuurd naar Bob." in texts(shown)
    answer = (await bob.user.bot_messages())[-1]
    assert "The province's staff answered your funding question:" in answer["visible_text"]
    assert "Probeer het <Oranje Fonds> & bel ons" in answer["visible_text"]
    assert "🔄 New search" in [b["text"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    request = await AdviceRequest.get(id=request.id)
    assert request.reply == "Probeer het <Oranje Fonds> & bel ons" and request.replied_at is not None
    assert await AuditEntry.exists(action="advice.reply", actor_telegram_id=STAFF_ID, target_id=request.id)

    await staff.press_data(question["message_id"], f"adv:r:{request.id}")  # Reply again
    assert (await staff.callback_notice())["text"] == "Deze vraag is al beantwoord."


async def test_dutch_citizen_without_a_profile_registers_and_returns_to_the_desk(citizen):
    carla = await citizen(1003, "Carla", "nl")
    await carla.send("/start")
    shown = await carla.press("Subsidie zoeken")
    assert "Eerst een kort profiel" in texts(shown)
    await carla.press("Gebruik “Carla”")
    await carla.send("Kampen")
    await carla.press("Bewoner")
    await carla.press("Overslaan")
    shown = await carla.press("Ik ga akkoord")
    assert "Stap 1 van 5" in texts(shown) and "Waar gaat je plan over?" in texts(shown)
    shown = await carla.press("Sport en bewegen")
    assert "✓ Kampen" in labels(shown)
    assert (await CitizenRow.get(telegram_id=1003)).registered_at is not None


async def test_english_citizen_without_a_profile_is_told_why_and_comes_back(citizen):
    await route("all", "Open Fund")
    dave = await citizen(1004, "Dave", "en")
    await dave.send("/start")
    shown = await dave.press("Find funding")
    assert "First a short profile" in texts(shown)
    await dave.press("Use “Dave”")
    await dave.send("Ommen")
    await dave.press("Resident")
    await dave.press("Skip")
    shown = await dave.press("I agree")
    assert "Step 1 of 5" in texts(shown)
    await dave.press("Sport and exercise")
    await dave.press("✓ Ommen")
    await dave.press("Me, as a resident")
    await dave.send("250")
    shown = await dave.press("Within a month")
    assert "1 route fits:" in texts(shown) and "1. Open Fund" in texts(shown)
    assert "for every theme; for all of Overijssel" in texts(shown)
    assert "anyone may apply" in texts(shown) and "open now" in texts(shown)


async def test_started_from_an_initiative_the_answers_are_pre_filled(citizen):
    anna_row = await registered(1001, "Anna", "nl")
    other = await registered(1005, "Eva", "nl")
    nature = await Theme.get(slug="nature")
    deventer = await Municipality.get(name="Deventer")
    mine = await Initiative.create(title="Moestuin <Parkweg> & co", description="x" * 40, theme=nature,
                                   municipality=deventer, initiator=anna_row, budget_cents=250_000)
    hidden_draft = await Initiative.create(title="Eva's concept", description="y" * 40, initiator=other)
    published = await Initiative.create(title="Speeltuin", description="z" * 40, initiator=other,
                                        status=Status.PUBLISHED, theme=await Theme.get(slug="youth"))
    await route("groen", "Groenfonds", themes=["nature"], municipalities=[DEVENTER], max_amount_cents=300_000)
    anna = await citizen(1001, "Anna", "nl")
    menu = await anna.send("/start")
    message_id = menu[-1]["message_id"]

    shown = await anna.press_data(message_id, f"sub:ini:{mine.id}")
    assert "We zoeken financiering voor “Moestuin <Parkweg> & co”" in texts(shown)
    assert "&lt;Parkweg&gt; &amp; co" in shown[-1]["text"]
    assert "✓ Groen en natuur" in labels(shown)
    shown = await anna.press("✓ Groen en natuur")
    assert "✓ Deventer" in labels(shown), "the initiative's municipality, not the profile's"
    await anna.press("✓ Deventer")
    shown = await anna.press("Een vereniging")
    assert "✓ € 2.500 houden" in [label.replace("\xa0", " ") for label in labels(shown)]
    await anna.press("houden")
    shown = await anna.press("Binnen een jaar")
    assert "Initiatief: Moestuin <Parkweg> & co" in texts(shown)
    assert "1. Groenfonds" in texts(shown) and "€ 2.500 valt binnen de grenzen" in texts(shown)

    shown = await anna.press_data(message_id, f"sub:ini:{hidden_draft.id}")  # someone else's draft
    assert (await anna.callback_notice())["text"] == "Dat initiatief is niet gevonden."
    assert "Stap 1 van 5" in texts(shown) and "Eva" not in texts(shown)
    assert not any(label.startswith("✓") for label in labels(shown))
    for forged in ("sub:ini:abc", "sub:ini:99999999", "sub:ini:"):
        await anna.press_data(message_id, forged)
        assert (await anna.callback_notice())["text"] == "Dat initiatief is niet gevonden."
    shown = await anna.press_data(message_id, f"sub:ini:{published.id}")  # a published one may be used
    assert "“Speeltuin”" in texts(shown) and "✓ Jeugd en onderwijs" in labels(shown)


async def test_bad_input_at_every_question_is_answered(citizen):
    await registered(1002, "Bob", "en")
    bob = await citizen(1002, "Bob", "en")
    menu = await bob.send("/start")
    shown = await bob.press("Find funding")
    question_id = shown[-1]["message_id"]
    shown = await bob.send("gardens <b>&")
    assert "Please choose one of the buttons." in texts(shown) and "What is your plan about?" in texts(shown)
    await bob.press_data(question_id, "sub:th:unicorns")
    assert (await bob.callback_notice())["text"] == "This button is no longer active."
    await bob.press_data(question_id, "sub:who:individual")  # a button of a later question
    assert (await bob.callback_notice())["text"] == "This button is no longer active."
    await bob.press("Green spaces and nature")
    await bob.press_data(question_id, "sub:m:99999")
    assert (await bob.callback_notice())["text"] == "This button is no longer active."
    shown = await bob.send("Amsterdam")
    assert "is not a municipality in Overijssel" in texts(shown)
    await bob.press("more ›")
    shown = await bob.press("more ›")
    assert "Zwolle" in labels(shown) and "✓ Zwolle" in labels(shown)  # the last page, under the profile's
    await bob.press("Zwolle")
    await bob.press("An association")
    for typed in ("lots", "<b>&", "💶💶", "1.5000", "x" * 5000):
        shown = await bob.send(typed)
        assert "I could not read that as an amount" in texts(shown), typed
        assert "How much money do you need?" in texts(shown)
    shown = await bob.send_sticker()
    assert "I can only read text here" in texts(shown)
    shown = await bob.send("99999999999")
    assert "higher than we can handle" in texts(shown)
    shown = await bob.press("Back")
    assert "Who will apply for the money?" in texts(shown)
    await bob.press("An association")
    await bob.send("2,500.50")
    shown = await bob.send("soon please")
    assert "Please choose one of the buttons." in texts(shown) and "When do you need the money?" in texts(shown)
    shown = await bob.press("Within 6 months")
    assert "Amount needed: €2,500.50" in texts(shown)
    shown = await bob.send("what now?")
    assert "Please choose one of the buttons." in texts(shown) and "Subsidy routes for your plan" in texts(shown)
    await bob.press_data(menu[-1]["message_id"], "adv:r:1")  # a citizen forging staff's Reply button
    assert (await bob.callback_notice())["text"] == "You are not allowed to do that."
    shown = await bob.press("Ask the province")
    shown = await bob.send("x" * 1001)
    assert "That is too long: at most 1000 characters, yours has 1001." in texts(shown)
    shown = await bob.press("Back")
    assert "Subsidy routes for your plan" in texts(shown)
    assert await AdviceRequest.all().count() == 0


async def test_cancel_keeps_the_answers_and_continue_asks_again(citizen):
    await registered(1001, "Anna", "nl")
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/start")
    await anna.press("Subsidie zoeken")
    await anna.press("Kunst en cultuur")
    shown = await anna.send("/cancel")
    assert "je zoektocht naar subsidie" in texts(shown)
    shown = await anna.press("Verdergaan")
    assert "Stap 2 van 5" in texts(shown) and "✓ Zwolle" in labels(shown)
    await anna.press("✓ Zwolle")
    shown = await anna.press("Ikzelf, als bewoner")
    assert "Stap 4 van 5" in texts(shown)


async def test_many_routes_are_shown_a_page_at_a_time(citizen):
    await registered(1002, "Bob", "en")
    for number in range(1, 8):
        await route(f"r{number}", f"Fund {number}", deadline=date.today() + timedelta(days=100 + number))
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    for label in ("Find funding", "Another theme", "✓ Zwolle", "Me, as a resident", "I don't know yet"):
        await bob.press(label)
    shown = await bob.press("Within a month")
    assert "7 routes fit, best first:" in texts(shown)
    assert "5. Fund 5" in texts(shown) and "Fund 6" not in texts(shown)
    shown = await bob.press("More routes")
    assert "6. Fund 6" in texts(shown) and "7. Fund 7" in texts(shown) and "1. Fund 1" not in texts(shown)
    shown = await bob.press("previous")
    assert "1. Fund 1" in texts(shown)


async def test_advice_limits_and_replies_that_cannot_be_delivered(citizen):
    await registered(1002, "Bob", "en")
    staff = await citizen(STAFF_ID, "Sam", "en")
    await staff.send("/start")
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    for _ in range(3):
        for label in ("Find funding", "Another theme", "✓ Zwolle", "Me, as a resident", "I don't know yet",
                      "Not sure yet", "Ask the province for advice", "Send without a note"):
            await bob.press(label)
    assert await AdviceRequest.filter(reply__isnull=True).count() == 3
    for label in ("Find funding", "Another theme", "✓ Zwolle", "Me, as a resident", "I don't know yet",
                  "Not sure yet", "Ask the province for advice"):
        await bob.press(label)
    shown = await bob.press("Send without a note")
    assert "You already have 3 questions waiting" in texts(shown)
    assert await AdviceRequest.all().count() == 3

    staff_messages = await staff.user.bot_messages()
    assert sum("Funding question #" in m["visible_text"] for m in staff_messages) == 3
    await staff.press("Reply")  # the newest question
    shown = await staff.send("y" * 2001)
    assert "That is too long: at most 2000 characters, yours has 2001." in texts(shown)
    await bob.user.block()
    shown = await staff.send("Call us on Monday")
    assert "Your answer is saved, but Bob could not be reached" in texts(shown)
    assert await AdviceRequest.filter(reply="Call us on Monday").count() == 1


async def test_find_funding_button_on_my_initiative_opens_the_desk_pre_filled(citizen):
    anna_row = await registered(1001, "Anna", "en")
    await Initiative.create(title="Repair café", description="x" * 40, theme=await Theme.get(slug="together"),
                                   municipality=await Municipality.get(name="Kampen"), initiator=anna_row,
                                   status=Status.PUBLISHED)
    anna = await citizen(1001, "Anna", "en")
    await anna.send("/mine")
    await anna.press("Repair café")
    shown = await anna.press("Find funding for this")
    assert "“Repair café”" in texts(shown)
    assert "✓ Meeting and living together" in labels(shown)
    withdrawn = await Initiative.create(title="Old plan", description="y" * 40, initiator=anna_row,
                                        status=Status.WITHDRAWN)
    await anna.send("/mine")
    shown = await anna.press("Old plan")
    assert "Find funding for this" not in " ".join(labels(shown)), f"no funding for {withdrawn.title}"
