"""The aiohttp application factory: web view, health, the sandbox emulation and (later) the webhook.

`create_app(settings)` builds the application; `bot/runner.py` serves it and runs the bot.
"""

from __future__ import annotations

from aiohttp import web

from bot.config import Settings
from bot.emulator.server import WORLD, create_emulator_app
from bot.sandbox import SANDBOX_PREFIX, page_enabled
from bot.sandbox.app import create_sandbox_app
from bot.web.app import SETTINGS, setup_routes

EMULATOR_PREFIX = "/telegram"
EMULATOR = web.AppKey("emulator", web.Application)


def create_app(settings: Settings) -> web.Application:
    """The process's single aiohttp application."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SETTINGS] = settings
    setup_routes(app)
    if settings.sandbox:
        emulator = create_emulator_app(bot_username=settings.bot_username)
        app[EMULATOR] = emulator
        app.add_subapp(EMULATOR_PREFIX, emulator)
        if page_enabled(settings):  # the chat page at /sandbox: sandbox mode on a loopback WEB_HOST only
            app.add_subapp(SANDBOX_PREFIX, create_sandbox_app(settings, emulator[WORLD]))
    return app
