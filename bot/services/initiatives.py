"""A citizen's own initiatives: the draft the wizard fills, submitting, editing, withdrawing, listing.

Use cases in the manner of Decidim's proposals: one function per verb; each checks that the
initiative belongs to the citizen (another citizen's id is NotFound, so ids reveal nothing) and
that its status allows the verb (InvalidValue('status') otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from babel import Locale
from babel.numbers import format_currency

from bot.services import audit, limits
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from models.citizen import Citizen
from models.initiative import HelpKind, Initiative, Status
from models.region import Municipality, Theme

TITLE_MIN, TITLE_MAX = 5, 100
DESCRIPTION_MIN, DESCRIPTION_MAX = 30, 2000
AUDIENCE_MIN, AUDIENCE_MAX = 3, 500
REASON_MIN, REASON_MAX = 5, 1000
BUDGET_MAX_EUROS = 10_000_000
HELP_KINDS = tuple(kind.value for kind in HelpKind)
EDITABLE = ("title", "description", "audience", "help_needed", "budget_cents", "photo_file_id",
            "theme_id", "municipality_id")
SUBMITTABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)
CHANGEABLE = (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED)
WITHDRAWABLE = (Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED)


@dataclass(frozen=True)
class ThemeInfo:
    id: int
    slug: str
    name_nl: str
    name_en: str

    def name(self, locale: str) -> str:
        """The theme's name in `locale`."""
        return self.name_en if locale == "en" else self.name_nl


@dataclass(frozen=True)
class InitiativeInfo:
    """An initiative as its initiator sees it."""

    id: int
    title: str
    description: str
    audience: str | None
    help_needed: list[str]
    budget_cents: int | None
    photo_file_id: str | None
    theme: ThemeInfo | None
    municipality_id: int | None
    municipality: str | None
    status: Status
    status_reason: str | None
    hidden: bool
    members_count: int
    followers_count: int
    pending_changes: dict[str, Any] | None
    created_at: datetime
    submitted_at: datetime | None
    published_at: datetime | None

    @property
    def complete(self) -> bool:
        """Whether every required answer is there (title, theme, municipality, description, help)."""
        return bool(self.title and self.theme and self.municipality_id and self.description and self.help_needed)


# --- values ----------------------------------------------------------------------------------------

def _bounded(text: str, low: int, high: int) -> str:
    if len(text) < low:
        raise InvalidValue("too_short", low)
    if len(text) > high:
        raise InvalidValue("too_long", high)
    return text


def clean_title(text: str) -> str:
    """A title: one line (newlines become spaces), 5-100 characters, otherwise exactly as typed."""
    return _bounded(re.sub(r"\s*\n\s*", " ", text.strip()), TITLE_MIN, TITLE_MAX)


def clean_description(text: str) -> str:
    """A description: 30-2000 characters, exactly as typed (outer whitespace removed)."""
    return _bounded(text.strip(), DESCRIPTION_MIN, DESCRIPTION_MAX)


def clean_audience(text: str) -> str:
    """Who it is for: 3-500 characters."""
    return _bounded(text.strip(), AUDIENCE_MIN, AUDIENCE_MAX)


def clean_reason(text: str) -> str:
    """A reason for withdrawing: 5-1000 characters."""
    return _bounded(text.strip(), REASON_MIN, REASON_MAX)


def clean_help(kinds: list[str]) -> list[str]:
    """Kinds of help needed: known values, each once, in the canonical order; at least one."""
    chosen = [kind for kind in HELP_KINDS if kind in set(kinds)]
    if not chosen or len(set(kinds)) != len(chosen):
        raise InvalidValue("help")
    return chosen


_CURRENCY = re.compile(r"€|\beur(?:o|os)?\b", re.IGNORECASE)


