"""Several workers on one PostgreSQL, behind a round-robin proxy, as a province would run it.

Each test starts real worker processes (`python -m bot run` in webhook mode) against the Bot API
emulation of this process; the emulation's webhook points at a small reverse proxy (also here)
that spreads deliveries over the workers. Citizens walk the idea wizard concurrently; some answers
are sent in quick succession, so consecutive updates of one citizen land on different workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.emulator.client import EmulatedUserClient, EmulatorClient, SentUpdate
from bot.emulator.state import World
from models.citizen import Citizen as CitizenRow
from models.conversation import HandledUpdate
from models.delivery import Delivery, DeliveryStatus, OutboxKind, OutboxMessage, OutboxStatus
from models.initiative import Initiative, Status
from models.region import Municipality
from tests.harness import postgres_url
from tests.production_proxy import Proxy

pytestmark = pytest.mark.skipif(
    postgres_url() is None,
    reason="several workers share one PostgreSQL: set TEST_DATABASE_URL=postgres://... (.ci/run does)")

TOKEN = "123456789:WORKERStestTOKENworkersTESTtoken0001"
SECRET = "workers-Secret_token"
HOOK_PATH = "/tg/updates"
ROOT = Path(__file__).resolve().parent.parent
THEMES = ["Green spaces and nature", "Care and wellbeing", "Sport and exercise"]
PLACES = ["deventer", "zwolle", "enschede"]
TROUBLE = ("Sorry, something went wrong", "not sure what you mean", "This button is no longer active")


@dataclass
class Worker:
    """One `python -m bot run` process."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Cluster:
    """The workers, the proxy in front of them, and the emulated Telegram."""

    workers: list[Worker]
    proxy: Proxy
    world: World
    emulator: EmulatorClient
    session: ClientSession
    start_worker: Callable[[str], Awaitable[Worker]]
    sent: list[int] = field(default_factory=list)

    async def metrics(self, worker: Worker) -> dict[str, float]:
        async with self.session.get(f"{worker.url}/metrics") as response:
            assert response.status == 200
            text = await response.text()
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
                for line in text.splitlines() if line and not line.startswith("#")}

    def logs(self) -> str:
        return "\n".join(f"--- {w.name} ---\n{w.log()[-3000:]}" for w in self.workers)


async def start_worker(name: str, tmp_path: Path, database_url: str, emulator_url: str,
                       proxy_url: str) -> Worker:
    """Start a worker and wait until it says where it listens and answers /readyz."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"{emulator_url}/bot",
        "DATABASE_URL": database_url,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": "0",
        "WEBHOOK_URL": proxy_url + HOOK_PATH,
        "WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "DELIVERY_RATE": "25",  # announcements take a few seconds: time to kill the sender midway
    }
    worker = launch(name, tmp_path, env)
    process = worker.process
    deadline = time.monotonic() + 60
    while not worker.url:
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"worker {name} did not start:\n{worker.log()[-3000:]}")
        match = re.search(r"Web view: (http://127\.0\.0\.1:\d+)/", worker.log())
        if match:
            worker.url = match.group(1)
        await asyncio.sleep(0.1)
    async with ClientSession() as session:
        while True:
            with contextlib.suppress(OSError):
                async with session.get(f"{worker.url}/readyz") as response:
                    if response.status == 200:
                        return worker
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {name} never became ready:\n{worker.log()[-3000:]}")
            await asyncio.sleep(0.1)


def launch(name: str, tmp_path: Path, env: dict[str, str]) -> Worker:
    """`python -m bot run` in its own directory (no .env), its output in a log file."""
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    return Worker(name, process, log_path)


def stop(worker: Worker) -> None:
    """SIGTERM, then SIGKILL if it does not stop in time; never leaves a process behind."""
    if worker.process.poll() is None:
        worker.process.send_signal(signal.SIGTERM)
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=10)


@pytest.fixture
async def cluster(database_url: str, emulator_server: TestServer, emulator: EmulatorClient, world: World,
                  tmp_path: Path) -> AsyncIterator[Cluster]:
    """Two workers behind the proxy, the emulation's webhook pointed at the proxy."""
    proxy = Proxy()
    proxy_url = await proxy.start()
    emulator_url = str(emulator_server.make_url("")).rstrip("/")
    workers: list[Worker] = []

    async def start(name: str) -> Worker:
        worker = await start_worker(name, tmp_path, database_url, emulator_url, proxy_url)
        workers.append(worker)
        proxy.targets.append(worker.url)
        return worker

    try:
        await asyncio.gather(start("worker-a"), start("worker-b"))
        assert world.webhook is not None and world.webhook["url"] == proxy_url + HOOK_PATH
        async with ClientSession() as session:
            yield Cluster(workers, proxy, world, emulator, session, start)
    finally:
        for worker in workers:
            stop(worker)
        await proxy.close()


