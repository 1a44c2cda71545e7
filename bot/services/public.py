"""What the public sees of the platform: published, visible initiatives, their themes and places.

Read-only functions for the web view, the feeds and the open-data API. Only initiatives with
status PUBLISHED that are not hidden appear, and of people only the public name an initiator chose
(never Telegram ids, usernames, e-mail addresses or organisations). Every function makes a fixed
number of queries, however many initiatives there are (lists: filter and sort in SQL, then fetch one
page of rows; counts come from the counters on Initiative).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise import connections

from bot.services import search
from bot.services.errors import InvalidValue, NotFound
from models.initiative import HelpKind, Initiative, InitiativeUpdate, Status
from models.region import Municipality, Theme

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
NEW_DAYS = 30  # "new": published this recently
ACTIVE_DAYS = 90  # "active": posted an update this recently
HELP_ANY = "any"
FEED_SIZE = 50
MAX_ID = 2**31 - 1


class Sort(StrEnum):
    NEWEST = "newest"
    SUPPORT = "support"


class Activity(StrEnum):
    """A public status of a published initiative, derived from its dates."""

    NEW = "new"
    ACTIVE = "active"


@dataclass(frozen=True)
class ThemeRef:
    """A theme as the public sees it."""

    slug: str
    name_nl: str
    name_en: str

    def name(self, locale: str) -> str:
        """The theme's name in `locale`."""
        return self.name_en if locale == "en" else self.name_nl


@dataclass(frozen=True)
class MunicipalityRef:
    """A municipality as the public sees it."""

    slug: str
    name: str
    code: str


@dataclass(frozen=True)
class PlaceCount:
    """A theme or municipality with the number of published initiatives it has."""

    ref: ThemeRef | MunicipalityRef
    initiatives: int


@dataclass(frozen=True)
class PublicInitiative:
    """A published initiative: only what may be shown to anyone."""

    id: int
    title: str
    description: str
    audience: str | None
    help_needed: tuple[str, ...]
    budget_cents: int | None
    theme: ThemeRef | None
    municipality: MunicipalityRef | None
    initiator_name: str | None
    members_count: int
    followers_count: int
    published_at: datetime | None
    updated_at: datetime

    @property
    def support(self) -> int:
        """Support (draagvlak): the people who joined or follow it."""
        return self.members_count + self.followers_count


@dataclass(frozen=True)
class PublicUpdate:
    """News an initiator posted, as shown on the initiative's page."""

    id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class InitiativeDetail:
    """An initiative with its updates timeline (newest first)."""

    initiative: PublicInitiative
    updates: tuple[PublicUpdate, ...]


@dataclass(frozen=True)
class ListQuery:
    """What a list of initiatives asks for; the defaults mean "no filter"."""

    q: str = ""
    theme: str = ""
    municipality: str = ""
    status: str = ""
    help: str = ""
    sort: Sort = Sort.NEWEST
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def terms(self) -> list[str]:
        """The words searched for."""
        return search.terms(self.q)

    @property
    def filtered(self) -> bool:
        """Whether any search or filter is applied."""
        return bool(self.terms or self.theme or self.municipality or self.status or self.help)

    def params(self, **changes: Any) -> dict[str, str]:
        """The query-string parameters of this list (defaults left out, in a fixed order)."""
        query = replace(self, **changes)
        params = {"q": query.q.strip(), "theme": query.theme, "municipality": query.municipality,
                  "status": query.status, "help": query.help}
        result = {key: value for key, value in params.items() if value}
        if query.sort != Sort.NEWEST:
            result["sort"] = query.sort.value
        if query.per_page != PER_PAGE:
            result["per_page"] = str(query.per_page)
        if query.page != 1:
            result["page"] = str(query.page)
        return result