def parse_budget(text: str) -> int:
    """An amount in euros, Dutch or English notation, as cents: '€ 2.500' '2500,50' '2,500.50' '2500,-'.

    A single separator followed by exactly three digits groups thousands ('2.500', '2,500');
    followed by one or two it is the decimal separator ('2500,50', '12.5'). With both, the last
    one is the decimal separator. InvalidValue('budget') when unreadable, ('budget_too_high', max).
    """
    value = _CURRENCY.sub("", text.strip())
    value = re.sub(r"[\s\u00a0\u202f']", "", value)
    value = re.sub(r"[.,]-+$", "", value)  # '2500,-'
    if not re.fullmatch(r"\d[\d.,]*\d|\d", value):
        raise InvalidValue("budget")
    thousands: str | None = None
    fraction = ""
    if "." in value and "," in value:
        decimal = "." if value.rfind(".") > value.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        value, fraction = value.rsplit(decimal, 1)
    elif "." in value or "," in value:
        separator = "." if "." in value else ","
        head, tail = value.rsplit(separator, 1)
        if value.count(separator) > 1 or len(tail) == 3:
            thousands = separator
        else:
            value, fraction = head, tail
    if thousands:
        groups = value.split(thousands)
        if not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:]):
            raise InvalidValue("budget")
        value = "".join(groups)
    if not value.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 2:
        raise InvalidValue("budget")
    cents = int(value) * 100 + int(fraction.ljust(2, "0"))
    if cents > BUDGET_MAX_EUROS * 100:
        raise InvalidValue("budget_too_high", BUDGET_MAX_EUROS)
    return cents


