"""The subsidy desk: which subsidy routes fit a citizen's plan, and asking staff for advice.

Matching is a pure function (`match`) over `Route` values, so it can be tested without a
database; `find_routes` loads the routes that are still open and runs it. A route fits when
every criterion is met; a route that fails exactly one criterion is a near miss and says what
is missing (a `Gap`); routes whose deadline has passed are never shown.

Criteria (an empty list on the route means "no restriction"):
theme, municipality (empty = the whole region), applicant type, amount (at least the minimum;
more than the maximum still fits, as partial funding), and time (the route must open before the
money is needed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q

from bot.services.citizens import CitizenInfo
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from models.audit import AuditEntry
from models.citizen import Citizen
from models.initiative import Initiative, Status
from models.region import Municipality, Theme
from models.subsidy import AdviceRequest, SubsidyRoute

MAX_AMOUNT_CENTS = 10_000_000_00  # € 10 million, as for an initiative's budget
MAX_NOTE = 1000
MAX_REPLY = 2000
MAX_OPEN_ADVICE_REQUESTS = 3
DEADLINE_SOON = timedelta(days=14)
NEEDED_WITHIN_MONTHS = (1, 3, 6, 12)


class ApplicantType(StrEnum):
    INDIVIDUAL = "individual"
    INFORMAL_GROUP = "informal_group"
    FOUNDATION = "foundation"
    ASSOCIATION = "association"


class Reason(StrEnum):
    """Why a route fits."""

    THEME = "theme"  # the route is meant for the citizen's theme
    EVERY_THEME = "every_theme"
    MUNICIPALITY = "municipality"  # the route is meant for the citizen's municipality
    REGION_WIDE = "region_wide"
    APPLICANT = "applicant"  # the route is meant for this kind of applicant
    EVERY_APPLICANT = "every_applicant"
    AMOUNT_FITS = "amount_fits"  # the amount needed is within the route's range
    AMOUNT_PARTLY = "amount_partly"  # more is needed than the route's maximum: partial funding
    OPEN_NOW = "open_now"
    OPENS_IN_TIME = "opens_in_time"  # not open yet, but opens before the money is needed


class Missing(StrEnum):
    """The one criterion a near miss fails."""

    THEME = "theme"  # only for other themes (Gap.allowed)
    MUNICIPALITY = "municipality"  # only in other municipalities (Gap.allowed)
    APPLICANT = "applicant"  # only for other applicant types (Gap.allowed)
    MIN_AMOUNT = "min_amount"  # the amount needed is below the minimum (Gap.amount_cents)
    OPENS_TOO_LATE = "opens_too_late"  # opens after the money is needed (Gap.on)


# near misses that are easiest to overcome come first
_GAP_ORDER = [Missing.APPLICANT, Missing.MIN_AMOUNT, Missing.OPENS_TOO_LATE, Missing.THEME, Missing.MUNICIPALITY]
_SCORES = {Reason.THEME: 4, Reason.EVERY_THEME: 1, Reason.MUNICIPALITY: 3, Reason.REGION_WIDE: 1,
           Reason.APPLICANT: 2, Reason.EVERY_APPLICANT: 1, Reason.AMOUNT_FITS: 2, Reason.AMOUNT_PARTLY: 0,
           Reason.OPEN_NOW: 1, Reason.OPENS_IN_TIME: 0}


@dataclass(frozen=True)
class Route:
    """A subsidy route as the desk shows it (a read-only copy of a SubsidyRoute row)."""

    code: str
    name: str
    provider: str
    description_nl: str = ""
    description_en: str = ""
    themes: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    applicant_types: tuple[str, ...] = ()
    min_amount_cents: int | None = None
    max_amount_cents: int | None = None
    opens_on: date | None = None
    deadline: date | None = None
    url: str = ""
    contact: str = ""
    is_example: bool = False

    def description(self, locale: str) -> str:
        """The description in `locale`, falling back to the other language."""
        first, second = (self.description_en, self.description_nl) if locale == "en" else (
            self.description_nl, self.description_en)
        return first or second

    @classmethod
    def of(cls, row: SubsidyRoute) -> Route:
        """The value of a database row."""
        return cls(row.code, row.name, row.provider, row.description_nl, row.description_en,
                   tuple(row.themes or ()), tuple(row.municipalities or ()), tuple(row.applicant_types or ()),
                   row.min_amount_cents, row.max_amount_cents, row.opens_on, row.deadline, row.url,
                   row.contact, row.is_example)


@dataclass(frozen=True)
class Need:
    """What a citizen is looking for. None means "not known": that criterion is not checked."""

    theme: str | None = None  # theme slug
    municipality: str | None = None  # municipality code
    applicant: str | None = None  # an ApplicantType value
    amount_cents: int | None = None
    needed_by: date | None = None


@dataclass(frozen=True)
class Gap:
    """What a near miss lacks."""

    missing: Missing
    allowed: tuple[str, ...] = ()
    amount_cents: int | None = None
    on: date | None = None


@dataclass(frozen=True)
class Fit:
    """A route that fits, with the reasons why (best fits have the highest score)."""

    route: Route
    reasons: tuple[Reason, ...]
    score: int
    deadline_soon: bool = False


@dataclass(frozen=True)
class NearMiss:
    """A route that fails exactly one criterion."""

    route: Route
    gap: Gap
    reasons: tuple[Reason, ...]  # what does fit


@dataclass(frozen=True)
class Matches:
    fits: list[Fit] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)


def _check(route: Route, need: Need, today: date) -> tuple[list[Reason], list[Gap]]:
    """Each criterion of `route` against `need`: the reasons it fits and the gaps."""
    reasons: list[Reason] = []
    gaps: list[Gap] = []
    if not route.themes:
        reasons.append(Reason.EVERY_THEME)
    elif need.theme is None or need.theme in route.themes:
        reasons.append(Reason.THEME)
    else:
        gaps.append(Gap(Missing.THEME, allowed=route.themes))
    if not route.municipalities:
        reasons.append(Reason.REGION_WIDE)
    elif need.municipality is None or need.municipality in route.municipalities:
        reasons.append(Reason.MUNICIPALITY)
    else:
        gaps.append(Gap(Missing.MUNICIPALITY, allowed=route.municipalities))
    if not route.applicant_types:
        reasons.append(Reason.EVERY_APPLICANT)
    elif need.applicant is None or need.applicant in route.applicant_types:
        reasons.append(Reason.APPLICANT)
    else:
        gaps.append(Gap(Missing.APPLICANT, allowed=route.applicant_types))
    if need.amount_cents is not None:
        if route.min_amount_cents is not None and need.amount_cents < route.min_amount_cents:
            gaps.append(Gap(Missing.MIN_AMOUNT, amount_cents=route.min_amount_cents))
        elif route.max_amount_cents is not None and need.amount_cents > route.max_amount_cents:
            reasons.append(Reason.AMOUNT_PARTLY)
        else:
            reasons.append(Reason.AMOUNT_FITS)
    if route.opens_on is None or route.opens_on <= today:
        reasons.append(Reason.OPEN_NOW)
    elif need.needed_by is None or route.opens_on <= need.needed_by:
        reasons.append(Reason.OPENS_IN_TIME)
    else:
        gaps.append(Gap(Missing.OPENS_TOO_LATE, on=route.opens_on))
    return reasons, gaps


def match(routes: list[Route], need: Need, today: date) -> Matches:
    """The routes that fit `need` (best first) and the near misses (easiest to overcome first)."""
    fits: list[Fit] = []
    near: list[NearMiss] = []
    for route in routes:
        if route.deadline is not None and route.deadline < today:
            continue
        reasons, gaps = _check(route, need, today)
        if not gaps:
            soon = route.deadline is not None and route.deadline - today <= DEADLINE_SOON
            fits.append(Fit(route, tuple(reasons), sum(_SCORES[r] for r in reasons), soon))
        elif len(gaps) == 1:
            near.append(NearMiss(route, gaps[0], tuple(reasons)))
    fits.sort(key=lambda fit: (-fit.score, fit.route.deadline or date.max, fit.route.name.lower(), fit.route.code))
    near.sort(key=lambda miss: (_GAP_ORDER.index(miss.gap.missing), -sum(_SCORES[r] for r in miss.reasons),
                                miss.route.name.lower(), miss.route.code))
    return Matches(fits, near)


def needed_by(months: int | None, today: date) -> date | None:
    """The date money is needed by, for "within `months` months" (None or 0: not known)."""
    if not months:
        return None
    return today + timedelta(days=round(months * 30.44))


async def find_routes(need: Need, today: date | None = None) -> Matches:
    """Match `need` against every route whose deadline has not passed."""
    today = today or date.today()
    rows = await SubsidyRoute.filter(Q(deadline__isnull=True) | Q(deadline__gte=today))
    return match([Route.of(row) for row in rows], need, today)


@dataclass(frozen=True)
class Names:
    """Display names of the region's data: themes (slug, Dutch, English) in order, municipalities by code."""

    themes: list[tuple[str, str, str]]
    municipalities: dict[str, str]
    region: str

    def theme(self, slug: str | None, locale: str) -> str | None:
        """A theme's name in `locale` (None for an unknown slug)."""
        for theme_slug, name_nl, name_en in self.themes:
            if theme_slug == slug:
                return name_en if locale == "en" else name_nl
        return None


