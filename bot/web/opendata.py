"""Open data: the JSON API (described by /api/openapi.json), the CSV export and the Atom feeds.

Everything here is public: published, visible initiatives and aggregate figures, with the public
name an initiator chose and nothing else about people. Answers allow any origin (CORS), so the data
can be reused by other sites.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.i18n import _
from bot.services import public, stats
from bot.services.errors import InvalidValue, NotFound
from bot.web.app import SETTINGS
from bot.web.openapi import openapi_document
from bot.web.pages import TEMPLATES, absolute, error_response, link, locale_of

OPEN = {"Access-Control-Allow-Origin": "*"}
CSV_FIELDS = ["id", "title", "description", "audience", "theme", "municipality", "municipality_code",
              "help_needed", "budget_eur", "initiator_name", "members_count", "followers_count", "support",
              "published_at", "url"]


def _theme(theme: public.ThemeRef | None) -> dict[str, str] | None:
    return {"slug": theme.slug, "name_nl": theme.name_nl, "name_en": theme.name_en} if theme else None


def _municipality(place: public.MunicipalityRef | None) -> dict[str, str] | None:
    return {"slug": place.slug, "name": place.name, "code": place.code} if place else None


def initiative_json(request: web.Request, item: public.PublicInitiative) -> dict[str, Any]:
    """The open-data form of an initiative."""
    settings = request.config_dict[SETTINGS]
    return {
        "id": item.id,
        "title": item.title,
        "description": item.description,
        "audience": item.audience,
        "theme": _theme(item.theme),
        "municipality": _municipality(item.municipality),
        "help_needed": list(item.help_needed),
        "budget_eur": item.budget_cents / 100 if item.budget_cents is not None else None,
        "initiator_name": item.initiator_name,
        "members_count": item.members_count,
        "followers_count": item.followers_count,
        "support": item.support,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "url": absolute(request, f"/initiatieven/{item.id}"),
        "telegram_url": f"https://t.me/{settings.bot_username}?start=initiative-{item.id}",
    }


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers=OPEN)


def _api_error(status: int, code: str, parameter: str | None = None) -> web.Response:
    body = {"error": code} if parameter is None else {"error": code, "parameter": parameter}
    return _json(body, status)


async def api_openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document describing this API."""
    return _json(openapi_document(absolute(request, "")))


async def api_initiatives(request: web.Request) -> web.Response:
    """Published initiatives, searched, filtered, sorted and paged like the list page."""
    try:
        query = public.parse_list_query(request.query, allow_per_page=True)
        page = await public.list_initiatives(query)
    except InvalidValue as error:
        return _api_error(400, "invalid_parameter", error.code)
    except NotFound:
        return _api_error(404, "page_not_found", "page")

    def page_url(number: int) -> str | None:
        if not 1 <= number <= page.pages:
            return None
        return absolute(request, link(request, "api_initiatives", query.params(page=number)))

    return _json({
        "items": [initiative_json(request, item) for item in page.items],
        "total": page.total, "page": query.page, "per_page": query.per_page, "pages": page.pages,
        "links": {"self": page_url(query.page), "previous": page_url(query.page - 1),
                  "next": page_url(query.page + 1)},
    })


async def api_initiative(request: web.Request) -> web.Response:
    """One published initiative with its updates."""
    text = request.match_info["id"]
    try:
        detail = await public.get_initiative(int(text) if text.isascii() and text.isdigit() and len(text) < 11 else 0)
    except NotFound:
        return _api_error(404, "not_found")
    return _json({**initiative_json(request, detail.initiative), "updates": [
        {"id": u.id, "text": u.text, "created_at": u.created_at.isoformat()} for u in detail.updates]})


async def api_themes(request: web.Request) -> web.Response:
    """Every theme with its number of published initiatives."""
    return _json([{**_theme(t.ref), "initiatives": t.initiatives} for t in await public.themes()])


async def api_municipalities(request: web.Request) -> web.Response:
    """Every municipality with its number of published initiatives."""
    return _json([{**_municipality(m.ref), "initiatives": m.initiatives}
                  for m in await public.municipalities()])


