"""Joining, following, leaving and unfollowing initiatives; who joined; the initiator's join digest.

`members_count` and `followers_count` on Initiative are changed in the same transaction as the
membership rows, with atomic `count = count + 1` updates. A member gets an initiative's updates,
so joining replaces following: one citizen is a member or a follower of an initiative, never both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot.services import outbox
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from models.citizen import Citizen
from models.delivery import OutboxKind
from models.initiative import CoachingOffer, HelpKind, Initiative, Membership, MembershipKind, Status

OFFER_KINDS = (HelpKind.VOLUNTEERS, HelpKind.KNOWLEDGE, HelpKind.PLACE, HelpKind.MATERIALS)
MAX_OFFER_TEXT = 500
MAX_USERNAME = 64


@dataclass(frozen=True)
class Relation:
    """How a citizen stands to an initiative."""

    initiator: bool = False
    member: bool = False
    follower: bool = False
    offer: tuple[str, ...] = ()
    offer_text: str | None = None
    share_contact: bool = False
    coaching_offered: bool = False


@dataclass(frozen=True)
class Contact:
    """How to reach a member who agreed to share it."""

    telegram_id: int
    username: str | None
    email: str | None


@dataclass(frozen=True)
class MemberInfo:
    """A member as the initiator sees them."""

    name: str
    offer: tuple[str, ...]
    offer_text: str | None
    joined_at: datetime
    contact: Contact | None


@dataclass(frozen=True)
class JoinDigest:
    """New members of one initiative, for its initiator."""

    initiative_id: int
    title: str
    initiator_id: int
    initiator_language: str
    new_members: list[MemberInfo]
    members_count: int


async def _published(initiative_id: int) -> Initiative:
    initiative = await Initiative.get_or_none(id=initiative_id)
    if initiative is None or initiative.status != Status.PUBLISHED or initiative.hidden:
        raise NotFound("initiative")
    return initiative


async def relation(citizen_id: int, initiative_id: int) -> Relation:
    """Whether the citizen started, joined or follows the initiative, and what they offered."""
    initiative = await Initiative.get_or_none(id=initiative_id)
    if initiative is None:
        return Relation()
    rows = await Membership.filter(initiative_id=initiative_id, citizen_id=citizen_id)
    joined = next((row for row in rows if row.kind == MembershipKind.JOIN), None)
    coaching = await CoachingOffer.exists(initiative_id=initiative_id, professional_id=citizen_id)
    return Relation(
        initiator=initiative.initiator_id == citizen_id,
        member=joined is not None,
        follower=any(row.kind == MembershipKind.FOLLOW for row in rows),
        offer=tuple(joined.offer) if joined else (),
        offer_text=joined.offer_text if joined else None,
        share_contact=joined.share_contact if joined else False,
        coaching_offered=coaching,
    )


def clean_offer(offer: list[str], offer_text: str | None) -> tuple[list[str], str | None]:
    """Validate an offer of help: known kinds, and free text of at most MAX_OFFER_TEXT characters."""
    if any(kind not in OFFER_KINDS for kind in offer):
        raise InvalidValue("offer")
    text = (offer_text or "").strip() or None
    if text is not None and len(text) > MAX_OFFER_TEXT:
        raise InvalidValue("too_long", MAX_OFFER_TEXT)
    return [kind for kind in OFFER_KINDS if kind in offer], text


async def join(citizen_id: int, initiative_id: int, offer: list[str], offer_text: str | None = None,
               share_contact: bool = False, contact_username: str | None = None) -> bool:
    """Join (or change how one joined); return True when the citizen is a new member.

    Needs a complete profile (NotAllowed "profile"); the initiator cannot join their own
    initiative (NotAllowed "own"). A follower who joins stops being a follower.
    """
    offer, offer_text = clean_offer(offer, offer_text)
    citizen = await Citizen.get_or_none(id=citizen_id)
    if citizen is None or citizen.registered_at is None:
        raise NotAllowed("profile")
    initiative = await _published(initiative_id)
    if initiative.initiator_id == citizen_id:
        raise NotAllowed("own")
    values = {"offer": offer, "offer_text": offer_text, "share_contact": share_contact,
              "contact_username": (contact_username or "")[:MAX_USERNAME] or None if share_contact else None}
    try:
        async with in_transaction():
            updated = await Membership.filter(initiative_id=initiative_id, citizen_id=citizen_id,
                                              kind=MembershipKind.JOIN).update(**values)
            if updated:
                return False
            await Membership.create(initiative_id=initiative_id, citizen_id=citizen_id,
                                    kind=MembershipKind.JOIN, **values)
            unfollowed = await Membership.filter(initiative_id=initiative_id, citizen_id=citizen_id,
                                                 kind=MembershipKind.FOLLOW).delete()
            await Initiative.filter(id=initiative_id).update(
                members_count=F("members_count") + 1, followers_count=F("followers_count") - unfollowed)
            return True
    except IntegrityError:  # joined at the same moment from elsewhere: keep the answers given now
        await Membership.filter(initiative_id=initiative_id, citizen_id=citizen_id,
                                kind=MembershipKind.JOIN).update(**values)
        return False


async def leave(citizen_id: int, initiative_id: int) -> bool:
    """Stop being a member; return whether the citizen was one."""
    async with in_transaction():
        removed = await Membership.filter(initiative_id=initiative_id, citizen_id=citizen_id,
                                          kind=MembershipKind.JOIN).delete()
        if removed:
            await Initiative.filter(id=initiative_id).update(members_count=F("members_count") - removed)
    return bool(removed)


async def follow(citizen_id: int, initiative_id: int) -> bool:
    """Follow an initiative's updates; return True when newly following.

    The initiator cannot follow their own initiative (NotAllowed "own"); a member already gets
    the updates (NotAllowed "member").
    """
    initiative = await _published(initiative_id)
    if initiative.initiator_id == citizen_id:
        raise NotAllowed("own")
    if await Membership.exists(initiative_id=initiative_id, citizen_id=citizen_id, kind=MembershipKind.JOIN):
        raise NotAllowed("member")
    try:
        async with in_transaction():
            _row, created = await Membership.get_or_create(initiative_id=initiative_id, citizen_id=citizen_id,
                                                           kind=MembershipKind.FOLLOW)
            if created:
                await Initiative.filter(id=initiative_id).update(followers_count=F("followers_count") + 1)
            return created
    except IntegrityError:
        return False


async def unfollow(citizen_id: int, initiative_id: int) -> bool:
    """Stop following; return whether the citizen was following."""
    async with in_transaction():
        removed = await Membership.filter(initiative_id=initiative_id, citizen_id=citizen_id,
                                          kind=MembershipKind.FOLLOW).delete()
        if removed:
            await Initiative.filter(id=initiative_id).update(followers_count=F("followers_count") - removed)
    return bool(removed)


def _member_info(row: Membership) -> MemberInfo:
    citizen = row.citizen
    contact = Contact(citizen.telegram_id, row.contact_username, citizen.email) if row.share_contact else None
    return MemberInfo(citizen.public_name or citizen.first_name or "?", tuple(row.offer or ()), row.offer_text,
                      row.created_at, contact)


async def members(viewer_id: int, initiative_id: int, offset: int = 0, limit: int = 10) -> tuple[list[MemberInfo], int]:
    """The members of an initiative, newest first, and how many there are; for its initiator only.

    Contact details are included only for members who agreed to share them.
    """
    initiative = await Initiative.get_or_none(id=initiative_id)
    if initiative is None:
        raise NotFound("initiative")
    if initiative.initiator_id != viewer_id:
        raise NotAllowed("not_initiator")
    query = Membership.filter(initiative_id=initiative_id, kind=MembershipKind.JOIN)
    total = await query.count()
    rows = await query.order_by("-created_at", "-id").offset(max(offset, 0)).limit(limit).prefetch_related("citizen")
    return [_member_info(row) for row in rows], total


async def audience(initiative_id: int) -> list[tuple[int, str]]:
    """Everyone who gets the initiative's updates (members and followers): (citizen id, language)."""
    rows = await Membership.filter(initiative_id=initiative_id).values_list("citizen_id", "citizen__language")
    return sorted({(citizen_id, language) for citizen_id, language in rows})