def format_budget(cents: int, locale: str) -> str:
    """An amount for people: '€ 2.500' (nl) / '€2,500.50' (en); whole euros without decimals."""
    babel_locale = "nl_NL" if locale == "nl" else "en_GB"
    if cents % 100:
        return format_currency(cents / 100, "EUR", locale=babel_locale)
    pattern = Locale.parse(babel_locale).currency_formats["standard"].pattern.split(";")[0].replace(".00", "")
    return format_currency(cents // 100, "EUR", format=pattern, locale=babel_locale, currency_digits=False)


# --- reading -----------------------------------------------------------------------------------------

def _theme(theme: Theme | None) -> ThemeInfo | None:
    return ThemeInfo(theme.id, theme.slug, theme.name_nl, theme.name_en) if theme else None


def _info(row: Initiative) -> InitiativeInfo:
    return InitiativeInfo(
        id=row.id, title=row.title, description=row.description, audience=row.audience,
        help_needed=list(row.help_needed or []), budget_cents=row.budget_cents, photo_file_id=row.photo_file_id,
        theme=_theme(row.theme), municipality_id=row.municipality_id,
        municipality=row.municipality.name if row.municipality else None,
        status=Status(row.status), status_reason=row.status_reason, hidden=row.hidden,
        members_count=row.members_count, followers_count=row.followers_count,
        pending_changes=row.pending_changes, created_at=row.created_at,
        submitted_at=row.submitted_at, published_at=row.published_at,
    )


async def themes() -> list[ThemeInfo]:
    """Every theme, in the seed file's order."""
    return [_theme(row) for row in await Theme.all().order_by("sort_order", "slug")]  # type: ignore[misc]


async def _own(citizen_id: int, initiative_id: int, action: str = "open") -> Initiative:
    row = await Initiative.filter(id=initiative_id, initiator_id=citizen_id).select_related(
        "theme", "municipality").first()
    if row is None:
        if await Initiative.exists(id=initiative_id):  # someone else's: a forged button, logged for staff
            await audit.refuse_citizen(citizen_id, action, "initiative", initiative_id)
        raise NotFound("initiative")
    return row


async def get(citizen_id: int, initiative_id: int) -> InitiativeInfo:
    """One of the citizen's own initiatives (NotFound for anyone else's)."""
    return _info(await _own(citizen_id, initiative_id))


async def current_draft(citizen_id: int) -> InitiativeInfo | None:
    """The citizen's most recent unfinished draft, if any."""
    row = await Initiative.filter(initiator_id=citizen_id, status=Status.DRAFT).order_by("-updated_at", "-id") \
        .prefetch_related("theme", "municipality").first()
    return _info(row) if row else None


async def list_mine(citizen_id: int) -> list[InitiativeInfo]:
    """The citizen's initiatives, newest first (drafts included)."""
    rows = await Initiative.filter(initiator_id=citizen_id).order_by("-created_at", "-id") \
        .prefetch_related("theme", "municipality")
    return [_info(row) for row in rows]


# --- writing -----------------------------------------------------------------------------------------

async def _check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    checked = dict(fields)
    if "title" in checked:
        checked["title"] = clean_title(checked["title"])
    if "description" in checked:
        checked["description"] = clean_description(checked["description"])
    if checked.get("audience") is not None:
        checked["audience"] = clean_audience(checked["audience"])
    if "help_needed" in checked:
        checked["help_needed"] = clean_help(checked["help_needed"])
    budget = checked.get("budget_cents")
    if budget is not None and not (isinstance(budget, int) and 0 <= budget <= BUDGET_MAX_EUROS * 100):
        raise InvalidValue("budget")
    if checked.get("theme_id") is not None and not await Theme.exists(id=checked["theme_id"]):
        raise InvalidValue("theme")
    if checked.get("municipality_id") is not None and not await Municipality.exists(id=checked["municipality_id"]):
        raise InvalidValue("municipality")
    if checked.get("photo_file_id") is not None and len(checked["photo_file_id"]) > 255:
        raise InvalidValue("photo")
    return checked


async def create_draft(citizen_id: int, title: str, municipality_id: int | None = None) -> int:
    """Start a draft with its title (the wizard's first answer); only registered citizens may."""
    citizen = await Citizen.get_or_none(id=citizen_id)
    if citizen is None:
        raise NotFound("citizen")
    if citizen.registered_at is None or citizen.blocked_by_staff:
        raise NotAllowed("profile")
    fields = await _check_fields({"title": title, "municipality_id": municipality_id})
    row = await Initiative.create(initiator_id=citizen_id, initiator_name=citizen.public_name,
                                  status=Status.DRAFT, **fields)
    return row.id


async def update_draft(citizen_id: int, initiative_id: int, **fields: Any) -> InitiativeInfo:
    """Store wizard answers in a draft (or an initiative sent back with changes requested)."""
    checked = await _check_fields(fields)
    row = await _own(citizen_id, initiative_id, "edit")
    if row.status not in SUBMITTABLE:
        raise InvalidValue("status")
    await Initiative.filter(id=row.id).update(**checked)
    return await get(citizen_id, initiative_id)


async def delete_draft(citizen_id: int, initiative_id: int) -> bool:
    """Throw away a draft that was never submitted; return whether there was one."""
    return await Initiative.filter(id=initiative_id, initiator_id=citizen_id, status=Status.DRAFT).delete() > 0


async def submit_initiative(citizen_id: int, initiative_id: int, publish_immediately: bool,
                            max_per_day: int = 0) -> Status:
    """Submit a complete draft: SUBMITTED (awaiting moderation), or PUBLISHED when moderation is off.

    LimitReached when the citizen submitted `max_per_day` other initiatives in the last 24 hours.
    """
    row = await _own(citizen_id, initiative_id, "submit")
    if row.status not in SUBMITTABLE:
        raise InvalidValue("status")
    if not _info(row).complete:
        raise InvalidValue("incomplete")
    await limits.check_daily_submissions(citizen_id, max_per_day, initiative_id)
    citizen = await Citizen.get(id=citizen_id)
    if citizen.blocked_by_staff:
        raise NotAllowed("blocked")
    now = datetime.now(UTC)
    status = Status.PUBLISHED if publish_immediately else Status.SUBMITTED
    changes: dict[str, Any] = {"status": status, "status_reason": None, "submitted_at": now,
                               "initiator_name": citizen.public_name}
    if status == Status.PUBLISHED:
        changes["published_at"] = row.published_at or now
    # conditional on the status it had: a double tap on "submit" submits once
    if not await Initiative.filter(id=row.id, status=row.status).update(**changes):
        raise InvalidValue("status")
    return status


async def edit_initiative(citizen_id: int, initiative_id: int, publish_immediately: bool,
                          **fields: Any) -> bool:
    """Change fields of a submitted or published initiative; return False when the edit awaits moderation.

    A published initiative keeps its public text until staff approve the edit (kept in
    `pending_changes`), unless new initiatives are published without moderation.
    """
    checked = await _check_fields(fields)
    row = await _own(citizen_id, initiative_id, "edit")
    if row.status not in CHANGEABLE:
        raise InvalidValue("status")
    if row.status != Status.PUBLISHED or publish_immediately:
        await Initiative.filter(id=row.id).update(**checked)
        return True
    pending = dict((row.pending_changes or {}).get("fields", {}))
    pending.update(checked)
    await Initiative.filter(id=row.id).update(
        pending_changes={"fields": pending, "since": datetime.now(UTC).isoformat()})
    return False


async def withdraw(citizen_id: int, initiative_id: int, reason: str) -> InitiativeInfo:
    """Withdraw a submitted or published initiative, with the initiator's reason."""
    text = clean_reason(reason)
    row = await _own(citizen_id, initiative_id, "withdraw")
    if row.status not in WITHDRAWABLE:
        raise InvalidValue("status")
    if not await Initiative.filter(id=row.id, status=row.status).update(
            status=Status.WITHDRAWN, status_reason=text, pending_changes=None):
        raise InvalidValue("status")
    return await get(citizen_id, initiative_id)
