"""Webhook mode as Telegram and an operator meet it: the route's checks, redeliveries, health, metrics.

The bot runs in this process in webhook mode (WEBHOOK_URL set): the emulation posts updates to the
route of `webhook.py`, as Telegram would through the reverse proxy.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from telegram.ext import Application
from tortoise import connections

from bot.app import build_application, start_application, stop_application
from bot.config import Settings
from bot.emulator.client import EmulatedUserClient, EmulatorClient
from bot.emulator.state import World
from bot.ops import BotSlot
from models.citizen import Citizen as CitizenRow
from models.conversation import HandledUpdate
from models.delivery import Delivery, DeliveryStatus, OutboxKind, OutboxMessage, OutboxStatus
from tests.harness import BotUnderTest, Citizen, labels, texts
from tests.harness import test_settings as settings_for
from tests.production_proxy import Proxy
from webhook import MAX_UPDATE_BYTES, create_app

TOKEN = "123456789:WEBHOOKtestTOKENwebhookTESTtoken0001"
SECRET = "s3cret_Webhook-token"
HOOK_PATH = "/telegram-updates/hook"


@dataclass
class Hooked:
    """The bot in webhook mode and the server in front of it."""

    settings: Settings
    server: TestServer
    slot: BotSlot
    application: Application
    bot: BotUnderTest
    emulator: EmulatorClient
    emulator_url: str
    session: ClientSession

    @property
    def url(self) -> str:
        return str(self.server.make_url(HOOK_PATH))

    async def point_telegram_at(self, url: str) -> None:
        """setWebhook at the emulation, as the public URL behind the proxy would resolve."""
        async with self.session.post(f"{self.emulator_url}/bot{TOKEN}/setWebhook",
                                     json={"url": url, "secret_token": SECRET}) as response:
            assert (await response.json())["ok"] is True

    async def post(self, body: Any = None, *, secret: str | None = SECRET, data: bytes | None = None,
                   content_type: str = "application/json", headers: dict[str, str] | None = None) -> int:
        """POST to the webhook route directly; return the status."""
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if secret is not None:
            all_headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        payload = data if data is not None else json.dumps(body).encode()
        async with self.session.post(self.url, data=payload, headers=all_headers) as response:
            return response.status

    async def citizen(self, user_id: int, first_name: str = "Test", language: str = "nl") -> Citizen:
        return Citizen(await self.emulator.user(user_id, first_name, language), self.bot, self.emulator)

    async def chatting_user(self, world: World, user_id: int, first_name: str) -> EmulatedUserClient:
        """An emulated user who has written to the bot before (so the bot may answer them)."""
        user = await self.emulator.user(user_id, first_name, "en")
        world.users[user_id].started = True
        return user


@pytest.fixture
async def hooked(database_url: str, emulator_server: TestServer, emulator: EmulatorClient) -> AsyncIterator[Hooked]:
    """The product in webhook mode: its aiohttp app on a free port, the bot started, Telegram pointed at it."""
    settings = settings_for(database_url, telegram_bot_token=TOKEN, webhook_secret=SECRET,
                             webhook_url=f"https://bot.example.org{HOOK_PATH}")
    slot = BotSlot()
    server = TestServer(create_app(settings, slot))
    await server.start_server()
    emulator_url = str(emulator_server.make_url("")).rstrip("/")
    application = build_application(settings, f"{emulator_url}/bot")
    slot.application = application
    bot = BotUnderTest(settings, f"{emulator_url}/bot")
    bot.application = application
    async with ClientSession() as session:
        hooked = Hooked(settings, server, slot, application, bot, emulator, emulator_url, session)
        try:
            await start_application(application)  # setWebhook(https://bot.example.org/...)
            await hooked.point_telegram_at(hooked.url)
            yield hooked
        finally:
            await slot.drain(10)
            await stop_application(application)
            await server.close()


def message_update(update_id: int, user_id: int, text: str, first_name: str = "Test") -> dict[str, Any]:
    """A Bot API update carrying a text message, as Telegram posts it."""
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    message = {"message_id": update_id, "from": user, "date": int(time.time()), "text": text,
               "chat": {"id": user_id, "type": "private", "first_name": first_name}}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def acknowledged(world: World, update_id: int, timeout: float = 20.0) -> None:
    """Wait until the emulation got a 2xx for `update_id` (it then leaves the queue)."""
    deadline = time.monotonic() + timeout
    while any(u["update_id"] == update_id for u in world.updates):
        assert time.monotonic() < deadline, f"update {update_id} was never acknowledged"
        await asyncio.sleep(0.01)


# --- the route's checks ------------------------------------------------------------------------

async def test_wrong_or_missing_secret_is_refused_and_nothing_is_handled(hooked: Hooked):
    await hooked.emulator.user(501, "Mallory", "en")
    update = message_update(900_001, 501, "/start")
    assert await hooked.post(update, secret=None) == 403
    assert await hooked.post(update, secret="wrong") == 403
    assert await hooked.post(update, secret=SECRET + "x") == 403
    assert await hooked.post(update, secret="") == 403
    assert await hooked.post(update, secret="ş3cret") == 403  # non-ASCII header, still just "wrong"
    assert hooked.bot.stats.handled == 0
    assert not await CitizenRow.filter(telegram_id=501).exists()
    assert not await HandledUpdate.exists(update_id=900_001)
    assert await (await hooked.emulator.user(501, "Mallory", "en")).bot_messages() == []


@pytest.mark.parametrize(("content_type", "data"), [
    ("text/plain", b'{"update_id": 1}'),
    ("application/x-www-form-urlencoded", b"update_id=1"),
    ("application/json", b"{not json"),
    ("application/json", b""),
    ("application/json", b"[1, 2, 3]"),
    ("application/json", b'"<b>&amp;</b>"'),
    ("application/json", b'{"message": {"text": "hi"}}'),
    ("application/json", b'{"update_id": "12"}'),
    ("application/json", b'{"update_id": true}'),
    ("application/json", b'{"update_id": 12, "message": "not an object \\ud83d\\ude00"}'),
])
async def test_only_json_updates_are_accepted(hooked: Hooked, content_type: str, data: bytes):
    assert await hooked.post(data=data, content_type=content_type) == 400
    assert hooked.bot.stats.handled == 0


async def test_oversized_bodies_are_refused(hooked: Hooked, world: World):
    huge = json.dumps(message_update(900_002, 502, "x" * (MAX_UPDATE_BYTES + 10))).encode()
    assert await hooked.post(data=huge) == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit applies while reading
        for start in range(0, len(huge), 65536):
            yield huge[start:start + 65536]

    async with hooked.session.post(hooked.url, data=chunks(), headers={
            "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        assert response.status == 413
    assert hooked.bot.stats.handled == 0
    # a large but legal update (a 4096-character message full of HTML characters and emoji) is fine
    await hooked.chatting_user(world, 502, "Big")
    assert await hooked.post(message_update(900_003, 502, "<b>&amp;😀" * 400)) == 200


async def test_other_methods_are_not_allowed(hooked: Hooked):
    async with hooked.session.get(hooked.url) as response:
        assert response.status == 405


async def test_an_update_delivered_twice_is_handled_once(hooked: Hooked, world: World):
    user = await hooked.chatting_user(world, 503, "Dora")
    update = message_update(900_010, 503, "/start", "Dora")
    assert await hooked.post(update) == 200
    assert await hooked.post(update) == 200  # Telegram redelivers: acknowledged, not handled again
    assert await hooked.post(update) == 200
    messages = await user.bot_messages()
    assert len(messages) == 1 and "Welcome, Dora!" in messages[0]["visible_text"]
    assert hooked.bot.stats.handled == 1
    assert hooked.application.update_processor.duplicates == 2
    assert await HandledUpdate.exists(update_id=900_010)
    # the next update goes on as usual
    assert await hooked.post(message_update(900_011, 503, "/help", "Dora")) == 200
    assert len(await user.bot_messages()) == 2


async def test_concurrent_redeliveries_of_one_update_are_handled_once(hooked: Hooked, world: World):
    user = await hooked.chatting_user(world, 504, "Eve")
    update = message_update(900_020, 504, "/language", "Eve")
    statuses = await asyncio.gather(*(hooked.post(update) for _ in range(5)))
    assert statuses == [200] * 5
    assert len(await user.bot_messages()) == 1
    assert hooked.application.update_processor.duplicates == 4


async def test_while_the_bot_is_not_running_updates_get_503_and_are_not_handled(hooked: Hooked):
    application, hooked.slot.application = hooked.slot.application, None
    try:
        assert await hooked.post(message_update(900_030, 505, "/start")) == 503
    finally:
        hooked.slot.application = application
    hooked.slot.accepting = False  # stopping
    assert await hooked.post(message_update(900_031, 505, "/start")) == 503
    hooked.slot.accepting = True
    assert hooked.bot.stats.handled == 0


# --- through the emulation: conversations, redeliveries, a crash before the 200 ----------------------

async def test_a_conversation_runs_through_the_webhook(hooked: Hooked, world: World):
    anna = await hooked.citizen(1001, "Anna", "nl")
    assert "Welkom, Anna!" in texts(await anna.send("/start"))
    shown = await anna.send("/language")
    assert labels(shown) == ["✓ Nederlands", "English"]
    assert "From now on I will talk to you in English." in texts(await anna.press("English"))
    assert (await anna.callback_notice())["answered"] is True
    assert (await CitizenRow.get(telegram_id=1001)).language == "en"
    assert world.webhook is not None and world.webhook["url"] == hooked.url
    assert anna.last_update is not None
    await acknowledged(world, anna.last_update.update_id)
    assert not world.updates  # every update acknowledged
    assert await HandledUpdate.all().count() == 3


async def test_a_crash_after_handling_but_before_the_200_is_not_handled_twice(hooked: Hooked, world: World):
    proxy = Proxy([str(hooked.server.make_url("")).rstrip("/")])
    public = await proxy.start()
    try:
        await hooked.point_telegram_at(public + HOOK_PATH)
        anna = await hooked.citizen(1001, "Anna", "en")
        await anna.send("/start")
        sent = await anna.user.send("/language")
        proxy.lose_answer_of.add(sent.update_id)  # the bot handles it, its 200 never reaches Telegram
        await acknowledged(world, sent.update_id)
        assert proxy.forwarded[sent.update_id] == 2  # delivered again, acknowledged, not handled again
        assert proxy.answers[502] == 1
        language_questions = [m for m in await anna.user.bot_messages() if "Choose your language" in m["visible_text"]]
        assert len(language_questions) == 1
        assert hooked.application.update_processor.duplicates == 1
        # the conversation carries on in order
        assert "From now on I will talk to you in English." in texts(await anna.press("English"))
    finally:
        await proxy.close()


async def test_a_crash_before_the_update_arrives_is_covered_by_the_retry(hooked: Hooked, world: World):
    proxy = Proxy([str(hooked.server.make_url("")).rstrip("/")])
    public = await proxy.start()
    try:
        await hooked.point_telegram_at(public + HOOK_PATH)
        bob = await hooked.citizen(1002, "Bob", "en")
        await bob.user.send("/start")
        sent = await bob.user.send("/help")  # queued behind /start: each chat's updates in order
        proxy.lose_request_of.add(sent.update_id)
        await acknowledged(world, sent.update_id)
        shown = [m["visible_text"] for m in await bob.user.bot_messages()]
        assert len(shown) == 2 and "Welcome, Bob!" in shown[0] and "/language" in shown[1]
        assert proxy.forwarded[sent.update_id] == 1
        assert hooked.application.update_processor.duplicates == 0
    finally:
        await proxy.close()


async def test_updates_refused_while_restarting_are_delivered_later(hooked: Hooked, world: World):
    proxy = Proxy([str(hooked.server.make_url("")).rstrip("/")])
    public = await proxy.start()
    try:
        await hooked.point_telegram_at(public + HOOK_PATH)
        carl = await hooked.citizen(1003, "Carl", "en")
        await carl.send("/start")
        hooked.slot.accepting = False  # e.g. a restart: refused with 503 ...
        sent = await carl.user.send("/help")
        await asyncio.sleep(0.5)
        assert any(u["update_id"] == sent.update_id for u in world.updates)
        hooked.slot.accepting = True  # ... and delivered once it is back
        await acknowledged(world, sent.update_id)
        assert len(await carl.user.bot_messages()) == 2
        assert proxy.answers[503] >= 1
    finally:
        await proxy.close()


# --- health and metrics ----------------------------------------------------------------------------

async def test_healthz_and_readyz(hooked: Hooked):
    async with hooked.session.get(hooked.server.make_url("/healthz")) as response:
        assert response.status == 200 and (await response.json()) == {"status": "ok"}
    async with hooked.session.get(hooked.server.make_url("/readyz")) as response:
        assert response.status == 200 and (await response.json()) == {"status": "ready"}

    hooked.slot.accepting = False
    async with hooked.session.get(hooked.server.make_url("/readyz")) as response:
        assert response.status == 503
        assert (await response.json())["problems"] == ["stopping"]
    hooked.slot.accepting = True


async def test_readyz_reports_migrations_not_applied_and_a_bot_not_running(database_url: str):
    settings = settings_for(database_url)
    slot = BotSlot()
    server = TestServer(create_app(settings, slot))
    await server.start_server()
    try:
        await connections.get("default").execute_script(
            "DELETE FROM tortoise_migrations")  # as if this code met an older database
        async with ClientSession() as session, session.get(server.make_url("/readyz")) as response:
            assert response.status == 503
            body = await response.json()
        assert body["status"] == "not ready"
        assert body["problems"][0].endswith("migration(s) not applied")
        assert body["problems"][1:] == ["bot not running"]
        assert "Traceback" not in json.dumps(body)
    finally:
        await server.close()


async def test_metrics_in_prometheus_format(hooked: Hooked):
    anna = await hooked.citizen(1001, "Anna", "nl")
    await anna.send("/start")
    await anna.send("/help")
    assert await hooked.post(message_update(900_040, 1001, "/start"), secret="nope") == 403
    row = await CitizenRow.get(telegram_id=1001)
    outbox = await OutboxMessage.create(kind=OutboxKind.ANNOUNCEMENT, text="<b>Hallo</b>", status=OutboxStatus.SENDING)
    await Delivery.create(message=outbox, citizen=row, chat_id=1001, status=DeliveryStatus.SENT)
    other = await CitizenRow.create(telegram_id=1002, language="nl")
    await Delivery.create(message=outbox, citizen=other, chat_id=1002)

    async with hooked.session.get(hooked.server.make_url("/metrics")) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    samples = parse_prometheus(text)
    assert samples["samen_updates_handled_total"] == 2
    assert samples["samen_update_errors_total"] == 0
    assert samples['samen_webhook_requests_total{code="200"}'] == 2
    assert samples['samen_webhook_requests_total{code="403"}'] == 1
    assert samples['samen_outbox_messages{status="sending"}'] == 1
    assert samples['samen_outbox_messages{status="queued"}'] == 0
    assert samples['samen_deliveries{status="pending"}'] == 1
    assert samples['samen_deliveries{status="sent"}'] == 1
    assert samples['samen_deliveries{status="blocked"}'] == 0
    assert samples["samen_database_up"] == 1
    buckets = [value for key, value in samples.items() if key.startswith("samen_update_duration_seconds_bucket")]
    assert buckets == sorted(buckets) and buckets[-1] == 2
    assert samples["samen_update_duration_seconds_count"] == 2
    assert 'le="+Inf"' in text and "# TYPE samen_update_duration_seconds histogram" in text
    assert "Anna" not in text and TOKEN not in text


def parse_prometheus(text: str) -> dict[str, float]:
    """Sample name (with labels) -> value; every line must be a comment or a sample."""
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    return samples
