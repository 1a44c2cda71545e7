"""The public web view over HTTP: every page, languages, headers, privacy, escaping, bad parameters, queries."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient
from tortoise import connections

from bot.web.pages import negotiate
from models.initiative import HelpKind, MembershipKind, Status
from tests import web_seed as seed
from tests.web_seed import counting_queries

web = seed.web  # the fixture

HTML_PAGES = ["/", "/initiatieven", "/themas", "/themas/nature", "/gemeenten", "/gemeenten/deventer",
              "/statistieken", "/open-data", "/privacy", "/toegankelijkheid"]


async def get_text(web: TestClient, path: str, status: int = 200, **headers: str) -> str:
    response = await web.get(path, headers=headers)
    body = await response.text()
    assert response.status == status, (path, response.status, body[:500])
    return body


def hrefs(body: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', body)]


async def test_every_page_answers_in_dutch_by_default_and_in_english_when_asked(web: TestClient):
    anna = await seed.citizen("Anna")
    first = await seed.initiative("Speeltuin De Eik", initiator=anna, members=3, followers=2)
    for path in [*HTML_PAGES, f"/initiatieven/{first.id}"]:
        dutch = await get_text(web, path)
        assert '<html lang="nl">' in dutch and "Toegankelijkheidsverklaring" in dutch, path
        english = await get_text(web, path, **{"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})
        assert '<html lang="en">' in english and "Accessibility statement" in english, path
        chosen = await get_text(web, path + "?lang=en", **{"Accept-Language": "nl"})
        assert '<html lang="en">' in chosen, path
        # the chosen language travels along in every link of the page, and the switch is visible
        internal = [h for h in hrefs(chosen) if h.startswith("/") and not h.startswith("/static/")]
        assert internal and all("lang=" in h for h in internal), (path, internal)
        assert 'hreflang="nl" lang="nl">Nederlands</a>' in chosen and 'aria-current="true">English</a>' in chosen
    home = await get_text(web, "/")
    assert "Speeltuin De Eik" in home and "https://t.me/TestInitiativesBot" in home


def test_language_negotiation():
    assert negotiate(None, None, "nl") == ("nl", False)
    assert negotiate("en", "nl", "nl") == ("en", True)
    assert negotiate("EN ", None, "nl") == ("en", True)
    assert negotiate("fr", "en-US,en;q=0.8", "nl") == ("en", False)
    assert negotiate(None, "de-DE, nl;q=0.4, en;q=0.7", "nl") == ("en", False)
    assert negotiate(None, "en;q=0, nl", "en") == ("nl", False)
    assert negotiate(None, "en;q=abc, fr", "nl") == ("nl", False)
    assert negotiate(None, "x" * 20_000 + ",,,;;;=", "en") == ("en", False)


async def test_security_headers_on_pages_errors_feeds_and_api(web: TestClient):
    for path in ["/", "/initiatieven?page=abc", "/bestaat-niet", "/feed.atom", "/api/initiatives",
                 "/static/site.css", "/initiatieven.csv"]:
        response = await web.get(path)
        assert response.status < 500, path
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
    page = await get_text(web, "/statistieken")
    assert "<script" not in page and "style=" not in page and "<style" not in page


async def test_only_published_visible_initiatives_appear_anywhere(web: TestClient):
    shown = await seed.initiative("Zichtbaar initiatief")
    hidden = [
        await seed.initiative("Concept initiatief", status=Status.DRAFT),
        await seed.initiative("Ingediend initiatief", status=Status.SUBMITTED),
        await seed.initiative("Afgewezen initiatief", status=Status.REJECTED),
        await seed.initiative("Ingetrokken initiatief", status=Status.WITHDRAWN),
        await seed.initiative("Verborgen status initiatief", status=Status.HIDDEN),
        await seed.initiative("Verborgen na meldingen initiatief", hidden=True),
        await seed.initiative("Wijziging gevraagd initiatief", status=Status.CHANGES_REQUESTED),
    ]
    places = ["/", "/initiatieven", "/initiatieven?q=initiatief", "/themas/nature", "/gemeenten/deventer",
              "/statistieken", "/feed.atom", "/themas/nature/feed.atom", "/api/initiatives",
              "/api/initiatives?q=initiatief", "/initiatieven.csv", "/api/statistics"]
    for path in places:
        body = await get_text(web, path)
        assert "Zichtbaar initiatief" in body, path
        for other in hidden:
            assert other.title not in body, (path, other.title)
    for other in hidden:
        await get_text(web, f"/initiatieven/{other.id}", 404)
        await get_text(web, f"/api/initiatives/{other.id}", 404)
    assert "Zichtbaar initiatief" in await get_text(web, f"/initiatieven/{shown.id}")
    themes = await get_text(web, "/themas")
    assert "1 initiatief<" in themes  # the counts count published, visible initiatives only


async def test_hostile_text_is_shown_as_text(web: TestClient):
    attacker = await seed.citizen('<img src=x onerror=alert(2)>"')
    evil = await seed.initiative("<script>alert(1)</script>", initiator=attacker,
                                 description='Tekst met <b>tags</b> & "quotes" en <script>alert(3)</script>',
                                 audience="<iframe src=//evil>", members=1)
    await seed.update(evil, "<script>alert(4)</script> nieuws")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for path in ["/", "/initiatieven", "/initiatieven?q=alert", f"/initiatieven/{evil.id}", "/themas/nature",
                 "/statistieken", "/feed.atom"]:
        body = await get_text(web, path)
        assert escaped in body, path
        assert "<script" not in body and "<iframe" not in body and "<img src=x" not in body and "<b>tags" not in body
    page = await get_text(web, f"/initiatieven/{evil.id}")
    assert f'<meta property="og:title" content="{escaped}">' in page
    assert "&lt;script&gt;alert(4)&lt;/script&gt; nieuws" in page
    assert "&lt;img src=x onerror=alert(2)&gt;&#34;" in page or "&lt;img src=x onerror=alert(2)&gt;&quot;" in page
    data = await (await web.get(f"/api/initiatives/{evil.id}")).json()
    assert data["title"] == "<script>alert(1)</script>"  # JSON carries the text itself, as data


async def test_no_personal_data_beyond_the_public_name(web: TestClient):
    anna = await seed.citizen("Anna de Vries", telegram_id=987654321, first_name="Annabel",
                              email="anna.private@example.org", organisation="Stichting Geheim")
    helper = await seed.citizen("Bob", telegram_id=123123123, first_name="Roberto", email="bob@example.org")
    moestuin = await seed.initiative("Moestuin", initiator=anna, members=1)
    joined = await seed.membership(moestuin, helper, offer=["knowledge"])
    joined.offer_text, joined.share_contact, joined.contact_username = "Bel me op 0612345678", True, "anna_tg"
    await joined.save()
    await seed.update(moestuin, "Het eerste nieuws")
    places = [*HTML_PAGES, f"/initiatieven/{moestuin.id}", "/feed.atom", "/api/initiatives",
              f"/api/initiatives/{moestuin.id}", "/api/statistics", "/initiatieven.csv"]
    for path in places:
        body = await get_text(web, path)
        for secret in ("987654321", "123123123", "Annabel", "Roberto", "example.org", "Stichting Geheim",
                       "anna_tg", "0612345678", "Bob"):
            assert secret not in body, (path, secret)
    assert "Anna de Vries" in await get_text(web, f"/initiatieven/{moestuin.id}")


async def test_bad_parameters_give_a_normal_page_or_400_never_500(web: TestClient):
    await seed.initiative("Speeltuin")
    normal = ["q=" + "speeltuin " * 700, 'q=" AND * NEAR( OR ) : ^ -x', "q=%00%01%02", "q=de het een",
              "q=😀 <b>&", "lang=xx", "lang=", "theme=", "page=1", "q=" + "ü" * 300]
    for query in normal:
        body = await get_text(web, f"/initiatieven?{query}")
        assert "<h1>Initiatieven</h1>" in body, query
    for query in ["page=-1", "page=abc", "page=0", "page=1.5", "page=99999999999999999999", "page=%EF%BC%91",
                  "theme=bestaat-niet", "theme=%3Cscript%3E", "municipality=nergens", "status=old", "sort=random",
                  "help=everything", "sort="]:
        response = await web.get(f"/initiatieven?{query}")
        if query == "sort=":
            assert response.status == 200
            continue
        assert response.status == 400, query
        assert "Dit adres klopt niet helemaal" in await response.text()
    await get_text(web, "/initiatieven?page=2", 404)  # past the last page
    for path in ["/initiatieven/0", "/initiatieven/99999999999999999999", "/initiatieven/2147483648",
                 "/initiatieven/abc", "/initiatieven/-1", "/themas/bestaat-niet", "/gemeenten/nergens",
                 "/themas/Nature", "/themas/nature/feed.atom/x", "/gemeenten/nergens/feed.atom",
                 "/themas/nature?page=abc", "/bestaat/niet"]:
        response = await web.get(path)
        assert response.status in (400, 404), (path, response.status)
    for path in ["/api/initiatives?page=-1", "/api/initiatives?per_page=1000", "/api/initiatives?sort=x",
                 "/api/initiatives?theme=nope", "/initiatieven.csv?status=x"]:
        response = await web.get(path)
        assert response.status == 400, path
    long = await web.get("/api/initiatives?q=" + "x" * 7_000)
    assert long.status == 200 and (await long.json())["total"] == 0
    for path in ["/initiatieven?q=", "/api/initiatives?q=", "/initiatieven.csv?q="]:
        huge = await web.get(path + "speeltuin+" * 1024)  # 10 kB: longer than a request line may be
        assert huge.status == 400, path
    for path in ["/api/initiatives/abc", "/api/initiatives/0", "/api/initiatives/99999999999999999999"]:
        response = await web.get(path)
        assert response.status == 404 and (await response.json()) == {"error": "not_found"}
    weird = await web.get("/", headers={"Accept-Language": "*;q=abc,,;;=,en-US;q=2"})
    assert weird.status == 200


async def test_pagination_has_stable_addresses(web: TestClient):
    for number in range(45):
        await seed.initiative(f"Initiatief nummer {number:02d}", days_ago=number, members=number % 7)
    first = await get_text(web, "/initiatieven?theme=nature&sort=support")
    assert "Pagina 1 van 3" in first and "45 initiatieven gevonden" in first and "1–20 van 45" in first
    links = hrefs(first)
    assert "/initiatieven?theme=nature&sort=support&page=2" in links
    assert "/initiatieven?theme=nature&sort=support&page=3" in links
    second = await get_text(web, "/initiatieven?theme=nature&sort=support&page=2")
    assert "/initiatieven?theme=nature&sort=support" in hrefs(second)  # first page: no page=1
    canonical = "http://testserver.local/initiatieven?theme=nature&amp;sort=support&amp;page=2"
    assert f'<link rel="canonical" href="{canonical}">' in second
    third = await get_text(web, "/initiatieven?theme=nature&sort=support&page=3")
    assert "41–45 van 45" in third and 'rel="next"' not in third
    # every initiative exactly once over the pages, in the same order each time
    seen = []
    for page in (first, second, third):
        seen += re.findall(r"\">Initiatief nummer (\d\d)<", page)
    assert sorted(seen) == [f"{n:02d}" for n in range(45)]
    again = await get_text(web, "/initiatieven?theme=nature&sort=support&page=2")
    assert re.findall(r"\">Initiatief nummer (\d\d)<", again) == re.findall(r"\">Initiatief nummer (\d\d)<", second)
    newest = await get_text(web, "/initiatieven")
    assert newest.index("Initiatief nummer 00") < newest.index("Initiatief nummer 01")


async def test_filters_and_sorting(web: TestClient):
    old = await seed.initiative("Oude moestuin", theme="nature", municipality="zwolle", days_ago=200, members=9,
                                help_needed=[HelpKind.MONEY])
    await seed.update(old, "Nog steeds bezig", days_ago=5)
    fresh = await seed.initiative("Nieuwe sportdag", theme="sport", municipality="deventer", days_ago=3, members=1,
                                  help_needed=[HelpKind.VOLUNTEERS, HelpKind.PLACE])
    quiet = await seed.initiative("Stil kunstproject", theme="culture", municipality="deventer", days_ago=100)
    await seed.update(quiet, "Oud nieuws", days_ago=120)
    await seed.update(quiet, "Verborgen nieuws", days_ago=1, hidden=True)

    async def titles(query: str) -> list[str]:
        body = await get_text(web, f"/initiatieven?{query}")
        return re.findall(r'class="card-title"><a href="/initiatieven/\d+">([^<]+)</a>', body)

    assert await titles("") == ["Nieuwe sportdag", "Stil kunstproject", "Oude moestuin"]
    assert await titles("sort=support") == ["Oude moestuin", "Nieuwe sportdag", "Stil kunstproject"]
    assert await titles("theme=sport") == ["Nieuwe sportdag"]
    assert await titles("municipality=deventer") == ["Nieuwe sportdag", "Stil kunstproject"]
    assert await titles("status=new") == ["Nieuwe sportdag"]
    assert await titles("status=active") == ["Oude moestuin"]  # hidden updates do not count
    assert await titles("help=volunteers") == ["Nieuwe sportdag"]
    assert await titles("help=money") == ["Oude moestuin"]
    assert await titles("help=any") == ["Nieuwe sportdag", "Oude moestuin"]
    assert await titles("help=knowledge") == []
    assert await titles("municipality=deventer&q=kunst&theme=culture") == ["Stil kunstproject"]
    form = await get_text(web, "/initiatieven?theme=sport&help=any&sort=support&status=new")
    for selected in ('value="sport" selected', 'value="any" selected', 'value="support" selected',
                     'value="new" selected'):
        assert selected in form
    assert "Zoekopdracht en filters wissen" in form
    for field in ("q", "theme", "municipality", "status", "help", "sort"):
        assert f'<label for="{field}">' in form and f'id="{field}" name="{field}"' in form
    assert fresh.id and "0 initiatieven gevonden" in await get_text(web, "/initiatieven?q=bestaatniet")


async def test_initiative_page_shows_every_public_field(web: TestClient):
    anna = await seed.citizen("Anna")
    item = await seed.initiative("Repair Café Deventer", initiator=anna, members=12, followers=5,
                                 description="Samen spullen repareren.\nElke eerste zaterdag.",
                                 audience="Iedereen in de wijk", help_needed=[HelpKind.VOLUNTEERS, HelpKind.MATERIALS],
                                 budget_cents=123450)
    await seed.update(item, "Eerste editie was een succes", days_ago=2)
    await seed.update(item, "Tweede editie gepland", days_ago=1)
    await seed.update(item, "Verborgen bericht", hidden=True)
    page = await get_text(web, f"/initiatieven/{item.id}")
    for text in ("<h1 id=\"initiative-title\">Repair Café Deventer</h1>", "<p>Samen spullen repareren.</p>",
                 "<p>Elke eerste zaterdag.</p>", "Iedereen in de wijk", "Vrijwilligers, Materialen",
                 "€\xa01.234,50", "Groen en natuur", "Deventer", "Door Anna", "<dd>12</dd>", "<dd>5</dd>",
                 "<dd>17</dd>",
                 "Eerste editie was een succes", "Tweede editie gepland"):
        assert text in page, text
    assert "Verborgen bericht" not in page
    assert page.index("Tweede editie gepland") < page.index("Eerste editie was een succes")  # newest first
    deep_link = f'href="https://t.me/TestInitiativesBot?start=initiative-{item.id}"'
    assert deep_link in page and "Doe mee via Telegram" in page
    assert f'<meta property="og:url" content="http://testserver.local/initiatieven/{item.id}">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    assert '<meta property="og:description" content="Samen spullen repareren.' in page
    english = await get_text(web, f"/initiatieven/{item.id}?lang=en")
    assert "€1,234.50" in english and "Volunteers, Materials" in english and "Join via Telegram" in english
    bare = await seed.initiative("Kaal", theme=None, municipality=None)
    page = await get_text(web, f"/initiatieven/{bare.id}")
    assert "Geen thema" in page and "Geen gemeente" in page and "Nog geen nieuws." in page


async def test_theme_and_municipality_pages(web: TestClient):
    for number in range(23):
        await seed.initiative(f"Groen project {number}", theme="nature", municipality="zwolle")
    await seed.initiative("Sportief project", theme="sport", municipality="deventer")
    themes = await get_text(web, "/themas")
    assert '<a href="/themas/nature">Groen en natuur</a> <span class="muted">23 initiatieven</span>' in themes
    assert '<a href="/themas/sport">Sport en bewegen</a> <span class="muted">1 initiatief</span>' in themes
    nature = await get_text(web, "/themas/nature")
    assert "<h1>Groen en natuur</h1>" in nature and "23 gepubliceerde initiatieven over dit thema." in nature
    assert "Sportief project" not in nature and "Pagina 1 van 2" in nature
    assert "/themas/nature?page=2" in hrefs(nature) and "/themas/nature/feed.atom" in hrefs(nature)
    assert "/initiatieven?theme=nature" in hrefs(nature)
    assert "Groen project" in await get_text(web, "/themas/nature?page=2")
    await get_text(web, "/themas/nature?page=3", 404)
    municipalities = await get_text(web, "/gemeenten")
    assert municipalities.count('<li><a href="/gemeenten/') == 25
    zwolle = await get_text(web, "/gemeenten/zwolle?lang=en")
    assert "<h1>Zwolle</h1>" in zwolle and "23 published initiatives in this municipality." in zwolle
    empty = await get_text(web, "/gemeenten/ommen")
    assert "Hier zijn nog geen initiatieven gepubliceerd." in empty


async def test_statistics_page_support_and_participation(web: TestClient):
    initiator = await seed.citizen("Initiatiefnemer")
    joiner = await seed.citizen("Meedoener")
    follower = await seed.citizen("Volger")
    await seed.citizen("Niets gedaan")
    unregistered = await seed.citizen(None, registered_days_ago=None)
    big = await seed.initiative("Groot groen plan", initiator=initiator, theme="nature", municipality="zwolle",
                                members=2, followers=1)
    await seed.initiative("Klein sportplan", theme="sport", municipality="deventer", members=1, followers=0)
    await seed.membership(big, joiner)
    await seed.membership(big, unregistered)
    await seed.membership(big, follower, MembershipKind.FOLLOW)
    page = await get_text(web, "/statistieken")
    assert "<dt>Gepubliceerde initiatieven</dt><dd>2</dd>" in page
    assert "<dt>Geregistreerde deelnemers</dt><dd>4</dd>" in page
    assert "<dt>Participatiegraad</dt><dd>50,0%</dd>" in page  # initiator and joiner of 4 registered
    assert "2 van de 4 geregistreerde deelnemers" in page
    for chart_id in ("chart-theme", "chart-municipality", "chart-initiative", "chart-initiatives-time",
                     "chart-participants-time"):
        assert '<svg class="chart"' in page and f'aria-labelledby="{chart_id}-title"' in page
    row = re.search(r'<a href="/themas/nature">Groen en natuur</a></th>(.*?)</tr>', page).group(1)
    assert re.findall(r">(\d+)<", row) == ["1", "2", "1", "3"]
    assert page.count("<table>") == 5 and page.count("<caption>") == 5
    month = datetime.now(UTC).date()
    assert re.search(rf"{month.year}</th><td class=\"num\">2</td><td class=\"num\">2</td>", page)


async def test_a_page_past_a_broken_database_is_a_localized_500(web: TestClient):
    item = await seed.initiative("Project")
    await connections.get("default").execute_script("DROP TABLE initiative_update")
    response = await web.get(f"/initiatieven/{item.id}")
    assert response.status == 500
    body = await response.text()
    assert "Er ging iets mis" in body and "initiative_update" not in body
    english = await web.get(f"/initiatieven/{item.id}?lang=en")
    assert "Something went wrong" in await english.text()
    api = await web.get(f"/api/initiatives/{item.id}")
    assert api.status == 500 and await api.json() == {"error": "internal_error"}


async def test_pages_make_a_bounded_number_of_queries(web: TestClient):
    async def queries_per_page(paths: list[str]) -> dict[str, int]:
        counts = {}
        for path in paths:
            with counting_queries() as counter:
                await get_text(web, path)
            counts[path] = counter.count
        return counts

    async def grow(initiatives: int) -> None:
        for number in range(initiatives):
            owner = await seed.citizen(f"Eigenaar {number}")
            item = await seed.initiative(f"Speeltuin {number}", initiator=owner, members=2, followers=1,
                                         days_ago=number)
            for _ in range(2):
                await seed.membership(item, await seed.citizen("Lid"))
            await seed.update(item, f"Nieuws {number}")

    await grow(3)
    paths = ["/", "/initiatieven", "/initiatieven?q=speeltuin&sort=support&theme=nature&help=any&status=active",
             "/initiatieven/1", "/statistieken", "/themas/nature", "/gemeenten", "/feed.atom", "/api/initiatives",
             "/api/statistics", "/initiatieven.csv"]
    small = await queries_per_page(paths)
    await grow(40)
    large = await queries_per_page(paths)
    assert small == large
    assert max(large.values()) <= 12, large


async def test_static_files_and_no_client_scripts(web: TestClient):
    css = await web.get("/static/site.css")
    assert css.status == 200 and css.content_type == "text/css" and ":focus-visible" in await css.text()
    home = await get_text(web, "/")
    assert re.search(r'<link rel="stylesheet" href="/static/site.css\?v=[^"]+">', home)
    assert "<script" not in home
    versioned = re.search(r'href="(/static/site.css\?v=[^"]+)"', home).group(1)
    cached = await web.get(html.unescape(versioned))
    assert cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert (await web.get("/static/nope.css")).status == 404