async def names() -> Names:
    """The names of the themes and municipalities, and the region's name."""
    themes = await Theme.all().order_by("sort_order", "slug").values_list("slug", "name_nl", "name_en")
    municipalities = await Municipality.all().order_by("name").values_list("code", "name", "region")
    return Names([(slug, nl, en) for slug, nl, en in themes], {code: name for code, name, _r in municipalities},
                 municipalities[0][2] if municipalities else "")


def _months(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value in NEEDED_WITHIN_MONTHS else None


async def need_of(answers: dict[str, Any], today: date | None = None) -> Need:
    """The `Need` behind a citizen's answers (theme slug, municipality id, applicant, amount, months)."""
    today = today or date.today()
    municipality = None
    if answers.get("municipality_id"):
        municipality = await Municipality.filter(id=answers["municipality_id"]).first().values_list("code", flat=True)
    applicant = answers.get("applicant")
    return Need(theme=answers.get("theme") or None, municipality=municipality,  # type: ignore[arg-type]
                applicant=applicant if applicant in {kind.value for kind in ApplicantType} else None,
                amount_cents=answers.get("amount_cents"), needed_by=needed_by(_months(answers.get("when")), today))


async def find_for(answers: dict[str, Any], today: date | None = None) -> Matches:
    """The routes for a citizen's answers."""
    today = today or date.today()
    return await find_routes(await need_of(answers, today), today)


async def prefill(citizen_id: int, initiative_id: int | None = None) -> dict[str, Any]:
    """Answers known beforehand: the profile's municipality; the initiative's theme, place and budget.

    The initiative must be the citizen's own or published; otherwise NotFound.
    """
    answers: dict[str, Any] = {}
    citizen = await Citizen.get_or_none(id=citizen_id)
    if citizen is None:
        raise NotFound("citizen")
    if citizen.municipality_id is not None:
        answers["municipality_id"] = citizen.municipality_id
    if initiative_id is None:
        return answers
    initiative = await Initiative.get_or_none(id=initiative_id).prefetch_related("theme")
    visible = initiative is not None and not initiative.hidden and (
        initiative.initiator_id == citizen_id or initiative.status == Status.PUBLISHED)
    if initiative is None or not visible:
        raise NotFound("initiative")
    answers["initiative_id"] = initiative.id
    answers["initiative_title"] = initiative.title
    if initiative.theme is not None:
        answers["theme"] = initiative.theme.slug
    if initiative.municipality_id is not None:
        answers["municipality_id"] = initiative.municipality_id
    if initiative.budget_cents:
        answers["amount_cents"] = initiative.budget_cents
    return answers


@dataclass(frozen=True)
class Advice:
    """A request for advice as staff and the citizen see it."""

    id: int
    citizen_telegram_id: int
    citizen_language: str
    citizen_name: str
    answers: dict[str, Any]
    reply: str | None


async def _advice(request: AdviceRequest) -> Advice:
    citizen = await Citizen.get(id=request.citizen_id)
    return Advice(request.id, citizen.telegram_id, citizen.language, citizen.public_name or citizen.first_name,
                  dict(request.answers or {}), request.reply)


async def request_advice(citizen: CitizenInfo, answers: dict[str, Any], note: str | None = None) -> Advice:
    """Store a citizen's request for funding advice (their answers and an optional note)."""
    if not citizen.registered:
        raise NotAllowed("profile required")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidValue("note_too_long", MAX_NOTE)
    open_requests = await AdviceRequest.filter(citizen_id=citizen.id, reply__isnull=True).count()
    if open_requests >= MAX_OPEN_ADVICE_REQUESTS:
        raise InvalidValue("too_many_open", MAX_OPEN_ADVICE_REQUESTS)
    keys = ("theme", "municipality_id", "applicant", "amount_cents", "when", "initiative_id", "initiative_title",
            "found")
    stored = {key: answers[key] for key in keys if answers.get(key) is not None}
    if note:
        stored["note"] = note
    request = await AdviceRequest.create(citizen_id=citizen.id, answers=stored)
    return await _advice(request)


async def get_advice(actor: CitizenInfo, request_id: int) -> Advice:
    """A request for advice, for staff."""
    if not actor.is_staff:
        raise NotAllowed("staff only")
    request = await AdviceRequest.get_or_none(id=request_id)
    if request is None:
        raise NotFound("advice request")
    return await _advice(request)


async def reply_to_advice(actor: CitizenInfo, request_id: int, text: str) -> Advice:
    """Store staff's reply to a request (the first reply wins); the caller delivers it."""
    if not actor.is_staff:
        raise NotAllowed("staff only")
    text = text.strip()
    if not text:
        raise InvalidValue("empty")
    if len(text) > MAX_REPLY:
        raise InvalidValue("reply_too_long", MAX_REPLY)
    if not await AdviceRequest.exists(id=request_id):
        raise NotFound("advice request")
    updated = await AdviceRequest.filter(id=request_id, reply__isnull=True).update(
        reply=text, replied_at=datetime.now(UTC))
    if not updated:
        raise InvalidValue("already_answered")
    await AuditEntry.create(actor_telegram_id=actor.telegram_id, action="advice.reply",
                            target_type="advice_request", target_id=request_id)
    return await _advice(await AdviceRequest.get(id=request_id))
