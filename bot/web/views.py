"""The web view's HTML pages: thin handlers that call bot/services and render a template."""

from __future__ import annotations

from aiohttp import web

from bot.i18n import _
from bot.services import public, stats
from bot.services.errors import InvalidValue, NotFound
from bot.web import charts
from bot.web.format import ACTIVITY_LABELS, HELP_LABELS, SORT_LABELS, number, short_month
from bot.web.pages import error_response, link, locale_of, render

HOME_LIST_SIZE = 6


def _int(text: str) -> int:
    """A path id; 404 for anything that is not a plain number."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise web.HTTPNotFound()
    return int(text)


async def home(request: web.Request) -> web.Response:
    """What the platform is, headline figures, recent and most-supported initiatives, how to join."""
    return render(request, "home.html", {
        "overview": await stats.overview(),
        "recent": await public.recent(HOME_LIST_SIZE),
        "supported": await public.most_supported(HOME_LIST_SIZE),
    })


async def _list_context(request: web.Request, query: public.ListQuery, route: str, fixed: str = "",
                        **parts: str) -> dict[str, object]:
    """A page of initiatives with the links to its neighbours (`fixed`: a filter that is in the path)."""
    page = await public.list_initiatives(query)

    def address(number: int) -> str:
        params = query.params(page=number)
        params.pop(fixed, None)
        return link(request, route, params, **parts)

    pages = {"first": 1, "previous": query.page - 1, "next": query.page + 1, "last": page.pages}
    links = {name: address(number) for name, number in pages.items() if 1 <= number <= page.pages}
    return {"page": page, "query": query, "page_links": links, "canonical": address(query.page)}


async def initiatives(request: web.Request) -> web.Response:
    """The list: search, filters, sort and pages."""
    try:
        query = public.parse_list_query(request.query)
        context = await _list_context(request, query, "initiatives")
    except InvalidValue as error:
        return error_response(request, 400, f"invalid_{error.code}")
    except NotFound:
        return error_response(request, 404, "page_not_found")
    return render(request, "initiatives.html", {
        **context,
        "themes": await public.themes(),
        "municipalities": await public.municipalities(),
        "help_labels": HELP_LABELS, "activity_labels": ACTIVITY_LABELS, "sort_labels": SORT_LABELS,
    })


async def initiative(request: web.Request) -> web.Response:
    """One initiative: every public field, counts, updates, the Telegram deep link, sharing meta."""
    try:
        detail = await public.get_initiative(_int(request.match_info["id"]))
    except NotFound as error:
        raise web.HTTPNotFound() from error
    return render(request, "initiative.html", {"detail": detail, "item": detail.initiative})


async def themes(request: web.Request) -> web.Response:
    """Every theme with its number of initiatives."""
    return render(request, "themes.html", {"themes": await public.themes()})


async def municipalities(request: web.Request) -> web.Response:
    """Every municipality with its number of initiatives."""
    return render(request, "municipalities.html", {"municipalities": await public.municipalities()})


async def _place_page(request: web.Request, kind: str) -> web.Response:
    slug = request.match_info["slug"]
    try:
        place = await (public.get_theme(slug) if kind == "theme" else public.get_municipality(slug))
        query = public.parse_list_query({"page": request.query.get("page", ""), kind: slug})
        context = await _list_context(request, query, kind, fixed=kind, slug=slug)
    except NotFound as error:
        raise web.HTTPNotFound() from error
    except InvalidValue as error:
        return error_response(request, 400, f"invalid_{error.code}")
    name = place.name(locale_of(request)) if isinstance(place, public.ThemeRef) else place.name
    return render(request, "place.html", {**context, "kind": kind, "place": place, "name": name})


async def theme(request: web.Request) -> web.Response:
    """The initiatives of one theme."""
    return await _place_page(request, "theme")


async def municipality(request: web.Request) -> web.Response:
    """The initiatives of one municipality."""
    return await _place_page(request, "municipality")


async def statistics(request: web.Request) -> web.Response:
    """Support per initiative, theme and municipality, participation, and figures over time."""
    locale = locale_of(request)
    overview = await stats.overview()
    per_theme = await stats.by_theme()
    per_municipality = await stats.by_municipality()
    top = await stats.top_initiatives()
    months = await stats.over_time()
    every = max(1, len(months) // 8)
    no_theme, no_place = _("No theme"), _("No municipality")
    figures = {
        "theme": charts.horizontal_bars("chart-theme", _("Support per theme"), [
            (g.ref.name(locale) if g.ref else no_theme, g.support) for g in per_theme], number),
        "municipality": charts.horizontal_bars("chart-municipality", _("Support per municipality"), [
            (g.ref.name if g.ref else no_place, g.support) for g in per_municipality], number),
        "initiative": charts.horizontal_bars("chart-initiative", _("Initiatives with the most support"), [
            (i.title, i.support) for i in top], number),
        "initiatives_time": charts.vertical_bars("chart-initiatives-time", _("Initiatives published per month"), [
            (short_month(m.month), m.initiatives) for m in months], number, every),
        "participants_time": charts.vertical_bars("chart-participants-time", _("New participants per month"), [
            (short_month(m.month), m.participants) for m in months], number, every),
    }
    return render(request, "statistics.html", {
        "overview": overview, "per_theme": per_theme, "per_municipality": per_municipality, "top": top,
        "months": months, "charts": figures})


async def privacy(request: web.Request) -> web.Response:
    """The privacy statement."""
    return render(request, "privacy.html")


async def accessibility(request: web.Request) -> web.Response:
    """The accessibility statement (toegankelijkheidsverklaring)."""
    return render(request, "accessibility.html")


async def open_data(request: web.Request) -> web.Response:
    """How to reuse the data: feeds, the JSON API and the CSV export."""
    return render(request, "open_data.html", {
        "themes": await public.themes(), "municipalities": await public.municipalities()})
