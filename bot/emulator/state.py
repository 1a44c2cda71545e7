"""The emulated Telegram world: users, their private chats with the bot, pending updates."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FloodLimits:
    """Telegram's flood limits as the emulation enforces them (all configurable)."""

    enabled: bool = False
    global_per_second: float = 30.0
    paid_per_second: float = 1000.0
    per_chat_per_second: float = 1.0
    per_chat_burst: float = 3.0


@dataclass
class EmulatedUser:
    id: int
    first_name: str
    language_code: str | None = None
    username: str | None = None
    started: bool = False
    blocked_bot: bool = False

    def as_telegram(self) -> dict[str, Any]:
        """The user as a Bot API `User` object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        if self.username:
            user["username"] = self.username
        return user


@dataclass
class ChatMessage:
    message_id: int
    from_bot: bool
    date: int
    text: str | None = None
    visible_text: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: str | None = None
    document: dict[str, Any] | None = None
    sticker: bool = False
    edited: bool = False
    deleted: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The message as the control API shows it."""
        return {key: value for key, value in self.__dict__.items()}


@dataclass
class Chat:
    user: EmulatedUser
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    version: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    tokens: float = 0.0
    tokens_at: float = 0.0

    def touch(self) -> None:
        """Record a change so that waiters (tests, the sandbox page) wake up."""
        self.version += 1
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass
class Counters:
    requests: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    too_many_requests: int = 0
    forbidden: int = 0
    bad_requests: int = 0
    first_sent_at: float | None = None  # wall-clock time of the first and last accepted send
    last_sent_at: float | None = None
    first_get_updates_at: float | None = None


class World:
    """Everything the emulation knows; one per emulator instance, in memory."""

    def __init__(self, limits: FloodLimits | None = None) -> None:
        self.limits = limits or FloodLimits()
        self.users: dict[int, EmulatedUser] = {}
        self.chats: dict[int, Chat] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1)
        self.callback_ids = itertools.count(1)
        self.new_update = asyncio.Event()
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.webhook: dict[str, Any] | None = None
        self.counters = Counters()
        self.recent_sends: deque[float] = deque()
        self.flood_until = 0.0

    def add_user(self, user_id: int, first_name: str, language_code: str | None,
                 username: str | None = None) -> EmulatedUser:
        """Create (or update) a user who can talk to the bot."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = EmulatedUser(user_id, first_name, language_code, username)
            self.chats[user_id] = Chat(user)
        else:
            user.first_name, user.language_code, user.username = first_name, language_code, username
        return user

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for the bot and wake long polling; return its update_id."""
        update_id = next(self.update_ids)
        update["update_id"] = update_id
        self.updates.append(update)
        self.new_update.set()
        self.new_update = asyncio.Event()
        return update_id

    def now(self) -> float:
        return time.monotonic()
