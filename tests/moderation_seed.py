"""Seeding and reading helpers for the tests of moderation, reporting, privacy and limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from models.citizen import Citizen as CitizenRow
from models.initiative import Initiative, Status
from models.region import Municipality, Theme
from tests.harness import Citizen


async def profile(telegram_id: int, name: str, language: str = "nl", *, registered: bool = True,
                  email: str | None = None, municipality: str = "GM0193") -> CitizenRow:
    """A citizen (with a complete profile unless `registered` is False), as registration leaves it."""
    place = await Municipality.get(code=municipality)
    now = datetime.now(UTC)
    fields: dict[str, Any] = {"first_name": name.split()[0], "language": language}
    if registered:
        fields.update(public_name=name, municipality=place, email=email, consent_at=now, registered_at=now)
    row, _created = await CitizenRow.update_or_create(telegram_id=telegram_id, defaults=fields)
    return row


async def initiative(title: str, initiator: CitizenRow | None, *, status: Status = Status.SUBMITTED,
                     description: str = "Samen de buurt mooier maken.", **extra: Any) -> Initiative:
    """An initiative written straight into the database."""
    now = datetime.now(UTC)
    return await Initiative.create(
        title=title, description=description, theme=await Theme.get(slug="nature"),
        municipality=await Municipality.get(code="GM0193"), initiator=initiator,
        initiator_name=initiator.public_name if initiator else None, status=status, help_needed=["volunteers"],
        budget_cents=125050, submitted_at=now if status != Status.DRAFT else None,
        published_at=now if status == Status.PUBLISHED else None, **extra)


async def wait_for_message(user: Citizen, contains: str, timeout: float = 15.0) -> dict[str, Any]:
    """Wait until a bot message containing `contains` is in the user's chat."""
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


async def last_bot_message(user: Citizen) -> dict[str, Any]:
    """The newest message the bot sent the user."""
    return (await user.user.bot_messages())[-1]
