"""Full-text search: one results contract on SQLite (FTS5) and PostgreSQL (Dutch tsvector).

The contract is in bot/services/search.py.
"""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from tortoise import connections
from tortoise.transactions import in_transaction

from bot.services import search
from models.initiative import Initiative, Status
from tests import web_seed as seed

web = seed.web  # the fixture


async def found(web: TestClient, query: str) -> set[str]:
    """The titles the open-data API finds for a search (every page)."""
    response = await web.get("/api/initiatives", params={"q": query, "per_page": "100"})
    assert response.status == 200, (query, response.status)
    return {item["title"] for item in (await response.json())["items"]}


CORPUS = {
    "Speeltuin De Eik": "Nieuwe speeltoestellen voor de kinderen uit de buurt.",
    "Repair Café": "Samen fietsen en spullen repareren.",
    "Fietsenstalling bij het station": "Droog en veilig parkeren.",
    "Moestuinen in de wijk": "Groente kweken met elkaar.",
    "ZWEMBAD OPEN HOUDEN": "Het bad mag niet dicht.",
    "Bibliotheek aan huis": "Boeken brengen bij ouderen.",
    "Ééndaagse wandeling": "Een tocht langs de Vecht.",
    "<b>Vet</b> & <script>alert(1)</script>": "Tekst met tags.",
}

CONTRACT = {
    "speeltuin": {"Speeltuin De Eik"},
    "SPEELTUIN": {"Speeltuin De Eik"},
    "speeltuinen": {"Speeltuin De Eik"},  # plural reduced
    "speel": {"Speeltuin De Eik"},  # a word finds the longer words it starts
    "kinder": {"Speeltuin De Eik"},
    "cafe": {"Repair Café"},  # accents ignored both ways
    "CAFÉ": {"Repair Café"},
    "café": {"Repair Café"},
    "fietsen": {"Repair Café", "Fietsenstalling bij het station"},
    "fiets": {"Repair Café", "Fietsenstalling bij het station"},
    "moestuin": {"Moestuinen in de wijk"},
    "moestuinen": {"Moestuinen in de wijk"},
    "wijhe": {"Moestuinen in de wijk"},  # in the audience, after a hyphen
    "olst-wijhe": {"Moestuinen in de wijk"},
    "zwembad": {"ZWEMBAD OPEN HOUDEN"},
    "eendaagse": {"Ééndaagse wandeling"},
    "ÉÉNDAAGSE": {"Ééndaagse wandeling"},
    "boeken ouderen": {"Bibliotheek aan huis"},  # every word must match
    "boek": {"Bibliotheek aan huis"},
    "speeltuin fiets": set(),
    "alert": {"<b>Vet</b> & <script>alert(1)</script>"},  # markup is text like any other
    "vet": {"<b>Vet</b> & <script>alert(1)</script>"},
    '"speeltuin"* ^(-:)': {"Speeltuin De Eik"},  # search syntax is ignored
    "speeltuin OR zwembad": set(),  # OR is an ordinary word
    "speeltuin:*": {"Speeltuin De Eik"},
    "de speeltuin van het": {"Speeltuin De Eik"},  # stop words ignored
    "xyzzy": set(),
    "repareren!!!": {"Repair Café"},
}


async def test_the_same_results_contract_on_every_database(web: TestClient):
    for title, description in CORPUS.items():
        await seed.initiative(title, description=description,
                              audience="Buurtbewoners van Olst-Wijhe" if "Moestuin" in title else None)
    await seed.initiative("Speeltuin in concept", status=Status.DRAFT)
    await seed.initiative("Speeltuin verborgen", hidden=True)
    for query, expected in CONTRACT.items():
        assert await found(web, query) == expected, query
    everything = set(CORPUS)
    assert await found(web, "de het een") == everything  # only stop words: no search
    assert await found(web, "") == everything


async def test_the_index_follows_edits_and_deletions(web: TestClient):
    item = await seed.initiative("Boomgaard", description="Appelbomen planten.")
    assert await found(web, "boomgaard") == {"Boomgaard"}
    item.title, item.description = "Pluktuin", "Bessen en bloemen."
    await item.save()
    assert await found(web, "boomgaard") == set()
    assert await found(web, "pluktuin bessen") == {"Pluktuin"}
    await Initiative.filter(id=item.id).update(audience="Voor de hele straat")
    assert await found(web, "straat") == {"Pluktuin"}
    await Initiative.filter(id=item.id).delete()
    assert await found(web, "pluktuin") == set()


async def test_search_combines_with_filters_and_pages(web: TestClient):
    for number in range(25):
        await seed.initiative(f"Speeltuin {number}", theme="sport" if number % 2 else "nature", members=number)
    response = await web.get("/api/initiatives", params={"q": "speeltuin", "theme": "sport", "sort": "support"})
    data = await response.json()
    assert data["total"] == 12 and data["pages"] == 1
    assert [item["title"] for item in data["items"]][:3] == ["Speeltuin 23", "Speeltuin 21", "Speeltuin 19"]
    page = await web.get("/initiatieven", params={"q": "speeltuin", "page": "2"})
    assert page.status == 200 and "Pagina 2 van 2" in await page.text()


def test_query_terms():
    assert search.terms("De SPEELTUINEN van Café 't Hoekje!") == ["speeltuin", "cafe", "hoekje"]
    assert search.terms("bakken fietsen huis concerts") == ["bak", "fiets", "huis", "concert"]
    assert search.terms("a b c de het") == []
    assert len(search.terms(" ".join(f"woord{n}" for n in range(50)))) == search.MAX_TERMS
    assert search.terms("x" * 10_000) == ["x" * 40]
    assert search.sqlite_match(["speel", "tuin"]) == '"speel"* AND "tuin"*'


async def test_postgresql_uses_its_full_text_index(database_url: str):
    connection = connections.get("default")
    if connection.capabilities.dialect != "postgres":
        return  # SQLite always answers from its FTS5 table
    async with in_transaction() as transaction:
        await transaction.execute_script("SET LOCAL enable_seqscan = off")
        plan = await transaction.execute_query_dict(
            "EXPLAIN SELECT id FROM initiative i WHERE "
            + search.postgres_condition("i", ["$1"]), ["speeltuin:*"])
    assert "initiative_search_idx" in " ".join(row["QUERY PLAN"] for row in plan)
