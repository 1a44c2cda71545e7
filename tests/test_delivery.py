"""The delivery engine against the emulation with Telegram's flood limits switched on.

Recipients are seeded directly (emulated users created in bulk, Citizen rows with bulk_create) so
that thousands of them cost little; the messages are queued with the outbox's `enqueue`, as the
announcement and update features do, and delivered by the real sender of the real bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from bot.emulator.client import EmulatedUserClient, EmulatorClient
from bot.emulator.state import World
from bot.services import outbox
from models.citizen import Citizen as CitizenRow
from models.delivery import Delivery, DeliveryStatus, OutboxKind
from tests.harness import BotUnderTest, Citizen, texts
from tests.harness import test_settings as settings_for

FIRST_ID = 500_000


@pytest.fixture
async def start_bot(database_url: str, emulator_server: Any) -> AsyncIterator[Callable[..., Awaitable[BotUnderTest]]]:
    """Start the real bot with delivery settings of the test's choosing: `await start_bot(delivery_rate=...)`."""
    running: list[BotUnderTest] = []

    async def start(api_url: str | None = None, **overrides: Any) -> BotUnderTest:
        bot = BotUnderTest(settings_for(database_url, **overrides), api_url or str(emulator_server.make_url("/bot")))
        await bot.start()
        running.append(bot)
        return bot

    yield start
    for bot in running:
        await bot.stop()


async def seed_recipients(emulator: EmulatorClient, count: int, first_id: int = FIRST_ID,
                          language: str = "nl") -> list[int]:
    """`count` emulated users who started the bot, each with a Citizen row; return the citizen ids."""
    await emulator._call("POST", "/users/bulk", {"first_id": first_id, "count": count, "language_code": language})
    await CitizenRow.bulk_create([CitizenRow(telegram_id=first_id + n, first_name=f"User{n}", language=language)
                                  for n in range(count)], batch_size=500)
    return list(await CitizenRow.filter(telegram_id__gte=first_id, telegram_id__lt=first_id + count)
                .order_by("telegram_id").values_list("id", flat=True))


def copies(world: World, telegram_id: int, text: str) -> int:
    """How many messages with `text` the user got from the bot."""
    chat = world.chats[telegram_id]
    return sum(1 for m in chat.messages.values() if m.from_bot and not m.deleted and m.visible_text == text)


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)
    return result


async def sent_count(message_id: int) -> int:
    """Deliveries of a message recorded as sent."""
    return await Delivery.filter(message_id=message_id, status=DeliveryStatus.SENT).count()


