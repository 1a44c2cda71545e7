"""Entry point of the web view: `setup_routes(app)` (called by webhook.create_app). See bot/web/site.py."""

from __future__ import annotations

from aiohttp import web

from bot.config import Settings

SETTINGS = web.AppKey("settings", Settings)


def setup_routes(app: web.Application) -> None:
    """Add the web view (templates, middlewares, static files, pages, feeds, API) to `app`."""
    from bot.web.site import setup  # here, because bot.web.site's modules import SETTINGS from this one

    setup(app)
