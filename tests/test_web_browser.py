"""The public web view in Debian's headless chromium: a keyboard-only journey without JavaScript, and
axe-core on every kind of page (zero violations)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, Route, async_playwright

from models.initiative import HelpKind
from tests import harness
from tests import web_seed as seed
from webhook import create_app

CHROMIUM = "/usr/bin/chromium"
BOT = "TestInitiativesBot"

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[str]:
    """The application on a local port."""
    server = TestServer(create_app(harness.test_settings(database_url, bot_username=BOT)), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        try:
            yield browser
        finally:
            await browser.close()


async def focused(page: Page) -> dict[str, str]:
    """What has the keyboard focus, and whether the focus is visible."""
    return await page.locator(":focus").evaluate(
        "e => ({tag: e.tagName.toLowerCase(), id: e.id, text: e.textContent.trim(), href: e.getAttribute('href') || '',"
        " outline: getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth})")


async def tab_to(page: Page, **wanted: str) -> dict[str, str]:
    """Press Tab until the focused element has the wanted properties; fail if it never gets there."""
    for _ in range(120):
        await page.keyboard.press("Tab")
        element = await focused(page)
        if all(element[key] == value for key, value in wanted.items()):
            assert element["outline"].startswith("solid") and element["outline"] != "solid 0px", element
            return element
    raise AssertionError(f"Tab never reached {wanted}")


async def test_search_filter_open_and_join_with_the_keyboard_only_without_javascript(site, browser):
    anna = await seed.citizen("Anna")
    target = await seed.initiative("Speeltuin De Eik", initiator=anna, theme="nature", members=3,
                                   help_needed=[HelpKind.VOLUNTEERS])
    await seed.initiative("Speeltuin aan de haven", theme="sport")
    await seed.initiative("Moestuin", theme="nature")
    context = await browser.new_context(java_script_enabled=False, locale="nl-NL")
    telegram: list[str] = []

    async def telegram_stub(route: Route) -> None:  # nothing leaves the machine
        telegram.append(route.request.url)
        await route.fulfill(status=200, content_type="text/html", body="<title>Telegram</title><p>Telegram</p>")

    await context.route("https://t.me/**", telegram_stub)
    page = await context.new_page()
    await page.goto(site + "/")
    assert (await tab_to(page))["text"] == "Direct naar de inhoud"  # the first stop is the skip link
    await tab_to(page, text="Initiatieven", tag="a")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url == site + "/initiatieven"

    await tab_to(page, id="q")
    await page.keyboard.type("speeltuin")
    await tab_to(page, id="theme")
    for _ in range(12):
        if await page.locator("#theme").input_value() == "nature":
            break
        await page.keyboard.press("ArrowDown")
    assert await page.locator("#theme").input_value() == "nature"
    await tab_to(page, tag="button")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url.startswith(site + "/initiatieven?q=speeltuin&theme=nature")
    assert "1 initiatief gevonden" in await page.locator("#results-title").inner_text()

    await tab_to(page, text="Speeltuin De Eik", tag="a")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url == f"{site}/initiatieven/{target.id}"
    assert await page.locator("h1").inner_text() == "Speeltuin De Eik"
    link = await tab_to(page, text="Doe mee via Telegram")
    assert link["href"] == f"https://t.me/{BOT}?start=initiative-{target.id}"
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert telegram == [f"https://t.me/{BOT}?start=initiative-{target.id}"]
    await context.close()


async def test_axe_finds_no_violations_on_any_kind_of_page(site, browser):
    anna = await seed.citizen("Anna")
    item = await seed.initiative("Repair Café", initiator=anna, members=5, followers=2, budget_cents=10_000,
                                 help_needed=[HelpKind.MATERIALS], audience="Iedereen")
    await seed.update(item, "Het eerste café was druk")
    for number in range(22):
        await seed.initiative(f"Project {number}", theme="sport", municipality="zwolle", days_ago=number * 15,
                              members=number)
    pages = ["/", "/initiatieven?q=project&sort=support&page=2", f"/initiatieven/{item.id}", "/themas",
             "/themas/sport", "/gemeenten", "/gemeenten/zwolle", "/statistieken", "/open-data", "/privacy",
             "/toegankelijkheid", "/bestaat-niet", f"/initiatieven/{item.id}?lang=en"]
    axe = Axe()
    page = await browser.new_page()
    problems = []
    for path in pages:
        await page.goto(site + path)
        results = await axe.run(page)
        for violation in results.response["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{path}: {violation['id']} ({violation['impact']}): {violation['help']} {targets}")
    assert problems == [], "\n".join(problems)
    # small screens: the layout reflows to one column and nothing scrolls sideways (WCAG 1.4.10)
    await page.set_viewport_size({"width": 320, "height": 640})
    for path in ["/", "/initiatieven", f"/initiatieven/{item.id}", "/statistieken"]:
        await page.goto(site + path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
