"""/language: switch between Nederlands and English; the choice is stored with the citizen."""

from __future__ import annotations

from telegram import Update

from bot.config import SUPPORTED_LOCALES
from bot.engine import BotContext, Router, StepResult
from bot.i18n import N_, _, current_locale
from bot.replies import button, keyboard, show
from bot.services import citizens
from handlers.menu import main_menu

LANGUAGE = "lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


async def ask_language(update: Update, context: BotContext) -> StepResult:
    """Offer the languages as buttons (each named in its own language)."""
    choices = [button(("✓ " if code == context.locale else "") + LANGUAGE_NAMES[code], f"{LANGUAGE}:{code}")
               for code in SUPPORTED_LOCALES]
    await show(update, context, _("Choose your language:"), keyboard(choices))
    return None


async def choose_language(update: Update, context: BotContext) -> StepResult:
    """Store the chosen language and confirm in it."""
    code = context.callback_data.partition(":")[2]
    if code not in SUPPORTED_LOCALES:
        return await ask_language(update, context)
    await citizens.set_language(context.citizen.id, code)
    current_locale.set(code)
    context.notice = _("Language: {language}", language=LANGUAGE_NAMES[code])
    await show(update, context, _("From now on I will talk to you in English.") + "\n\n"
               + _("What would you like to do?"), main_menu(context))
    return None


def register(router: Router) -> None:
    """Wire /language and its buttons."""
    router.command("language", ask_language, N_("Change the language (Nederlands / English)"))
    router.callback(LANGUAGE, choose_language)
    router.menu_entry(90, N_("🌐 Language"), LANGUAGE)