def _group_json(group: stats.GroupSupport, kind: str) -> dict[str, Any]:
    ref = _theme(group.ref) if kind == "theme" else _municipality(group.ref)
    return {kind: ref, "initiatives": group.initiatives, "members": group.members,
            "followers": group.followers, "support": group.support}


async def api_statistics(request: web.Request) -> web.Response:
    """The figures of the statistics page."""
    overview = await stats.overview()
    return _json({
        "initiatives": overview.initiatives,
        "members": overview.members,
        "followers": overview.followers,
        "support": overview.support,
        "participants": overview.participants,
        "contributors": overview.contributors,
        "participation_rate": round(overview.participation_rate, 4),
        "by_theme": [_group_json(g, "theme") for g in await stats.by_theme()],
        "by_municipality": [_group_json(g, "municipality") for g in await stats.by_municipality()],
        "top_initiatives": [{"id": i.id, "title": i.title, "support": i.support,
                             "url": absolute(request, f"/initiatieven/{i.id}")}
                            for i in await stats.top_initiatives()],
        "over_time": [{"month": m.month.strftime("%Y-%m"), "initiatives": m.initiatives,
                       "participants": m.participants, "initiatives_total": m.initiatives_total,
                       "participants_total": m.participants_total} for m in await stats.over_time()],
    })


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def csv_export(request: web.Request) -> web.Response:
    """Every published initiative (optionally searched and filtered like the list) as CSV."""
    try:
        items = await public.all_initiatives(public.parse_list_query(request.query))
    except InvalidValue as error:
        return error_response(request, 400, f"invalid_{error.code}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for item in items:
        data = initiative_json(request, item)
        writer.writerow([_cell(value) for value in (
            item.id, item.title, item.description, item.audience or "",
            item.theme.slug if item.theme else "", item.municipality.name if item.municipality else "",
            item.municipality.code if item.municipality else "", " ".join(item.help_needed),
            "" if data["budget_eur"] is None else f"{data['budget_eur']:.2f}", item.initiator_name or "",
            item.members_count, item.followers_count, item.support, data["published_at"] or "", data["url"])])
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return web.Response(body=buffer.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={**OPEN, "Content-Disposition": f'attachment; filename="initiatives-{stamp}.csv"'})


async def _feed(request: web.Request, title: str, self_path: str, page_path: str, theme: str = "",
                municipality: str = "") -> web.Response:
    items = await public.feed(theme=theme, municipality=municipality)
    moments = [i.updated_at for i in items] + [i.published_at for i in items if i.published_at]
    updated = max(moments) if moments else datetime(2024, 1, 1, tzinfo=UTC)
    text = aiohttp_jinja2.render_string("feed.xml", request, {
        "title": title, "self_url": absolute(request, self_path), "page_url": absolute(request, page_path),
        "updated": updated, "items": items, "locale": locale_of(request), "absolute": lambda p: absolute(request, p),
        "subtitle": _("Initiatives of residents, newest first"),
    }, app_key=TEMPLATES)
    return web.Response(text=text, content_type="application/atom+xml", charset="utf-8",
                        headers={**OPEN, "Vary": "Accept-Language"})


async def feed_all(request: web.Request) -> web.Response:
    """The Atom feed of every published initiative."""
    return await _feed(request, _("Samen voor Elkaar: new initiatives"), link(request, "feed"),
                       link(request, "initiatives"))


async def feed_theme(request: web.Request) -> web.Response:
    """The Atom feed of one theme."""
    try:
        theme = await public.get_theme(request.match_info["slug"])
    except NotFound as error:
        raise web.HTTPNotFound() from error
    name = theme.name(locale_of(request))
    return await _feed(request, _("Samen voor Elkaar: new initiatives about {theme}", theme=name),
                       link(request, "theme_feed", slug=theme.slug), link(request, "theme", slug=theme.slug),
                       theme=theme.slug)


async def feed_municipality(request: web.Request) -> web.Response:
    """The Atom feed of one municipality."""
    try:
        place = await public.get_municipality(request.match_info["slug"])
    except NotFound as error:
        raise web.HTTPNotFound() from error
    return await _feed(request, _("Samen voor Elkaar: new initiatives in {municipality}", municipality=place.name),
                       link(request, "municipality_feed", slug=place.slug),
                       link(request, "municipality", slug=place.slug), municipality=place.slug)
