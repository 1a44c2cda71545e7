"""The single sender: drains the durable outbox at Telegram's limits (DESIGN.md decision 5).

Announcements, initiative updates and digests are queued as one `Delivery` row per recipient
(bot/services/outbox.py) before anything is sent. One `Sender` per deployment sends them:

- **One sender.** On PostgreSQL a session-level advisory lock, held on a connection of its own,
  makes exactly one process the sender; the others poll for the lock every second and take over
  within seconds when the sender dies (its connection closes, PostgreSQL drops the lock). On SQLite
  a lock file next to the database does the same for the processes of one machine.
- **At Telegram's limits.** Every message the bot sends, interactive replies included, passes the
  `SendLedger` (PTB's rate-limiter hook). The sender paces itself against it: at most 97% of the
  overall limit (30/s, or 1000/s with allow_paid_broadcast) in any second, replies included, spread
  evenly, and at most one message per chat per `delivery_chat_interval`. The remaining 3% absorbs
  bursts of interactive replies, which never wait for the outbox.
- **On 429** the sender waits the retry_after it was given and makes no request until then.
- **403** (blocked, deactivated) marks the citizen unreachable; later deliveries to them are
  skipped. **400** is recorded with its reason and not retried. **Network errors and 5xx** are
  retried with exponential backoff, a few times.
- **Crash-safe.** A row is pending until its result is recorded, and at most
  `delivery_concurrency` sends are unrecorded at any moment: after a crash the next sender resumes
  with the pending rows, so nobody is missed and at most that many messages are sent twice.
- **Opt-outs count at once.** Each delivery is checked against the database right before it is
  sent (opted out, blocked, announcement cancelled).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import heapq
import logging
import os
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import asyncpg
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, BaseRateLimiter

from bot.config import Settings
from bot.db import is_postgres, normalise_url
from bot.i18n import use_locale
from bot.services import outbox
from bot.services.outbox import DueDelivery, Outcome, Progress
from models.delivery import DeliveryStatus

log = logging.getLogger(__name__)

OUTBOX = "outbox"  # rate_limit_args of the sender's own requests
SEND_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAnimation", "sendAudio", "sendVoice",
    "sendVideoNote", "sendSticker", "sendMediaGroup", "sendLocation", "sendVenue", "sendContact", "sendPoll",
    "sendDice", "sendInvoice", "sendPaidMedia", "copyMessage", "copyMessages", "forwardMessage",
    "forwardMessages",
})
WINDOW = 1.01  # seconds: the sender counts sends in a window a little longer than Telegram's second
HEADROOM = 0.97  # share of each limit the sender uses (replies count against it too); the rest absorbs bursts
BURST = 0.02  # seconds of sending at full rate that may go out back to back
CHAT_MARGIN = 0.05  # seconds added to the per-chat interval
INTERACTIVE_MAX_WAIT = 10.0  # an interactive reply waits out a flood pause only this long
MAX_ATTEMPTS = 6  # network errors / 5xx: tries before a delivery counts as failed
MAX_BACKOFF = 900.0  # seconds
POLL_SECONDS = 1.0  # look for rows queued by another process (or due again) this often
TAKEOVER_SECONDS = 1.0  # a standby process tries for the sender's lock this often
LEADER_CHECK_SECONDS = 2.0  # the sender checks it still holds the lock this often
MAINTAIN_SECONDS = 0.5  # completion checks
PROGRESS_SECONDS = 3.0  # a progress message is edited at most this often
DRAIN_SECONDS = 10.0  # on a graceful stop, wait this long for sends in flight
PAGE = 500  # pending rows read at once
ADVISORY_LOCK_KEY = 0x5E4D_0B0C  # pg advisory lock id of "the outbox sender"

ProgressView = Callable[[Progress, "float | None"], "tuple[str, InlineKeyboardMarkup | None]"]


def retry_seconds(error: RetryAfter) -> float:
    """The retry_after of a 429, in seconds (PTB returns int or timedelta depending on its settings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --- every send passes here ----------------------------------------------------------------------

class SendLedger(BaseRateLimiter[str]):
    """PTB's rate-limiter hook: notes every message the bot sends; never delays an interactive reply.

    The sender reads the ledger to pace itself around the interactive traffic. When Telegram
    answers 429, the ledger holds a pause that the sender (and, briefly, interactive replies) obey.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.sends: deque[float] = deque()
        self.last_to_chat: dict[int, float] = {}
        self.paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def note_send(self, chat_id: Any) -> None:
        """Count one message going out now (to `chat_id`)."""
        now = self.clock()
        self.sends.append(now)
        with contextlib.suppress(TypeError, ValueError):
            self.last_to_chat[int(chat_id)] = now
        if len(self.last_to_chat) > 50_000:
            horizon = now - 60.0
            self.last_to_chat = {chat: at for chat, at in self.last_to_chat.items() if at > horizon}

    def recent(self, now: float) -> int:
        """Messages sent in the last WINDOW seconds."""
        while self.sends and self.sends[0] <= now - WINDOW:
            self.sends.popleft()
        return len(self.sends)

    def window_wait(self, limit: int, now: float) -> float:
        """Seconds until one more send keeps the last WINDOW seconds within `limit` sends."""
        count = self.recent(now)
        if count < limit:
            return 0.0
        return self.sends[count - limit] + WINDOW - now

    def chat_free_at(self, chat_id: int, interval: float) -> float:
        """When the next message to `chat_id` may go out (clock time)."""
        last = self.last_to_chat.get(chat_id)
        return 0.0 if last is None else last + interval + CHAT_MARGIN

    def pause(self, seconds: float) -> None:
        """Telegram asked us to wait (429): no sender request before `seconds` from now."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        log.warning("Telegram asked to wait %.1f s (429); the outbox pauses", seconds)

    def pause_left(self) -> float:
        """Seconds of the current flood pause still to wait (0: none)."""
        return max(0.0, self.paused_until - self.clock())

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: str | None) -> Any:
        """Note a send, make the request; an interactive request waits out a 429 once and tries again."""
        ours = rate_limit_args == OUTBOX
        if not ours and 0 < self.pause_left() <= INTERACTIVE_MAX_WAIT:
            await asyncio.sleep(self.pause_left())
        if endpoint in SEND_ENDPOINTS and not ours:  # the sender notes its sends when it schedules them
            self.note_send(data.get("chat_id"))
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as error:
            seconds = retry_seconds(error)
            self.pause(seconds)
            if ours or seconds > INTERACTIVE_MAX_WAIT:
                raise
        await asyncio.sleep(self.pause_left())
        if endpoint in SEND_ENDPOINTS:
            self.note_send(data.get("chat_id"))
        return await callback(*args, **kwargs)


