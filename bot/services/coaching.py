"""Professionals coaching initiatives: the themes they follow, their daily digest, offers and decisions.

A professional (Citizen.role professional) follows themes (ThemePreference kind "coaching"). New
published initiatives of those themes that ask for knowledge reach them in a digest, at most once
per interval; they offer to coach one (CoachingOffer "offered"), and the initiator accepts or declines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot.services import outbox
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from models.citizen import Citizen, Role, ThemePreference
from models.delivery import OutboxKind
from models.initiative import CoachingOffer, HelpKind, Initiative, Status
from models.region import Theme

COACHING = "coaching"
OFFERED, ACCEPTED, DECLINED = "offered", "accepted", "declined"
DIGEST_LIMIT = 10


@dataclass(frozen=True)
class ThemeChoice:
    """A theme and whether the professional follows it for coaching."""

    id: int
    name: str
    followed: bool


@dataclass(frozen=True)
class DigestItem:
    """An initiative in a coaching digest."""

    id: int
    title: str
    theme: str | None
    municipality: str | None


@dataclass(frozen=True)
class CoachingDigest:
    """New initiatives asking for knowledge in the themes a professional follows."""

    citizen_id: int
    language: str
    items: list[DigestItem]
    more: int


@dataclass(frozen=True)
class OfferInfo:
    """A coaching offer as the initiator sees it (contact once accepted, or while deciding)."""

    id: int
    initiative_id: int
    initiative_title: str
    initiator_name: str | None
    professional_id: int
    professional_name: str
    professional_language: str
    organisation: str | None
    status: str
    telegram_id: int
    username: str | None
    email: str | None


async def is_professional(citizen_id: int) -> bool:
    """Whether the citizen registered as a professional (working for an organisation)."""
    return await Citizen.exists(id=citizen_id, role=Role.PROFESSIONAL, registered_at__not_isnull=True)


async def _professional(citizen_id: int) -> Citizen:
    citizen = await Citizen.get_or_none(id=citizen_id)
    if citizen is None or citizen.role != Role.PROFESSIONAL or citizen.registered_at is None:
        raise NotAllowed("not_professional")
    return citizen


async def themes(citizen_id: int, locale: str) -> list[ThemeChoice]:
    """Every theme, marked when the professional follows it for coaching."""
    followed = set(await ThemePreference.filter(citizen_id=citizen_id, kind=COACHING).values_list(
        "theme_id", flat=True))
    return [ThemeChoice(theme.id, theme.name(locale), theme.id in followed) for theme in await Theme.all()]


async def toggle_theme(citizen_id: int, theme_id: int) -> bool:
    """Follow a theme for coaching, or stop following it; return whether it is followed now."""
    await _professional(citizen_id)
    if not await Theme.exists(id=theme_id):
        raise NotFound("theme")
    async with in_transaction():
        if await ThemePreference.filter(citizen_id=citizen_id, theme_id=theme_id, kind=COACHING).delete():
            return False
        if not await ThemePreference.exists(citizen_id=citizen_id, kind=COACHING):
            # the first theme: digests cover what is published from now on
            await Citizen.filter(id=citizen_id).update(coaching_digest_at=datetime.now(UTC))
        await ThemePreference.get_or_create(citizen_id=citizen_id, theme_id=theme_id, kind=COACHING)
        return True


async def offer(citizen_id: int, initiative_id: int, contact_username: str | None,
                render: Callable[[OfferInfo, str], str]) -> bool:
    """Offer to coach a published initiative; return True for a new offer (False: offered before).

    Only professionals (NotAllowed "not_professional"), never on their own initiative (NotAllowed
    "own"). A new offer is announced to the initiator: `render(offer, initiator_language)`.
    """
    await _professional(citizen_id)
    initiative = await Initiative.get_or_none(id=initiative_id).prefetch_related("initiator")
    if initiative is None or initiative.status != Status.PUBLISHED or initiative.hidden:
        raise NotFound("initiative")
    if initiative.initiator_id == citizen_id:
        raise NotAllowed("own")
    try:
        async with in_transaction():
            row, created = await CoachingOffer.get_or_create(
                initiative_id=initiative_id, professional_id=citizen_id,
                defaults={"contact_username": (contact_username or "")[:64] or None})
            if created and initiative.initiator is not None:
                await row.fetch_related("professional", "initiative")
                text = render(_offer_info(row), initiative.initiator.language)
                await outbox.enqueue(OutboxKind.NOTICE, {initiative.initiator.id: text},
                                     audience={"coaching_offer": row.id})
    except IntegrityError:
        return False
    return created


def _offer_info(row: CoachingOffer) -> OfferInfo:
    pro = row.professional
    return OfferInfo(row.id, row.initiative_id, row.initiative.title, row.initiative.initiator_name,
                     pro.id, pro.public_name or pro.first_name,
                     pro.language, pro.organisation, row.status, pro.telegram_id, row.contact_username, pro.email)


async def offers(viewer_id: int, initiative_id: int) -> list[OfferInfo]:
    """The coaching offers on an initiative, open ones first; for its initiator only."""
    initiative = await Initiative.get_or_none(id=initiative_id)
    if initiative is None:
        raise NotFound("initiative")
    if initiative.initiator_id != viewer_id:
        raise NotAllowed("not_initiator")
    rows = await CoachingOffer.filter(initiative_id=initiative_id).order_by("created_at", "id").prefetch_related(
        "professional", "initiative")
    return sorted((_offer_info(row) for row in rows), key=lambda info: info.status != OFFERED)


async def offer_counts(initiative_id: int) -> tuple[int, int]:
    """How many coaching offers wait for the initiator's answer, and how many there are in all."""
    statuses = await CoachingOffer.filter(initiative_id=initiative_id).values_list("status", flat=True)
    return sum(status == OFFERED for status in statuses), len(statuses)


