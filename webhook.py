"""The aiohttp application factory: web view, health and metrics, the sandbox emulation, the webhook.

`create_app(settings, slot)` builds the application; `bot/runner.py` serves it and runs the bot,
and puts the bot's PTB Application into `slot` once it is built.

With WEBHOOK_URL set, Telegram posts updates to the path of that URL (the reverse proxy forwards
it here). The route

- checks the X-Telegram-Bot-Api-Secret-Token header in constant time (wrong or missing: 403, and
  nothing is looked at further),
- accepts only JSON (else 400) of at most MAX_UPDATE_BYTES (else 413),
- hands the update to the same per-user ordering as polling (`PerUserUpdateProcessor`: in process
  an asyncio lock per user, across processes a PostgreSQL advisory lock), which ignores an
  update_id handled before and records every handled one (`models.conversation.HandledUpdate`),
- answers 200 only once the update is handled, so that Telegram redelivers it after a crash;
  503 while the bot is starting or stopping (Telegram retries, or the proxy tries another worker).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot import ops
from bot.config import Settings
from bot.emulator.server import WORLD, create_emulator_app
from bot.sandbox import SANDBOX_PREFIX, page_enabled
from bot.sandbox.app import create_sandbox_app
from bot.services import conversations
from bot.web.app import SETTINGS, setup_routes

log = logging.getLogger("webhook")

EMULATOR_PREFIX = "/telegram"
EMULATOR = web.AppKey("emulator", web.Application)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # Telegram's updates are a few KB; a message is at most 4096 characters
HANDLED_UPDATES_KEPT = timedelta(days=2)  # Telegram gives up redelivering after a day


def create_app(settings: Settings, slot: ops.BotSlot | None = None) -> web.Application:
    """The process's single aiohttp application."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SETTINGS] = settings
    setup_routes(app)
    ops.setup(app, slot or ops.BotSlot())
    if settings.webhook_url:
        app.router.add_post(webhook_path(settings.webhook_url), telegram_webhook)
        app.cleanup_ctx.append(forget_old_updates)
    if settings.sandbox:
        emulator = create_emulator_app(bot_username=settings.bot_username)
        app[EMULATOR] = emulator
        app.add_subapp(EMULATOR_PREFIX, emulator)
        if page_enabled(settings):  # the chat page at /sandbox: sandbox mode on a loopback WEB_HOST only
            app.add_subapp(SANDBOX_PREFIX, create_sandbox_app(settings, emulator[WORLD]))
    return app


def webhook_path(webhook_url: str) -> str:
    """The path this process serves the webhook at: the path of WEBHOOK_URL (the proxy keeps it)."""
    return urlsplit(webhook_url).path or "/"


async def telegram_webhook(request: web.Request) -> web.Response:
    """Receive one update from Telegram; see the module docstring."""
    slot = request.app[ops.BOT]
    started = time.perf_counter()
    status, reason = await _receive(request, slot)
    slot.responses[status] += 1
    fields = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if status == 200:
        log.debug("webhook update", extra=fields)
    else:
        log.warning("webhook update refused", extra={**fields, "reason": reason})
    headers = {"Retry-After": "1"} if status == 503 else None
    return web.Response(status=status, headers=headers)


async def _receive(request: web.Request, slot: ops.BotSlot) -> tuple[int, str]:
    secret = (request.app[SETTINGS].webhook_secret or "").encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not secret or not hmac.compare_digest(given, secret):
        return 403, "wrong or missing secret token"
    if request.content_length is not None and request.content_length > MAX_UPDATE_BYTES:
        return 413, "body too large"
    if request.content_type != "application/json":
        return 400, "not JSON"
    body = await _read_at_most(request, MAX_UPDATE_BYTES)
    if body is None:
        return 413, "body too large"
    try:
        data = json.loads(body)
    except ValueError:
        return 400, "malformed JSON"
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return 400, "not an update"
    application = slot.application
    if application is None or not application.running or not slot.accepting:
        return 503, "bot not running"
    try:
        update = Update.de_json(data, application.bot)
    except Exception:  # a shape PTB cannot read
        return 400, "not an update"
    slot.begin()
    # Shielded: if the request is cancelled (Telegram hangs up), the update is still handled.
    task = asyncio.ensure_future(application.update_processor.process_update(
        update, application.process_update(update)))
    task.add_done_callback(lambda done: (slot.end(), done.cancelled() or done.exception()))
    try:
        await asyncio.shield(task)
    except Exception:
        log.exception("webhook update not handled", extra={"update_id": update_id})
        return 500, "handling failed"
    return 200, ""


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it turns out longer than `limit` (chunked bodies too)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(65536):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def forget_old_updates(app: web.Application) -> AsyncIterator[None]:
    """While serving: every hour, forget the ids of updates handled more than two days ago."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(3600)
            try:
                removed = await conversations.forget_handled_updates(datetime.now(UTC) - HANDLED_UPDATES_KEPT)
                log.info("old handled update ids forgotten", extra={"count": removed})
            except Exception as error:
                log.warning("could not forget old handled update ids", extra={"error": type(error).__name__})

    task = asyncio.get_running_loop().create_task(loop())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
