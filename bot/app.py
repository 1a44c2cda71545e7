"""Wiring: which handler modules exist, in what order, and the PTB Application around the engine."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.commands import register_commands
from bot.config import Settings
from bot.delivery import Sender, SendLedger
from bot.digests import DigestJob
from bot.engine import BotContext, BotData, PerUserUpdateProcessor, Router, UpdateStats, handle_update
from bot.locks import UserLocks
from handlers import (
    broadcast,
    browse,
    cancel,
    coaching,
    help,
    idea,
    join,
    language,
    limits,
    menu,
    mine,
    moderation,
    privacy,
    profile,
    registration,
    report,
    staff,
    subsidy,
    updates,
)
from handlers import settings as citizen_settings  # not to be confused with the Settings parameters

log = logging.getLogger(__name__)


def build_router() -> Router:
    """Register every handler module. The order is the order of the main menu and of /help."""
    router = Router()
    menu.register(router)  # /start, /menu, deep links, fallbacks: always first
    help.register(router)
    cancel.register(router)
    language.register(router)
    registration.register(router)  # the profile gate other features use
    profile.register(router)
    idea.register(router)  # the idea wizard (its drafts and the compare step)
    mine.register(router)  # /mine: the citizen's own initiatives
    subsidy.register(router)  # the subsidy desk, and staff's advice when no route fits
    browse.register(router)  # browse, the card of an initiative, /start initiative-ID
    join.register(router)  # join, follow, leave, unfollow
    updates.register(router)  # initiators' updates to members and followers
    coaching.register(router)  # /coaching: professionals offer to coach initiatives
    moderation.register(router)  # /queue, staff decisions; the blocked-citizen guard
    limits.register(router)  # the per-minute message cap (a guard, after the blocked-citizen one)
    report.register(router)  # reporting initiatives and updates
    staff.register(router)  # /hide /unhide /block /unblock /verify /unverify /audit (staff only)
    privacy.register(router)  # /privacy /mydata /deleteme
    broadcast.register(router)  # /broadcast: staff announcements through the outbox (staff only)
    citizen_settings.register(router)  # /settings: announcements on/off and their themes
    return router


def build_application(settings: Settings, api_base_url: str | None = None) -> Application:
    """The PTB Application: one TypeHandler hands every update to the conversation engine."""
    base_url = (api_base_url or settings.telegram_api_base_url).rstrip("/")
    file_url = base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else base_url + "/file/bot"
    webhook = settings.webhook_url is not None  # updates arrive at webhook.py instead of by polling
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(base_url)
        .base_file_url(file_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .concurrent_updates(PerUserUpdateProcessor(256, UserLocks(settings.database_url), dedupe=webhook))
        .connection_pool_size(64)
        .pool_timeout(30)
        .get_updates_connection_pool_size(2)
        .rate_limiter(SendLedger())  # notes every send; the outbox sender paces itself around them
    )
    application = (builder.updater(None) if webhook else builder).build()
    application.bot_data.settings = settings
    application.bot_data.router = build_router()
    application.bot_data.stats = UpdateStats()
    application.bot_data.digests = DigestJob(settings)  # join and coaching digests, into the outbox
    application.bot_data.sender = Sender(application, settings, application.bot.rate_limiter,
                                         progress_view=broadcast.progress_view)
    application.add_handler(TypeHandler(Update, handle_update))
    return application


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


async def start_application(application: Application, *, poll_timeout: int = 10) -> None:
    """Initialize the bot, register its commands, and start fetching updates (long polling).

    In webhook mode (WEBHOOK_URL) it asks Telegram to post updates there instead (webhook.py).
    """
    await application.initialize()
    await register_commands(application)
    await application.start()
    application.bot_data.digests.start()
    await application.bot_data.sender.start()  # the outbox sender (one process of all becomes it)
    if application.updater is None:
        settings: Settings = application.bot_data.settings
        await application.bot.set_webhook(settings.webhook_url or "", secret_token=settings.webhook_secret,
                                          allowed_updates=ALLOWED_UPDATES, max_connections=40)
        return
    await application.updater.start_polling(poll_interval=0, timeout=poll_timeout,
                                            allowed_updates=ALLOWED_UPDATES)


async def stop_application(application: Application) -> None:
    """Stop fetching updates, let the updates in flight finish, release resources."""
    if application.updater and application.updater.running:
        await application.updater.stop()
    await application.bot_data.digests.stop()
    await application.bot_data.sender.stop()  # sends in flight finish and are recorded
    if application.running:
        await application.stop()
    await application.shutdown()
