"""Seeding and waiting helpers for the tests of browsing, joining, updates, digests and coaching."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from models.citizen import Citizen as CitizenRow
from models.citizen import Role
from models.initiative import Initiative, Status
from models.region import Municipality, Theme
from tests.harness import Citizen


async def profile(telegram_id: int, name: str, language: str = "nl", *, role: Role = Role.RESIDENT,
                  organisation: str | None = None, email: str | None = None,
                  municipality: str = "GM0153") -> CitizenRow:
    """A citizen with a complete profile (as registration leaves it)."""
    place = await Municipality.get(code=municipality)
    now = datetime.now(UTC)
    row, _created = await CitizenRow.update_or_create(
        telegram_id=telegram_id,
        defaults={"first_name": name.split()[0], "language": language, "public_name": name, "municipality": place,
                  "role": role, "organisation": organisation, "email": email, "consent_at": now,
                  "registered_at": now})
    return row


async def initiative(title: str, initiator: CitizenRow | None = None, *, theme: str = "nature",
                     municipality: str = "GM0153", help_needed: list[str] | None = None,
                     status: Status = Status.PUBLISHED, published_ago: timedelta = timedelta(hours=1),
                     description: str = "Samen de buurt mooier maken.", hidden: bool = False) -> Initiative:
    """An initiative written straight into the database (the idea wizard is not the point here)."""
    published_at = datetime.now(UTC) - published_ago if status == Status.PUBLISHED else None
    return await Initiative.create(
        title=title, description=description, theme=await Theme.get(slug=theme),
        municipality=await Municipality.get(code=municipality), initiator=initiator,
        initiator_name=initiator.public_name if initiator else None, status=status, hidden=hidden,
        help_needed=help_needed if help_needed is not None else ["volunteers"], published_at=published_at)


async def wait_for_message(user: Citizen, contains: str, timeout: float = 15.0) -> dict[str, Any]:
    """Wait until a bot message containing `contains` is in the user's chat (sent by the outbox)."""
    deadline = asyncio.get_running_loop().time() + timeout
    version = -1
    while True:
        chat = await user.user.chat(since=version, wait=0.5)
        for message in chat["messages"]:
            if message["from_bot"] and contains in (message.get("visible_text") or ""):
                return message
        version = chat["version"]
        if asyncio.get_running_loop().time() > deadline:
            seen = [m.get("visible_text") for m in chat["messages"] if m["from_bot"]][-3:]
            raise TimeoutError(f"no message with {contains!r} for user {user.id}; last: {seen}")


async def bot_texts(user: Citizen) -> list[str]:
    """Every text the bot sent the user so far."""
    return [m.get("visible_text") or "" for m in await user.user.bot_messages()]