# --- citizens walking the idea wizard ----------------------------------------------------------------

async def registered(telegram_id: int, name: str) -> CitizenRow:
    """A citizen with a profile already (registration has its own tests)."""
    now = datetime.now(UTC)
    return await CitizenRow.create(telegram_id=telegram_id, first_name=name, language="en", public_name=name,
                                   municipality=await Municipality.get(name="Deventer"), consent_at=now,
                                   registered_at=now)


def title(i: int) -> str:
    return f"Idea {i}: <b>garden</b> & 🌻"


def description(i: int) -> str:
    return f"Citizen {i} turns an empty lot into a garden <together> & shares the vegetables 🥕."


async def acknowledged(world: World, update_id: int, timeout: float = 90.0) -> None:
    """Wait until the emulation got a 2xx for `update_id` (the bot answers 200 once it is handled)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        waiter = world.new_update
        if not any(u["update_id"] == update_id for u in world.updates):
            return
        remaining = deadline - loop.time()
        assert remaining > 0, f"update {update_id} was never acknowledged"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), min(remaining, 0.5))


class Walker:
    """One citizen going through the wizard, a few answers sent in quick succession."""

    def __init__(self, cluster: Cluster, i: int) -> None:
        self.cluster = cluster
        self.i = i
        self.id = 30_000 + i
        self.user = EmulatedUserClient(cluster.emulator, self.id)

    async def act(self, *actions: Callable[[], Awaitable[SentUpdate]]) -> None:
        """Send some updates one right after the other, then wait until the last is handled."""
        sent = [await action() for action in actions]
        self.cluster.sent.extend(s.update_id for s in sent)
        await acknowledged(self.cluster.world, sent[-1].update_id)

    async def first_half(self) -> None:
        u, i = self.user, self.i
        await self.act(lambda: u.send("/idea"))
        await self.act(lambda: u.send(title(i)))
        await self.act(lambda: u.press(THEMES[i % 3]))
        await self.act(lambda: u.send(PLACES[i % 3]), lambda: u.send(description(i)),
                       lambda: u.send(f"Neighbours of {i} <3 & friends"))

    async def second_half(self) -> None:
        u, i = self.user, self.i
        await self.act(lambda: u.press("Volunteers"))
        await self.act(lambda: u.press("Materials"))
        await self.act(lambda: u.press("Done"))
        await self.act(lambda: u.send(f"{100 + i}.50"), lambda: u.send_photo())
        await self.act(lambda: u.press("Submit"))

    async def check(self) -> None:
        """Everything the citizen saw and everything stored is what they answered, once."""
        citizen = await CitizenRow.get(telegram_id=self.id)
        rows = await Initiative.filter(initiator_id=citizen.id).prefetch_related("theme", "municipality")
        assert len(rows) == 1, f"citizen {self.i} has {len(rows)} initiatives"
        row = rows[0]
        assert row.title == title(self.i)
        assert row.description == description(self.i)
        assert row.audience == f"Neighbours of {self.i} <3 & friends"
        assert row.help_needed == ["volunteers", "materials"]
        assert row.budget_cents == (100 + self.i) * 100 + 50
        assert row.photo_file_id and row.photo_file_id.startswith("userphoto-")
        assert row.theme.name_en == THEMES[self.i % 3]
        assert row.municipality.name.lower() == PLACES[self.i % 3]
        assert row.status == Status.SUBMITTED
        shown = [m["visible_text"] or "" for m in await self.user.bot_messages()]
        for trouble in TROUBLE:
            assert not any(trouble in text for text in shown), f"citizen {self.i} saw {trouble!r}: {shown}"
        assert sum("is submitted" in text for text in shown) == 1, shown


async def walk_everyone(cluster: Cluster, walkers: list[Walker], half: str) -> None:
    await asyncio.wait_for(asyncio.gather(*(getattr(w, half)() for w in walkers)), timeout=240)


async def make_walkers(cluster: Cluster, count: int) -> list[Walker]:
    walkers = [Walker(cluster, i) for i in range(count)]
    for walker in walkers:
        await registered(walker.id, f"Citizen {walker.i}")
        await cluster.emulator.user(walker.id, f"Citizen {walker.i}", "en")
    return walkers


async def test_hundred_citizens_through_two_workers_and_one_worker_dying(cluster: Cluster):
    walkers = await make_walkers(cluster, 100)
    try:
        await walk_everyone(cluster, walkers, "first_half")
        # Worker A dies (SIGKILL: no goodbye). The proxy still sends it every second delivery;
        # those fail, Telegram (the emulation) retries, the retry reaches worker B.
        worker_a, worker_b = cluster.workers
        metrics_a = await cluster.metrics(worker_a)
        worker_a.process.kill()
        worker_a.process.wait(timeout=10)
        await walk_everyone(cluster, walkers, "second_half")
        for walker in walkers:
            await walker.check()
    except BaseException:
        print(cluster.logs())
        raise
    assert not cluster.world.updates
    assert len(cluster.sent) == 100 * 12
    assert await HandledUpdate.filter(update_id__in=cluster.sent).count() == len(cluster.sent)
    metrics_b = await cluster.metrics(worker_b)
    assert metrics_a["samen_updates_handled_total"] > 0 and metrics_b["samen_updates_handled_total"] > 0
    assert metrics_a["samen_update_errors_total"] == 0 and metrics_b["samen_update_errors_total"] == 0
    assert cluster.proxy.answers[502] > 0  # deliveries to the dead worker, retried
    assert max(cluster.proxy.forwarded.values()) == 1  # no update handled twice


async def test_redeliveries_racing_the_first_delivery_on_two_workers_are_handled_once(cluster: Cluster):
    cluster.proxy.fan_out = True  # every update reaches both workers at the same moment
    walkers = await make_walkers(cluster, 20)
    try:
        await walk_everyone(cluster, walkers, "first_half")
        await walk_everyone(cluster, walkers, "second_half")
        for walker in walkers:
            await walker.check()
    except BaseException:
        print(cluster.logs())
        raise
    a, b = [await cluster.metrics(worker) for worker in cluster.workers]
    total = len(cluster.sent)
    assert total == 20 * 12
    assert a["samen_updates_handled_total"] + b["samen_updates_handled_total"] == total
    assert a["samen_updates_duplicate_total"] + b["samen_updates_duplicate_total"] == total
    assert a["samen_updates_handled_total"] > 0 and b["samen_updates_handled_total"] > 0
    for worker in cluster.workers:  # SIGTERM: a clean stop
        stop(worker)
        assert worker.process.returncode == 0, worker.log()[-3000:]
        assert "Stopped." in worker.log()


# --- the outbox sender dying mid-announcement ----------------------------------------------------------

SENDER_LINE = "this process is now the outbox sender"


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout: float, what: str, cluster: Cluster) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s\n{cluster.logs()}")
        await asyncio.sleep(0.05)


async def test_the_sender_killed_mid_announcement_and_another_worker_finishing_it(cluster: Cluster):
    outbox = pytest.importorskip("bot.services.outbox")
    world = cluster.world
    count = 150
    citizen_ids: dict[int, int] = {}
    for i in range(count):
        telegram_id = 40_000 + i
        await cluster.emulator.user(telegram_id, f"Listener {i}", "nl")
        world.users[telegram_id].started = True
        citizen_ids[telegram_id] = (await CitizenRow.create(telegram_id=telegram_id, language="nl")).id

    async def sender_known() -> bool:
        return any(SENDER_LINE in worker.log() for worker in cluster.workers)

    await wait_for(sender_known, 30, "no worker became the outbox sender", cluster)
    sender = next(worker for worker in cluster.workers if SENDER_LINE in worker.log())
    standby = next(worker for worker in cluster.workers if worker is not sender)
    text = "<b>Aankondiging</b>: de subsidieronde is open &amp; 🎉"
    message_id = await outbox.enqueue(OutboxKind.ANNOUNCEMENT, dict.fromkeys(citizen_ids.values(), text))

    async def some_sent() -> bool:
        return world.counters.sent >= 30

    await wait_for(some_sent, 60, "the announcement did not start", cluster)
    sender.process.kill()  # SIGKILL, mid-announcement: no chance to tidy up
    sender.process.wait(timeout=10)
    sent_by_first = world.counters.sent
    assert sent_by_first < count, "the announcement was finished before the sender was killed"

    async def finished() -> bool:
        return not await Delivery.filter(message_id=message_id, status=DeliveryStatus.PENDING).exists()

    await wait_for(finished, 90, "the announcement was not finished", cluster)
    assert SENDER_LINE in standby.log()
    statuses = await Delivery.filter(message_id=message_id).values_list("status", flat=True)
    assert len(statuses) == count and set(statuses) == {DeliveryStatus.SENT}
    await wait_for(lambda: _done(message_id), 30, "the announcement was not marked done", cluster)
    received = {}
    for telegram_id in citizen_ids:
        shown = [m.visible_text or "" for m in world.chats[telegram_id].messages.values() if m.from_bot]
        received[telegram_id] = sum("Aankondiging: de subsidieronde is open & 🎉" in s for s in shown)
    missed = [telegram_id for telegram_id, n in received.items() if n == 0]
    assert not missed, f"{len(missed)} citizen(s) never got the announcement"
    twice = [telegram_id for telegram_id, n in received.items() if n > 1]
    assert len(twice) <= 8, f"{len(twice)} got it twice: more than the sends that can be in flight at once"
    assert all(n <= 2 for n in received.values())


async def _done(message_id: int) -> bool:
    return await OutboxMessage.filter(id=message_id, status=OutboxStatus.DONE).exists()
