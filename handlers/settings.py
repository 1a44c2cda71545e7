"""/settings: whether announcements arrive, about which themes, and the way to /language.

Switching announcements off (or dropping a theme) counts at once, also for an announcement that
is being delivered right now. Updates from initiatives one joined or follows are not affected:
one leaves or unfollows those on the initiative itself.
Buttons: "set" shows the settings, "set:ann:on|off", "set:th" the themes, "set:th:ID" toggles a
theme, "set:th:all" all themes again.

```mermaid
flowchart LR
    settings["/settings or ⚙️"] --> screen[announcements on/off, themes, language]
    screen -->|set:ann:off / on| screen
    screen -->|set:th| themes[themes with ✓]
    themes -->|set:th:ID / set:th:all| themes
    themes -->|‹ Back| screen
    screen -->|🌐| language["/language"]
```
"""

from __future__ import annotations

from telegram import Update

from bot.engine import BotContext, Router, StepResult
from bot.i18n import N_, _
from bot.replies import button, esc, keyboard, rows_of, show
from bot.services import preferences
from bot.services.errors import NotFound
from bot.services.preferences import AnnouncementChoice, ThemeInfo
from handlers.language import LANGUAGE, LANGUAGE_NAMES
from handlers.menu import MENU

PREFIX = "set"


def settings_text(context: BotContext, choice: AnnouncementChoice, themes: list[ThemeInfo]) -> str:
    """The settings screen: announcements, their themes, the language."""
    state = _("on") if choice.receive else _("off")
    lines = ["⚙️ <b>" + _("Your settings") + "</b>", "",
             "📢 " + _("Announcements: <b>{state}</b>", state=state),
             "<i>" + _("News and calls from the team behind Samen voor Elkaar, now and then.") + "</i>"]
    if choice.receive:
        lines.append("🏷 " + _("Themes: {themes}", themes=theme_summary(choice, themes)))
    lines += ["", "🌐 " + _("Language: {language}", language=LANGUAGE_NAMES.get(context.locale, context.locale)),
              "", _("Updates from initiatives you joined or follow always arrive; "
                    "you can leave or unfollow an initiative on its page.")]
    return "\n".join(lines)


def theme_summary(choice: AnnouncementChoice, themes: list[ThemeInfo]) -> str:
    """'all themes', or the chosen themes by name."""
    if choice.all_themes:
        return _("all themes")
    return esc(", ".join(theme.name for theme in themes if theme.id in choice.theme_ids))


async def show_settings(update: Update, context: BotContext) -> StepResult:
    """Show the citizen's settings with buttons to change them."""
    choice = await preferences.announcement_choice(context.citizen.id)
    await _show(update, context, choice)
    return None


async def _show(update: Update, context: BotContext, choice: AnnouncementChoice) -> None:
    themes = await preferences.themes(context.locale)
    toggle = (button("🔕 " + _("Stop announcements"), f"{PREFIX}:ann:off") if choice.receive
              else button("🔔 " + _("Receive announcements"), f"{PREFIX}:ann:on"))
    rows = [[toggle]]
    if choice.receive:
        rows.append([button("🏷 " + _("Choose themes"), f"{PREFIX}:th")])
    rows.append([button("🌐 " + _("Language"), LANGUAGE), button("‹ " + _("Main menu"), MENU)])
    await show(update, context, settings_text(context, choice, themes), keyboard(*rows))


async def settings_button(update: Update, context: BotContext) -> StepResult:
    """Route the settings buttons: announcements on/off, the themes screen, a theme."""
    parts = context.callback_data.split(":")
    action, value = [*parts, "", ""][1:3]
    if action == "ann" and value in ("on", "off"):
        return await switch_announcements(update, context, value == "on")
    if action == "th" and not value:
        return await show_themes(update, context)
    if action == "th":
        return await choose_theme(update, context, value)
    return await show_settings(update, context)


async def switch_announcements(update: Update, context: BotContext, receive: bool) -> StepResult:
    """Store announcements on or off (off: pending ones are cancelled at once); show the settings."""
    choice = await preferences.set_receive_announcements(context.citizen.id, receive)
    context.notice = (_("You will receive announcements.") if receive
                      else _("You will not receive announcements any more."))
    await _show(update, context, choice)
    return None


async def show_themes(update: Update, context: BotContext, choice: AnnouncementChoice | None = None) -> StepResult:
    """Show every theme with a ✓ on the chosen ones, and 'all themes'."""
    choice = choice or await preferences.announcement_choice(context.citizen.id)
    themes = await preferences.themes(context.locale)
    marks = [button(("✓ " if theme.id in choice.theme_ids else "") + theme.name, f"{PREFIX}:th:{theme.id}")
             for theme in themes]
    text = ("🏷 <b>" + _("Announcements about which themes?") + "</b>\n"
            + _("Now: {themes}.", themes=theme_summary(choice, themes)) + "\n\n"
            + _("Tap themes to get only announcements about those. "
                "Announcements meant for everyone always arrive while announcements are on."))
    await show(update, context, text, keyboard(
        *rows_of(marks, 2),
        [button(("✓ " if choice.all_themes else "") + _("All themes"), f"{PREFIX}:th:all")],
        [button("‹ " + _("Back"), PREFIX)]))
    return None


async def choose_theme(update: Update, context: BotContext, value: str) -> StepResult:
    """Toggle one theme (or go back to all themes); show the themes again."""
    try:
        if value == "all":
            choice = await preferences.choose_all_themes(context.citizen.id)
        elif value.isdigit() and len(value) < 10:
            choice = await preferences.toggle_theme(context.citizen.id, int(value))
        else:
            raise NotFound("theme")
    except NotFound:
        context.notice = _("This button is no longer active.")
        return await show_themes(update, context)
    context.notice = _("Saved.")
    return await show_themes(update, context, choice)


def register(router: Router) -> None:
    """Wire /settings and its buttons."""
    router.command("settings", show_settings, N_("Your settings: announcements, themes, language"))
    router.callback(PREFIX, settings_button)
    router.menu_entry(80, N_("⚙️ Settings"), PREFIX)
