"""Matching a citizen's plan to subsidy routes: table-driven, plus the database query around it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.services.subsidies import Gap, Missing, Need, Reason, Route, find_routes, match, needed_by
from models.subsidy import SubsidyRoute

TODAY = date(2026, 5, 15)
ZWOLLE, DEVENTER = "GM0193", "GM0150"
OPEN = Route("open", "Open to all", "Province")  # every theme, the whole region, everyone, any amount
PLAN = Need(theme="nature", municipality=ZWOLLE, applicant="informal_group", amount_cents=150_000,
            needed_by=TODAY + timedelta(days=90))


def route(**changes) -> Route:
    return replace(OPEN, **{"code": "r", "name": "Route", **changes})


# (what it shows, the route, the plan) -> "fit" with reasons / "near" with the gap / None (not shown)
CASES = [
    ("region-wide route for every theme and applicant fits anyone",
     OPEN, PLAN,
     ("fit", {Reason.EVERY_THEME, Reason.REGION_WIDE, Reason.EVERY_APPLICANT, Reason.AMOUNT_FITS, Reason.OPEN_NOW})),
    ("region-wide route fits every municipality",
     route(themes=("nature",)), replace(PLAN, municipality=DEVENTER), ("fit", {Reason.REGION_WIDE, Reason.THEME})),
    ("route for the citizen's own municipality",
     route(municipalities=(DEVENTER, ZWOLLE)), PLAN, ("fit", {Reason.MUNICIPALITY})),
    ("route only in Zwolle for a plan in Deventer is a near miss",
     route(municipalities=(ZWOLLE,)), replace(PLAN, municipality=DEVENTER),
     ("near", Gap(Missing.MUNICIPALITY, allowed=(ZWOLLE,)))),
    ("route for the plan's theme",
     route(themes=("culture", "nature")), PLAN, ("fit", {Reason.THEME})),
    ("route for another theme is a near miss",
     route(themes=("sport", "youth")), PLAN, ("near", Gap(Missing.THEME, allowed=("sport", "youth")))),
    ("theme not known: a themed route still fits",
     route(themes=("sport",)), replace(PLAN, theme=None), ("fit", {Reason.THEME})),
    ("route for this kind of applicant",
     route(applicant_types=("informal_group", "foundation")), PLAN, ("fit", {Reason.APPLICANT})),
    ("only for foundations, an informal group applies: near miss",
     route(applicant_types=("foundation",)), PLAN, ("near", Gap(Missing.APPLICANT, allowed=("foundation",)))),
    ("only for associations, an individual applies: near miss",
     route(applicant_types=("association",)), replace(PLAN, applicant="individual"),
     ("near", Gap(Missing.APPLICANT, allowed=("association",)))),
    ("amount below the minimum is a near miss that names the minimum",
     route(min_amount_cents=500_000), PLAN, ("near", Gap(Missing.MIN_AMOUNT, amount_cents=500_000))),
    ("amount exactly the minimum fits",
     route(min_amount_cents=150_000), PLAN, ("fit", {Reason.AMOUNT_FITS})),
    ("amount exactly the maximum fits",
     route(min_amount_cents=10_000, max_amount_cents=150_000), PLAN, ("fit", {Reason.AMOUNT_FITS})),
    ("more than the maximum still fits, as partial funding",
     route(max_amount_cents=100_000), PLAN, ("fit", {Reason.AMOUNT_PARTLY})),
    ("amount not known: any range fits",
     route(min_amount_cents=500_000, max_amount_cents=900_000), replace(PLAN, amount_cents=None), ("fit", set())),
    ("deadline yesterday: not shown at all",
     route(deadline=TODAY - timedelta(days=1)), PLAN, None),
    ("deadline today: still open",
     route(deadline=TODAY), PLAN, ("fit", {Reason.OPEN_NOW})),
    ("opens before the money is needed: fits",
     route(opens_on=TODAY + timedelta(days=30)), PLAN, ("fit", {Reason.OPENS_IN_TIME})),
    ("opens after the money is needed: near miss with the opening date",
     route(opens_on=TODAY + timedelta(days=200)), PLAN,
     ("near", Gap(Missing.OPENS_TOO_LATE, on=TODAY + timedelta(days=200)))),
    ("opens later and the citizen is in no hurry: fits",
     route(opens_on=TODAY + timedelta(days=200)), replace(PLAN, needed_by=None), ("fit", {Reason.OPENS_IN_TIME})),
    ("two things missing: not shown",
     route(municipalities=(DEVENTER,), applicant_types=("foundation",)), PLAN, None),
    ("expired near miss: not shown",
     route(applicant_types=("foundation",), deadline=TODAY - timedelta(days=1)), PLAN, None),
]


@pytest.mark.parametrize(("what", "subsidy", "need", "expected"), CASES, ids=[case[0] for case in CASES])
def test_matching(what, subsidy, need, expected):
    result = match([subsidy], need, TODAY)
    if expected is None:
        assert result.fits == [] and result.near_misses == [], what
    elif expected[0] == "fit":
        assert len(result.fits) == 1 and result.near_misses == [], what
        assert expected[1] <= set(result.fits[0].reasons), what
    else:
        assert result.fits == [] and len(result.near_misses) == 1, what
        assert result.near_misses[0].gap == expected[1], what


def test_best_fits_first_then_by_deadline():
    general = route(code="general", name="General")
    local = route(code="local", name="Local", municipalities=(ZWOLLE,), themes=("nature",))
    urgent = route(code="urgent", name="Urgent", deadline=TODAY + timedelta(days=3))
    partly = route(code="partly", name="Partly", max_amount_cents=1000)
    result = match([partly, general, urgent, local], PLAN, TODAY)
    assert [fit.route.code for fit in result.fits] == ["local", "urgent", "general", "partly"]
    assert [fit.deadline_soon for fit in result.fits] == [False, True, False, False]


def test_near_misses_easiest_to_overcome_first():
    elsewhere = route(code="elsewhere", municipalities=(DEVENTER,))
    foundations = route(code="foundations", applicant_types=("foundation",))
    bigger = route(code="bigger", min_amount_cents=1_000_000)
    result = match([elsewhere, bigger, foundations], PLAN, TODAY)
    assert [miss.route.code for miss in result.near_misses] == ["foundations", "bigger", "elsewhere"]


def test_needed_by_months():
    assert needed_by(None, TODAY) is None and needed_by(0, TODAY) is None
    assert needed_by(3, TODAY) == TODAY + timedelta(days=91)


async def test_find_routes_reads_the_database_and_leaves_out_expired_routes(database_url):
    common = {"provider": "Province", "themes": [], "municipalities": [], "applicant_types": []}
    await SubsidyRoute.create(code="open", name="Open", **common)
    await SubsidyRoute.create(code="until-today", name="Until today", deadline=TODAY, **common)
    await SubsidyRoute.create(code="expired", name="Expired", deadline=TODAY - timedelta(days=1), **common)
    await SubsidyRoute.create(code="zwolle", name="Zwolle", **{**common, "municipalities": [ZWOLLE]})
    result = await find_routes(replace(PLAN, municipality=DEVENTER), today=TODAY)
    assert sorted(fit.route.code for fit in result.fits) == ["open", "until-today"]
    assert [miss.route.code for miss in result.near_misses] == ["zwolle"]
