"""The conversation engine (DESIGN.md decision 1).

Every update goes through `handle_update`:

1. the citizen is looked up (created on first contact) and the update's locale is set;
2. the user's conversation state is read from the database;
3. the router picks one callback: a command, a button (by the prefix of its callback_data),
   the current step of the user's flow for a message, or the fallback;
4. the callback answers the user and returns the next step (`END` leaves the flow, `None`
   keeps the state as it is); the engine saves the state;
5. a callback query is always answered (with `context.notice`, if a callback set one).

Updates of one user are handled strictly in order (`PerUserUpdateProcessor`); different
users are handled concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseUpdateProcessor, CallbackContext, ExtBot

from bot.config import Settings
from bot.i18n import N_, _, current_locale
from bot.locks import UserLocks
from bot.services import citizens, conversations
from bot.services.citizens import CitizenInfo
from bot.services.conversations import Conversation

log = logging.getLogger(__name__)


class Flow(StrEnum):
    """Base for a flow's step constants; values are 'flow.step' (e.g. 'idea.title')."""

    @property
    def flow(self) -> str:
        """The flow this step belongs to."""
        return self.value.split(".", 1)[0]


END = "END"
StepResult = Flow | str | None
Callback = Callable[[Update, "BotContext"], Awaitable[StepResult]]
Guard = Callable[[Update, "BotContext"], Awaitable[bool]]  # True: the update was dealt with (e.g. refused)


@dataclass
class Command:
    name: str
    callback: Callback
    description: str | None  # N_-marked; None: not listed in the command menu
    staff_only: bool = False


@dataclass
class MenuEntry:
    order: int
    label: str  # N_-marked
    data: str


@dataclass
class FlowInfo:
    name: str
    label: str  # N_-marked, e.g. "your idea"
    ask: Callback  # asks the question of the current step again (used when resuming)
    discard: Callback | None = None  # cleans up when the parked answers are discarded (optional)


@dataclass
class Router:
    """Where each kind of update goes; filled by the `register` function of each handler module."""

    commands: dict[str, Command] = field(default_factory=dict)
    callbacks: dict[str, Callback] = field(default_factory=dict)
    steps: dict[str, Callback] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    deep_links: dict[str, Callback] = field(default_factory=dict)
    flows: dict[str, FlowInfo] = field(default_factory=dict)
    fallback: Callback | None = None
    stale_button: Callback | None = None
    chat_member: Callback | None = None
    guards: list[Guard] = field(default_factory=list)

    def command(self, name: str, callback: Callback, description: str | None = None,
                *, staff_only: bool = False) -> None:
        """Route /name to `callback`; list it with `description` (N_-marked) when given."""
        if name in self.commands:
            raise ValueError(f"command /{name} registered twice")
        self.commands[name] = Command(name, callback, description, staff_only)

    def callback(self, prefix: str, callback: Callback) -> None:
        """Route button presses whose callback_data is `prefix` or starts with `prefix:`."""
        if prefix in self.callbacks or ":" in prefix:
            raise ValueError(f"bad or duplicate callback prefix {prefix!r}")
        self.callbacks[prefix] = callback

    def step(self, step: Flow, callback: Callback) -> None:
        """Route a message that arrives while the user is at `step` of its flow."""
        self.steps[step.value] = callback

    def menu_entry(self, order: int, label: str, data: str) -> None:
        """Add a button to the main menu (lower `order` first)."""
        self.menu.append(MenuEntry(order, label, data))
        self.menu.sort(key=lambda entry: entry.order)

    def flow(self, name: str, label: str, ask: Callback, discard: Callback | None = None) -> None:
        """Declare a flow: its name for /cancel and "continue" (N_-marked), and how to re-ask a step.

        `discard`, if given, runs when the citizen discards the flow's parked answers (it can read
        them in `context.conversation.parked[name]`), e.g. to delete a draft stored elsewhere.
        """
        self.flows[name] = FlowInfo(name, label, ask, discard)

    def guard(self, guard: Guard) -> None:
        """Run `guard` before routing every update; when it returns True the update is not routed."""
        self.guards.append(guard)

    def deep_link(self, prefix: str, callback: Callback) -> None:
        """Route `/start PREFIX...` (e.g. 'i42' for initiative 42) to `callback`."""
        self.deep_links[prefix] = callback

    def for_callback_data(self, data: str) -> Callback | None:
        """The callback for a button's callback_data (the stale-button answer if none)."""
        return self.callbacks.get(data.split(":", 1)[0], self.stale_button)

    def resolve(self, update: Update, context: BotContext) -> Callback | None:
        """The callback for this update, given the user's conversation state."""
        if update.callback_query is not None:
            context.callback_data = update.callback_query.data or ""
            return self.for_callback_data(context.callback_data)
        message = update.effective_message
        if message is None:
            return None
        text = message.text or ""
        if text.startswith("/"):
            name, _sep, args = text[1:].partition(" ")
            name = name.split("@", 1)[0].lower()
            context.command_args = args.strip()
            command = self.commands.get(name)
            if command and (not command.staff_only or context.citizen.is_staff):
                return command.callback
            return self.fallback
        state = context.conversation
        if state.step and state.step in self.steps:
            return self.steps[state.step]
        return self.fallback


