"""Support and participation figures for the statistics page and the open-data API.

Support (draagvlak) of an initiative is the number of people who joined or follow it (the counters
on Initiative). The participation rate is the share of registered participants who contributed
something: submitted an initiative, posted an update, joined an initiative (with or without an
offer of help) or offered coaching. Every figure is an aggregate computed by the database, so the
number of queries does not grow with the number of initiatives or people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services.public import (
    ListQuery,
    MunicipalityRef,
    PublicInitiative,
    RawQuery,
    Sort,
    ThemeRef,
    list_initiatives,
    visible_sql,
)
from models.initiative import MembershipKind, Status

MONTHS_SHOWN = 24  # at most
MIN_MONTHS_SHOWN = 6


@dataclass(frozen=True)
class Overview:
    """The headline figures."""

    initiatives: int
    members: int
    followers: int
    participants: int
    contributors: int

    @property
    def support(self) -> int:
        """Joins and follows of published initiatives together."""
        return self.members + self.followers

    @property
    def participation_rate(self) -> float:
        """Share (0..1) of registered participants who contributed something."""
        return self.contributors / self.participants if self.participants else 0.0


@dataclass(frozen=True)
class GroupSupport:
    """Support of the initiatives of one theme or municipality."""

    ref: ThemeRef | MunicipalityRef | None
    initiatives: int
    members: int
    followers: int

    @property
    def support(self) -> int:
        """Joins and follows together."""
        return self.members + self.followers


@dataclass(frozen=True)
class Month:
    """One month of the figures over time: new in that month and the running total at its end."""

    month: date
    initiatives: int
    participants: int
    initiatives_total: int
    participants_total: int


async def overview() -> Overview:
    """Published initiatives, their support, participants and contributors (two queries)."""
    sql = RawQuery()
    rows = await sql.rows(
        "SELECT COUNT(*) AS n, COALESCE(SUM(i.members_count), 0) AS members, "
        f"COALESCE(SUM(i.followers_count), 0) AS followers FROM initiative i WHERE {visible_sql(sql)}")
    people = RawQuery()
    counted = await people.rows(
        "SELECT COUNT(*) AS participants, COALESCE(SUM(CASE WHEN c.id IN ("
        f"SELECT initiator_id FROM initiative WHERE status <> {people(Status.DRAFT.value)} "
        "UNION SELECT author_id FROM initiative_update "
        f"UNION SELECT citizen_id FROM membership WHERE kind = {people(MembershipKind.JOIN.value)} "
        "UNION SELECT professional_id FROM coaching_offer"
        ") THEN 1 ELSE 0 END), 0) AS contributors FROM citizen c WHERE c.registered_at IS NOT NULL")
    return Overview(int(rows[0]["n"]), int(rows[0]["members"]), int(rows[0]["followers"]),
                    int(counted[0]["participants"]), int(counted[0]["contributors"]))


async def by_theme() -> list[GroupSupport]:
    """Initiatives and support per theme, every theme in its order, then those without a theme."""
    sql = RawQuery()
    rows = await sql.rows(
        "SELECT t.slug, t.name_nl, t.name_en, COUNT(i.id) AS n, COALESCE(SUM(i.members_count), 0) AS members, "
        "COALESCE(SUM(i.followers_count), 0) AS followers FROM initiative i "
        f"LEFT JOIN theme t ON t.id = i.theme_id WHERE {visible_sql(sql)} "
        "GROUP BY t.slug, t.name_nl, t.name_en, t.sort_order ORDER BY t.sort_order, t.slug")
    return [GroupSupport(ThemeRef(r["slug"], r["name_nl"], r["name_en"]) if r["slug"] else None,
                         int(r["n"]), int(r["members"]), int(r["followers"])) for r in rows]


async def by_municipality() -> list[GroupSupport]:
    """Initiatives and support per municipality that has any, by support (most first), then name."""
    sql = RawQuery()
    rows = await sql.rows(
        "SELECT m.slug, m.name, m.code, COUNT(i.id) AS n, COALESCE(SUM(i.members_count), 0) AS members, "
        "COALESCE(SUM(i.followers_count), 0) AS followers FROM initiative i "
        f"LEFT JOIN municipality m ON m.id = i.municipality_id WHERE {visible_sql(sql)} "
        "GROUP BY m.slug, m.name, m.code "
        "ORDER BY COALESCE(SUM(i.members_count), 0) + COALESCE(SUM(i.followers_count), 0) DESC, m.name")
    return [GroupSupport(MunicipalityRef(r["slug"], r["name"], r["code"]) if r["slug"] else None,
                         int(r["n"]), int(r["members"]), int(r["followers"])) for r in rows]


async def top_initiatives(limit: int = 10) -> tuple[PublicInitiative, ...]:
    """The initiatives with the most support."""
    return (await list_initiatives(ListQuery(sort=Sort.SUPPORT, per_page=limit))).items


def _month_expression(column: str, postgres: bool) -> str:
    if postgres:
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"
    return f"substr({column}, 1, 7)"  # stored as ISO text in UTC


async def over_time(months: int = MONTHS_SHOWN, today: date | None = None) -> list[Month]:
    """Initiatives published and participants registered per month, from the first month with any
    (at least MIN_MONTHS_SHOWN, at most `months` months back) until this month."""
    today = today or date.today()
    sql = RawQuery()
    published = await sql.rows(
        f"SELECT {_month_expression('i.published_at', sql.postgres)} AS month, COUNT(*) AS n FROM initiative i "
        f"WHERE {visible_sql(sql)} AND i.published_at IS NOT NULL GROUP BY 1")
    people = RawQuery()
    registered = await people.rows(
        f"SELECT {_month_expression('c.registered_at', people.postgres)} AS month, COUNT(*) AS n FROM citizen c "
        "WHERE c.registered_at IS NOT NULL GROUP BY 1")
    new_initiatives = {row["month"]: int(row["n"]) for row in published}
    new_participants = {row["month"]: int(row["n"]) for row in registered}
    current = today.strftime("%Y-%m")
    earliest = min([m for m in (*new_initiatives, *new_participants) if m and m <= current], default=current)
    span = (today.year - int(earliest[:4])) * 12 + today.month - int(earliest[5:7]) + 1
    shown = _last_months(today, max(MIN_MONTHS_SHOWN, min(months, span)))
    first = shown[0].strftime("%Y-%m")
    initiatives_total = sum(n for month, n in new_initiatives.items() if month < first)
    participants_total = sum(n for month, n in new_participants.items() if month < first)
    result = []
    for month in shown:
        key = month.strftime("%Y-%m")
        initiatives_total += new_initiatives.get(key, 0)
        participants_total += new_participants.get(key, 0)
        result.append(Month(month, new_initiatives.get(key, 0), new_participants.get(key, 0),
                            initiatives_total, participants_total))
    return result


def _last_months(today: date, count: int) -> list[date]:
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
