"""The subsidy desk's texts: answers, route cards, reasons and what a near miss lacks (no I/O here)."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from babel.dates import format_date

from bot.i18n import N_, _, ngettext
from bot.replies import clip, esc
from bot.services.initiatives import format_budget
from bot.services.subsidies import ApplicantType, Fit, Gap, Matches, Missing, Names, NearMiss, Reason, Route

START = "sub:start"  # the desk's entry: the menu button, "new search", "search again"
FITS_PER_PAGE = 5
NEAR_MISSES_SHOWN = 3
APPLICANT_BUTTONS = {
    ApplicantType.INDIVIDUAL: N_("👤 Me, as a resident"),
    ApplicantType.INFORMAL_GROUP: N_("👥 An informal group"),
    ApplicantType.FOUNDATION: N_("🏛 A foundation"),
    ApplicantType.ASSOCIATION: N_("🤝 An association"),
}
APPLICANT_ONE = {
    ApplicantType.INDIVIDUAL: N_("a resident"),
    ApplicantType.INFORMAL_GROUP: N_("an informal group"),
    ApplicantType.FOUNDATION: N_("a foundation"),
    ApplicantType.ASSOCIATION: N_("an association"),
}
APPLICANT_MANY = {
    ApplicantType.INDIVIDUAL: N_("residents"),
    ApplicantType.INFORMAL_GROUP: N_("informal groups"),
    ApplicantType.FOUNDATION: N_("foundations"),
    ApplicantType.ASSOCIATION: N_("associations"),
}
WHEN_BUTTONS = {
    1: N_("Within a month"),
    3: N_("Within 3 months"),
    6: N_("Within 6 months"),
    12: N_("Within a year"),
    0: N_("Not sure yet"),
}


def money(cents: int, locale: str) -> str:
    """'€ 2.500' (nl) / '€2,500' (en)."""
    return format_budget(cents, locale)


def day(value: date, locale: str) -> str:
    """'1 maart 2027' / '1 March 2027'."""
    return format_date(value, "d MMMM y", locale="nl_NL" if locale == "nl" else "en_GB")


def listing(items: list[str], limit: int = 4) -> str:
    """'a', 'a and b', 'a, b and c'; after `limit` items: 'a, b, c, d and 3 more'."""
    if len(items) > limit:
        return _("{items} and {count} more", items=", ".join(items[:limit]), count=len(items) - limit)
    if len(items) <= 1:
        return "".join(items)
    return _("{items} and {last}", items=", ".join(items[:-1]), last=items[-1])


def _applicants(kinds: tuple[str, ...] | list[str]) -> str:
    return listing([_(APPLICANT_MANY[ApplicantType(kind)]) for kind in kinds if kind in APPLICANT_MANY])


def answers_text(answers: dict[str, Any], names: Names, municipality: str | None, locale: str) -> str:
    """The citizen's answers, one per line (for the results header and for staff)."""
    theme = names.theme(answers.get("theme"), locale) or _("any theme")
    applicant = answers.get("applicant")
    amount = answers.get("amount_cents")
    lines = [
        _("Theme: {theme}", theme=esc(theme)),
        _("Municipality: {municipality}", municipality=esc(municipality or "—")),
        _("Who applies: {who}", who=_(APPLICANT_ONE[ApplicantType(applicant)]) if applicant in APPLICANT_ONE else "—"),
        _("Amount needed: {amount}", amount=money(amount, locale) if amount else _("not known yet")),
        _("Needed: {when}", when=_(WHEN_BUTTONS.get(answers.get("when") or 0, WHEN_BUTTONS[0])).lower()),
    ]
    if answers.get("initiative_title"):
        lines.insert(0, _("Initiative: {title}", title=clip(answers["initiative_title"], 100)))
    return "\n".join(lines)


def amount_range(route: Route, locale: str) -> str:
    """The amounts a route gives."""
    low, high = route.min_amount_cents, route.max_amount_cents
    if low is not None and high is not None:
        return _("{low} to {high}", low=money(low, locale), high=money(high, locale))
    if low is not None:
        return _("from {low}", low=money(low, locale))
    if high is not None:
        return _("up to {high}", high=money(high, locale))
    return _("amount on request")


def period(route: Route, locale: str) -> str:
    """When one can apply."""
    if route.opens_on and route.deadline:
        return _("apply from {start} until {end}", start=day(route.opens_on, locale), end=day(route.deadline, locale))
    if route.deadline:
        return _("apply until {end}", end=day(route.deadline, locale))
    if route.opens_on and route.opens_on > date.today():
        return _("open from {start}", start=day(route.opens_on, locale))
    return _("open all year")


