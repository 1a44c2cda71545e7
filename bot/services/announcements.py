"""Staff announcements: choosing the audience, sending through the outbox, following and stopping them.

Only staff may do any of this (`NotAllowed` otherwise, and the attempt is written to the audit
log). An announcement goes to every reachable citizen in its audience who has announcements
switched on (and, for an announcement about a theme, has not narrowed their themes to others).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.services import outbox, preferences
from bot.services.citizens import CitizenInfo
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from bot.services.outbox import Progress
from bot.telegram_html import BadRequest as HtmlError
from bot.telegram_html import parse_html
from models.audit import AuditEntry
from models.citizen import Citizen, Role, ThemePreference
from models.delivery import OutboxKind, OutboxMessage
from models.initiative import Initiative, Membership, MembershipKind, Status
from models.region import Municipality, Theme

log = logging.getLogger(__name__)

MAX_BODY = 3800  # visible characters of the staff's text; the header and footer around it stay within 4096
SEARCH_RESULTS = 8
_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)")


class AudienceKind(StrEnum):
    EVERYONE = "all"
    THEME = "theme"
    MUNICIPALITY = "mun"
    INITIATIVE = "ini"
    PROFESSIONALS = "pro"


TARGETED = (AudienceKind.THEME, AudienceKind.MUNICIPALITY, AudienceKind.INITIATIVE)


@dataclass(frozen=True)
class Audience:
    """Who an announcement is for: a kind, and for a theme, municipality or initiative its id."""

    kind: AudienceKind
    target_id: int | None = None

    def as_dict(self) -> dict:
        """The form stored with the outbox message (and in the conversation)."""
        return {"kind": self.kind.value, "id": self.target_id}

    @classmethod
    def from_dict(cls, data: dict | None) -> Audience | None:
        """Read an audience back (None when it is not a valid one)."""
        if not isinstance(data, dict) or data.get("kind") not in set(AudienceKind):
            return None
        kind = AudienceKind(data["kind"])
        target = data.get("id")
        if kind in TARGETED and not isinstance(target, int):
            return None
        return cls(kind, target if kind in TARGETED else None)


@dataclass(frozen=True)
class Choice:
    """Something to pick in the audience menu: a theme, a municipality, an initiative."""

    id: int
    name: str


async def _refused(actor: CitizenInfo, action: str, target_id: int | None = None) -> NotAllowed:
    log.warning("refused %s by a non-staff citizen", action)
    await AuditEntry.create(actor_telegram_id=actor.telegram_id or None, action=f"refused:{action}"[:64],
                            target_type="outbox_message", target_id=target_id)
    return NotAllowed(action)


async def note_refusal(actor: CitizenInfo, action: str) -> None:
    """Record that a citizen without staff rights tried to use announcements."""
    await _refused(actor, action)


async def municipalities() -> list[Choice]:
    """The municipalities of the region, by name."""
    return [Choice(id_, name) for id_, name in await Municipality.all().order_by("name").values_list("id", "name")]


async def find_initiatives(query: str) -> list[Choice]:
    """Initiatives (beyond drafts) by number or by a part of their title, newest first."""
    query = query.strip()[:100]
    base = Initiative.exclude(status=Status.DRAFT)
    if query.lstrip("#").isdigit() and len(query) < 10:
        rows = await base.filter(id=int(query.lstrip("#"))).values_list("id", "title")
    elif len(query) >= 2:
        rows = await base.filter(title__icontains=query).order_by("-id").limit(SEARCH_RESULTS).values_list(
            "id", "title")
    else:
        rows = []
    return [Choice(id_, title) for id_, title in rows]


async def target_name(audience: Audience, locale: str) -> str | None:
    """The name of the theme, municipality or initiative an audience is about (None: gone, or no target)."""
    if audience.kind == AudienceKind.THEME:
        theme = await Theme.get_or_none(id=audience.target_id)
        return theme.name(locale) if theme else None
    if audience.kind == AudienceKind.MUNICIPALITY:
        return await Municipality.filter(id=audience.target_id).first().values_list("name", flat=True)
    if audience.kind == AudienceKind.INITIATIVE:
        return await Initiative.filter(id=audience.target_id).exclude(status=Status.DRAFT).first().values_list(
            "title", flat=True)
    return None


async def recipients(audience: Audience) -> list[tuple[int, str]]:
    """Everyone an announcement to `audience` would reach now: (citizen id, language), by id."""
    query = Citizen.filter(reachable=True, blocked_by_staff=False, receive_announcements=True)
    if audience.kind == AudienceKind.MUNICIPALITY:
        query = query.filter(municipality_id=audience.target_id)
    elif audience.kind == AudienceKind.PROFESSIONALS:
        query = query.filter(role=Role.PROFESSIONAL)
    elif audience.kind == AudienceKind.INITIATIVE:
        members = set(await Membership.filter(initiative_id=audience.target_id, kind=MembershipKind.JOIN)
                      .values_list("citizen_id", flat=True))
        initiator = await Initiative.filter(id=audience.target_id).first().values_list("initiator_id", flat=True)
        query = query.filter(id__in=sorted(members | ({initiator} if initiator else set())))
    rows = await query.order_by("id").values_list("id", "language")
    if audience.kind != AudienceKind.THEME:
        return list(rows)
    chosen: dict[int, set[int]] = {}
    for citizen_id, theme_id in await ThemePreference.filter(kind=preferences.ANNOUNCEMENTS).values_list(
            "citizen_id", "theme_id"):
        chosen.setdefault(citizen_id, set()).add(theme_id)
    wanted = audience.as_dict()
    return [(citizen_id, language) for citizen_id, language in rows
            if preferences.wants(chosen.get(citizen_id, set()), wanted)]


async def count(actor: CitizenInfo, audience: Audience) -> int:
    """How many citizens an announcement to `audience` would reach now (staff only)."""
    if not actor.is_staff:
        raise await _refused(actor, "announcement_count")
    return len(await recipients(audience))


def clean_body(text_html: str | None) -> str:
    """The staff's text (Telegram HTML), checked: not empty, valid, at most MAX_BODY visible characters."""
    text = _BARE_AMPERSAND.sub("&amp;", (text_html or "").strip())  # e.g. in a link's URL
    if not text:
        raise InvalidValue("empty")
    try:
        visible = parse_html(text)
    except HtmlError as error:
        raise InvalidValue("bad_html") from error
    if not visible.strip():
        raise InvalidValue("empty")
    if len(visible) > MAX_BODY:
        raise InvalidValue("too_long", MAX_BODY)
    return text


