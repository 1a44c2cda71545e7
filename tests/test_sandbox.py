"""The sandbox chat page (/sandbox) over HTTP: the chat as Telegram shows it, acting as test users,
and its refusal outside sandbox mode or off a loopback address."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from bot.emulator.server import WORLD
from bot.emulator.state import World
from bot.runner import Service, banner
from bot.sandbox import SANDBOX_STAFF_ID, is_loopback, with_sandbox_staff
from bot.sandbox.render import safe_html
from models.citizen import Citizen
from tests import harness
from tests.harness import STAFF_ID, BotUnderTest
from webhook import EMULATOR, create_app

ANNA, BRAM, CHLOE = 100001, 100002, 100003
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")


class Sandbox:
    """The product's web application in sandbox mode, with the bot polling its emulation."""

    def __init__(self, client: TestClient, world: World, bot: BotUnderTest) -> None:
        self.client, self.world, self.bot = client, world, bot

    async def page(self, user: int) -> str:
        response = await self.client.get("/sandbox/", params={"as": str(user)})
        assert response.status == 200
        return await response.text()

    async def post(self, path: str, **fields: Any) -> Any:
        return await self.client.post(f"/sandbox/{path}", data={k: str(v) for k, v in fields.items()},
                                      allow_redirects=False)

    async def send(self, user: int, text: str) -> str:
        """Send without JavaScript: the answer redirects once the bot answered; return the page."""
        response = await self.post("send", **{"as": user, "text": text})
        assert response.status == 303, await response.text()
        return await self.page(user)

    async def press(self, user: int, label: str) -> str:
        """Press the newest button whose label contains `label`; return the page afterwards."""
        for message in reversed(list(self.world.chats[user].messages.values())):
            for row in (message.reply_markup or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"] and "callback_data" in button and not message.deleted:
                        response = await self.post("press", **{"as": user, "message_id": message.message_id,
                                                               "data": button["callback_data"]})
                        assert response.status == 303
                        return await self.page(user)
        raise LookupError(label)

    async def bot_api(self, method: str, **params: Any) -> Any:
        """Call the Bot API of the emulation as the bot does (for edits, deletions and files)."""
        url = f"/telegram/bot{self.bot.settings.token}/{method}"
        response = await self.client.post(url, data=params)
        body = await response.json()
        assert body["ok"], body
        return body["result"]


@pytest.fixture
async def sandbox(database_url: str) -> AsyncIterator[Sandbox]:
    settings = harness.test_settings(database_url, web_host="127.0.0.1")
    app = create_app(settings)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    bot = BotUnderTest(settings, str(client.make_url("/telegram/bot")))
    await bot.start()
    try:
        yield Sandbox(client, app[EMULATOR][WORLD], bot)
    finally:
        await bot.stop()
        await client.close()


def messages_of(page: str) -> list[str]:
    """The chat's messages (as HTML) in page order."""
    return re.findall(r'<li class="message .*?</li>', page, flags=re.S)


async def test_page_lists_the_test_users_and_an_empty_chat(sandbox):
    response = await sandbox.client.get("/sandbox")  # without the slash: redirected
    assert response.status == 200 and str(response.url).endswith("/sandbox/")
    page = await response.text()
    assert '<html lang="nl">' in page
    for name in ("Anna", "Bram", "Chloé", "Sanne"):
        assert name in page
    assert f'href="?as={STAFF_ID}"' in page  # the staff user is the staff id of STAFF_IDS
    assert 'aria-current="page"' in page and 'role="log"' in page
    assert '<label class="visually-hidden" for="text">' in page
    assert "Nog geen berichten" in page or "No messages yet" in page
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in page and " style=" not in page  # no inline script or style (CSP)
    script = re.search(r'<script src="([^"]+)"', page).group(1)
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    assert (await sandbox.client.get(script)).status == 200
    assert (await sandbox.client.get(stylesheet)).status == 200


async def test_sending_without_javascript_shows_the_bots_answer_after_the_redirect(sandbox):
    response = await sandbox.post("send", **{"as": ANNA, "text": "/start"})
    assert response.status == 303
    assert response.headers["Location"].startswith(f"/sandbox/?as={ANNA}#m")
    page = await sandbox.page(ANNA)
    shown = messages_of(page)
    assert "/start" in shown[0] and "from-user" in shown[0]
    assert "Welkom, Anna!" in shown[1] and "from-bot" in shown[1]
    assert re.search(r'<button type="submit" name="data" value="lang">[^<]*Taal</button>', shown[1])
    citizen = await Citizen.get(telegram_id=ANNA)
    assert citizen.language == "nl" and citizen.first_name == "Anna"


async def test_buttons_edit_the_message_in_place_and_show_the_bots_notice(sandbox):
    await sandbox.send(ANNA, "/language")
    page = await sandbox.press(ANNA, "English")
    shown = messages_of(page)
    assert len(shown) == 2  # the language question was edited, not followed by a new message
    assert "From now on I will talk to you in English." in shown[1]
    assert 'class="edited"' in shown[1]
    assert re.search(r'<p class="notice" id="notice" role="status">Language: English</p>', page)
    assert '<html lang="nl">' in page  # the page follows the user's Telegram language, not the bot's
    assert (await Citizen.get(telegram_id=ANNA)).language == "en"
    again = await sandbox.page(ANNA)
    assert 'role="status"></p>' in again  # a notice is shown once


async def test_json_long_poll_returns_changes_rendered_like_the_page(sandbox):
    chat = await (await sandbox.client.get("/sandbox/chat", params={"as": str(BRAM)})).json()
    assert chat["messages"] == [] and chat["notice"] is None
    poll = asyncio.ensure_future(sandbox.client.get(
        "/sandbox/chat", params={"as": str(BRAM), "since": str(chat["version"]), "wait": "10"}))
    await asyncio.sleep(0.05)
    sent = await sandbox.client.post("/sandbox/send", data={"as": str(BRAM), "text": "/help"},
                                     headers={"Accept": "application/json"})
    assert await sent.json() == {"ok": True}  # with JavaScript: answered at once
    changed = await (await poll).json()
    assert changed["version"] > chat["version"]
    first = changed["messages"][0]
    assert first["html"].startswith(f'<li class="message from-user" id="m{first["id"]}"')
    deadline = asyncio.get_running_loop().time() + 10
    while len(changed["messages"]) < 2 and asyncio.get_running_loop().time() < deadline:
        changed = await (await sandbox.client.get("/sandbox/chat", params={
            "as": str(BRAM), "since": str(changed["version"]), "wait": "5"})).json()
    assert "/language" in changed["messages"][1]["html"]
    assert all(set(m) == {"id", "key", "html"} for m in changed["messages"])
    refused = await sandbox.client.post("/sandbox/send", data={"as": str(BRAM), "text": "  "},
                                        headers={"Accept": "application/json"})
    assert refused.status == 400 and (await refused.json())["ok"] is False


async def test_user_text_is_escaped_and_bot_html_keeps_only_telegram_formatting(sandbox):
    page = await sandbox.send(BRAM, "<b>vet</b> & <script>alert(1)</script> 🎉")
    user_message = messages_of(page)[0]
    assert "&lt;b&gt;vet&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; 🎉" in user_message
    assert "<script>" not in page
    await sandbox.bot_api("sendMessage", chat_id=BRAM, parse_mode="HTML",
                          text='<b>vet</b> <i>schuin</i> <a href="https://example.org/?a=1&amp;b=2">link</a> '
                               '<tg-spoiler>geheim</tg-spoiler> <code>&lt;x&gt;</code>')
    bot_message = messages_of(await sandbox.page(BRAM))[-1]
    assert "<strong>vet</strong> <em>schuin</em>" in bot_message
    assert '<a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">link</a>' in bot_message
    assert '<span class="spoiler" tabindex="0">geheim</span>' in bot_message
    assert "<code>&lt;x&gt;</code>" in bot_message


def test_safe_html_escapes_everything_telegram_does_not_allow():
    assert safe_html('<a href="javascript:alert(1)">x</a>', "HTML") == "<a>x</a>"
    assert safe_html('<b onclick="x()">y</b>', "HTML") == "<strong>y</strong>"
    assert safe_html('<img src=x onerror="alert(1)">', "HTML") == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert safe_html("<script>alert(1)</script>", "HTML") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert safe_html("<b>open <i>nested", "HTML") == "<strong>open <em>nested</em></strong>"
    assert safe_html("</b>stray", "HTML") == "&lt;/b&gt;stray"
    assert safe_html('<span class="other">s</span>', "HTML") == "&lt;span class=&quot;other&quot;&gt;s&lt;/span&gt;"
    assert safe_html("<!-- c --><br/>", "HTML") == "&lt;!-- c --&gt;&lt;br/&gt;"
    assert safe_html("<b>plain</b>", None) == "&lt;b&gt;plain&lt;/b&gt;"
    assert safe_html('<pre><code class="language-python">x = 1</code></pre>', "HTML") == \
        "<pre><code>x = 1</code></pre>"


async def test_edits_and_deletions_appear_in_place(sandbox):
    await sandbox.send(CHLOE, "/start")
    sent = await sandbox.bot_api("sendMessage", chat_id=CHLOE, text="first version")
    await sandbox.bot_api("editMessageText", chat_id=CHLOE, message_id=sent["message_id"], text="second version")
    page = await sandbox.page(CHLOE)
    edited = [m for m in messages_of(page) if f'id="m{sent["message_id"]}"' in m]
    assert len(edited) == 1 and "second version" in edited[0] and "first version" not in page
    assert 'class="edited">edited<' in edited[0]  # Chloé's Telegram is in English
    await sandbox.bot_api("deleteMessage", chat_id=CHLOE, message_id=sent["message_id"])
    page = await sandbox.page(CHLOE)
    assert f'id="m{sent["message_id"]}"' not in page
    chat = await (await sandbox.client.get("/sandbox/chat", params={"as": str(CHLOE)})).json()
    assert sent["message_id"] not in [m["id"] for m in chat["messages"]]


async def test_documents_are_download_links_and_photos_are_shown(sandbox):
    await sandbox.send(CHLOE, "/start")
    form = FormData()
    form.add_field("chat_id", str(CHLOE))
    form.add_field("caption", "<b>Export</b>")
    form.add_field("parse_mode", "HTML")
    form.add_field("document", b"id;title\n1;Pluktuin\n", filename="initiatieven.csv")
    document = await (await sandbox.client.post(f"/telegram/bot{sandbox.bot.settings.token}/sendDocument",
                                                data=form)).json()
    form = FormData()
    form.add_field("chat_id", str(CHLOE))
    form.add_field("photo", PNG, filename="pixel.png")
    photo = await (await sandbox.client.post(f"/telegram/bot{sandbox.bot.settings.token}/sendPhoto",
                                             data=form)).json()
    page = await sandbox.page(CHLOE)
    file_id = document["result"]["document"]["file_id"]
    assert f'<a href="/sandbox/files/{file_id}" download="initiatieven.csv">' in page
    assert "<strong>Export</strong>" in page
    download = await sandbox.client.get(f"/sandbox/files/{file_id}")
    assert await download.read() == b"id;title\n1;Pluktuin\n"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"] == "application/octet-stream"
    photo_id = photo["result"]["photo"][0]["file_id"]
    assert f'<img class="photo" src="/sandbox/files/{photo_id}" alt="Photo">' in page
    image = await sandbox.client.get(f"/sandbox/files/{photo_id}")
    assert image.headers["Content-Type"] == "image/png" and await image.read() == PNG
    assert (await sandbox.client.get("/sandbox/files/nothing-here")).status == 404


async def test_a_user_can_send_a_photo_but_not_another_file(sandbox):
    await sandbox.send(ANNA, "/start")
    form = FormData()
    form.add_field("as", str(ANNA))
    form.add_field("text", "onze pluktuin")
    form.add_field("photo", PNG, filename="tuin.png", content_type="image/png")
    response = await sandbox.client.post("/sandbox/send", data=form, allow_redirects=False)
    assert response.status == 303
    photo_messages = [m for m in sandbox.world.chats[ANNA].messages.values() if m.photo]
    assert photo_messages and photo_messages[0].visible_text == "onze pluktuin"
    assert sandbox.world.files[photo_messages[0].photo][1] == PNG
    form = FormData()
    form.add_field("as", str(ANNA))
    form.add_field("photo", b"MZ\x90\x00 not an image", filename="virus.exe")
    response = await sandbox.client.post("/sandbox/send", data=form, allow_redirects=False)
    assert response.status == 303 and "error=not-image" in response.headers["Location"]
    form = FormData()
    form.add_field("as", str(ANNA))
    form.add_field("photo", PNG + b"\0" * 3_000_000, filename="huge.png")
    response = await sandbox.client.post(f"/sandbox/send?as={ANNA}", data=form, allow_redirects=False)
    assert response.status == 303 and "error=too-large" in response.headers["Location"]
    page = await sandbox.page(ANNA)
    assert 'role="alert"></p>' in page
    page = await (await sandbox.client.get(response.headers["Location"])).text()
    assert re.search(r'role="alert">[^<]+</p>', page)


async def test_choosing_a_users_language_and_adding_a_test_citizen(sandbox):
    response = await sandbox.post("language", **{"as": BRAM, "language": "en"})
    assert response.status == 303
    page = await sandbox.page(BRAM)
    assert '<html lang="en">' in page and "Chat as" in page
    assert sandbox.world.users[BRAM].language_code == "en"
    assert (await sandbox.post("language", **{"as": BRAM, "language": "de"})).status == 303
    assert sandbox.world.users[BRAM].language_code == "en"
    response = await sandbox.post("citizens", **{"as": BRAM, "name": "<b>Zoë</b> 🌻", "language": "en"})
    assert response.status == 303 and "as=100004" in response.headers["Location"]
    page = await sandbox.page(100004)
    assert "&lt;b&gt;Zoë&lt;/b&gt; 🌻" in page and "<b>Zoë</b>" not in page
    page = await sandbox.send(100004, "/start")
    assert "Welcome, &lt;b&gt;Zoë&lt;/b&gt; 🌻!" in page  # the bot escapes it too
    response = await sandbox.post("citizens", **{"as": BRAM, "name": "   ", "language": "en"})
    assert "error=name" in response.headers["Location"]
    response = await sandbox.post("citizens", **{"as": BRAM, "name": "x" * 65, "language": "en"})
    assert "error=name" in response.headers["Location"]


async def test_unknown_users_messages_and_buttons(sandbox):
    assert (await sandbox.post("send", **{"as": 4242, "text": "hoi"})).status == 404
    assert (await sandbox.post("send", **{"as": "abc", "text": "hoi"})).status == 404
    response = await sandbox.client.get("/sandbox/", params={"as": "4242"}, allow_redirects=False)
    assert response.status == 303
    response = await sandbox.post("press", **{"as": ANNA, "message_id": 999, "data": "lang"})
    assert "error=gone" in response.headers["Location"]
    response = await sandbox.post("send", **{"as": ANNA, "text": "x" * 4097})
    assert "error=too-long" in response.headers["Location"]
    assert (await sandbox.client.get("/sandbox/chat", params={"as": str(ANNA), "since": "x"})).status == 400


async def test_staff_user_gets_staff_rights(sandbox):
    page = await sandbox.send(STAFF_ID, "/start")
    assert "staff" in page
    assert any(key.startswith(f"chat:{STAFF_ID}:") for key in sandbox.world.commands)  # staff command list


async def test_loading_the_demo_data_from_the_page(sandbox):
    page = await sandbox.page(ANNA)
    assert 'action="/sandbox/demo"' in page
    response = await sandbox.post("demo", **{"as": ANNA})
    assert response.status == 303 and "done=demo" in response.headers["Location"]
    page = await (await sandbox.client.get(response.headers["Location"])).text()
    assert 'action="/sandbox/demo"' not in page and re.search(r"\b50\b", page)


async def test_only_loopback_hosts_and_same_origin_posts(sandbox):
    response = await sandbox.client.get("/sandbox/", headers={"Host": "evil.example:8080"})
    assert response.status == 403  # DNS rebinding
    response = await sandbox.client.post("/sandbox/send", data={"as": str(ANNA), "text": "/start"},
                                         headers={"Origin": "http://evil.example"}, allow_redirects=False)
    assert response.status == 403
    response = await sandbox.client.post("/sandbox/send", data={"as": str(ANNA), "text": "/start"},
                                         headers={"Sec-Fetch-Site": "cross-site"}, allow_redirects=False)
    assert response.status == 403
    assert ANNA not in sandbox.world.chats or not sandbox.world.chats[ANNA].messages
    response = await sandbox.client.get("/sandbox/", headers={"Host": "localhost:8080"})
    assert response.status == 200


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"telegram_bot_token": "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"}, "a token is set"),
    ({"web_host": "0.0.0.0"}, "not loopback"),
    ({"web_host": "192.168.1.20"}, "not loopback"),
])
async def test_no_sandbox_page_with_a_token_or_off_loopback(aiohttp_client, overrides, reason):
    settings = replace(harness.test_settings("sqlite://:memory:"), **overrides)
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/sandbox/")).status == 404, reason
    assert (await client.post("/sandbox/send", data={"as": "100001", "text": "/start"})).status in (404, 405)
    assert (await client.get("/sandbox/chat", params={"as": "100001"})).status == 404


