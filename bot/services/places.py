"""Municipalities of the region (seed data): listing them, and finding one from what a citizen typed."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from bot.services.errors import NotFound
from models.region import Municipality

CLOSE_ENOUGH = 0.75  # difflib ratio from which a typed name counts as a (mis)spelling of a municipality
CLEAR_LEAD = 0.08  # how far the best guess must be ahead of the next one to be taken without asking


@dataclass(frozen=True)
class Place:
    """A municipality as handlers see it."""

    id: int
    name: str


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation and extra spaces gone: ' Olst–Wijhe ' -> 'olst wijhe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return re.sub(r"[\W_]+", " ", plain).strip()


async def municipalities() -> list[Place]:
    """Every municipality of the region, by name."""
    rows = await Municipality.all().order_by("name").values_list("id", "name")
    return [Place(id_, name) for id_, name in rows]


async def region_name() -> str:
    """The name of the region the municipalities belong to (e.g. 'Overijssel')."""
    region = await Municipality.all().limit(1).values_list("region", flat=True)
    return region[0] if region else ""


async def get_municipality(municipality_id: int) -> Place:
    """One municipality; NotFound for an unknown id."""
    row = await Municipality.get_or_none(id=municipality_id)
    if row is None:
        raise NotFound("municipality")
    return Place(row.id, row.name)


async def find_municipality(typed: str) -> list[Place]:
    """The municipalities a typed name may mean, best first.

    One element: a clear answer (exact, accent- and case-insensitive; the only name that starts with
    or contains the text; or one close misspelling such as 'Enschde'). Several: the citizen should
    choose. None: the place is not a municipality of the region.
    """
    wanted = fold(typed)
    if len(wanted) < 2:
        return []
    places = await municipalities()
    folded = {place.id: fold(place.name) for place in places}
    exact = [place for place in places if folded[place.id] == wanted]
    if exact:
        return exact[:1]
    if len(wanted) >= 3:
        starting = [place for place in places if folded[place.id].startswith(wanted)]
        containing = starting or [place for place in places if wanted in folded[place.id]]
        if containing:
            return containing[:5]
    scored = sorted(
        ((difflib.SequenceMatcher(None, wanted, folded[place.id]).ratio(), place) for place in places),
        key=lambda pair: -pair[0],
    )
    close = [(score, place) for score, place in scored if score >= CLOSE_ENOUGH]
    if len(close) > 1 and close[0][0] - close[1][0] >= CLEAR_LEAD:
        close = close[:1]
    return [place for _score, place in close[:5]]
