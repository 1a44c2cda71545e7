"""Staff load and save the subsidy routes as YAML or CSV: all-or-nothing, idempotent, precise errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from bot.services.subsidy_files import ImportFailed, export_routes, import_routes
from models.subsidy import SubsidyRoute

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "bot" / "seed" / "subsidies.example.yaml"

GOOD_YAML = """\
routes:
  - code: buurt-zwolle
    name: Buurtbudget <Zwolle> & co
    provider: Gemeente Zwolle
    description_nl: "Voor je buurt 🌳"
    themes: [neighbourhood, together]
    municipalities: [GM0193]
    applicant_types: [individual, informal_group]
    min_amount: 100
    max_amount: 2500.50
    opens_on: 2026-01-01
    deadline: 2026-12-31
    url: https://example.org/zwolle
  - code: regio
    name: Regio
    provider: Provincie
    municipalities: [Hof van Twente, deventer]
"""

GOOD_CSV = """\
code;name;provider;themes;municipalities;applicant_types;min_amount;max_amount;deadline;is_example
buurt-zwolle;Buurtbudget;Zwolle;neighbourhood, together;GM0193;individual informal_group;100;2500,50;2026-12-31;ja
regio;"Regio; met puntkomma";Provincie;;;;;;;nee
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


async def snapshot() -> list[dict]:
    return [dict(row) for row in await SubsidyRoute.all().order_by("code").values()]


async def test_yaml_import_stores_routes_and_reimport_changes_nothing(database_url, tmp_path):
    path = write(tmp_path, "routes.yaml", GOOD_YAML)
    report = await import_routes(path)
    assert (report.added, report.changed, report.unchanged) == (["buurt-zwolle", "regio"], [], [])
    route = await SubsidyRoute.get(code="buurt-zwolle")
    assert route.name == "Buurtbudget <Zwolle> & co" and route.description_nl == "Voor je buurt 🌳"
    assert (route.min_amount_cents, route.max_amount_cents) == (10_000, 250_050)
    assert (route.opens_on, route.deadline) == (date(2026, 1, 1), date(2026, 12, 31))
    assert route.themes == ["neighbourhood", "together"] and route.applicant_types == ["individual", "informal_group"]
    assert (await SubsidyRoute.get(code="regio")).municipalities == ["GM1735", "GM0150"]  # names become codes

    before = await snapshot()
    report = await import_routes(path)
    assert (report.added, report.changed, report.unchanged) == ([], [], ["buurt-zwolle", "regio"])
    assert await snapshot() == before


async def test_csv_with_semicolons_as_excel_writes_it(database_url, tmp_path):
    report = await import_routes(write(tmp_path, "routes.csv", GOOD_CSV))
    assert report.added == ["buurt-zwolle", "regio"]
    route = await SubsidyRoute.get(code="buurt-zwolle")
    assert route.max_amount_cents == 250_050 and route.is_example is True
    assert route.themes == ["neighbourhood", "together"]
    assert (await SubsidyRoute.get(code="regio")).name == "Regio; met puntkomma"


async def test_a_changed_route_is_updated_in_place_and_prune_removes_the_rest(database_url, tmp_path):
    await import_routes(write(tmp_path, "routes.yaml", GOOD_YAML))
    old_id = (await SubsidyRoute.get(code="regio")).id
    path = write(tmp_path, "only-regio.yaml", """\
        - code: regio
          name: Regio 2027
          provider: Provincie
          municipalities: [GM1735, GM0150]
        """)
    report = await import_routes(path)
    assert report.changed == ["regio"] and report.removed == []
    assert (await SubsidyRoute.get(code="regio")).id == old_id
    assert await SubsidyRoute.exists(code="buurt-zwolle")

    report = await import_routes(path, prune=True, dry_run=True)
    assert report.removed == ["buurt-zwolle"] and await SubsidyRoute.exists(code="buurt-zwolle")
    report = await import_routes(path, prune=True)
    assert report.removed == ["buurt-zwolle"] and report.unchanged == ["regio"]
    assert [route.code for route in await SubsidyRoute.all()] == ["regio"]


@pytest.mark.parametrize("suffix", ["yaml", "csv"])
async def test_export_then_import_round_trips_exactly(database_url, tmp_path, suffix):
    await import_routes(EXAMPLES)
    await import_routes(write(tmp_path, "routes.yaml", GOOD_YAML))
    before = await snapshot()
    exported = tmp_path / f"export.{suffix}"
    assert await export_routes(exported) == len(before)
    report = await import_routes(exported)
    assert report.added == report.changed == [] and len(report.unchanged) == len(before)

    await SubsidyRoute.all().delete()
    await import_routes(exported)
    again = tmp_path / f"again.{suffix}"
    await export_routes(again)
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")
    assert [{k: v for k, v in row.items() if k != "id"} for row in await snapshot()] == \
        [{k: v for k, v in row.items() if k != "id"} for row in before]


async def test_the_example_set_is_labelled_as_examples(database_url):
    text = EXAMPLES.read_text(encoding="utf-8")
    assert "EXAMPLES ONLY" in text.splitlines()[0]
    report = await import_routes(EXAMPLES)
    assert len(report.added) >= 5
    assert all(route.is_example for route in await SubsidyRoute.all())


