"""Domain functions of registration and the idea wizard, against a real (migrated, seeded) database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services import initiatives, places, registration, similar
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from models.citizen import Citizen, Role
from models.initiative import Initiative, Status
from models.region import Municipality, Theme


@pytest.mark.parametrize(("typed", "cents"), [
    ("€ 2.500", 250000), ("2500,50", 250050), ("2,500.50", 250050), ("2500", 250000), ("2500,-", 250000),
    ("€2.500,50", 250050), ("1.000.000", 100000000), ("12,5", 1250), ("2.5", 250), ("EUR 300", 30000),
    ("300 euro", 30000), ("2 500", 250000), ("€\u00a02.500", 250000), ("0", 0), ("2,500", 250000),
])
def test_budget_in_dutch_and_english_notation(typed, cents):
    assert initiatives.parse_budget(typed) == cents


@pytest.mark.parametrize("typed", ["", "€", "abc", "-5", "1e5", ".5", "2..5", "2,50,0", "12.34.5", "2.5000",
                                   "1,2345", "ten euros", "2500 🌻"])
def test_unreadable_budgets(typed):
    with pytest.raises(InvalidValue) as error:
        initiatives.parse_budget(typed)
    assert error.value.code == "budget"


def test_budget_limit_and_formatting():
    with pytest.raises(InvalidValue) as error:
        initiatives.parse_budget("10.000.001")
    assert (error.value.code, error.value.limit) == ("budget_too_high", 10_000_000)
    assert initiatives.format_budget(250000, "nl") == "€\u00a02.500"
    assert initiatives.format_budget(250050, "nl") == "€\u00a02.500,50"
    assert initiatives.format_budget(250050, "en") == "€2,500.50"


@pytest.mark.parametrize(("typed", "found"), [
    ("Enschde", ["Enschede"]), ("hengelo", ["Hengelo"]), ("  ZWOLLE ", ["Zwolle"]), ("olst wijhe", ["Olst-Wijhe"]),
    ("Hof", ["Hof van Twente"]), ("Rijssen", ["Rijssen-Holten"]), ("Dalfsn", ["Dalfsen"]), ("Amsterdam", []),
    ("x", []), ("<b>", []),
])
async def test_typed_municipalities(database_url, typed, found):
    assert [place.name for place in await places.find_municipality(typed)] == found


async def test_an_ambiguous_name_offers_several(database_url):
    assert len(await places.find_municipality("erland")) >= 2  # Steenwijkerland, Zwartewaterland...


def test_words_ignore_accents_case_and_stop_words():
    assert similar.words("De MOESTÚIN van ons dorp, en de Tuinen!") == {"moestuin", "dorp", "tuin"}


async def test_similar_initiatives_are_published_visible_and_at_most_three(database_url):
    theme = await Theme.get(slug="nature")

    async def make(title: str, status: Status = Status.PUBLISHED, hidden: bool = False) -> Initiative:
        return await Initiative.create(title=title, description="Buren kweken samen groenten in een moestuin.",
                                       status=status, hidden=hidden, theme=theme,
                                       published_at=datetime.now(UTC))

    shown = [await make(f"Moestuin {n}") for n in range(4)]
    await make("Moestuin concept", Status.SUBMITTED)
    await make("Moestuin verborgen", hidden=True)
    found = await similar.similar_initiatives("Een moestuin", "Groenten kweken met de buren in de moestuin.")
    assert len(found) == 3 and {item.id for item in found} <= {item.id for item in shown}
    assert await similar.similar_initiatives("Repair café", "Kapotte spullen samen repareren, elke maand.") == []


async def test_draft_rules_owner_and_status(database_url):
    place = await Municipality.get(name="Almelo")
    now = datetime.now(UTC)
    owner = await Citizen.create(telegram_id=1, language="nl", public_name="Ann", municipality=place,
                                 consent_at=now, registered_at=now)
    stranger = await Citizen.create(telegram_id=2, language="nl")
    with pytest.raises(NotAllowed):
        await initiatives.create_draft(stranger.id, "A fine title")
    draft_id = await initiatives.create_draft(owner.id, "  A fine title\nwith two lines ", place.id)
    assert (await initiatives.get(owner.id, draft_id)).title == "A fine title with two lines"
    with pytest.raises(NotFound):
        await initiatives.get(stranger.id, draft_id)
    with pytest.raises(NotFound):
        await initiatives.update_draft(stranger.id, draft_id, title="Taken over")
    with pytest.raises(InvalidValue) as error:
        await initiatives.submit_initiative(owner.id, draft_id, publish_immediately=False)
    assert error.value.code == "incomplete"
    await initiatives.update_draft(owner.id, draft_id, theme_id=(await Theme.first()).id,
                                   description="d" * 30, help_needed=["money", "volunteers"])
    assert (await initiatives.get(owner.id, draft_id)).help_needed == ["volunteers", "money"]
    with pytest.raises(InvalidValue):
        await initiatives.update_draft(owner.id, draft_id, help_needed=["fireworks"])
    assert await initiatives.submit_initiative(owner.id, draft_id, False) == Status.SUBMITTED
    with pytest.raises(InvalidValue):  # a double tap submits once
        await initiatives.submit_initiative(owner.id, draft_id, False)
    with pytest.raises(InvalidValue):
        await initiatives.update_draft(owner.id, draft_id, title="Changed after submitting")
    with pytest.raises(InvalidValue):
        await initiatives.withdraw(owner.id, draft_id, "no")
    withdrawn = await initiatives.withdraw(owner.id, draft_id, "Not needed any more")
    assert withdrawn.status == Status.WITHDRAWN
    with pytest.raises(InvalidValue):
        await initiatives.edit_initiative(owner.id, draft_id, False, title="Too late for this")


async def test_registration_rules(database_url):
    citizen = await Citizen.create(telegram_id=3, language="en")
    place = await Municipality.get(name="Deventer")
    with pytest.raises(InvalidValue):
        await registration.register(citizen.id, public_name="Bo", municipality_id=place.id, role=Role.RESIDENT,
                                    organisation=None, email=None, consent=False)
    with pytest.raises(InvalidValue):
        await registration.register(citizen.id, public_name="Bo", municipality_id=place.id,
                                    role=Role.PROFESSIONAL, organisation=None, email=None, consent=True)
    for bad in ("plain", "a@b", "a b@c.nl", "@c.nl", "a@.nl", "a@c.nl.", "x" * 250 + "@c.nl"):
        with pytest.raises(InvalidValue):
            registration.clean_email(bad)
    profile = await registration.register(citizen.id, public_name="  Bo   B. ", municipality_id=place.id,
                                          role=Role.RESIDENT, organisation="ignored", email="Bo@Mail.NL",
                                          consent=True)
    assert (profile.public_name, profile.organisation, profile.email) == ("Bo B.", None, "Bo@mail.nl")
    assert profile.complete and profile.consent_at is not None
    profile = await registration.change_role(citizen.id, Role.PROFESSIONAL, "Welzijn Deventer")
    assert (profile.role, profile.organisation) == (Role.PROFESSIONAL, "Welzijn Deventer")
    profile = await registration.change_role(citizen.id, Role.RESIDENT)
    assert (profile.role, profile.organisation) == (Role.RESIDENT, None)
