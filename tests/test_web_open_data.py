"""Open data over HTTP: the JSON API checked against its own OpenAPI document, the CSV export, Atom feeds."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

from aiohttp.test_utils import TestClient

from models.initiative import HelpKind, MembershipKind
from tests import web_seed as seed

web = seed.web  # the fixture
ATOM = "{http://www.w3.org/2005/Atom}"


def check(value: Any, schema: dict[str, Any], document: dict[str, Any], where: str = "$") -> None:
    """Validate `value` against the subset of JSON Schema the OpenAPI document uses."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return check(value, document["components"]["schemas"][name], document, where)
    for part in schema.get("allOf", []):
        check(value, part, document, where)
    if "oneOf" in schema:
        passed = 0
        for part in schema["oneOf"]:
            try:
                check(value, part, document, where)
                passed += 1
            except AssertionError:
                pass
        assert passed == 1, f"{where}: matches {passed} of oneOf"
    kinds = schema.get("type")
    if kinds:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        python = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
                  "null": type(None), "boolean": bool}
        assert any(isinstance(value, python[k]) and not (k in ("integer", "number") and isinstance(value, bool))
                   for k in kinds), f"{where}: {value!r} is not {kinds}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check(value[key], sub, document, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(item, schema["items"], document, f"{where}[{index}]")
    return None


async def seed_data() -> list[int]:
    anna = await seed.citizen("Anna")
    bob = await seed.citizen("Bob")
    first = await seed.initiative("Speeltuin De Eik", initiator=anna, members=1, followers=1, budget_cents=250000,
                                  help_needed=[HelpKind.VOLUNTEERS], audience="Kinderen")
    second = await seed.initiative("Moestuin", theme="care", municipality="zwolle", days_ago=3)
    await seed.membership(first, bob, offer=["knowledge"])
    await seed.membership(first, anna, MembershipKind.FOLLOW)
    await seed.update(first, "Het hek staat er")
    return [first.id, second.id]


async def test_every_api_answer_matches_the_openapi_document(web: TestClient):
    first, _second = await seed_data()
    response = await web.get("/api/openapi.json")
    assert response.status == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    document = await response.json()
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": "http://testserver.local"}]
    examples = {"/api/initiatives/{id}": f"/api/initiatives/{first}"}
    for path, item in document["paths"].items():
        answer = await web.get(examples.get(path, path))
        assert answer.status == 200, path
        schema = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        check(await answer.json(), schema, document, path)
    for path in ["/api/initiatives?page=0", "/api/initiatives?help=nothing"]:
        answer = await web.get(path)
        assert answer.status == 400
        check(await answer.json(), {"$ref": "#/components/schemas/Error"}, document)
    names = {p["name"] for p in document["paths"]["/api/initiatives"]["get"]["parameters"]}
    assert names == {"q", "theme", "municipality", "status", "help", "sort", "page", "per_page"}


async def test_api_lists_filters_pages_and_details(web: TestClient):
    first, second = await seed_data()
    data = await (await web.get("/api/initiatives")).json()
    assert [item["id"] for item in data["items"]] == [first, second]  # newest first
    item = data["items"][0]
    assert item == {
        "id": first, "title": "Speeltuin De Eik", "description": "Beschrijving van Speeltuin De Eik.",
        "audience": "Kinderen", "theme": {"slug": "nature", "name_nl": "Groen en natuur",
                                          "name_en": "Green spaces and nature"},
        "municipality": {"slug": "deventer", "name": "Deventer", "code": "GM0150"},
        "help_needed": ["volunteers"], "budget_eur": 2500.0, "initiator_name": "Anna", "members_count": 1,
        "followers_count": 1, "support": 2, "published_at": item["published_at"],
        "url": f"http://testserver.local/initiatieven/{first}",
        "telegram_url": f"https://t.me/TestInitiativesBot?start=initiative-{first}",
    }
    paged = await (await web.get("/api/initiatives?per_page=1&page=2")).json()
    assert paged["total"] == 2 and paged["pages"] == 2 and [i["id"] for i in paged["items"]] == [second]
    assert paged["links"] == {"self": "http://testserver.local/api/initiatives?per_page=1&page=2",
                              "previous": "http://testserver.local/api/initiatives?per_page=1",
                              "next": None}
    only = await (await web.get("/api/initiatives?municipality=zwolle&theme=care")).json()
    assert [i["id"] for i in only["items"]] == [second]
    assert (await web.get("/api/initiatives?page=3&per_page=1")).status == 404
    detail = await (await web.get(f"/api/initiatives/{first}")).json()
    assert [u["text"] for u in detail["updates"]] == ["Het hek staat er"]
    themes = await (await web.get("/api/themes")).json()
    assert {"slug": "nature", "name_nl": "Groen en natuur", "name_en": "Green spaces and nature",
            "initiatives": 1} in themes and len(themes) == 9
    places = await (await web.get("/api/municipalities")).json()
    assert len(places) == 25 and {"slug": "zwolle", "name": "Zwolle", "code": "GM0193", "initiatives": 1} in places
    figures = await (await web.get("/api/statistics")).json()
    assert (figures["initiatives"], figures["members"], figures["followers"]) == (2, 1, 1)
    assert (figures["participants"], figures["contributors"], figures["participation_rate"]) == (2, 2, 1.0)
    assert figures["top_initiatives"][0]["id"] == first


