"""Building blocks shared by the step-by-step flows (registration, profile, idea, mine).

Not a flow itself: the question layout (step counter, question, tip), the Back / Skip row, the
paged municipality picker, the answer to a typed municipality, and the texts for invalid values.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.engine import STALE_BUTTON_NOTICE, BotContext, StepResult
from bot.i18n import N_, _, current_locale
from bot.replies import button, esc, keyboard, rows_of, send
from bot.services import places
from bot.services.errors import InvalidValue
from bot.services.initiatives import format_budget
from bot.services.places import Place
from models.initiative import HelpKind

PAGE_SIZE = 10
BACK = "back"
SKIP = "skip"
HELP_LABELS = {
    HelpKind.VOLUNTEERS: N_("🙋 Volunteers"),
    HelpKind.MONEY: N_("💶 Money"),
    HelpKind.PLACE: N_("🏠 A place"),
    HelpKind.KNOWLEDGE: N_("🎓 Knowledge or advice"),
    HelpKind.MATERIALS: N_("🧰 Materials"),
}


def question(text: str, tip: str | None = None, number: int | None = None, total: int | None = None) -> str:
    """A question: 'Step n of N' (when numbered), the question in bold, and a one-line tip."""
    lines = []
    if number is not None and total is not None:
        lines.append("<i>" + _("Step {number} of {total}", number=number, total=total) + "</i>")
    lines.append(f"<b>{text}</b>")
    if tip:
        lines.append("💡 " + tip)
    return "\n".join(lines)


def nav_row(prefix: str, *, back: bool = True, skip: bool = False) -> list[InlineKeyboardButton]:
    """The row under a question: Back (to the previous step) and Skip (for an optional step)."""
    row = []
    if back:
        row.append(button(_("‹ Back"), f"{prefix}:{BACK}"))
    if skip:
        row.append(button(_("Skip ›"), f"{prefix}:{SKIP}"))
    return row


def text_of(update: Update) -> str | None:
    """The text the citizen sent, or None for a sticker, photo or other non-text message."""
    message = update.effective_message
    return message.text if message is not None and message.text is not None else None


def photo_of(update: Update) -> str | None:
    """The file_id of the largest size of a photo the citizen sent, or None."""
    message = update.effective_message
    if message is None or not message.photo:
        return None
    return max(message.photo, key=lambda size: size.width * size.height).file_id


def not_text() -> str:
    """Answer to a sticker, photo, voice note... where text was expected."""
    return _("I can only read text here. Please type your answer.")


def invalid(error: InvalidValue, length: int | None = None) -> str:
    """What is wrong with a typed value, saying what is expected (with the limit)."""
    if error.code == "too_short":
        return _("That is too short: please use at least {limit} characters.", limit=error.limit)
    if error.code == "too_long" and length is not None:
        return _("That is too long: at most {limit} characters, yours has {length}.",
                 limit=error.limit, length=length)
    if error.code == "too_long":
        return _("That is too long: at most {limit} characters.", limit=error.limit)
    if error.code == "email":
        return _("That does not look like an e-mail address (like name@example.nl). "
                 "Please check it, or skip this question.")
    if error.code in ("budget", "budget_format"):
        return _("I could not read that as an amount. Type a number of euros, like 2500 or € 2.500,50.")
    if error.code == "budget_too_high":
        return _("That amount is higher than we can handle here (at most {limit}). Please check it.",
                 limit=format_budget((error.limit or 0) * 100, current_locale.get()))
    return _("That answer cannot be used. Please try again.")


async def stale(update: Update, context: BotContext) -> StepResult:
    """A button of an earlier question: say so, and ask the current question again."""
    context.notice = _(STALE_BUTTON_NOTICE)
    info = context.bot_data.router.flows.get(context.conversation.flow or "")
    if info is not None:
        await info.ask(update, context)
        return None
    stale_button = context.bot_data.router.stale_button
    return await stale_button(update, context) if stale_button else None


def municipality_rows(prefix: str, choices: list[Place], page: int) -> list[list[InlineKeyboardButton]]:
    """One page of municipality buttons ('prefix:m:ID'), with '‹' / '›' to page ('prefix:mp:N')."""
    pages = max((len(choices) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 0), pages - 1)
    shown = choices[page * PAGE_SIZE: (page + 1) * PAGE_SIZE]
    rows = rows_of([button(place.name, f"{prefix}:m:{place.id}") for place in shown], 2)
    paging = []
    if page > 0:
        paging.append(button("‹ " + _("previous"), f"{prefix}:mp:{page - 1}"))
    if page < pages - 1:
        paging.append(button(_("more") + " ›", f"{prefix}:mp:{page + 1}"))
    return [*rows, paging]


def help_rows(prefix: str, selected: list[str]) -> list[list[InlineKeyboardButton]]:
    """Toggle buttons for the kinds of help ('prefix:h:KIND', ✓ when selected) and 'Done' ('prefix:done')."""
    toggles = [button(("✓ " if kind in selected else "") + _(label), f"{prefix}:h:{kind}")
               for kind, label in HELP_LABELS.items()]
    return [*rows_of(toggles, 2), [button(_("Done ✓"), f"{prefix}:done")]]


def toggled(selected: list[str], data: str) -> list[str] | None:
    """The selection after pressing 'prefix:h:KIND' (None for an unknown kind)."""
    kind = data.rsplit(":", 1)[-1]
    if kind not in HELP_LABELS:
        return None
    return [k for k in selected if k != kind] if kind in selected else [*selected, kind]


def help_names(kinds: list[str]) -> str:
    """The kinds of help, named for people: 'volunteers, money' (labels without their emoji)."""
    return ", ".join(_(HELP_LABELS[HelpKind(kind)]).split(" ", 1)[-1] for kind in kinds if kind in HELP_LABELS)


def page_of(data: str) -> int:
    """The page number of a 'prefix:mp:N' button (0 when unreadable)."""
    tail = data.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def id_of(data: str) -> int | None:
    """The trailing numeric id of a button's callback_data ('prefix:x:42' -> 42), None if forged."""
    tail = data.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() and len(tail) < 10 else None


async def municipality_typed(update: Update, context: BotContext, prefix: str) -> Place | None:
    """Resolve a typed municipality; when it is not one clear match, answer with buttons and return None."""
    typed = text_of(update)
    if typed is None:
        await send(update, context, not_text() + " " + _("Type the name of your municipality, or choose it below."),
                   keyboard(*municipality_rows(prefix, await places.municipalities(), 0)))
        return None
    found = await places.find_municipality(typed)
    if len(found) == 1:
        return found[0]
    if found:
        await send(update, context, _("Which one do you mean?"),
                   keyboard(*rows_of([button(place.name, f"{prefix}:m:{place.id}") for place in found], 2)))
        return None
    region = await places.region_name()
    await send(update, context,
               _("“{typed}” is not a municipality in {region}. This service is for the municipalities of "
                 "{region} only: type one of their names, or choose below.", typed=esc(typed[:60]), region=region),
               keyboard(*municipality_rows(prefix, await places.municipalities(), 0)))
    return None


def markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard (alias kept short for the flows)."""
    return keyboard(*rows)
