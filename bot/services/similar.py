"""Published initiatives that resemble a draft (the wizard's "compare" step, as in Decidim).

Texts are compared as sets of words: accents and case folded, Dutch (and common English) stop
words and very short words left out, simple plural/inflection endings removed, and words in the
title counted twice. Compound words are common in Dutch ('buurtmoestuin'), so a long title word
also matches a word that contains it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.services.places import fold
from models.initiative import Initiative, Status

MIN_SCORE = 0.2
MAX_CANDIDATES = 2000  # the most recently published; older ones rarely matter for a new idea

STOP_WORDS = frozenset("""
aan al alle alles als altijd ander andere anders ben bij binnen daar daarom dan dat de der deze die dit doch
doen door dus een eens en er ge geen gehad geweest graag haar had heb hebben heeft hem het hier hij hoe hun
iemand iets ik in is ja je jij jou jouw jullie kan kon kunnen laat maar me meer men met mij mijn moet na
naar niet niets nog nu of om omdat onder ons onze ook op over reeds te tegen toch toen tot u uit uw van
veel voor waar waren was wat we wel werd wezen wie wij wil wilt willen worden wordt zal ze zelf zich zij
zijn zo zodat zonder zou
samen elkaar gaan gaat moeten mensen mee even heel echt zoals waarin waarbij iedereen nieuwe nieuw
a an and are as at be by for from has have in into is it its of on or our that the their this to us
was we were will with you your want would can all together new people
""".split())


@dataclass(frozen=True)
class SimilarInitiative:
    """A published initiative that resembles a draft."""

    id: int
    title: str
    municipality: str | None
    members_count: int
    score: float


def _stem(word: str) -> str:
    """Strip a common Dutch/English ending ('moestuinen' -> 'moestuin', 'gardens' -> 'garden')."""
    for ending in ("en", "es", "s", "e"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def words(text: str) -> set[str]:
    """The meaningful words of a text, folded and stemmed."""
    return {_stem(word) for word in re.findall(r"[a-z0-9]+", fold(text))
            if len(word) >= 3 and word not in STOP_WORDS}


def _matches(word: str, others: set[str]) -> bool:
    if word in others:
        return True
    return len(word) >= 5 and any(len(other) >= 5 and (word in other or other in word) for other in others)


def score(title: str, description: str, other_title: str, other_description: str) -> float:
    """How much two initiatives resemble each other, from 0 (nothing in common) upwards (about 0-1)."""
    title_words, other_title_words = words(title), words(other_title)
    mine = title_words | words(description)
    theirs = other_title_words | words(other_description)
    if not mine or not theirs:
        return 0.0
    shared = len(mine & theirs)
    shared_titles = sum(1 for word in title_words if _matches(word, other_title_words))
    return (shared + 2 * shared_titles) / math.sqrt(len(mine) * len(theirs))


async def similar_initiatives(title: str, description: str, exclude_id: int | None = None,
                              limit: int = 3) -> list[SimilarInitiative]:
    """Up to `limit` published, visible initiatives that resemble this title and description, best first."""
    rows = await Initiative.filter(status=Status.PUBLISHED, hidden=False).exclude(id=exclude_id or 0) \
        .order_by("-published_at").limit(MAX_CANDIDATES) \
        .values_list("id", "title", "description", "municipality__name", "members_count")
    scored = []
    for id_, other_title, other_description, municipality, members in rows:
        value = score(title, description, other_title, other_description)
        if value >= MIN_SCORE:
            scored.append(SimilarInitiative(id_, other_title, municipality, members, round(value, 3)))
    scored.sort(key=lambda item: (-item.score, item.id))
    return scored[:limit]
