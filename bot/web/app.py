"""Routes of the web view; views are thin and call domain functions in bot/services."""

from __future__ import annotations

from aiohttp import web

from bot.config import Settings

SETTINGS = web.AppKey("settings", Settings)


async def home(request: web.Request) -> web.Response:
    """A minimal home page until the web view is built (issue: public web view)."""
    body = (
        "<!DOCTYPE html><html lang=nl><head><meta charset=utf-8><title>Samen voor Elkaar</title></head>"
        "<body><main><h1>Samen voor Elkaar</h1><p>Initiatieven van inwoners.</p></main></body></html>"
    )
    return web.Response(text=body, content_type="text/html")


def setup_routes(app: web.Application) -> None:
    """Add the web view's routes to `app`."""
    app.router.add_get("/", home)