BAD_FILES = [
    ("wrong type", "bad.yaml", """\
        routes:
          - code: a
            name: A
            provider: [not, text]
        """, [(4, "provider")]),
    ("wrong type of list", "bad.yaml", """\
        routes:
          - code: a
            name: A
            provider: P
            themes: {nature: yes}
        """, [(5, "themes")]),
    ("missing field", "bad.yaml", """\
        routes:
          - code: a
            name: A
          - code: b
            name: B
            provider: P
        """, [(2, "provider")]),
    ("missing field in CSV", "bad.csv", "code,name,provider\na,A,P\nb,,P\n", [(3, "name")]),
    ("bad date", "bad.yaml", """\
        - code: a
          name: A
          provider: P
          deadline: 2026-02-30
        """, [(4, "deadline")]),
    ("Dutch date in CSV", "bad.csv", "code,name,provider,deadline\na,A,P,31-12-2026\n", [(2, "deadline")]),
    ("deadline before opening", "bad.yaml", """\
        - {code: a, name: A, provider: P, opens_on: 2026-05-01, deadline: 2026-04-01}
        """, [(1, "deadline")]),
    ("bad amount", "bad.yaml", """\
        - code: a
          name: A
          provider: P
          min_amount: 5.000
        """, [(4, "min_amount")]),
    ("negative amount in CSV", "bad.csv", "code,name,provider,max_amount\na,A,P,-5\n", [(2, "max_amount")]),
    ("minimum above maximum", "bad.csv", "code,name,provider,min_amount,max_amount\na,A,P,900,100\n",
     [(2, "max_amount")]),
    ("unknown theme", "bad.yaml", """\
        - code: a
          name: A
          provider: P
          themes: [nature, unicorns]
        """, [(4, "themes")]),
    ("unknown municipality and applicant type", "bad.csv",
     "code,name,provider,municipalities,applicant_types\na,A,P,Amsterdam,company\n",
     [(2, "municipalities"), (2, "applicant_types")]),
    ("duplicate code", "bad.yaml", """\
        - {code: a, name: A, provider: P}
        - {code: b, name: B, provider: P}
        - {code: a, name: A again, provider: P}
        """, [(3, "code")]),
    ("unknown field", "bad.yaml", "- {code: a, name: A, provider: P, deadlin: 2026-01-01}\n", [(1, "deadlin")]),
    ("unknown column", "bad.csv", "code,name,provider,colour\na,A,P,blue\n", [(1, "colour")]),
    ("too many cells", "bad.csv", "code,name,provider\na,A,P,extra\n", [(2, "row")]),
    ("bad link and code", "bad.yaml", "- {code: 'a b', name: A, provider: P, url: 'javascript:alert(1)'}\n",
     [(1, "code"), (1, "url")]),
    ("not YAML", "bad.yaml", "routes: [\n  - code: a\n", [(2, "file")]),
    ("not a list", "bad.yaml", "just some text\n", [(1, "routes")]),
    ("unsupported file type", "routes.txt", "code,name,provider\n", [(0, "file")]),
    ("empty YAML", "empty.yaml", "# nothing yet\n", [(0, "file")]),
    ("CSV with only a header", "empty.csv", "code,name,provider\n", [(0, "file")]),
]


async def test_a_bad_file_changes_nothing_and_says_where(database_url, tmp_path):
    await import_routes(write(tmp_path, "good.yaml", GOOD_YAML))
    before = await snapshot()
    for what, name, text, expected in BAD_FILES:  # one database for the whole table: fast
        with pytest.raises(ImportFailed) as failed:
            await import_routes(write(tmp_path, name, text))
        assert [(error.line, error.field) for error in failed.value.errors] == expected, what
        assert await snapshot() == before, what


async def test_a_good_row_in_a_bad_file_is_not_stored_either(database_url, tmp_path):
    path = write(tmp_path, "mixed.csv", "code,name,provider,min_amount\nnew,New,P,100\nbad,Bad,P,lots\n")
    with pytest.raises(ImportFailed):
        await import_routes(path)
    assert await SubsidyRoute.all().count() == 0


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "STAFF_"))}
    env.update({"DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)})
    return subprocess.run([sys.executable, "-m", "bot", "subsidies", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)


async def test_command_line_import_export_and_a_bad_file(database_url, tmp_path):
    result = run_cli(database_url, "import", str(EXAMPLES))
    assert result.returncode == 0, result.stderr
    assert "8 added, 0 changed, 0 unchanged, 0 removed" in result.stdout
    result = run_cli(database_url, "import", str(EXAMPLES))
    assert "0 added, 0 changed, 8 unchanged" in result.stdout

    exported = tmp_path / "routes.csv"
    result = run_cli(database_url, "export", str(exported))
    assert result.returncode == 0 and "exported 8 route(s)" in result.stdout
    assert exported.read_text(encoding="utf-8").startswith("code,name,provider,")

    bad = write(tmp_path, "bad.csv", "code,name,provider,deadline\nx,X,P,2026-13-01\n")
    result = run_cli(database_url, "import", str(bad))
    assert result.returncode == 1
    assert f"{bad}:2: deadline: '2026-13-01' is not a date (YYYY-MM-DD)" in result.stderr
    assert "nothing was changed" in result.stderr
    assert not await SubsidyRoute.exists(code="x")
    assert await SubsidyRoute.all().count() == 8
