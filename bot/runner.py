"""`python -m bot run`: serve the web view and run the bot in one process until SIGTERM/Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web
from telegram.ext import Application

from bot.app import build_application, start_application, stop_application
from bot.config import Settings
from bot.db import close_database, migrate
from bot.ops import BotSlot
from bot.sandbox import SANDBOX_PREFIX, SANDBOX_STAFF_ID, page_enabled, with_sandbox_staff
from webhook import EMULATOR_PREFIX, create_app

log = logging.getLogger(__name__)


class Service:
    """The running product: the aiohttp site and the PTB Application, started and stopped together."""

    def __init__(self, settings: Settings) -> None:
        self.settings = with_sandbox_staff(settings)  # sandbox without STAFF_IDS: one sandbox staff member
        self.runner: web.AppRunner | None = None
        self.application: Application | None = None
        self.slot = BotSlot()
        self.port = settings.web_port

    @property
    def local_url(self) -> str:
        """The address this process listens on."""
        host = self.settings.web_host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """The Bot API the bot talks to: Telegram (or TELEGRAM_API_BASE_URL), or the sandbox emulation."""
        if self.settings.sandbox:
            return f"{self.local_url}{EMULATOR_PREFIX}/bot"
        return self.settings.telegram_api_base_url

    async def start(self) -> None:
        """Migrate the database, start the web server, then the bot."""
        await migrate(self.settings.database_url)
        self.runner = web.AppRunner(create_app(self.settings, self.slot), handle_signals=False, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.settings.web_host, self.settings.web_port)
        await site.start()
        if self.settings.web_port == 0:
            self.port = self.runner.addresses[0][1]
        self.application = build_application(self.settings, self.api_base_url)
        self.slot.application = self.application
        await start_application(self.application)  # webhook mode: setWebhook once the route is ready

    async def stop(self) -> None:
        """Stop fetching updates, finish the ones in flight, close the web server and the database."""
        await self.slot.drain(timeout=30)  # webhook: new updates get 503 (retried elsewhere)
        if self.application is not None:
            await stop_application(self.application)
            self.application = None
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        await close_database()


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    service = Service(settings)
    try:
        await service.start()
        print(banner(service), flush=True)
        await stop.wait()
        print("Stopping: finishing updates in flight…", flush=True)
    finally:
        await service.stop()
    print("Stopped.", flush=True)


def banner(service: Service) -> str:
    """What the operator sees once everything runs."""
    settings = service.settings
    lines = [f"Web view: {service.local_url}/"]
    if settings.sandbox:
        lines.insert(0, "SANDBOX MODE: no TELEGRAM_BOT_TOKEN is set, so the bot runs against the built-in "
                        "Bot API emulation (nothing reaches Telegram).")
        lines.append(f"Bot API emulation: {service.api_base_url}")
        if page_enabled(settings):
            lines.insert(1, f"Open the sandbox chat in your browser: {service.local_url}{SANDBOX_PREFIX}/")
            if settings.staff_ids == frozenset({SANDBOX_STAFF_ID}):
                lines.append(f"Sandbox staff user: Telegram id {SANDBOX_STAFF_ID} (no STAFF_IDS set).")
        else:
            lines.append(f"The sandbox chat page is off: WEB_HOST={settings.web_host} is not a loopback address, "
                         "and the page lets anyone act as any test user. Use WEB_HOST=127.0.0.1 to get it.")
    else:
        mode = f"webhook at {settings.webhook_url}" if settings.webhook_url else "long polling"
        lines.insert(0, f"Bot running against {settings.telegram_api_base_url} ({mode}).")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)