async def send_join_digests(interval: timedelta, render: Callable[[JoinDigest], str],
                            now: datetime | None = None) -> int:
    """Tell initiators about their new members, at most once per initiative per `interval`.

    Each initiative is claimed with a conditional update of `join_digest_at`, so several processes
    never send the same digest; the claim, the members marked as notified and the outbox message
    are one transaction. Returns the number of digests queued.
    """
    now = now or datetime.now(UTC)
    due = Q(join_digest_at__isnull=True) | Q(join_digest_at__lte=now - interval)
    waiting = await Membership.filter(kind=MembershipKind.JOIN, notified=False).distinct().values_list(
        "initiative_id", flat=True)
    if not waiting:
        return 0
    queued = 0
    for initiative_id in await Initiative.filter(due, id__in=list(waiting)).values_list("id", flat=True):
        async with in_transaction():
            if not await Initiative.filter(due, id=initiative_id).update(join_digest_at=now):
                continue  # another process took it
            rows = await (Membership.filter(initiative_id=initiative_id, kind=MembershipKind.JOIN, notified=False)
                          .order_by("created_at", "id").prefetch_related("citizen"))
            await Membership.filter(id__in=[row.id for row in rows]).update(notified=True)
            initiative = await Initiative.get(id=initiative_id).prefetch_related("initiator")
            if not rows or initiative.initiator is None:
                continue
            digest = JoinDigest(initiative.id, initiative.title, initiative.initiator.id,
                                initiative.initiator.language, [_member_info(row) for row in rows],
                                initiative.members_count)
            await outbox.enqueue(OutboxKind.DIGEST, {digest.initiator_id: render(digest)},
                                 audience={"join_digest": initiative_id})
            queued += 1
    return queued