def test_loopback_hosts():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "app.localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.2", "example.org", "localhost.example.org", ""):
        assert not is_loopback(host), host


def test_banner_prints_the_sandbox_address_or_why_it_is_off():
    settings = replace(harness.test_settings("sqlite://:memory:"), staff_ids=frozenset(), web_port=8080)
    text = banner(Service(settings))
    assert "http://127.0.0.1:8080/sandbox/" in text
    assert f"Telegram id {SANDBOX_STAFF_ID}" in text
    text = banner(Service(replace(settings, web_host="0.0.0.0")))
    assert "/sandbox/" not in text and "WEB_HOST=0.0.0.0 is not a loopback address" in text
    text = banner(Service(replace(settings, telegram_bot_token="123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789")))
    assert "sandbox" not in text.lower()


def test_sandbox_adds_a_staff_member_only_when_none_is_configured():
    settings = replace(harness.test_settings("sqlite://:memory:"), staff_ids=frozenset())
    assert with_sandbox_staff(settings).staff_ids == {SANDBOX_STAFF_ID}
    assert with_sandbox_staff(replace(settings, staff_ids=frozenset({7}))).staff_ids == {7}
    assert with_sandbox_staff(replace(settings, web_host="0.0.0.0")).staff_ids == frozenset()
    token = replace(settings, telegram_bot_token="123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789")
    assert with_sandbox_staff(token).staff_ids == frozenset()