class Pacer:
    """Spreads the sender's sends evenly and keeps every window of a second within the limit."""

    def __init__(self, ledger: SendLedger, rate: float, paid_rate: float) -> None:
        self.ledger = ledger
        self.limits = {False: max(1.0, rate * HEADROOM), True: max(1.0, paid_rate * HEADROOM)}
        self.tokens = {False: 1.0, True: 1.0}
        self.updated = ledger.clock()

    def target_rate(self, paid: bool = False) -> float:
        """Messages per second the sender aims at."""
        return self.limits[paid]

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.updated = now
        for paid, limit in self.limits.items():
            self.tokens[paid] = min(max(1.0, limit * BURST), self.tokens[paid] + elapsed * limit)

    async def wait(self, paid: bool) -> None:
        """Return when one more send of this kind stays within the limits (and no 429 pause is on)."""
        limit = self.limits[paid]
        while True:
            now = self.ledger.clock()
            pause = self.ledger.pause_left()
            if pause > 0:
                await asyncio.sleep(pause)
                continue
            self._refill(now)
            token_wait = 0.0 if self.tokens[paid] >= 1.0 else (1.0 - self.tokens[paid]) / limit
            wait = max(token_wait, self.ledger.window_wait(int(limit), now))
            if wait <= 0:
                self.tokens[paid] -= 1.0
                return
            await asyncio.sleep(wait)


class LastMomentCheck:
    """Checks deliveries against the database right before they are sent, batching the checks of
    the sends that are about to go out together into one query (each send still waits for its own
    check, made after it was scheduled)."""

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[Outcome | None]] = {}
        self._task: asyncio.Task[None] | None = None

    async def skip_reason(self, delivery_id: int) -> Outcome | None:
        """None to send the delivery now, else the outcome to record instead."""
        loop = asyncio.get_running_loop()
        future = self._waiting.get(delivery_id) or loop.create_future()
        self._waiting[delivery_id] = future
        if self._task is None:
            self._task = loop.create_task(self._run())
        return await future

    async def _run(self) -> None:
        await asyncio.sleep(0)  # the sends scheduled in the same moment join this batch
        while self._waiting:  # those that arrive during a query go together in the next one
            batch, self._waiting = self._waiting, {}
            try:
                reasons = await outbox.skip_reasons(list(batch))
            except Exception as error:
                reasons = {}
                for future in batch.values():
                    if not future.done():
                        future.set_exception(error)
            for delivery_id, future in batch.items():
                if not future.done():
                    future.set_result(reasons.get(delivery_id))
        self._task = None


