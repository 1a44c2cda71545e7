"""The sandbox page in Debian's headless chromium: register, submit an idea and join another
initiative entirely through the page, by mouse and keyboard; accessibility; without JavaScript."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright, expect

from models.citizen import Citizen
from models.initiative import Initiative, Membership, MembershipKind, Status
from tests import harness
from tests.harness import BotUnderTest
from webhook import create_app

CHROMIUM = "/usr/bin/chromium"
ANNA = 100001
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")
TIMEOUT = 15_000

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[str]:
    """`python -m bot` in sandbox mode: the web application on a local port, the bot polling its emulation."""
    settings = harness.test_settings(database_url, web_host="127.0.0.1")
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    bot = BotUnderTest(settings, str(server.make_url("/telegram/bot")))
    await bot.start()
    try:
        yield str(server.make_url("/sandbox/"))
    finally:
        await bot.stop()
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


def newest_with(page: Page, label: str) -> Any:
    """The button labelled `label` in the newest bot message that has one."""
    button = page.get_by_role("button", name=label)
    return page.locator("#messages > li.from-bot", has=button).last.get_by_role("button", name=label)


async def press(page: Page, label: str, then: str) -> None:
    """Click a button of the bot's newest message that has it; wait until the chat shows `then`."""
    await newest_with(page, label).click()
    await expect(page.locator("#messages > li.from-bot").last).to_contain_text(then, timeout=TIMEOUT)


async def say(page: Page, text: str, then: str) -> None:
    """Type a message and send it with Enter; wait until the bot's newest message shows `then`."""
    await page.wait_for_selector("#chat[data-ready]")  # Enter sends once the script runs (before: a new line)
    await page.get_by_label("Bericht").fill(text)
    await page.get_by_label("Bericht").press("Enter")
    await expect(page.locator("#messages > li.from-bot").last).to_contain_text(then, timeout=TIMEOUT)


