"""Wiring of the public web view: templates, middlewares, static files and every route.

| path | page |
|---|---|
| `/` | home |
| `/initiatieven` | list: search, filters, sort, pages |
| `/initiatieven/{id}` | one initiative |
| `/themas`, `/themas/{slug}` | themes, the initiatives of one theme |
| `/gemeenten`, `/gemeenten/{slug}` | municipalities, the initiatives of one municipality |
| `/statistieken` | support and participation |
| `/open-data` | how to reuse the data |
| `/privacy`, `/toegankelijkheid` | privacy and accessibility statements |
| `/feed.atom`, `/themas/{slug}/feed.atom`, `/gemeenten/{slug}/feed.atom` | Atom feeds |
| `/initiatieven.csv` | CSV export |
| `/api/...` | JSON API, described by `/api/openapi.json` |
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.i18n import _, ngettext
from bot.web import opendata, views
from bot.web.cache import setup_cache
from bot.web.format import FILTERS
from bot.web.pages import ROUTE_PREFIX, ROUTER, TEMPLATES, error_pages, page_language, security_headers

HERE = Path(__file__).resolve().parent
SLUG = r"{slug:[a-z0-9-]{1,100}}"


def setup_templates(app: web.Application) -> jinja2.Environment:
    """The Jinja2 environment: autoescaping, strict undefined, i18n through bot.i18n."""
    env = aiohttp_jinja2.setup(
        app, app_key=TEMPLATES, loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
        filters=FILTERS, default_helpers=False,
    )
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=False)  # type: ignore[attr-defined]
    return env


def setup(app: web.Application) -> None:
    """Add the web view to the process's application."""
    setup_templates(app)
    app[ROUTER] = app.router
    app.middlewares.extend([security_headers, page_language, error_pages])
    setup_cache(app)  # innermost: only successful pages are kept, headers are added around it
    routes = [
        ("/", views.home, "home"),
        ("/initiatieven", views.initiatives, "initiatives"),
        ("/initiatieven.csv", opendata.csv_export, "csv"),
        (r"/initiatieven/{id:\d+}", views.initiative, "initiative"),
        ("/themas", views.themes, "themes"),
        (f"/themas/{SLUG}", views.theme, "theme"),
        (f"/themas/{SLUG}/feed.atom", opendata.feed_theme, "theme_feed"),
        ("/gemeenten", views.municipalities, "municipalities"),
        (f"/gemeenten/{SLUG}", views.municipality, "municipality"),
        (f"/gemeenten/{SLUG}/feed.atom", opendata.feed_municipality, "municipality_feed"),
        ("/statistieken", views.statistics, "statistics"),
        ("/open-data", views.open_data, "open_data"),
        ("/privacy", views.privacy, "privacy"),
        ("/toegankelijkheid", views.accessibility, "accessibility"),
        ("/feed.atom", opendata.feed_all, "feed"),
        ("/api/openapi.json", opendata.api_openapi, "api_openapi"),
        ("/api/initiatives", opendata.api_initiatives, "api_initiatives"),
        (r"/api/initiatives/{id}", opendata.api_initiative, "api_initiative"),
        ("/api/themes", opendata.api_themes, "api_themes"),
        ("/api/municipalities", opendata.api_municipalities, "api_municipalities"),
        ("/api/statistics", opendata.api_statistics, "api_statistics"),
    ]
    for path, handler, name in routes:
        app.router.add_get(path, handler, name=ROUTE_PREFIX + name)
    app.router.add_static("/static", HERE / "static", name=ROUTE_PREFIX + "static", append_version=True)