class BotData:
    """What every callback can reach through `context.bot_data`, set once at start-up."""

    settings: Settings
    router: Router
    stats: UpdateStats
    sender: Any  # bot.delivery.Sender: the outbox sender, started with the application


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context our callbacks get: PTB's, plus the citizen and their conversation."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self.citizen: CitizenInfo = CitizenInfo.anonymous()
        self.conversation: Conversation = Conversation(0)
        self.command_args: str = ""
        self.callback_data: str = ""
        self.notice: str | None = None
        self.notice_alert: bool = False

    @property
    def settings(self) -> Settings:
        """The configuration loaded at start-up."""
        return self.bot_data.settings

    @property
    def locale(self) -> str:
        """The locale of the current update."""
        return current_locale.get()


@dataclass
class UpdateStats:
    """Counters of handled updates (for /metrics, and for tests that wait for an update)."""

    handled: int = 0
    errors: int = 0
    latency_total: float = 0.0
    latency_buckets: dict[float, int] = field(default_factory=lambda: dict.fromkeys(
        (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0), 0))
    last_update_ids: set[int] = field(default_factory=set)
    changed: asyncio.Condition | None = None

    def record(self, update_id: int, seconds: float, failed: bool) -> None:
        """Count one handled update."""
        self.handled += 1
        self.errors += failed
        self.latency_total += seconds
        for bound in self.latency_buckets:
            if seconds <= bound:
                self.latency_buckets[bound] += 1
        self.last_update_ids.add(update_id)
        if len(self.last_update_ids) > 100_000:
            self.last_update_ids.clear()
            self.last_update_ids.add(update_id)


async def handle_update(update: Update, context: BotContext) -> None:
    """Handle one update from start to end; see the module docstring."""
    started = time.perf_counter()
    failed = False
    user = update.effective_user
    settings = context.settings
    locale_token = current_locale.set(settings.default_locale)
    try:
        if user is None or user.is_bot:
            return
        context.citizen = await citizens.touch(user.id, user.first_name or "", user.language_code, settings)
        current_locale.set(context.citizen.language)
        router = context.bot_data.router
        if update.my_chat_member is not None:
            if router.chat_member:
                await router.chat_member(update, context)
            return
        for guard in router.guards:  # blocked users, message rate limits (registered by handler modules)
            if await guard(update, context):
                return
        context.conversation = await conversations.load(user.id)
        callback = router.resolve(update, context)
        if callback is None:
            return
        result = await callback(update, context)
        dedupe = getattr(context.application.update_processor, "dedupe", False)  # webhook mode
        await conversations.save(context.conversation.after(result), update.update_id if dedupe else None)
    except Exception:
        failed = True
        log.exception("update %s failed", update.update_id)
        await _apologise(update, context)
    finally:
        await _answer_callback_query(update, context)
        current_locale.reset(locale_token)
        context.bot_data.stats.record(update.update_id, time.perf_counter() - started, failed)


async def redirect(update: Update, context: BotContext, data: str) -> StepResult:
    """Carry on as if the user had pressed a button with callback_data `data`.

    Used to return to what the citizen was doing, e.g. after registering on the way to joining.
    """
    context.callback_data = data
    callback = context.bot_data.router.for_callback_data(data)
    return await callback(update, context) if callback else None


def begin(context: BotContext, step: Flow, data: dict[str, Any] | None = None) -> Flow:
    """Enter `step`'s flow with `data` as its answers; a different flow in progress is parked.

    Return `step`, so a callback can end with `return begin(context, Step.FIRST, {...})`.
    """
    conversation = context.conversation
    if conversation.flow is not None and conversation.flow != step.flow:
        conversation.park()
    conversation.flow, conversation.step, conversation.data = step.flow, step.value, dict(data or {})
    return step


async def _apologise(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_message(chat.id, _("Sorry, something went wrong on our side. "
                                                   "What you entered so far is kept; please try again."))
    except TelegramError:
        log.warning("could not tell user about a failed update")


async def _answer_callback_query(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text=context.notice, show_alert=context.notice_alert)
    except TelegramError as error:
        log.info("callback query not answered: %s", error.message)


STALE_BUTTON_NOTICE = N_("This button is no longer active.")


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Process different users' updates concurrently, each user's strictly in arrival order.

    In this process an asyncio lock per user orders the updates; `user_locks` (PostgreSQL advisory
    locks, bot/locks.py) keeps other processes off the same user meanwhile. With `dedupe` (webhook
    mode) an update whose id was handled before is skipped, and every handled id is recorded.
    """

    def __init__(self, max_concurrent_updates: int = 256, user_locks: UserLocks | None = None,
                 dedupe: bool = False) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._waiting: defaultdict[int, int] = defaultdict(int)
        self.user_locks = user_locks or UserLocks("sqlite://")
        self.dedupe = dedupe
        self.duplicates = 0

    async def do_process_update(self, update: object, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run `coroutine` while holding the lock of the update's user."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        self._waiting[user.id] += 1
        try:
            async with self._locks[user.id], self.user_locks.hold(user.id):
                if self.dedupe and await conversations.already_handled(update.update_id):
                    coroutine.close()  # a redelivery of an update handled before
                    self.duplicates += 1
                    log.info("duplicate update ignored", extra={"update_id": update.update_id})
                    return
                await coroutine
                if self.dedupe:  # the engine records it with the state; this covers the other paths
                    await conversations.mark_handled(update.update_id)
        finally:
            self._waiting[user.id] -= 1
            if not self._waiting[user.id]:
                del self._waiting[user.id]
                self._locks.pop(user.id, None)

    async def initialize(self) -> None:
        """Connect the cross-process locks (PostgreSQL)."""
        await self.user_locks.open()

    async def shutdown(self) -> None:
        """Close the cross-process locks."""
        await self.user_locks.close()