@dataclass(frozen=True)
class Page:
    """One page of a list of initiatives."""

    items: tuple[PublicInitiative, ...]
    total: int
    query: ListQuery

    @property
    def pages(self) -> int:
        """How many pages the whole list has (at least 1)."""
        return max((self.total + self.query.per_page - 1) // self.query.per_page, 1)

    @property
    def first_index(self) -> int:
        """The 1-based position of the first item of this page in the whole list."""
        return (self.query.page - 1) * self.query.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        """The 1-based position of the last item of this page in the whole list."""
        return self.first_index + len(self.items) - 1 if self.items else 0


def _choice(params: Mapping[str, str], name: str, allowed: set[str]) -> str:
    value = (params.get(name) or "").strip()
    if value and value not in allowed:
        raise InvalidValue(name)
    return value


def _positive_int(params: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 9 or not 1 <= int(text) <= maximum:
        raise InvalidValue(name, maximum)
    return int(text)


def _slug(params: Mapping[str, str], name: str) -> str:
    value = (params.get(name) or "").strip().lower()
    if value and (len(value) > 100 or not all(c.isascii() and (c.isalnum() or c == "-") for c in value)):
        raise InvalidValue(name)
    return value


def parse_list_query(params: Mapping[str, str], allow_per_page: bool = False) -> ListQuery:
    """Read a list's search, filters, sort and page from query parameters; InvalidValue(name) if bad.

    An overlong search text is cut to search.MAX_QUERY_LENGTH characters rather than refused.
    `per_page` is read only when allowed (the API); web pages show PER_PAGE items.
    """
    sort = _choice(params, "sort", {s.value for s in Sort}) or Sort.NEWEST.value
    return ListQuery(
        q=" ".join((params.get("q") or "")[:search.MAX_QUERY_LENGTH].split()),
        theme=_slug(params, "theme"),
        municipality=_slug(params, "municipality"),
        status=_choice(params, "status", {a.value for a in Activity}),
        help=_choice(params, "help", {h.value for h in HelpKind} | {HELP_ANY}),
        sort=Sort(sort),
        page=_positive_int(params, "page", 1, MAX_PAGE),
        per_page=_positive_int(params, "per_page", PER_PAGE, MAX_PER_PAGE) if allow_per_page else PER_PAGE,
    )


class RawQuery:
    """Placeholders and values of one raw query, in the dialect of the connection."""

    def __init__(self) -> None:
        self.connection = connections.get("default")
        self.postgres = self.connection.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        """Add a value; return its placeholder."""
        if isinstance(value, datetime) and not self.postgres:
            value = value.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else "?"

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        """Run the query with the values collected so far."""
        return await self.connection.execute_query_dict(sql, self.values)


def visible_sql(sql: RawQuery, alias: str = "i") -> str:
    return f"{alias}.status = {sql(Status.PUBLISHED.value)} AND {alias}.hidden = {sql(False)}"


def _as_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return tuple(str(v) for v in value or ())


def _theme(theme: Theme | None) -> ThemeRef | None:
    return ThemeRef(theme.slug, theme.name_nl, theme.name_en) if theme else None


def _municipality(municipality: Municipality | None) -> MunicipalityRef | None:
    return MunicipalityRef(municipality.slug, municipality.name, municipality.code) if municipality else None


def _public(initiative: Initiative) -> PublicInitiative:
    return PublicInitiative(
        id=initiative.id,
        title=initiative.title,
        description=initiative.description,
        audience=initiative.audience,
        help_needed=_as_list(initiative.help_needed),
        budget_cents=initiative.budget_cents,
        theme=_theme(initiative.theme),
        municipality=_municipality(initiative.municipality),
        initiator_name=initiative.initiator_name,
        members_count=initiative.members_count,
        followers_count=initiative.followers_count,
        published_at=initiative.published_at,
        updated_at=initiative.updated_at,
    )


async def _fetch(ids: list[int]) -> tuple[PublicInitiative, ...]:
    """The initiatives with these ids, in this order (one query)."""
    if not ids:
        return ()
    rows = await Initiative.filter(id__in=ids).select_related("theme", "municipality")
    by_id = {row.id: _public(row) for row in rows}
    return tuple(by_id[i] for i in ids if i in by_id)


async def _slug_id(model: type[Theme] | type[Municipality], slug: str, code: str) -> int | None:
    if not slug:
        return None
    found = await model.filter(slug=slug).values_list("id", flat=True)
    if not found:
        raise InvalidValue(code)
    return int(found[0])


def _conditions(sql: RawQuery, query: ListQuery, theme_id: int | None, municipality_id: int | None,
                now: datetime) -> list[str]:
    where = [visible_sql(sql)]
    if theme_id is not None:
        where.append(f"i.theme_id = {sql(theme_id)}")
    if municipality_id is not None:
        where.append(f"i.municipality_id = {sql(municipality_id)}")
    if query.status == Activity.NEW:
        where.append(f"i.published_at >= {sql(now - timedelta(days=NEW_DAYS))}")
    elif query.status == Activity.ACTIVE:
        where.append("EXISTS (SELECT 1 FROM initiative_update u WHERE u.initiative_id = i.id "
                     f"AND u.hidden = {sql(False)} AND u.created_at >= {sql(now - timedelta(days=ACTIVE_DAYS))})")
    if query.help == HELP_ANY:
        where.append("jsonb_array_length(i.help_needed) > 0" if sql.postgres else "i.help_needed NOT IN ('[]', '')")
    elif query.help:
        if sql.postgres:
            where.append(f"i.help_needed @> {sql(json.dumps([query.help]))}::jsonb")
        else:
            where.append(f"i.help_needed LIKE {sql('%' + json.dumps(query.help) + '%')}")
    words = query.terms
    if words:
        if sql.postgres:
            where.append(search.postgres_condition("i", [sql(t) for t in search.postgres_prefixes(words)]))
        else:
            where.append(search.sqlite_condition("i.id", sql(search.sqlite_match(words))))
    return where


def _order(query: ListQuery) -> str:
    if query.sort == Sort.SUPPORT:
        return "(i.members_count + i.followers_count) DESC, i.published_at DESC NULLS LAST, i.id DESC"
    return "i.published_at DESC NULLS LAST, i.id DESC"


async def list_initiatives(query: ListQuery, now: datetime | None = None) -> Page:
    """One page of the published initiatives matching `query`.

    Raises InvalidValue("theme" | "municipality") for an unknown slug, NotFound for a page past the end.
    """
    now = now or datetime.now(UTC)
    theme_id = await _slug_id(Theme, query.theme, "theme")
    municipality_id = await _slug_id(Municipality, query.municipality, "municipality")
    sql = RawQuery()
    where = " AND ".join(_conditions(sql, query, theme_id, municipality_id, now))
    counted = await sql.rows(f"SELECT COUNT(*) AS n FROM initiative i WHERE {where}")
    total = int(counted[0]["n"])
    page = Page((), total, query)
    if query.page > page.pages:
        raise NotFound("page")
    offset = (query.page - 1) * query.per_page
    rows = await sql.rows(f"SELECT i.id FROM initiative i WHERE {where} ORDER BY {_order(query)} "
                          f"LIMIT {sql(query.per_page)} OFFSET {sql(offset)}")
    return Page(await _fetch([int(row["id"]) for row in rows]), total, query)


async def all_initiatives(query: ListQuery) -> list[PublicInitiative]:
    """Every published initiative matching `query`'s search and filters (for the CSV export)."""
    theme_id = await _slug_id(Theme, query.theme, "theme")
    municipality_id = await _slug_id(Municipality, query.municipality, "municipality")
    sql = RawQuery()
    where = " AND ".join(_conditions(sql, query, theme_id, municipality_id, datetime.now(UTC)))
    rows = await sql.rows(f"SELECT i.id FROM initiative i WHERE {where} ORDER BY i.id")
    ids = [int(row["id"]) for row in rows]
    result: list[PublicInitiative] = []
    for start in range(0, len(ids), 1000):  # bounded IN lists
        result.extend(await _fetch(ids[start:start + 1000]))
    return result


async def get_initiative(initiative_id: int) -> InitiativeDetail:
    """A published initiative with its visible updates; NotFound if there is none to show."""
    if not 1 <= initiative_id <= MAX_ID:
        raise NotFound("initiative")
    initiative = await Initiative.filter(
        id=initiative_id, status=Status.PUBLISHED, hidden=False).select_related("theme", "municipality").first()
    if initiative is None:
        raise NotFound("initiative")
    updates = await InitiativeUpdate.filter(initiative_id=initiative_id, hidden=False).order_by(
        "-created_at", "-id").limit(100).values("id", "text", "created_at")
    return InitiativeDetail(_public(initiative), tuple(PublicUpdate(**u) for u in updates))


async def themes() -> list[PlaceCount]:
    """Every theme, in its order, with the number of published initiatives."""
    sql = RawQuery()
    rows = await sql.rows(
        "SELECT t.slug, t.name_nl, t.name_en, COUNT(i.id) AS n FROM theme t "
        f"LEFT JOIN initiative i ON i.theme_id = t.id AND {visible_sql(sql)} "
        "GROUP BY t.id, t.slug, t.name_nl, t.name_en, t.sort_order ORDER BY t.sort_order, t.slug")
    return [PlaceCount(ThemeRef(r["slug"], r["name_nl"], r["name_en"]), int(r["n"])) for r in rows]


async def municipalities() -> list[PlaceCount]:
    """Every municipality, by name, with the number of published initiatives."""
    sql = RawQuery()
    rows = await sql.rows(
        "SELECT m.slug, m.name, m.code, COUNT(i.id) AS n FROM municipality m "
        f"LEFT JOIN initiative i ON i.municipality_id = m.id AND {visible_sql(sql)} "
        "GROUP BY m.id, m.slug, m.name, m.code ORDER BY m.name")
    return [PlaceCount(MunicipalityRef(r["slug"], r["name"], r["code"]), int(r["n"])) for r in rows]


async def get_theme(slug: str) -> ThemeRef:
    """A theme by its slug; NotFound if unknown."""
    theme = await Theme.get_or_none(slug=slug[:50])
    if theme is None:
        raise NotFound("theme")
    return ThemeRef(theme.slug, theme.name_nl, theme.name_en)


async def get_municipality(slug: str) -> MunicipalityRef:
    """A municipality by its slug; NotFound if unknown."""
    municipality = await Municipality.get_or_none(slug=slug[:100])
    if municipality is None:
        raise NotFound("municipality")
    return MunicipalityRef(municipality.slug, municipality.name, municipality.code)


async def recent(limit: int = 6) -> tuple[PublicInitiative, ...]:
    """The most recently published initiatives."""
    return (await list_initiatives(ListQuery(per_page=limit))).items


async def most_supported(limit: int = 6) -> tuple[PublicInitiative, ...]:
    """The initiatives with the most support."""
    return (await list_initiatives(ListQuery(sort=Sort.SUPPORT, per_page=limit))).items


async def feed(theme: str = "", municipality: str = "", limit: int = FEED_SIZE) -> tuple[PublicInitiative, ...]:
    """The newest published initiatives for a feed (all, of a theme, or of a municipality)."""
    return (await list_initiatives(ListQuery(theme=theme, municipality=municipality, per_page=limit))).items