async def decide(viewer_id: int, offer_id: int, accept: bool, render: Callable[[OfferInfo, str], str]) -> OfferInfo:
    """Accept or decline an open offer, as the initiator; InvalidValue "decided" when already answered.

    The professional hears the answer: `render(offer, professional_language)`.
    """
    row = await CoachingOffer.get_or_none(id=offer_id).prefetch_related("initiative", "professional")
    if row is None:
        raise NotFound("offer")
    if row.initiative.initiator_id != viewer_id:
        raise NotAllowed("not_initiator")
    status = ACCEPTED if accept else DECLINED
    async with in_transaction():
        changed = await CoachingOffer.filter(id=offer_id, status=OFFERED).update(status=status,
                                                                                  decided_at=datetime.now(UTC))
        if not changed:
            raise InvalidValue("decided")
        row.status = status
        info = _offer_info(row)
        await outbox.enqueue(OutboxKind.NOTICE, {info.professional_id: render(info, info.professional_language)},
                             audience={"coaching_offer": row.id})
    return info


async def send_digests(interval: timedelta, render: Callable[[CoachingDigest], str],
                       now: datetime | None = None) -> int:
    """Queue a digest for each professional with new matching initiatives, at most one per `interval`.

    Matching: published after the professional's previous digest, in a theme they follow for
    coaching, asking for knowledge, not their own, not offered on yet. Returns the number queued.
    """
    now = now or datetime.now(UTC)
    due = Q(coaching_digest_at__isnull=False, coaching_digest_at__lte=now - interval)
    followers = await ThemePreference.filter(kind=COACHING).distinct().values_list("citizen_id", flat=True)
    queued = 0
    for citizen in await Citizen.filter(due, id__in=list(followers), role=Role.PROFESSIONAL,
                                        registered_at__not_isnull=True):
        theme_ids = await ThemePreference.filter(citizen_id=citizen.id, kind=COACHING).values_list(
            "theme_id", flat=True)
        offered = await CoachingOffer.filter(professional_id=citizen.id).values_list("initiative_id", flat=True)
        candidates = await (Initiative.filter(status=Status.PUBLISHED, hidden=False, theme_id__in=list(theme_ids),
                                              published_at__gt=citizen.coaching_digest_at, published_at__lte=now)
                            .exclude(initiator_id=citizen.id).exclude(id__in=list(offered) or [0])
                            .order_by("-published_at", "-id").prefetch_related("theme", "municipality"))
        matching = [row for row in candidates if HelpKind.KNOWLEDGE in (row.help_needed or [])]
        if not matching:
            continue
        async with in_transaction():
            claimed = await Citizen.filter(due, id=citizen.id).update(coaching_digest_at=now)
            if not claimed:
                continue
            items = [DigestItem(row.id, row.title, row.theme.name(citizen.language) if row.theme else None,
                                row.municipality.name if row.municipality else None)
                     for row in matching[:DIGEST_LIMIT]]
            digest = CoachingDigest(citizen.id, citizen.language, items, len(matching) - len(items))
            await outbox.enqueue(OutboxKind.DIGEST, {citizen.id: render(digest)}, audience={"coaching_digest": 1})
            queued += 1
    return queued
