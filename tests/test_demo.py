"""`python -m bot seed-demo [--scale N]`: a believable, idempotent demo, and a benchmark volume."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bot.services.demo import seed_demo
from models.citizen import Citizen
from models.initiative import Initiative, InitiativeUpdate, Membership, MembershipKind, Status
from models.region import Municipality, Theme
from models.subsidy import SubsidyRoute

ROOT = Path(__file__).resolve().parent.parent


async def table_counts() -> dict[str, int]:
    return {"citizens": await Citizen.all().count(), "initiatives": await Initiative.all().count(),
            "memberships": await Membership.all().count(), "updates": await InitiativeUpdate.all().count(),
            "routes": await SubsidyRoute.all().count()}


async def assert_counters_match_memberships() -> None:
    rows = await Membership.all().values_list("initiative_id", "kind")
    counted = Counter((initiative_id, MembershipKind(kind)) for initiative_id, kind in rows)
    for initiative in await Initiative.all():
        assert initiative.members_count == counted[(initiative.id, MembershipKind.JOIN)], initiative.title
        assert initiative.followers_count == counted[(initiative.id, MembershipKind.FOLLOW)], initiative.title


async def test_demo_is_believable_and_covers_every_theme_and_municipality(database_url):
    counts = await seed_demo()
    assert 45 <= counts.initiatives <= 55
    assert counts.citizens >= 100 and counts.memberships >= 200 and counts.updates >= 20
    initiatives = await Initiative.all()
    assert {i.theme_id for i in initiatives} == set(await Theme.all().values_list("id", flat=True))
    assert {i.municipality_id for i in initiatives} == set(await Municipality.all().values_list("id", flat=True))
    statuses = Counter(i.status for i in initiatives)
    assert statuses[Status.PUBLISHED] >= 35 and statuses[Status.SUBMITTED] >= 1
    for initiative in initiatives:
        assert initiative.title and initiative.description and initiative.initiator_name
        assert "{plaats}" not in initiative.title + initiative.description
        assert (initiative.published_at is not None) == (initiative.status == Status.PUBLISHED)
    assert any("vrijwilligers" in i.description for i in initiatives)  # Dutch texts
    citizens = await Citizen.all()
    assert all(c.public_name and c.registered_at and c.consent_at and c.municipality_id for c in citizens)
    assert len({c.public_name for c in citizens}) > 100
    # only published initiatives have members, followers and updates
    published = {i.id for i in initiatives if i.status == Status.PUBLISHED}
    assert set(await Membership.all().values_list("initiative_id", flat=True)) <= published
    assert set(await InitiativeUpdate.all().values_list("initiative_id", flat=True)) <= published
    assert {kind for kind in await Membership.all().values_list("kind", flat=True)} == set(MembershipKind)
    await assert_counters_match_memberships()
    routes = await SubsidyRoute.all()
    assert routes and all(r.is_example and r.name.startswith("[DEMO] ") and r.code.startswith("demo-")
                          for r in routes)


async def test_seed_demo_twice_gives_the_same_counts(database_url):
    first = await seed_demo()
    before = await table_counts()
    titles = sorted(await Initiative.all().values_list("title", flat=True))
    second = await seed_demo()
    assert second == first
    assert await table_counts() == before
    assert sorted(await Initiative.all().values_list("title", flat=True)) == titles
    await assert_counters_match_memberships()


async def test_demo_repairs_counters_when_someone_joined_a_demo_initiative(database_url):
    await seed_demo()
    newcomer = await Citizen.create(telegram_id=4242, language="nl", public_name="Nieuw")
    initiative = await Initiative.filter(status=Status.PUBLISHED).first()
    await Membership.create(initiative=initiative, citizen=newcomer, kind=MembershipKind.FOLLOW)
    await seed_demo()
    await assert_counters_match_memberships()


async def test_scale_mode_makes_the_promised_volume(database_url):
    counts = await seed_demo(scale=20)
    assert (counts.initiatives, counts.citizens, counts.memberships) == (20, 200, 600)
    assert await Initiative.all().count() == 20 and await Citizen.all().count() == 200
    assert await Membership.all().count() == 600
    per_initiative = Counter(await Membership.all().values_list("initiative_id", flat=True))
    assert set(per_initiative.values()) == {30}
    kinds = Counter(await Membership.all().values_list("kind", flat=True))
    assert (kinds[MembershipKind.JOIN], kinds[MembershipKind.FOLLOW]) == (400, 200)
    for initiative in await Initiative.all():
        assert initiative.status == Status.PUBLISHED and initiative.published_at is not None
        assert (initiative.members_count, initiative.followers_count) == (20, 10)
        members = await Membership.filter(initiative=initiative).values_list("citizen_id", flat=True)
        assert initiative.initiator_id not in members
    await assert_counters_match_memberships()
    assert await seed_demo(scale=20) == counts  # idempotent
    grown = await seed_demo(scale=25)  # a larger N adds the difference
    assert (grown.initiatives, grown.citizens, grown.memberships) == (25, 250, 750)
    await assert_counters_match_memberships()


def test_seed_demo_command_line(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "bot", "seed-demo", "--scale", "5"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "5 initiatives, 50 citizens, 150 memberships" in done.stdout
    refused = subprocess.run([sys.executable, "-m", "bot", "seed-demo", "--scale", "0"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "--scale" in refused.stderr
