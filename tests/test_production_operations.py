"""Operations on the command line: importing initiatives from CSV, moving the database (export/import-db)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from bot.db import close_database, migrate
from bot.services.demo import seed_demo
from bot.services.dump import DumpError, export_database, import_database, snapshot
from bot.services.initiative_import import ImportFailed, import_initiatives
from models.audit import AuditEntry
from models.citizen import Citizen, Role, ThemePreference
from models.conversation import ConversationState, HandledUpdate
from models.delivery import Delivery, DeliveryStatus, OutboxKind, OutboxMessage, OutboxStatus
from models.initiative import CoachingOffer, Initiative, InitiativeUpdate, Membership, MembershipKind, Report, Status
from models.region import Municipality, Theme
from models.subsidy import AdviceRequest, SubsidyRoute
from tests.harness import postgres_url

ROOT = Path(__file__).resolve().parent.parent

GOOD_CSV = """title,description,theme,municipality,status,audience,help_needed,budget,initiator_name,date
Moestuin <b>Oost</b> & co 🌻,"Een lege plek aan de Parkweg wordt een moestuin voor de hele buurt, met ""bakken"".",nature,Enschede,,Buren,"volunteers, materials",2500,Buurtvereniging Oost,2024-05-01
Repair café Kampen,"Eens per maand repareren vrijwilligers kapotte spullen samen met de eigenaren.",Ontmoeting en samenleven,GM0166,submitted,,knowledge,"€ 1.250,50",,
Walking football,"Football at walking pace for people over sixty, twice a week in the park.",Sport and exercise,hof-van-twente,published,People over 60,,,,2023-11-30T10:15:00+01:00
"""  # noqa: E501


async def count_initiatives() -> int:
    return await Initiative.all().count()


# --- initiatives import ------------------------------------------------------------------------------

async def test_import_initiatives_from_csv(database_url):
    assert await import_initiatives(GOOD_CSV.encode()) == 3
    rows = {row.title: row for row in await Initiative.all().prefetch_related("theme", "municipality")}
    garden = rows["Moestuin <b>Oost</b> & co 🌻"]
    assert garden.description == 'Een lege plek aan de Parkweg wordt een moestuin voor de hele buurt, met "bakken".'
    assert garden.theme.slug == "nature" and garden.municipality.name == "Enschede"
    assert garden.status == Status.PUBLISHED and garden.published_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert garden.audience == "Buren" and garden.help_needed == ["volunteers", "materials"]
    assert garden.budget_cents == 250000 and garden.initiator_name == "Buurtvereniging Oost"
    assert garden.initiator_id is None
    cafe = rows["Repair café Kampen"]
    assert cafe.status == Status.SUBMITTED and cafe.published_at is None and cafe.submitted_at is not None
    assert cafe.theme.slug == "together" and cafe.municipality.name == "Kampen"
    assert cafe.budget_cents == 125050 and cafe.audience is None and cafe.initiator_name is None
    football = rows["Walking football"]
    assert football.municipality.name == "Hof van Twente" and football.help_needed == []
    assert football.published_at == datetime(2023, 11, 30, 9, 15, tzinfo=UTC)


async def test_semicolons_a_byte_order_mark_and_dutch_words_are_fine(database_url):
    data = ("\ufefftitle;description;theme;municipality;help_needed;budget\n"
            "Speeltuin De Es;Een nieuwe speeltuin voor kinderen uit de wijk, gebouwd met de buren.;youth;zwolle;"
            "vrijwilligers|geld;2.500,-\n").encode()
    assert await import_initiatives(data) == 1
    row = await Initiative.get(title="Speeltuin De Es")
    assert row.help_needed == ["volunteers", "money"] and row.budget_cents == 250000


async def test_a_file_with_bad_rows_imports_nothing_and_names_every_problem(database_url):
    future = (date.today() + timedelta(days=2)).isoformat()
    data = ("title,description,theme,municipality,status,budget,date,help_needed\n"
            "Good one here,This row on its own would be perfectly fine to import.,nature,Deventer,,,,\n"
            'Bad,"A description\nover two lines that is long enough for the rules.",space,Atlantis,,,,\n'
            ",,nature,Enschde,maybe,lots,yesterday,hugs\n"
            f"Future plans,A plan with a date that has not come yet for sure.,nature,Zwolle,,,{future},\n"
            "Good one here,The same title in the same municipality as the first row.,care,GM0150,,,,\n"
            f"{'x' * 101},{'y' * 2001},nature,Zwolle,,99999999999,,\n").encode()
    with pytest.raises(ImportFailed) as failure:
        await import_initiatives(data)
    found = {(error.line, error.field): error.message for error in failure.value.errors}
    assert found[(3, "title")] == "too short (at least 5 characters)"
    assert found[(3, "theme")] == "unknown theme 'space'"
    assert found[(3, "municipality")] == "unknown municipality 'Atlantis'"
    # the row on line 3 takes two lines: the next row starts on line 5
    assert found[(5, "title")] == "empty" and found[(5, "description")] == "empty"
    assert found[(5, "municipality")] == "unknown municipality 'Enschde' (did you mean Enschede?)"
    assert found[(5, "status")] == "unknown status 'maybe' (use published or submitted)"
    assert found[(5, "budget")] == "not a valid budget"
    assert found[(5, "date")] == "not a date (use YYYY-MM-DD)"
    assert found[(5, "help_needed")].startswith("unknown kind 'hugs'")
    assert found[(6, "date")] == "in the future"
    assert found[(7, "title")] == "an initiative with this title in this municipality exists already"
    assert found[(8, "title")] == "too long (at most 100 characters)"
    assert found[(8, "description")] == "too long (at most 2000 characters)"
    assert found[(8, "budget")] == "more than € 10.000.000"
    assert (2, "title") not in found
    assert await count_initiatives() == 0


@pytest.mark.parametrize(("data", "expected"), [
    (b"", (1, "file", "empty: expected a header row")),
    (b"title,description,theme\n", (1, "municipality", "column missing")),
    (b"title,description,theme,municipality,colour\nA,B,C,D,E\n", (1, "colour", "unknown column")),
    (b"title,description,theme,municipality\n", (2, "file", "no initiatives in the file")),
    (b"title,description,theme,municipality\nA,B,C\n", (2, "row", "3 fields, the header has 4")),
    ("title,description,theme,municipality\nCaf\xe9".encode("latin-1"),
     (1, "file", "not UTF-8 text (save it as “CSV UTF-8”)")),
])
async def test_files_that_are_not_an_initiatives_table(database_url, data, expected):
    with pytest.raises(ImportFailed) as failure:
        await import_initiatives(data)
    assert (failure.value.errors[0].line, failure.value.errors[0].field, failure.value.errors[0].message) == expected


async def test_the_same_file_twice_imports_nothing_the_second_time(database_url):
    await import_initiatives(GOOD_CSV.encode())
    with pytest.raises(ImportFailed) as failure:
        await import_initiatives(GOOD_CSV.encode())
    assert [error.line for error in failure.value.errors] == [2, 3, 4]
    assert await count_initiatives() == 3


def run_cli(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with the test's database."""
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


