"""/start, the main menu, deep links, and the answers to anything the bot does not expect.

```mermaid
flowchart LR
    start["/start [PAYLOAD]"] -->|valid payload with a known prefix| deeplink[the payload's handler]
    start -->|otherwise| menu[greeting + main menu]
    text[unexpected text] --> hint[hint + main menu]
    stale[old or unknown button] --> notice[notice + main menu]
```
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update

from bot.commands import register_staff_commands
from bot.engine import STALE_BUTTON_NOTICE, BotContext, Router, StepResult
from bot.i18n import N_, _
from bot.replies import button, esc, keyboard, rows_of, send, show
from bot.services import citizens

PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MENU = "menu"


def main_menu(context: BotContext) -> InlineKeyboardMarkup:
    """The main menu: one button per capability, in the order the features registered them."""
    entries = context.bot_data.router.menu
    return keyboard(*rows_of([button(_(entry.label), entry.data) for entry in entries], 2))


def menu_text(context: BotContext) -> str:
    """The line above the main menu."""
    return _("What would you like to do?")


async def start(update: Update, context: BotContext) -> StepResult:
    """Route a valid deep-link payload, or greet the citizen and show the main menu."""
    payload = context.command_args
    if payload and PAYLOAD_RE.match(payload):
        kind = payload.split("-", 1)[0]
        deep_link = context.bot_data.router.deep_links.get(kind)
        if deep_link is not None:
            return await deep_link(update, context)
    await send(update, context, greeting(context), main_menu(context))
    if context.citizen.is_staff:
        await register_staff_commands(context.application, context.citizen.telegram_id)
    return None


def greeting(context: BotContext) -> str:
    """Welcome a new citizen; welcome a returning one back by name."""
    citizen = context.citizen
    name = esc(citizen.public_name or citizen.first_name or "👋")
    if citizen.is_new:
        return _(
            "Welcome, {name}! 👋\n\nHere you can bring in your idea for your community, "
            "find a subsidy route that fits, and join or follow other people's initiatives.\n\n"
            "Choose what you would like to do below. /help explains everything.",
            name=name,
        )
    return _("Welcome back, {name}!", name=name) + "\n\n" + menu_text(context)


async def show_menu(update: Update, context: BotContext) -> StepResult:
    """Show the main menu (from /menu or the menu button)."""
    await show(update, context, menu_text(context), main_menu(context))
    return None


async def unexpected_text(update: Update, context: BotContext) -> StepResult:
    """Answer text the bot does not expect with a short hint and the main menu."""
    message = update.effective_message
    if message is not None and (message.text or "").startswith("/"):
        hint = _("I don't know that command. /help lists what I can do.")
    else:
        hint = _("I'm not sure what you mean. Choose an option below, or send /help.")
    await send(update, context, hint, main_menu(context))
    return None


async def stale_button(update: Update, context: BotContext) -> StepResult:
    """Tell the citizen a button is no longer active and offer the main menu."""
    context.notice = _(STALE_BUTTON_NOTICE)
    await send(update, context, _(STALE_BUTTON_NOTICE) + " " + menu_text(context), main_menu(context))
    return None


async def chat_member_changed(update: Update, context: BotContext) -> StepResult:
    """Mark the citizen unreachable when they block the bot, reachable when they unblock it."""
    change = update.my_chat_member
    if change is not None and change.chat.type == "private":
        blocked = change.new_chat_member.status in ("kicked", "left")
        await citizens.set_reachable(change.from_user.id, reachable=not blocked)
    return None


def register(router: Router) -> None:
    """Wire /start, /menu, the menu button, and the fallbacks."""
    router.command("start", start, N_("Start and show the main menu"))
    router.command("menu", show_menu, N_("Show the main menu"))
    router.callback(MENU, show_menu)
    router.fallback = unexpected_text
    router.stale_button = stale_button
    router.chat_member = chat_member_changed