@dataclass(frozen=True)
class Sent:
    """An announcement on its way."""

    message_id: int
    recipients: int


async def send(actor: CitizenInfo, audience: Audience, texts: dict[str, str]) -> Sent:
    """Queue an announcement: `texts` maps a language to the full message in it (staff only).

    The audience is computed now; the outbox skips anyone who opts out or blocks the bot later.
    """
    if not actor.is_staff:
        raise await _refused(actor, "announcement_send")
    if audience.kind in TARGETED and await target_name(audience, "en") is None:
        raise NotFound(audience.kind.value)
    people = await recipients(audience)
    if not people:
        raise InvalidValue("no_recipients")
    fallback = next(iter(texts.values()))
    message_id = await outbox.enqueue(
        OutboxKind.ANNOUNCEMENT, {citizen_id: texts.get(language, fallback) for citizen_id, language in people},
        author_id=actor.id or None, audience=audience.as_dict())
    await AuditEntry.create(actor_telegram_id=actor.telegram_id, action="announcement_send",
                            target_type="outbox_message", target_id=message_id,
                            reason=f"audience {audience.kind.value}"
                                   + (f" #{audience.target_id}" if audience.target_id else "")
                                   + f", {len(people)} recipients")
    return Sent(message_id, len(people))


async def _announcement(message_id: int) -> Progress:
    found = await outbox.progress(message_id)
    if found is None or found.kind != OutboxKind.ANNOUNCEMENT:
        raise NotFound("announcement")
    return found


async def progress(actor: CitizenInfo, message_id: int) -> Progress:
    """Where an announcement stands (staff only)."""
    if not actor.is_staff:
        raise await _refused(actor, "announcement_progress", message_id)
    return await _announcement(message_id)


async def stop(actor: CitizenInfo, message_id: int) -> Progress:
    """Cancel a running announcement: nobody who has not got it yet will (staff only)."""
    if not actor.is_staff:
        raise await _refused(actor, "announcement_cancel", message_id)
    await _announcement(message_id)
    if await outbox.cancel(message_id):
        await AuditEntry.create(actor_telegram_id=actor.telegram_id, action="announcement_cancel",
                                target_type="outbox_message", target_id=message_id)
    return await _announcement(message_id)


async def running(actor: CitizenInfo) -> list[Progress]:
    """Announcements still being delivered, oldest first (staff only)."""
    if not actor.is_staff:
        raise await _refused(actor, "announcement_list")
    ids = await OutboxMessage.filter(kind=OutboxKind.ANNOUNCEMENT, status__in=outbox.ACTIVE).order_by(
        "id").values_list("id", flat=True)
    return await outbox.progress_of(list(ids))


async def attach_progress(actor: CitizenInfo, message_id: int, chat_id: int, progress_message_id: int) -> Progress:
    """Let the sender keep a chat message up to date with the announcement's progress (staff only)."""
    if not actor.is_staff:
        raise await _refused(actor, "announcement_progress", message_id)
    await _announcement(message_id)
    found = await outbox.attach_progress(message_id, chat_id, progress_message_id)
    assert found is not None
    return found