# --- which process is the sender -------------------------------------------------------------------

class Leadership(Protocol):
    """Makes exactly one process the sender."""

    async def acquire(self) -> None:
        """Return once this process is the sender (try again every TAKEOVER_SECONDS)."""

    async def still_leading(self) -> bool:
        """Whether this process still is the sender."""

    async def release(self) -> None:
        """Give the role up cleanly."""

    def abandon(self) -> None:
        """Drop the role at once, as a crashed process would."""


class PostgresLeadership:
    """A session-level pg advisory lock on a connection of its own; it also LISTENs for new rows."""

    def __init__(self, database_url: str, on_notify: Callable[[], None]) -> None:
        dsn = normalise_url(database_url).split("?", 1)[0]
        self.dsn = "postgresql://" + dsn.split("://", 1)[1]
        self.on_notify = on_notify
        self.connection: asyncpg.Connection | None = None

    async def acquire(self) -> None:
        """Poll pg_try_advisory_lock until it succeeds."""
        while True:
            try:
                if self.connection is None or self.connection.is_closed():
                    self.connection = await asyncpg.connect(self.dsn, timeout=10)
                if await self.connection.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_LOCK_KEY):
                    await self.connection.add_listener(outbox.NOTIFY_CHANNEL, self._notified)
                    return
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("outbox sender lock: %s", type(error).__name__)
                self.abandon()
            await asyncio.sleep(TAKEOVER_SECONDS)

    def _notified(self, *_args: Any) -> None:
        self.on_notify()

    async def still_leading(self) -> bool:
        """The lock lives as long as its connection: check the connection."""
        if self.connection is None or self.connection.is_closed():
            return False
        try:
            await asyncio.wait_for(self.connection.fetchval("SELECT 1"), 5)
        except Exception as error:  # any failure means the lock may be gone
            log.warning("outbox sender lost its database connection: %s", type(error).__name__)
            self.abandon()
            return False
        return True

    async def release(self) -> None:
        """Unlock and close the connection."""
        connection, self.connection = self.connection, None
        if connection is None or connection.is_closed():
            return
        try:
            await asyncio.wait_for(connection.close(), 5)  # closing the session releases the lock
        except Exception:
            connection.terminate()

    def abandon(self) -> None:
        """Close the socket without a goodbye; PostgreSQL then drops the lock."""
        connection, self.connection = self.connection, None
        if connection is not None and not connection.is_closed():
            connection.terminate()


class FileLeadership:
    """An exclusive flock on a file next to the SQLite database (one sender per machine)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    async def acquire(self) -> None:
        """Poll a non-blocking flock until it succeeds."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                await asyncio.sleep(TAKEOVER_SECONDS)
                continue
            self.fd = fd
            return

    async def still_leading(self) -> bool:
        """A flock stays until released or the process dies."""
        return self.fd is not None

    async def release(self) -> None:
        """Unlock and close the file."""
        self.abandon()

    def abandon(self) -> None:
        """Close the file, which releases the lock."""
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)


class SoleLeadership:
    """An in-memory database: this process is alone."""

    async def acquire(self) -> None:
        """Always the sender."""

    async def still_leading(self) -> bool:
        """Always the sender."""
        return True

    async def release(self) -> None:
        """Nothing to release."""

    def abandon(self) -> None:
        """Nothing to drop."""


def leadership_for(database_url: str, on_notify: Callable[[], None]) -> Leadership:
    """The way processes sharing this database agree on one sender."""
    if is_postgres(database_url):
        return PostgresLeadership(database_url, on_notify)
    path = normalise_url(database_url).removeprefix("sqlite://").split("?", 1)[0]
    if not path or path == ":memory:":
        return SoleLeadership()
    return FileLeadership(path + ".sender-lock")


# --- the sender --------------------------------------------------------------------------------------

