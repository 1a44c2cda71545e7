"""Citizens as Telegram users: first contact, language, reachability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.config import SUPPORTED_LOCALES, Settings
from bot.i18n import resolve_locale
from models.citizen import Citizen

SEEN_RESOLUTION = timedelta(minutes=10)


@dataclass(frozen=True)
class CitizenInfo:
    """What a handler needs to know about the citizen behind an update."""

    id: int
    telegram_id: int
    first_name: str
    language: str
    is_new: bool
    is_staff: bool
    registered: bool
    public_name: str | None
    blocked: bool = False  # blocked by staff: gets one notice, no flow runs

    @classmethod
    def anonymous(cls) -> CitizenInfo:
        """A placeholder before the citizen is known."""
        return cls(0, 0, "", "nl", False, False, False, None)


def _info(citizen: Citizen, settings: Settings, is_new: bool) -> CitizenInfo:
    return CitizenInfo(
        id=citizen.id,
        telegram_id=citizen.telegram_id,
        first_name=citizen.first_name,
        language=citizen.language,
        is_new=is_new,
        is_staff=settings.is_staff(citizen.telegram_id),
        registered=citizen.registered_at is not None,
        public_name=citizen.public_name,
        blocked=citizen.blocked_by_staff,
    )


async def touch(telegram_id: int, first_name: str, language_code: str | None, settings: Settings) -> CitizenInfo:
    """Find the citizen behind a Telegram user, creating them on first contact."""
    citizen = await Citizen.get_or_none(telegram_id=telegram_id)
    if citizen is None:
        citizen, created = await Citizen.get_or_create(
            telegram_id=telegram_id,
            defaults={"first_name": first_name[:255],
                      "language": resolve_locale(language_code, settings.default_locale)},
        )
        return _info(citizen, settings, is_new=created)
    now = datetime.now(UTC)
    changes: dict[str, object] = {}
    if now - citizen.last_seen_at > SEEN_RESOLUTION:
        changes["last_seen_at"] = now
    if first_name and first_name[:255] != citizen.first_name:
        changes["first_name"] = first_name[:255]
    if not citizen.reachable:
        changes["reachable"] = True  # they wrote to us, so the bot is not blocked any more
    if changes:
        await Citizen.filter(id=citizen.id).update(**changes)
        for key, value in changes.items():
            setattr(citizen, key, value)
    return _info(citizen, settings, is_new=False)


async def set_language(citizen_id: int, language: str) -> None:
    """Persist the citizen's chosen language."""
    if language not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported language {language!r}")
    await Citizen.filter(id=citizen_id).update(language=language)


async def set_reachable(telegram_id: int, reachable: bool) -> None:
    """Mark a citizen (un)reachable: they blocked or unblocked the bot."""
    await Citizen.filter(telegram_id=telegram_id).update(reachable=reachable)


async def language_of(telegram_id: int) -> str | None:
    """The language a citizen chose, or None for an unknown Telegram user."""
    return await Citizen.filter(telegram_id=telegram_id).first().values_list("language", flat=True)


async def claim_block_notice(citizen_id: int) -> bool:
    """Whether the one notice about a block is still to be sent (it is marked sent at once)."""
    return await Citizen.filter(id=citizen_id, blocked_by_staff=True, blocked_notified=False).update(
        blocked_notified=True) > 0
