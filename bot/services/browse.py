"""Finding published initiatives: newest first, filtered by theme and municipality, one card each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from bot.services.errors import NotFound
from models.initiative import Initiative, InitiativeUpdate, Status
from models.region import Municipality, Theme

PAGE_SIZE = 5


@dataclass(frozen=True)
class InitiativeSummary:
    """One line of a list of initiatives."""

    id: int
    title: str
    theme: str | None
    municipality: str | None
    members_count: int
    followers_count: int


@dataclass(frozen=True)
class Page:
    """A page of a list: its items, and where it is in the whole."""

    items: list[InitiativeSummary]
    total: int
    offset: int
    limit: int

    @property
    def has_previous(self) -> bool:
        """Whether there is a page before this one."""
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.offset + self.limit < self.total

    @property
    def number(self) -> int:
        """The 1-based number of this page."""
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""
        return max((self.total + self.limit - 1) // self.limit, 1)


@dataclass(frozen=True)
class Choice:
    """A filter value (a theme or a municipality) with the number of initiatives it has."""

    id: int
    name: str
    count: int


@dataclass(frozen=True)
class InitiativeCard:
    """Everything the card of one initiative shows."""

    id: int
    title: str
    description: str
    audience: str | None
    help_needed: list[str]
    theme: str | None
    municipality: str | None
    initiator_id: int | None
    initiator_name: str | None
    status: Status
    members_count: int
    followers_count: int
    published_at: datetime | None
    latest_update: str | None = None
    latest_update_at: datetime | None = None

    @property
    def published(self) -> bool:
        """Whether others can see, join and follow it."""
        return self.status == Status.PUBLISHED


def _visible() -> QuerySet[Initiative]:
    return Initiative.filter(status=Status.PUBLISHED, hidden=False)


def _theme_name(theme: Theme | None, locale: str) -> str | None:
    return theme.name(locale) if theme is not None else None


async def list_published(locale: str, theme_id: int | None = None, municipality_id: int | None = None,
                         offset: int = 0, limit: int = PAGE_SIZE) -> Page:
    """Published initiatives, newest first, optionally of one theme and/or one municipality."""
    query = _visible()
    if theme_id:
        query = query.filter(theme_id=theme_id)
    if municipality_id:
        query = query.filter(municipality_id=municipality_id)
    total = await query.count()
    offset = min(max(offset, 0), max(total - 1, 0) // limit * limit)
    rows = await (query.order_by("-published_at", "-id").offset(offset).limit(limit)
                  .prefetch_related("theme", "municipality"))
    items = [InitiativeSummary(row.id, row.title, _theme_name(row.theme, locale),
                               row.municipality.name if row.municipality else None,
                               row.members_count, row.followers_count) for row in rows]
    return Page(items, total, offset, limit)


async def theme_choices(locale: str, municipality_id: int | None = None) -> list[Choice]:
    """The themes that have published initiatives (in the municipality, if given), with counts."""
    query = _visible().filter(theme_id__not_isnull=True)
    if municipality_id:
        query = query.filter(municipality_id=municipality_id)
    counts = {row["theme_id"]: row["n"] for row in
              await query.annotate(n=Count("id")).group_by("theme_id").values("theme_id", "n")}
    themes = await Theme.filter(id__in=list(counts)) if counts else []
    return [Choice(theme.id, theme.name(locale), counts[theme.id]) for theme in themes]


async def municipality_choices(theme_id: int | None = None) -> list[Choice]:
    """The municipalities that have published initiatives (of the theme, if given), with counts."""
    query = _visible().filter(municipality_id__not_isnull=True)
    if theme_id:
        query = query.filter(theme_id=theme_id)
    counts = {row["municipality_id"]: row["n"] for row in
              await query.annotate(n=Count("id")).group_by("municipality_id").values("municipality_id", "n")}
    places = await Municipality.filter(id__in=list(counts)) if counts else []
    return [Choice(place.id, place.name, counts[place.id]) for place in places]


async def filter_names(locale: str, theme_id: int | None, municipality_id: int | None) -> tuple[str | None, str | None]:
    """The names of the chosen theme and municipality (None for no filter or an unknown id)."""
    theme = await Theme.get_or_none(id=theme_id) if theme_id else None
    place = await Municipality.get_or_none(id=municipality_id) if municipality_id else None
    return _theme_name(theme, locale), place.name if place else None


async def get_card(initiative_id: int, locale: str, viewer_id: int | None = None) -> InitiativeCard:
    """The card of an initiative: published ones for everyone, any state for its initiator.

    Raises NotFound for an unknown id, and for one that is not published (or hidden) unless the
    viewer is its initiator; drafts are never shown here.
    """
    row = await Initiative.filter(id=initiative_id).select_related("theme", "municipality").first()
    if row is None or row.status == Status.DRAFT:
        raise NotFound("initiative")
    visible = row.status == Status.PUBLISHED and not row.hidden
    if not visible and (viewer_id is None or row.initiator_id != viewer_id):
        raise NotFound("initiative")
    latest = await InitiativeUpdate.filter(initiative_id=initiative_id, hidden=False).order_by("-created_at").first()
    return InitiativeCard(
        id=row.id, title=row.title, description=row.description, audience=row.audience,
        help_needed=list(row.help_needed or []), theme=_theme_name(row.theme, locale),
        municipality=row.municipality.name if row.municipality else None,
        initiator_id=row.initiator_id, initiator_name=row.initiator_name,
        status=Status.HIDDEN if row.hidden else row.status,
        members_count=row.members_count, followers_count=row.followers_count, published_at=row.published_at,
        latest_update=latest.text if latest else None, latest_update_at=latest.created_at if latest else None,
    )