async def test_register_submit_an_idea_and_join_another_initiative_through_the_page(site, browser):
    page = await browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" and
            "favicon" not in message.text and "404" not in message.text else None)
    await page.goto(f"{site}?as={ANNA}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Oefenomgeving")

    # something to join: the demo data, loaded from the page
    await page.get_by_role("button", name="Demogegevens laden").click()
    await expect(page.get_by_text("De demogegevens zijn geladen.")).to_be_visible()

    # register on the way to a new idea
    await say(page, "/start", "Welkom, Anna!")
    await press(page, "Nieuw idee", "Eerst een kort profiel")
    await say(page, "Anna de Vries", "Stap 2 van 5")
    await say(page, "Enschede", "Stap 3 van 5")
    await press(page, "Bewoner", "Stap 4 van 5")
    await press(page, "Overslaan", "Stap 5 van 5")
    await press(page, "Ik ga akkoord", "Hoe heet je idee?")
    citizen = await Citizen.get(telegram_id=ANNA)
    assert citizen.registered_at is not None and citizen.public_name == "Anna de Vries"

    # the idea wizard, a photo included
    await say(page, "Schaakclub <Zet & Mat> ♟️", "Stap 2 van 8")
    await press(page, "Ontmoeting en samenleven", "Stap 3 van 8")
    await press(page, "✓ Enschede", "Stap 4 van 8")
    await say(page, "Elke woensdagmiddag schaken jong en oud samen in het buurthuis.", "Stap 5 van 8")
    await say(page, "Kinderen en ouderen uit de wijk", "Stap 6 van 8")
    await newest_with(page, "Vrijwilligers").click()
    await expect(newest_with(page, "Vrijwilligers")).to_contain_text("✓", timeout=TIMEOUT)  # edited in place
    await press(page, "Klaar", "Stap 7 van 8")
    await say(page, "€ 350", "Stap 8 van 8")
    await page.locator("#photo").set_input_files(files=[{"name": "schaakbord.png", "mimeType": "image/png",
                                                         "buffer": PNG}])
    await page.get_by_role("button", name="Versturen").click()
    await expect(page.locator("#messages > li.from-user img.photo").last).to_be_visible(timeout=TIMEOUT)
    await expect(page.locator("#messages > li.from-bot").last).to_contain_text(
        re.compile("lijken op het jouwe|klaar om in te dienen"), timeout=TIMEOUT)
    if await newest_with(page, "Mijn idee is anders").count():  # the demo may hold look-alikes
        await press(page, "Mijn idee is anders", "klaar om in te dienen")
    await expect(page.locator("#messages > li.from-bot").last).to_contain_text("klaar om in te dienen")
    await expect(page.locator("#messages > li.from-bot").last).to_contain_text("Schaakclub <Zet & Mat> ♟️")
    await press(page, "Mijn idee indienen", "is ingediend")
    idea = await Initiative.get(initiator_id=citizen.id).prefetch_related("theme", "municipality")
    assert idea.title == "Schaakclub <Zet & Mat> ♟️" and idea.status == Status.SUBMITTED
    assert (idea.theme.slug, idea.municipality.name, idea.budget_cents) == ("together", "Enschede", 35000)
    assert idea.help_needed == ["volunteers"] and idea.photo_file_id

    # join another initiative: browse, open one, join, using the keyboard only
    await say(page, "/start", "Wat wil je doen?")
    browse = newest_with(page, "Initiatieven bekijken")
    await browse.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#messages > li.from-bot").last).to_contain_text("initiatieven", timeout=TIMEOUT)
    first = page.locator("#messages > li.from-bot").last.get_by_role("button", name=re.compile(r"^1\. "))
    title = (await first.inner_text()).split(". ", 1)[1]
    await first.focus()
    await page.keyboard.press("Enter")
    await expect(newest_with(page, "Doe mee")).to_be_visible(timeout=TIMEOUT)
    assert await page.evaluate("document.activeElement.closest('#messages') !== null"), \
        "keyboard focus stays in the message that was edited in place"
    chosen = await Initiative.filter(title__startswith=title.rstrip("…")).first()
    members_before = chosen.members_count
    await press(page, "Doe mee", "Hoe wil je helpen?")
    await press(page, "Volgende", "contact")
    await press(page, "Nee, houd het privé", "Je doet mee!")
    assert await Membership.filter(initiative_id=chosen.id, citizen_id=citizen.id, kind=MembershipKind.JOIN).exists()
    assert (await Initiative.get(id=chosen.id)).members_count == members_before + 1

    # the whole journey left no script errors, and the page passes an accessibility audit
    assert problems == []
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


async def test_switching_users_languages_and_the_staff_user(site, browser):
    page = await browser.new_page()
    await page.goto(f"{site}?as={ANNA}")
    await page.get_by_role("link", name=re.compile("Chloé")).click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.wait_for_selector("#chat[data-ready]")
    await page.get_by_label("Message").fill("/start")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#messages")).to_contain_text("Welcome, Chloé!", timeout=TIMEOUT)
    await page.get_by_role("link", name=re.compile("Sanne")).click()
    await expect(page.locator("#chat-title")).to_contain_text("als Sanne medewerker")
    await say(page, "/start", "Welkom, Sanne!")
    await page.get_by_role("link", name=re.compile("Bram")).click()
    await page.get_by_role("region", name="Telegramtaal van Bram").get_by_label("Taal").select_option("en")
    await page.get_by_role("button", name="Opslaan").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.wait_for_selector("#chat[data-ready]")
    await page.get_by_label("Message").fill("/start")
    await page.get_by_label("Message").press("Enter")
    await expect(page.locator("#messages")).to_contain_text("Welcome, Bram!", timeout=TIMEOUT)
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


async def test_the_page_works_without_javascript(site, browser):
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{site}?as={ANNA}")
    await page.get_by_label("Bericht").fill("/language")
    await page.get_by_role("button", name="Versturen").click()
    await expect(page.locator("#messages")).to_contain_text("Kies je taal:")
    await newest_with(page, "English").click()
    await expect(page.locator("#messages > li.from-bot").last).to_contain_text("From now on I will talk to you")
    await expect(page.locator("#notice")).to_have_text("Language: English")
    await expect(page.locator("#messages > li")).to_have_count(2)  # the question was edited in place
    await context.close()
