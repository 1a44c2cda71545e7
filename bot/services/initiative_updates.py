"""Updates an initiator posts to everyone who joined or follows an initiative (at most one per interval)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from bot.services import audit, memberships, outbox
from bot.services.errors import InvalidValue, NotAllowed, NotFound, TooSoon
from models.delivery import OutboxKind
from models.initiative import Initiative, InitiativeUpdate, Status

MAX_TEXT = 3000
MAX_TEXT_WITH_PHOTO = 700  # a photo's caption holds 1024 characters, header and footer included


@dataclass(frozen=True)
class UpdateTarget:
    """An initiative its initiator may post an update to now, and how many people would get it."""

    initiative_id: int
    title: str
    recipients: int


@dataclass(frozen=True)
class PostedUpdate:
    """The stored update and how many people it was queued for."""

    update_id: int
    recipients: int


def clean_text(text: str | None, with_photo: bool) -> str:
    """The update's text, stripped; InvalidValue "empty" or "too_long" (with the limit)."""
    value = (text or "").strip()
    if not value:
        raise InvalidValue("empty")
    limit = MAX_TEXT_WITH_PHOTO if with_photo else MAX_TEXT
    if len(value) > limit:
        raise InvalidValue("too_long", limit)
    return value


async def _check(citizen_id: int, initiative_id: int, interval: timedelta, now: datetime) -> Initiative:
    initiative = await Initiative.get_or_none(id=initiative_id)
    if initiative is None or initiative.status == Status.DRAFT:
        raise NotFound("initiative")
    if initiative.initiator_id != citizen_id:  # a forged button: logged for staff
        await audit.refuse_citizen(citizen_id, "post_update", "initiative", initiative_id)
        raise NotAllowed("not_initiator")
    if initiative.status != Status.PUBLISHED or initiative.hidden:
        raise NotAllowed("not_published")
    last = await InitiativeUpdate.filter(initiative_id=initiative_id).order_by("-created_at").first()
    if last is not None and last.created_at + interval > now:
        raise TooSoon(last.created_at + interval)
    return initiative


async def _recipients(initiative_id: int, author_id: int) -> list[tuple[int, str]]:
    return [(cid, language) for cid, language in await memberships.audience(initiative_id) if cid != author_id]


async def prepare(citizen_id: int, initiative_id: int, interval: timedelta) -> UpdateTarget:
    """Check that the citizen may post an update to the initiative now (its initiator, published, not too soon)."""
    initiative = await _check(citizen_id, initiative_id, interval, datetime.now(UTC))
    return UpdateTarget(initiative.id, initiative.title, len(await _recipients(initiative_id, citizen_id)))


async def post(citizen_id: int, initiative_id: int, text: str, photo_file_id: str | None, interval: timedelta,
               render: Callable[[str, int], str]) -> PostedUpdate:
    """Store the update and queue it for every member and follower; `render(language, update_id)` gives
    their text.

    The checks of `prepare` are repeated in the same transaction as the insert, so two posts at
    the same moment cannot both pass the limit.
    """
    text = clean_text(text, photo_file_id is not None)
    async with in_transaction():
        await Initiative.filter(id=initiative_id).select_for_update().first()
        await _check(citizen_id, initiative_id, interval, datetime.now(UTC))
        update = await InitiativeUpdate.create(initiative_id=initiative_id, author_id=citizen_id, text=text,
                                               photo_file_id=photo_file_id)
        recipients = await _recipients(initiative_id, citizen_id)
        rendered = {language: render(language, update.id) for language in {language for _cid, language in recipients}}
        texts = {cid: rendered[language] for cid, language in recipients}
        if texts:
            await outbox.enqueue(OutboxKind.UPDATE, texts, author_id=citizen_id, photo_file_id=photo_file_id,
                                 audience={"initiative": initiative_id, "update": update.id})
    return PostedUpdate(update.id, len(texts))