async def test_csv_export(web: TestClient):
    first, second = await seed_data()
    await seed.initiative("=HYPERLINK(\"http://evil\")", description="+SUM(1)", municipality="ommen")
    response = await web.get("/initiatieven.csv")
    assert response.status == 200 and response.content_type == "text/csv" and response.charset == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="initiatives-')
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [row["id"] for row in rows] == [str(first), str(second), str(second + 1)]
    assert rows[0]["title"] == "Speeltuin De Eik" and rows[0]["budget_eur"] == "2500.00"
    assert rows[0]["municipality_code"] == "GM0150" and rows[0]["support"] == "2"
    assert rows[0]["help_needed"] == "volunteers" and rows[0]["initiator_name"] == "Anna"
    assert rows[2]["title"] == "'=HYPERLINK(\"http://evil\")" and rows[2]["description"] == "'+SUM(1)"
    filtered = list(csv.DictReader(io.StringIO(await (await web.get("/initiatieven.csv?q=moestuin")).text())))
    assert [row["id"] for row in filtered] == [str(second)]
    empty = await (await web.get("/initiatieven.csv?theme=sport")).text()
    assert empty.strip().split(",")[0] == "id" and empty.count("\n") == 1


async def test_atom_feeds(web: TestClient):
    first, second = await seed_data()
    response = await web.get("/feed.atom")
    assert response.status == 200 and response.content_type == "application/atom+xml"
    feed = ET.fromstring(await response.text())
    assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}id").text == "http://testserver.local/feed.atom"
    assert feed.find(f"{ATOM}updated").text and feed.find(f"{ATOM}title").text == \
        "Samen voor Elkaar: nieuwe initiatieven"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        f"http://testserver.local/initiatieven/{first}", f"http://testserver.local/initiatieven/{second}"]
    entry = entries[0]
    assert entry.find(f"{ATOM}title").text == "Speeltuin De Eik"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Anna"
    assert entry.find(f"{ATOM}summary").text == "Beschrijving van Speeltuin De Eik."
    assert entry.find(f"{ATOM}updated").text and entry.find(f"{ATOM}published").text
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {"nature", "deventer"}
    theme = ET.fromstring(await (await web.get("/themas/care/feed.atom?lang=en")).text())
    assert theme.find(f"{ATOM}title").text == "Samen voor Elkaar: new initiatives about Care and wellbeing"
    assert theme.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver.local/themas/care/feed.atom?lang=en"
    assert [e.find(f"{ATOM}title").text for e in theme.findall(f"{ATOM}entry")] == ["Moestuin"]
    place = ET.fromstring(await (await web.get("/gemeenten/zwolle/feed.atom")).text())
    assert [e.find(f"{ATOM}title").text for e in place.findall(f"{ATOM}entry")] == ["Moestuin"]
    assert "in Zwolle" in place.find(f"{ATOM}title").text
    empty = ET.fromstring(await (await web.get("/gemeenten/ommen/feed.atom")).text())
    assert empty.findall(f"{ATOM}entry") == [] and empty.find(f"{ATOM}updated").text
    assert (await web.get("/themas/nope/feed.atom")).status == 404
    assert (await web.get("/gemeenten/nope/feed.atom")).status == 404
    hostile = await seed.initiative("<script>alert(1)</script> & co")
    text = await (await web.get("/feed.atom")).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text and "<script>" not in text
    assert ET.fromstring(text).find(f"{ATOM}entry/{ATOM}title").text == "<script>alert(1)</script> & co"
    assert hostile.id
