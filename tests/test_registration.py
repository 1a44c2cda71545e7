"""Registration (the profile gate) and /profile, through the emulation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.citizen import Citizen as CitizenRow
from models.citizen import Role
from tests.harness import labels, texts


async def row(telegram_id: int) -> CitizenRow:
    return await CitizenRow.get(telegram_id=telegram_id).prefetch_related("municipality")


async def test_english_resident_registers_from_the_menu(citizen):
    bob = await citizen(1002, "Bob", "en")
    await bob.send("/start")
    shown = await bob.press("My profile")
    assert "First a short profile: 5 quick questions" in texts(shown)
    assert "Step 1 of 5" in texts(shown)
    assert "What name may others see?" in texts(shown)
    assert "Use “Bob”" in labels(shown)

    shown = await bob.press("Use “Bob”")
    assert "Step 2 of 5" in texts(shown) and "Which municipality" in texts(shown)
    shown = await bob.send("Enschde")  # a misspelling
    assert "📍 Enschede" in texts(shown)
    assert "Step 3 of 5" in texts(shown)
    shown = await bob.press("Resident")
    assert "Step 4 of 5" in texts(shown) and "e-mail" in texts(shown)
    shown = await bob.send("not-an-address")
    assert "does not look like an e-mail address" in texts(shown)
    shown = await bob.send("Bob@Example.NL")
    assert "Step 5 of 5" in texts(shown) and "privacy statement" in texts(shown)
    before = datetime.now(UTC) - timedelta(seconds=5)
    shown = await bob.press("I agree")
    assert "Your profile" in texts(shown) and "Public name: Bob" in texts(shown)
    assert (await bob.callback_notice())["text"] == "Thanks, Bob! Your profile is ready."

    saved = await row(1002)
    assert saved.public_name == "Bob"
    assert saved.municipality.name == "Enschede"
    assert saved.role == Role.RESIDENT and saved.organisation is None
    assert saved.email == "Bob@example.nl"
    assert saved.consent_at is not None and saved.consent_at >= before
    assert saved.registered_at is not None


async def test_dutch_professional_types_everything_and_goes_back(citizen):
    anna = await citizen(1001, "Anna", "nl")
    await anna.send("/profile")
    shown = await anna.send("Anna <b>&</b> 🌻")
    assert "Stap 2 van 5" in texts(shown)
    shown = await anna.send("hengelo")
    assert "📍 Hengelo" in texts(shown)
    shown = await anna.press("Professional")
    assert "naam van je organisatie" in texts(shown)
    shown = await anna.send("x")
    assert "minstens 2 tekens" in texts(shown)
    await anna.send("Stichting <Groen> & Doen")
    shown = await anna.press("Terug")
    assert "naam van je organisatie" in texts(shown)
    shown = await anna.press("Terug")
    assert "bewoner" in texts(shown).lower()
    await anna.press("Professional")
    await anna.send("Stichting <Groen> & Doen")
    shown = await anna.press("Overslaan")
    assert "privacyverklaring" in texts(shown)
    shown = await anna.press("Ik ga niet akkoord")
    assert "Zonder je toestemming" in texts(shown)
    assert (await row(1001)).registered_at is None
    await anna.press("toch akkoord")

    saved = await row(1001)
    assert saved.public_name == "Anna <b>&</b> 🌻"
    assert saved.municipality.name == "Hengelo"
    assert saved.role == Role.PROFESSIONAL and saved.organisation == "Stichting <Groen> & Doen"
    assert saved.email is None and saved.consent_at is not None


async def test_bad_municipalities_and_bad_names(citizen):
    bob = await citizen(1002, "B", "en")
    shown = await bob.send("/profile")
    assert "Use “B”" not in labels(shown)  # a one-letter Telegram name is no public name
    shown = await bob.send_sticker()
    assert "I can only read text here" in texts(shown)
    shown = await bob.send("x" * 65)
    assert "at most 64 characters, yours has 65" in texts(shown)
    await bob.send("Bobby")
    shown = await bob.send("Amsterdam")
    assert "“Amsterdam” is not a municipality in Overijssel" in texts(shown)
    assert "Almelo" in labels(shown)
    shown = await bob.send("<script>")
    assert "“&lt;script&gt;”" not in texts(shown)  # visible text is unescaped
    assert "“<script>” is not a municipality" in texts(shown)
    shown = await bob.press("more")
    assert "Zwolle" not in labels(shown)
    shown = await bob.press("more")
    assert "Zwolle" in labels(shown)
    shown = await bob.press("Zwolle")
    assert "Step 3 of 5" in texts(shown)
    assert (await row(1002)).registered_at is None