@dataclass
class SenderStats:
    """What the sender did since it started (for logs, /metrics and tests)."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    rate_limited: int = 0


class Sender:
    """Drains pending deliveries at Telegram's limits, as its own task with its own pacing."""

    def __init__(self, application: Application, settings: Settings, ledger: SendLedger,
                 progress_view: ProgressView | None = None) -> None:
        self.application = application
        self.settings = settings
        self.ledger = ledger
        self.progress_view = progress_view
        self.concurrency = max(1, settings.delivery_concurrency)
        self.stats = SenderStats()
        self.leading = False
        self._wake = asyncio.Event()
        self._leadership = leadership_for(settings.database_url, self.wake)
        self._task: asyncio.Task[None] | None = None
        self._helpers: set[asyncio.Task[Any]] = set()
        self._workers: set[asyncio.Task[None]] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._stopping = False
        self._killed = False
        self._lost = False
        self._reset()

    def _reset(self) -> None:
        self._slots = asyncio.Semaphore(self.concurrency)
        self._check = LastMomentCheck()
        self._pacer = Pacer(self.ledger, self.settings.delivery_rate, self.settings.delivery_paid_rate)
        self._tracked: set[int] = set()
        self._deferred: list[tuple[float, int, DueDelivery]] = []
        self._results: list[Outcome] = []
        self._results_ready = asyncio.Event()
        self._flushing: asyncio.Future[None] | None = None
        self._sent_times: deque[float] = deque()
        self._shown: dict[int, tuple[float, tuple[int, ...]]] = {}
        self._started_messages: set[int] = set()

    # lifecycle

    async def start(self) -> None:
        """Start competing for the sender's role, and sending once this process has it."""
        self._stopping = self._killed = False
        self._unsubscribe = outbox.on_enqueue(self.wake)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-sender")

    def wake(self) -> None:
        """Look for pending deliveries now (called after an enqueue)."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop gracefully: no new sends, wait for those in flight, record them, give the role up."""
        self._stopping = True
        self._wake.set()
        if self._unsubscribe:
            self._unsubscribe()
        task, self._task = self._task, None
        if task is None:
            return
        if not self.leading:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def kill(self) -> None:
        """Stop at once, as on kill -9: sends in flight are neither awaited nor recorded (crash tests)."""
        self._killed = True
        if self._unsubscribe:
            self._unsubscribe()
        for task in [*self._workers, *self._helpers, self._task]:
            if task is not None:
                task.cancel()
        self._leadership.abandon()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._leadership.acquire()
            except asyncio.CancelledError:
                if not self._killed:
                    await self._leadership.release()
                raise
            log.info("this process is now the outbox sender")
            self._lost = False
            self.leading = True
            try:
                await self._lead()
            except asyncio.CancelledError:
                self.leading = False
                if not self._killed:  # cancelled from outside: stop as gracefully as we can
                    self._stopping = True
                    await self._wind_down()
                raise
            except Exception:
                log.exception("the outbox sender failed; starting over")
                await asyncio.sleep(POLL_SECONDS)
            self.leading = False
            await self._wind_down()

    async def _lead(self) -> None:
        loop = asyncio.get_running_loop()
        self._helpers = {loop.create_task(self._record_loop(), name="outbox-recorder"),
                         loop.create_task(self._maintain_loop(), name="outbox-progress")}
        try:
            await self._dispatch_loop()
        finally:
            for helper in self._helpers:
                helper.cancel()
            await asyncio.gather(*self._helpers, return_exceptions=True)
            self._helpers = set()

    async def _wind_down(self) -> None:
        """After sending stops: let the sends in flight finish, record them, give the role up."""
        if self._workers:
            _done, pending = await asyncio.wait(self._workers, timeout=DRAIN_SECONDS)
            for task in pending:
                task.cancel()
        if self._flushing is not None and not self._flushing.done():
            await asyncio.wait([self._flushing], timeout=DRAIN_SECONDS)
        with contextlib.suppress(Exception):
            await self._flush()
        await self._leadership.release()
        self._reset()

    # dispatching

    async def _dispatch_loop(self) -> None:
        cursor = 0
        found_in_pass = False
        page: deque[DueDelivery] = deque()
        while not (self._stopping or self._lost):
            item = self._ready_deferred()
            if item is None:
                if not page:
                    rows = await outbox.due(after_id=cursor, limit=PAGE)
                    if rows:
                        cursor = rows[-1].id
                        fresh = [row for row in rows if row.id not in self._tracked]
                        found_in_pass = found_in_pass or bool(fresh)
                        page.extend(fresh)
                        continue
                    if not found_in_pass:
                        await self._idle()
                    cursor, found_in_pass = 0, False
                    continue
                item = page.popleft()
                self._tracked.add(item.id)
            await self._dispatch(item)

    def _ready_deferred(self) -> DueDelivery | None:
        if self._deferred and self._deferred[0][0] <= self.ledger.clock():
            return heapq.heappop(self._deferred)[2]
        return None

    def _defer(self, item: DueDelivery, until: float) -> None:
        heapq.heappush(self._deferred, (until, item.id, item))

    async def _idle(self) -> None:
        timeout = POLL_SECONDS
        if self._deferred:
            timeout = min(timeout, max(0.0, self._deferred[0][0] - self.ledger.clock()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def _dispatch(self, item: DueDelivery) -> None:
        """Send `item` as soon as the limits allow (or put it aside until its chat may get a message)."""
        interval = self.settings.delivery_chat_interval
        free_at = self.ledger.chat_free_at(item.chat_id, interval)
        if free_at > self.ledger.clock():
            self._defer(item, free_at)
            return
        await self._slots.acquire()
        try:
            await self._pacer.wait(item.paid)
        except BaseException:
            self._slots.release()
            raise
        free_at = self.ledger.chat_free_at(item.chat_id, interval)
        if self._stopping or self._lost or free_at > self.ledger.clock():  # or a reply went to this chat meanwhile
            self._slots.release()
            self._defer(item, free_at)
            return
        self.ledger.note_send(item.chat_id)  # counted from now: the request follows within milliseconds
        task = asyncio.get_running_loop().create_task(self._deliver(item))
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    async def _deliver(self, item: DueDelivery) -> None:
        """Check the delivery is still wanted, send it, and hand the outcome to the recorder."""
        try:
            outcome = await self._check.skip_reason(item.id)
            if outcome is None:
                if item.message_id not in self._started_messages:
                    self._started_messages.add(item.message_id)
                    await outbox.mark_sending(item.message_id)
                outcome = await self._send(item)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("delivery %s failed unexpectedly", item.id)
            outcome = self._retry(item, f"internal error: {type(error).__name__}")
        if outcome is None:  # 429: try again after the pause, not counted as an attempt
            self._defer(item, self.ledger.clock() + self.ledger.pause_left())
            self._slots.release()
            return
        self._results.append(outcome)
        self._results_ready.set()

    async def _send(self, item: DueDelivery) -> Outcome | None:
        """One request to Telegram; the outcome to record (None after a 429)."""
        bot = self.application.bot
        paid = True if item.paid else None
        try:
            if item.photo_file_id:
                await bot.send_photo(item.chat_id, item.photo_file_id, caption=item.text, parse_mode=ParseMode.HTML,
                                     allow_paid_broadcast=paid, rate_limit_args=OUTBOX)
            else:
                await bot.send_message(item.chat_id, item.text, parse_mode=ParseMode.HTML,
                                       allow_paid_broadcast=paid, rate_limit_args=OUTBOX)
        except RetryAfter:
            self.stats.rate_limited += 1
            return None
        except Forbidden as error:
            return Outcome(item.id, item.citizen_id, DeliveryStatus.BLOCKED, error.message)
        except BadRequest as error:
            log.warning("delivery %s refused: %s", item.id, error.message)
            return Outcome(item.id, item.citizen_id, DeliveryStatus.FAILED, error.message)
        except NetworkError as error:  # also TimedOut and 5xx
            return self._retry(item, error.message)
        except TelegramError as error:  # InvalidToken, ChatMigrated, ...: retried, then failed
            return self._retry(item, error.message)
        self._sent_times.append(self.ledger.clock())
        return Outcome(item.id, item.citizen_id, DeliveryStatus.SENT)

    def _retry(self, item: DueDelivery, error: str) -> Outcome:
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return Outcome(item.id, item.citizen_id, DeliveryStatus.FAILED,
                           f"gave up after {attempts} attempts: {error}")
        delay = min(self.settings.delivery_retry_seconds * 2 ** (attempts - 1), MAX_BACKOFF)
        self.stats.retried += 1
        return Outcome(item.id, item.citizen_id, DeliveryStatus.PENDING, error,
                       retry_at=datetime.now(UTC) + timedelta(seconds=delay))

    # recording

    async def _record_loop(self) -> None:
        while True:
            await self._results_ready.wait()
            self._results_ready.clear()
            try:
                await self._flush()
            except Exception:
                log.exception("recording delivery results failed; trying again")
                await asyncio.sleep(POLL_SECONDS)
                self._results_ready.set()

    async def _flush(self) -> None:
        """Store the outcomes collected so far; only then do their slots free up."""
        batch, self._results = self._results, []
        if not batch:
            return
        # shielded: a cancelled task must never leave a transaction half-open (tortoise would keep
        # the connection locked); the write completes even when the sender is stopped meanwhile
        self._flushing = asyncio.ensure_future(outbox.record(batch))
        try:
            await asyncio.shield(self._flushing)
        except asyncio.CancelledError:
            raise  # the write goes on; a graceful stop waits for it
        except BaseException:
            self._results = batch + self._results
            raise
        for outcome in batch:
            self._tracked.discard(outcome.delivery_id)
            self._slots.release()
            self._count(outcome)

    def _count(self, outcome: Outcome) -> None:
        if outcome.status == DeliveryStatus.SENT:
            self.stats.sent += 1
        elif outcome.status == DeliveryStatus.BLOCKED:
            self.stats.blocked += 1
        elif outcome.status == DeliveryStatus.FAILED:
            self.stats.failed += 1
        elif outcome.status == DeliveryStatus.CANCELLED:
            self.stats.skipped += 1

    # completion and progress messages

    async def _maintain_loop(self) -> None:
        checked = self.ledger.clock()
        while True:
            await asyncio.sleep(MAINTAIN_SECONDS)
            if self.ledger.clock() - checked >= LEADER_CHECK_SECONDS:
                checked = self.ledger.clock()
                if not await self._leadership.still_leading():
                    self._lost = True
                    self._wake.set()
                    return
            try:
                await self._maintain()
            except Exception:
                log.exception("outbox progress check failed")

    async def _maintain(self) -> None:
        """Finish messages with nothing pending; keep progress messages up to date."""
        ids = await outbox.active_message_ids()
        ids += [message_id for message_id in self._shown if message_id not in ids]
        if not ids:
            return
        ahead = 0
        for progress in await outbox.progress_of(ids):
            if not progress.finished and progress.pending == 0 and await outbox.finish(progress.message_id):
                progress = await outbox.progress(progress.message_id) or progress
            ahead += progress.pending
            await self._show_progress(progress, ahead)

    def rate(self) -> float:
        """Messages per second sent lately (the target rate before there is enough to measure)."""
        now = self.ledger.clock()
        while self._sent_times and self._sent_times[0] < now - 10.0:
            self._sent_times.popleft()
        if len(self._sent_times) < 5:
            return self._pacer.target_rate()
        return len(self._sent_times) / max(now - self._sent_times[0], 1.0)

    async def _show_progress(self, progress: Progress, ahead: int) -> None:
        if self.progress_view is None or progress.progress_chat_id is None or progress.progress_message_id is None:
            self._shown.pop(progress.message_id, None)
            return
        counts = (progress.pending, progress.sent, progress.blocked, progress.failed, progress.cancelled,
                  int(progress.finished))
        shown_at, shown = self._shown.get(progress.message_id, (-PROGRESS_SECONDS, ()))
        now = self.ledger.clock()
        if counts == shown or (not progress.finished and now - shown_at < PROGRESS_SECONDS):
            return
        if self.ledger.pause_left() > 0:
            return
        seconds_left = None if progress.finished else ahead / max(self.rate(), 0.1)
        with use_locale(progress.author_language or self.settings.default_locale):
            text, markup = self.progress_view(progress, seconds_left)
        self._shown[progress.message_id] = (now, counts)
        try:
            await self.application.bot.edit_message_text(
                text, progress.progress_chat_id, progress.progress_message_id, parse_mode=ParseMode.HTML,
                reply_markup=markup, rate_limit_args=OUTBOX)
        except RetryAfter as error:
            self.ledger.pause(retry_seconds(error))
            self._shown[progress.message_id] = (now, ())
            return
        except BadRequest as error:
            if "not modified" not in error.message:
                log.info("progress message of outbox message %s not updated: %s", progress.message_id,
                         error.message)
                await outbox.forget_progress(progress.message_id)
        except Forbidden:
            await outbox.forget_progress(progress.message_id)
        except NetworkError:
            self._shown[progress.message_id] = (now, ())  # try again next time
            return
        if progress.finished:
            self._shown.pop(progress.message_id, None)