async def delivered(message_id: int, timeout: float = 60.0) -> outbox.Progress:
    """Wait until the sender finished an outbox message; return its final counts."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        progress = await outbox.progress(message_id)
        assert progress is not None
        if progress.finished:
            return progress
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"outbox message {message_id} not delivered in {timeout}s: {progress}")
        await asyncio.sleep(0.2)


async def test_two_thousand_recipients_100_blocked_each_reachable_one_gets_one_copy(
        start_bot, emulator, world):
    await emulator.set_limits(enabled=True, global_per_second=1000, per_chat_per_second=1, per_chat_burst=3)
    citizen_ids = await seed_recipients(emulator, 2000)
    blocked = {FIRST_ID + n for n in range(0, 2000, 20)}  # 100 users who blocked the bot meanwhile
    for telegram_id in blocked:
        world.users[telegram_id].blocked_bot = True
    bot = await start_bot(delivery_rate=1000)

    message_id = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, dict.fromkeys(citizen_ids, "<b>Hello</b> everyone"))
    progress = await delivered(message_id)

    assert (progress.sent, progress.blocked, progress.failed, progress.pending) == (1900, 100, 0, 0)
    for n in range(2000):
        assert copies(world, FIRST_ID + n, "Hello everyone") == (0 if FIRST_ID + n in blocked else 1)
    assert (await emulator.stats())["too_many_requests"] == 0
    assert await CitizenRow.filter(reachable=False).count() == 100
    assert set(await CitizenRow.filter(reachable=False).values_list("telegram_id", flat=True)) == blocked
    assert bot.application.bot_data.sender.stats.blocked == 100

    second = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, dict.fromkeys(citizen_ids, "Second"))
    assert await Delivery.filter(message_id=second).count() == 1900  # the blocked ones are skipped
    assert not await Delivery.filter(message_id=second, citizen__telegram_id__in=blocked).exists()


async def test_sender_killed_half_way_another_process_takes_over_and_misses_nobody(start_bot, emulator, world):
    await emulator.set_limits(enabled=True, global_per_second=1000)
    citizen_ids = await seed_recipients(emulator, 600)
    first = await start_bot(delivery_rate=1000)
    await eventually(lambda: _leading(first))
    second = await start_bot(delivery_rate=1000)  # another process: it waits for the sender's lock
    message_id = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, dict.fromkeys(citizen_ids, "Resume me"))
    await eventually(lambda: _at_least(message_id, 200))

    killed = first.application.bot_data.sender
    standby = second.application.bot_data.sender
    assert not standby.leading and standby.stats.sent == 0, "exactly one process sends"
    killed.kill()  # as kill -9: requests in flight are neither awaited nor recorded, the lock is dropped
    await first.stop()
    assert await sent_count(message_id) < 600, "killed half-way"
    progress = await delivered(message_id)

    assert standby.leading and standby.stats.sent > 0, "the other process took over"
    assert (progress.sent, progress.pending, progress.failed) == (600, 0, 0)
    received = [copies(world, FIRST_ID + n, "Resume me") for n in range(600)]
    assert min(received) == 1, "nobody is missed"
    assert sum(received) - 600 <= killed.concurrency, "only messages in flight at the crash are sent twice"
    assert (await emulator.stats())["too_many_requests"] == 0


async def _leading(bot: BotUnderTest) -> bool:
    return bot.application.bot_data.sender.leading


async def _at_least(message_id: int, count: int) -> bool:
    return await sent_count(message_id) >= count


async def test_citizen_chatting_during_an_announcement_gets_prompt_replies(start_bot, emulator, world):
    await emulator.set_limits(enabled=True)  # Telegram's limits: 30/s overall, 1/s per chat
    citizen_ids = await seed_recipients(emulator, 120)
    bot = await start_bot()
    anna_row = await CitizenRow.create(telegram_id=1001, first_name="Anna", language="nl")  # last in the queue
    anna = Citizen(await emulator.user(1001, "Anna", "nl"), bot, emulator)
    message_id = await outbox.enqueue(OutboxKind.ANNOUNCEMENT,
                                      dict.fromkeys([*citizen_ids, anna_row.id], "Big news"))
    await eventually(lambda: _at_least(message_id, 1))

    for command, answer in (("/help", "Samen voor Elkaar"), ("/menu", "Wat wil je doen?"),
                            ("/settings", "Je instellingen")):
        shown = await anna.send(command)
        assert answer in texts(shown)
        pending = await Delivery.filter(message_id=message_id, status=DeliveryStatus.PENDING).count()
        assert pending > 0, "the reply came while the announcement was still being delivered"

    progress = await delivered(message_id)
    assert progress.sent == 121
    assert copies(world, 1001, "Big news") == 1
    assert (await emulator.stats())["too_many_requests"] == 0


async def test_opting_out_during_delivery_is_honoured_at_once(start_bot, emulator, world):
    await emulator.set_limits(enabled=True)
    citizen_ids = await seed_recipients(emulator, 60)
    bot = await start_bot()
    quitter_row = await CitizenRow.create(telegram_id=1002, first_name="Quinn", language="nl")
    quitter = Citizen(await emulator.user(1002, "Quinn", "nl"), bot, emulator)
    message_id = await outbox.enqueue(OutboxKind.ANNOUNCEMENT,
                                      dict.fromkeys([*citizen_ids, quitter_row.id], "Please read"))
    await eventually(lambda: _at_least(message_id, 3))
    delivery = await Delivery.get(message_id=message_id, citizen_id=quitter_row.id)
    assert delivery.status == DeliveryStatus.PENDING

    await quitter.send("/settings")
    await quitter.press("Geen aankondigingen meer")
    delivery = await Delivery.get(id=delivery.id)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.CANCELLED, outbox.OPTED_OUT)

    progress = await delivered(message_id)
    assert (progress.sent, progress.cancelled) == (60, 1)
    assert copies(world, 1002, "Please read") == 0


async def test_blocking_the_bot_during_delivery_skips_without_a_request(start_bot, emulator, world):
    await emulator.set_limits(enabled=True)
    citizen_ids = await seed_recipients(emulator, 45)
    bot = await start_bot()
    blocker_row = await CitizenRow.create(telegram_id=1003, first_name="Bo", language="en")
    await emulator._call("POST", "/users/bulk", {"first_id": 1003, "count": 1, "language_code": "en"})
    blocker = EmulatedUserClient(emulator, 1003)  # a user who started the bot long ago
    message_id = await outbox.enqueue(OutboxKind.UPDATE, dict.fromkeys([*citizen_ids, blocker_row.id], "News"))
    await eventually(lambda: _at_least(message_id, 2))

    await bot.handled((await blocker.block()).update_id)  # my_chat_member "kicked"
    assert (await CitizenRow.get(id=blocker_row.id)).reachable is False
    progress = await delivered(message_id)
    assert (progress.sent, progress.blocked) == (45, 1)
    delivery = await Delivery.get(message_id=message_id, citizen_id=blocker_row.id)
    assert (delivery.status, delivery.last_error, delivery.attempts) == (DeliveryStatus.BLOCKED, "unreachable", 0)
    assert (await emulator.stats())["forbidden"] == 0, "no request was made to the blocked chat"

    await bot.handled((await blocker.unblock()).update_id)
    assert (await CitizenRow.get(id=blocker_row.id)).reachable is True
    again = await outbox.enqueue(OutboxKind.UPDATE, {blocker_row.id: "Welcome back"})
    await delivered(again)
    assert copies(world, 1003, "Welcome back") == 1


async def test_429_pauses_the_sender_for_retry_after(start_bot, emulator, world):
    await emulator.set_limits(enabled=True, global_per_second=5)  # Telegram allows less than we think
    citizen_ids = await seed_recipients(emulator, 20)
    bot = await start_bot(delivery_rate=100, delivery_concurrency=1)
    message_id = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, dict.fromkeys(citizen_ids, "Slowly"))
    progress = await delivered(message_id)

    assert progress.sent == 20
    assert all(copies(world, FIRST_ID + n, "Slowly") == 1 for n in range(20))
    too_many = (await emulator.stats())["too_many_requests"]
    # 5 go through, the 6th gets 429 (retry after 1 s); a sender that kept trying during the pause
    # would collect a 429 for every request in that second instead of one per batch of five
    assert too_many <= 3
    assert bot.application.bot_data.sender.stats.rate_limited == too_many


async def test_paid_broadcast_goes_beyond_30_per_second(start_bot, emulator, world):
    await emulator.set_limits(enabled=True, global_per_second=30, paid_per_second=1000)
    citizen_ids = await seed_recipients(emulator, 300)
    await start_bot()
    message_id = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, dict.fromkeys(citizen_ids, "Paid"),
                                      paid_broadcast=True)
    progress = await delivered(message_id)
    assert progress.sent == 300
    # without allow_paid_broadcast the emulation answers 429 to everything above 30 per second
    assert (await emulator.stats())["too_many_requests"] == 0


@pytest.fixture
async def flaky_api(emulator_server: Any) -> AsyncIterator[tuple[str, list[Any]]]:
    """A proxy in front of the emulation whose next sendMessage requests fail as listed (502, 500, "reset")."""
    failures: list[Any] = []

    async def proxy(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.path.endswith("/sendMessage") and failures:
            failure = failures.pop(0)
            if failure == "reset":  # the connection drops without an answer
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            return web.json_response({"ok": False, "error_code": failure, "description": "Bad Gateway"},
                                     status=failure)
        async with ClientSession() as session, session.request(
                request.method, str(emulator_server.make_url(request.path_qs)), data=body,
                headers={"Content-Type": request.headers.get("Content-Type", "application/json")}) as answer:
            return web.Response(body=await answer.read(), status=answer.status, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("/bot")), failures
    await server.close()


async def test_bad_request_is_recorded_and_network_errors_are_retried(flaky_api, start_bot, emulator, world):
    api_url, failures = flaky_api
    citizen_ids = await seed_recipients(emulator, 3)
    stranger = await CitizenRow.create(telegram_id=42, first_name="Nobody", language="en")  # no such chat
    await start_bot(api_url=api_url, delivery_retry_seconds=0.05, delivery_concurrency=1)
    failures.extend([502, 500, "reset"])
    message_id = await outbox.enqueue(OutboxKind.NOTICE,
                                      dict.fromkeys([*citizen_ids, stranger.id], "Hello <i>there</i>"))
    progress = await delivered(message_id)

    assert (progress.sent, progress.failed) == (3, 1)
    assert all(copies(world, FIRST_ID + n, "Hello there") == 1 for n in range(3))
    bad = await Delivery.get(message_id=message_id, citizen_id=stranger.id)
    assert (bad.status, bad.attempts, bad.last_error) == (DeliveryStatus.FAILED, 1, "Chat not found")
    attempts = await Delivery.filter(message_id=message_id, status=DeliveryStatus.SENT).values_list(
        "attempts", flat=True)
    assert sum(attempts) == 3 + 3, "three failures, each retried"
    assert not failures
