"""/help: what the bot can do, with the commands available to this citizen."""

from __future__ import annotations

from telegram import Update

from bot.engine import BotContext, Router, StepResult
from bot.i18n import N_, _
from bot.replies import send
from handlers.menu import main_menu


def help_text(context: BotContext) -> str:
    """The help message: a short explanation and every command this citizen may use."""
    commands = [
        command for command in context.bot_data.router.commands.values()
        if command.description and (not command.staff_only or context.citizen.is_staff)
    ]
    lines = [f"/{command.name} — {_(command.description or '')}" for command in commands]
    intro = _(
        "<b>Samen voor Elkaar</b> helps you turn an idea for your community into an initiative "
        "others can join. Use the buttons, or these commands:"
    )
    outro = _("You can always stop what you are doing with /cancel; what you entered is kept.")
    return intro + "\n\n" + "\n".join(lines) + "\n\n" + outro


async def show_help(update: Update, context: BotContext) -> StepResult:
    """Explain the bot and list the commands; the current flow is left as it is."""
    await send(update, context, help_text(context), main_menu(context))
    return None


def register(router: Router) -> None:
    """Wire /help."""
    router.command("help", show_help, N_("What this bot does and how"))
    router.callback("help", show_help)
    router.menu_entry(99, N_("❓ Help"), "help")
