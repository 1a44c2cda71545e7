"""The command lists shown in Telegram's menu (setMyCommands), per language and for staff chats."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot.config import SUPPORTED_LOCALES, Settings
from bot.engine import Router
from bot.i18n import _, use_locale
from bot.services import citizens

log = logging.getLogger(__name__)


def command_list(router: Router, staff: bool) -> list[BotCommand]:
    """The commands to show in Telegram's menu, in the current locale."""
    return [
        BotCommand(command.name, _(command.description))
        for command in router.commands.values()
        if command.description and (staff or not command.staff_only)
    ]


async def register_commands(application: Application) -> None:
    """setMyCommands: a default list, one per language, and a longer one for each staff chat."""
    settings: Settings = application.bot_data.settings
    router: Router = application.bot_data.router
    bot = application.bot
    with use_locale(settings.default_locale):
        await bot.set_my_commands(command_list(router, staff=False), scope=BotCommandScopeDefault())
    for locale in SUPPORTED_LOCALES:
        with use_locale(locale):
            await bot.set_my_commands(command_list(router, staff=False), language_code=locale)
    for staff_id in sorted(settings.staff_ids):
        await register_staff_commands(application, staff_id)


async def register_staff_commands(application: Application, staff_id: int) -> bool:
    """Give one staff member's chat the longer command list, in their language."""
    settings: Settings = application.bot_data.settings
    router: Router = application.bot_data.router
    locale = await citizens.language_of(staff_id) or settings.default_locale
    try:
        with use_locale(locale):
            await application.bot.set_my_commands(command_list(router, staff=True),
                                                  scope=BotCommandScopeChat(staff_id))
    except TelegramError as error:
        # A staff member who never wrote to the bot has no chat yet: done at their first /start.
        log.info("staff commands not set for one staff chat: %s", error.message)
        return False
    return True