async def test_the_command_line_import(database_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("title,description,theme,municipality\n"
                   "A fine title,A description that is long enough to pass the rules.,nature,Atlantis\n")
    result = run_cli("initiatives", "import", str(bad), database_url=database_url, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{bad}:2: municipality: unknown municipality 'Atlantis'" in result.stderr
    assert "nothing was imported" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    result = run_cli("initiatives", "import", "--dry-run", str(good), database_url=database_url, cwd=tmp_path)
    assert result.returncode == 0 and "3 initiative(s) checked, nothing imported" in result.stdout
    assert await count_initiatives() == 0
    result = run_cli("initiatives", "import", str(good), database_url=database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 initiative(s) imported" in result.stdout
    assert await count_initiatives() == 3


# --- moving the database -------------------------------------------------------------------------------

async def fill_every_table() -> None:
    """The demo data, plus rows in the tables the demo leaves empty, with awkward values."""
    await seed_demo()
    now = datetime.now(UTC)
    zwolle = await Municipality.get(name="Zwolle")
    nature = await Theme.get(slug="nature")
    pro = await Citizen.create(telegram_id=2**40 + 7, first_name="Zoë <b>&</b> 🌻", language="en",
                               public_name="Zoë", municipality=zwolle, role=Role.PROFESSIONAL,
                               organisation="Stichting \"Groen\"", email="zoe@example.org", consent_at=now,
                               registered_at=now, verified_professional=True, receive_announcements=False)
    await ThemePreference.create(citizen=pro, theme=nature, kind="coaching")
    initiative = await Initiative.filter(status=Status.PUBLISHED).order_by("id").first()
    assert initiative is not None
    await CoachingOffer.create(initiative=initiative, professional=pro)
    await Membership.get_or_create(initiative=initiative, citizen=pro, kind=MembershipKind.FOLLOW)
    await Report.create(target_type="initiative", target_id=initiative.id, reporter=pro, reason="spam",
                        note="Ünïcode ✓ <script>")
    await InitiativeUpdate.create(initiative=initiative, author=pro, text="Nieuws: <i>klaar</i> 🎉")
    outbox = await OutboxMessage.create(kind=OutboxKind.ANNOUNCEMENT, author=pro, text="<b>Hallo</b>",
                                        audience={"themes": ["nature"], "nested": {"a": [1, 2.5, None]}},
                                        status=OutboxStatus.SENDING)
    await Delivery.create(message=outbox, citizen=pro, chat_id=pro.telegram_id, status=DeliveryStatus.SENT,
                          attempts=2, sent_at=now)
    await ConversationState.create(user_id=pro.telegram_id, flow="idea", step="idea.title",
                                   data={"draft": initiative.id, "text": "ë \"quoted\""}, parked={"reg": {}})
    await HandledUpdate.create(update_id=2**33)
    await AuditEntry.create(actor_telegram_id=9000, action="hide", target_type="initiative",
                            target_id=initiative.id, reason="Test ✓")
    await AdviceRequest.create(citizen=pro, answers={"amount": 5000, "kind": "foundation"}, reply=None)
    if not await SubsidyRoute.exists():
        await SubsidyRoute.create(code="test-route", name="Route", provider="Provincie", themes=["nature"],
                                  opens_on=date(2025, 1, 1))
    # an updated_at that differs from created_at, which an import must keep as it is
    await Initiative.filter(id=initiative.id).update(updated_at=now + timedelta(days=3, microseconds=123))


@contextlib.asynccontextmanager
async def database(url: str) -> AsyncIterator[None]:
    """Connect this process to `url` (migrated) for the block.

    Tortoise caches its compiled INSERT statements per connection name, whatever the dialect; only
    a process that switches from SQLite to PostgreSQL (this test; the CLI never does) must forget them.
    """
    EXECUTOR_CACHE.clear()
    await migrate(url)
    try:
        yield
    finally:
        await close_database()
        EXECUTOR_CACHE.clear()


async def fresh_target(tmp_path: Path) -> str:
    """An empty database to move to: PostgreSQL when the suite runs on it, else another SQLite file."""
    url = postgres_url()
    if url is None:
        return f"sqlite://{tmp_path}/target.sqlite3"
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
    return url


async def test_moving_from_sqlite_keeps_every_row(tmp_path):
    source = f"sqlite://{tmp_path}/source.sqlite3"
    dump = tmp_path / "dump.jsonl"
    async with database(source):
        await fill_every_table()
        before = await snapshot()
        counts = await export_database(dump)
    empty = [table for table, rows in before.items() if not rows]
    assert not empty, f"fill_every_table leaves these tables empty: {empty}"
    assert counts == {table: len(rows) for table, rows in before.items()}

    target = await fresh_target(tmp_path)
    async with database(target):
        assert await import_database(dump) == counts
        after = await snapshot()
        for table, rows in before.items():
            assert after[table] == rows, f"table {table} differs after the move"
        # new rows get new ids after the imported ones
        newcomer = await Citizen.create(telegram_id=123, language="nl")
        assert newcomer.id == max(row["id"] for row in before["citizen"]) + 1
        # the search index follows the imported initiatives
        if Tortoise.get_connection("default").capabilities.dialect == "sqlite":
            conn = Tortoise.get_connection("default")
            total = (await conn.execute_query("SELECT count(*) AS n FROM initiative_fts"))[1][0]["n"]
            assert total == len(before["initiative"])
        with pytest.raises(DumpError, match="not empty"):
            await import_database(dump)


async def test_a_broken_dump_changes_nothing(tmp_path):
    source = f"sqlite://{tmp_path}/source.sqlite3"
    dump = tmp_path / "dump.jsonl"
    async with database(source):
        await fill_every_table()
        await export_database(dump)
    lines = dump.read_text(encoding="utf-8").splitlines()
    broken_at = len(lines) - 3
    lines[broken_at] = json.dumps({"table": "delivery", "row": {"id": "not a number"}})
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    older = tmp_path / "older.jsonl"
    header = json.loads(lines[0])
    header["migrations"] = header["migrations"][:1]
    older.write_text(json.dumps(header) + "\n", encoding="utf-8")

    target = await fresh_target(tmp_path)
    async with database(target):
        with pytest.raises(DumpError) as failure:
            await import_database(broken)
        assert failure.value.line == broken_at + 1
        assert await Citizen.all().count() == 0 and await Initiative.all().count() == 0
        assert await Municipality.all().count() == 25  # the seed is still there
        with pytest.raises(DumpError, match="different migrations"):
            await import_database(older)
        with pytest.raises(DumpError, match="not a samen-voor-elkaar-dump file"):
            await import_database(tmp_path / "source.sqlite3")


async def test_export_and_import_on_the_command_line(tmp_path):
    source = f"sqlite://{tmp_path}/source.sqlite3"
    async with database(source):
        await fill_every_table()
        before = await snapshot()
    dump = tmp_path / "move.jsonl"
    result = run_cli("export-db", str(dump), database_url=source, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"row(s) of {len(before)} table(s) to {dump}" in result.stdout
    target = await fresh_target(tmp_path)
    result = run_cli("import-db", str(dump), database_url=target, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = run_cli("import-db", str(dump), database_url=target, cwd=tmp_path)
    assert result.returncode == 1 and "import-db needs a new, empty database" in result.stderr
    async with database(target):
        assert await snapshot() == before
