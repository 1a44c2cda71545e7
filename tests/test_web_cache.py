"""Public pages are served from a short-lived cache: fast under load, never stale for long."""

from __future__ import annotations

from tests import harness
from tests import web_seed as seed
from webhook import create_app


async def test_a_page_is_kept_for_the_configured_seconds_per_address_and_language(aiohttp_client, database_url):
    client = await aiohttp_client(create_app(harness.test_settings(database_url, web_cache_seconds=60)))
    await seed.initiative("Buurtmoestuin")
    first = await client.get("/initiatieven")
    assert first.status == 200 and first.headers["X-Cache"] == "miss"
    assert "Buurtmoestuin" in await first.text()

    await seed.initiative("Speeltuin aan de Parkweg")
    again = await client.get("/initiatieven")
    assert again.headers["X-Cache"] == "hit"
    assert "Speeltuin" not in await again.text(), "served from the cache"
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert again.headers["Content-Type"].startswith("text/html")

    english = await client.get("/initiatieven?lang=en")
    assert english.headers["X-Cache"] == "miss" and "Speeltuin" in await english.text()
    other_address = await client.get("/initiatieven?sort=support")
    assert other_address.headers["X-Cache"] == "miss"


async def test_errors_and_other_routes_are_not_cached(aiohttp_client, database_url):
    client = await aiohttp_client(create_app(harness.test_settings(database_url, web_cache_seconds=60)))
    for _ in range(2):
        missing = await client.get("/initiatieven/999999")
        assert missing.status == 404 and "X-Cache" not in missing.headers
        bad = await client.get("/initiatieven?page=abc")
        assert bad.status == 400 and "X-Cache" not in bad.headers
    assert "X-Cache" not in (await client.get("/healthz")).headers


async def test_switched_off_with_zero(aiohttp_client, database_url):
    client = await aiohttp_client(create_app(harness.test_settings(database_url, web_cache_seconds=0)))
    await seed.initiative("Buurtmoestuin")
    await client.get("/initiatieven")
    await seed.initiative("Speeltuin aan de Parkweg")
    response = await client.get("/initiatieven")
    assert "X-Cache" not in response.headers and "Speeltuin" in await response.text()


async def test_concurrent_requests_for_one_page_share_one_rendering(aiohttp_client, database_url):
    import asyncio

    client = await aiohttp_client(create_app(harness.test_settings(database_url, web_cache_seconds=60)))
    await seed.initiative("Buurtmoestuin")
    responses = await asyncio.gather(*(client.get("/statistieken") for _ in range(20)))
    assert all(response.status == 200 for response in responses)
    caches = [response.headers["X-Cache"] for response in responses]
    assert caches.count("miss") == 1 and caches.count("hit") == 19
    bodies = {await response.text() for response in responses}
    assert len(bodies) == 1