def reason_text(reason: Reason, route: Route, answers: dict[str, Any], names: Names,
                municipality: str | None, locale: str) -> str | None:
    """Why a route fits, in a few words (None: not worth saying)."""
    amount = answers.get("amount_cents")
    theme = names.theme(answers.get("theme"), locale)
    texts = {
        Reason.THEME: _("for {theme}", theme=esc(theme)) if theme else None,
        Reason.EVERY_THEME: _("for every theme"),
        Reason.MUNICIPALITY: _("for {municipality}", municipality=esc(municipality)) if municipality else None,
        Reason.REGION_WIDE: _("for all of {region}", region=esc(names.region)) if names.region else None,
        Reason.APPLICANT: _("for {who}", who=_applicants(route.applicant_types)),
        Reason.EVERY_APPLICANT: _("anyone may apply"),
        Reason.AMOUNT_FITS: _("{amount} is within its range", amount=money(amount, locale)) if amount else None,
        Reason.AMOUNT_PARTLY: _("covers part of your {amount}", amount=money(amount, locale)) if amount else None,
        Reason.OPEN_NOW: _("open now"),
        Reason.OPENS_IN_TIME: _("opens in time ({start})", start=day(route.opens_on, locale))
        if route.opens_on else None,
    }
    return texts.get(reason)


def gap_text(gap: Gap, names: Names, locale: str) -> str:
    """What a near miss lacks: 'only for foundations', 'minimum amount € 5.000', 'only in Zwolle'."""
    if gap.missing == Missing.APPLICANT:
        return _("only for {who}", who=_applicants(gap.allowed))
    if gap.missing == Missing.MIN_AMOUNT:
        return _("minimum amount {amount}", amount=money(gap.amount_cents or 0, locale))
    if gap.missing == Missing.MUNICIPALITY:
        places = [esc(names.municipalities.get(code, code)) for code in gap.allowed]
        return _("only in {places}", places=listing(places))
    if gap.missing == Missing.THEME:
        return _("only for {themes}", themes=listing([esc(names.theme(slug, locale) or slug) for slug in gap.allowed]))
    return _("opens only on {start}, later than you need the money", start=day(gap.on or date.max, locale))


def _link(route: Route) -> str:
    if not route.url:
        return ""
    return f'<a href="{html.escape(route.url, quote=True)}">' + _("More information") + "</a>"


def fit_card(number: int, fit: Fit, answers: dict[str, Any], names: Names, municipality: str | None,
             locale: str) -> str:
    """One route that fits: name, provider, why, amounts, period, description, link."""
    route = fit.route
    head = f"<b>{number}. {clip(route.name, 120)}</b> — {clip(route.provider, 100)}"
    if route.is_example:
        head += " <i>(" + _("example") + ")</i>"
    why = [text for reason in fit.reasons if (text := reason_text(reason, route, answers, names, municipality, locale))]
    lines = [head, "✅ " + "; ".join(why), "💶 " + amount_range(route, locale), "📅 " + period(route, locale)]
    if fit.deadline_soon:
        lines[-1] += " — ⏰ " + _("apply soon!")
    description = route.description(locale)
    if description:
        lines.append(clip(description, 250))
    contact = [text for text in (_link(route), clip(route.contact, 100) if route.contact else "") if text]
    if contact:
        lines.append("🔗 " + " · ".join(contact))
    return "\n".join(lines)


def near_miss_line(miss: NearMiss, names: Names, locale: str) -> str:
    """A route that nearly fits, with what is missing."""
    route = miss.route
    line = f"• <b>{clip(route.name, 120)}</b> ({clip(route.provider, 100)})"
    if route.is_example:
        line += " <i>(" + _("example") + ")</i>"
    line += " — " + gap_text(miss.gap, names, locale)
    link = _link(route)
    return line + (" · " + link if link else "")


def results_text(matches: Matches, answers: dict[str, Any], names: Names, municipality: str | None,
                 locale: str, page: int = 0) -> str:
    """The answer of the desk: the routes that fit (a page of them) and the near misses."""
    title = _("Subsidy routes for your plan")
    parts = [f"<b>{title}</b>", answers_text(answers, names, municipality, locale)]
    shown = matches.fits[page * FITS_PER_PAGE: (page + 1) * FITS_PER_PAGE]
    if matches.fits:
        parts.append(ngettext("{n} route fits:", "{n} routes fit, best first:", len(matches.fits)))
        parts += [fit_card(page * FITS_PER_PAGE + n + 1, fit, answers, names, municipality, locale)
                  for n, fit in enumerate(shown)]
    else:
        parts.append("😕 " + _("I found no subsidy route that fits your plan right now."))
    if page == 0 and matches.near_misses:
        lines = [near_miss_line(miss, names, locale) for miss in matches.near_misses[:NEAR_MISSES_SHOWN]]
        parts.append("<b>" + _("Nearly fits:") + "</b>\n" + "\n".join(lines))
    if not matches.fits:
        parts.append(_("The province's staff know more ways to fund an initiative and gladly advise you. "
                       "Shall I ask them for you?"))
    return "\n\n".join(parts)

