"""A citizen's profile: validating its fields, registering (with consent), reading and changing it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.services.errors import InvalidValue, NotFound
from models.citizen import Citizen, Role
from models.region import Municipality

NAME_MIN, NAME_MAX = 2, 64
ORGANISATION_MIN, ORGANISATION_MAX = 2, 128
EMAIL_MAX = 254
# Pragmatic: one @, no spaces, a dot in the domain, no dot at the start/end of a part.
_EMAIL_RE = re.compile(r"^[^@\s.][^@\s]*(?<!\.)@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


@dataclass(frozen=True)
class Profile:
    """What a citizen told us about themselves."""

    citizen_id: int
    public_name: str | None
    municipality_id: int | None
    municipality: str | None
    role: Role
    organisation: str | None
    email: str | None
    consent_at: datetime | None
    registered_at: datetime | None

    @property
    def complete(self) -> bool:
        """Whether the citizen has registered (a complete profile with consent)."""
        return self.registered_at is not None


def _single_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clean_name(text: str) -> str:
    """A public name: one line, 2-64 characters; InvalidValue('too_short'/'too_long', limit) otherwise."""
    name = _single_line(text)
    if len(name) < NAME_MIN:
        raise InvalidValue("too_short", NAME_MIN)
    if len(name) > NAME_MAX:
        raise InvalidValue("too_long", NAME_MAX)
    return name


def clean_organisation(text: str) -> str:
    """An organisation's name: one line, 2-128 characters."""
    name = _single_line(text)
    if len(name) < ORGANISATION_MIN:
        raise InvalidValue("too_short", ORGANISATION_MIN)
    if len(name) > ORGANISATION_MAX:
        raise InvalidValue("too_long", ORGANISATION_MAX)
    return name


def clean_email(text: str) -> str:
    """An e-mail address (lower-cased domain); InvalidValue('email') or ('too_long', 254) otherwise."""
    email = text.strip()
    if len(email) > EMAIL_MAX:
        raise InvalidValue("too_long", EMAIL_MAX)
    if not _EMAIL_RE.match(email):
        raise InvalidValue("email")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


async def get_profile(citizen_id: int) -> Profile:
    """The citizen's profile; NotFound for an unknown citizen."""
    citizen = await Citizen.get_or_none(id=citizen_id).prefetch_related("municipality")
    if citizen is None:
        raise NotFound("citizen")
    municipality = citizen.municipality
    return Profile(
        citizen_id=citizen.id,
        public_name=citizen.public_name,
        municipality_id=municipality.id if municipality else None,
        municipality=municipality.name if municipality else None,
        role=Role(citizen.role),
        organisation=citizen.organisation,
        email=citizen.email,
        consent_at=citizen.consent_at,
        registered_at=citizen.registered_at,
    )


async def _check_municipality(municipality_id: int) -> None:
    if not await Municipality.exists(id=municipality_id):
        raise InvalidValue("municipality")


async def register(citizen_id: int, *, public_name: str, municipality_id: int, role: Role,
                   organisation: str | None, email: str | None, consent: bool) -> Profile:
    """Complete a citizen's profile; consent is required and recorded with the time."""
    if not consent:
        raise InvalidValue("consent")
    public_name = clean_name(public_name)
    await _check_municipality(municipality_id)
    role = Role(role)
    organisation = clean_organisation(organisation) if role == Role.PROFESSIONAL and organisation else None
    if role == Role.PROFESSIONAL and organisation is None:
        raise InvalidValue("organisation")
    email = clean_email(email) if email else None
    now = datetime.now(UTC)
    updated = await Citizen.filter(id=citizen_id).update(
        public_name=public_name, municipality_id=municipality_id, role=role, organisation=organisation,
        email=email, consent_at=now, registered_at=now,
    )
    if not updated:
        raise NotFound("citizen")
    return await get_profile(citizen_id)


async def change_name(citizen_id: int, public_name: str) -> Profile:
    """Change the public name."""
    await Citizen.filter(id=citizen_id).update(public_name=clean_name(public_name))
    return await get_profile(citizen_id)


async def change_municipality(citizen_id: int, municipality_id: int) -> Profile:
    """Change the municipality."""
    await _check_municipality(municipality_id)
    await Citizen.filter(id=citizen_id).update(municipality_id=municipality_id)
    return await get_profile(citizen_id)


async def change_role(citizen_id: int, role: Role, organisation: str | None = None) -> Profile:
    """Become a resident (organisation forgotten) or a professional of `organisation`."""
    role = Role(role)
    if role == Role.PROFESSIONAL:
        if not organisation:
            raise InvalidValue("organisation")
        organisation = clean_organisation(organisation)
    else:
        organisation = None
    changes: dict[str, object] = {"role": role, "organisation": organisation}
    if role == Role.RESIDENT:
        changes["verified_professional"] = False
    await Citizen.filter(id=citizen_id).update(**changes)
    return await get_profile(citizen_id)


async def change_email(citizen_id: int, email: str | None) -> Profile:
    """Set or (with None) remove the e-mail address."""
    await Citizen.filter(id=citizen_id).update(email=clean_email(email) if email else None)
    return await get_profile(citizen_id)
