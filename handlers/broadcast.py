"""/broadcast (staff only): an announcement to everyone, a theme, a municipality, the members of one
initiative, or the professionals.

The staff member picks the audience, writes the text (bold, italic, links... are kept), sees the
message as recipients will and how many will get it, and confirms. The message that confirmed it
becomes the progress report, which the sender (bot/delivery.py) edits as delivery goes and turns
into the final report; its ⏹ button stops the announcement. /broadcast also lists the
announcements still running. Buttons: "bc:aud:KIND", "bc:to:KIND:ID", "bc:send", "bc:edit",
"bc:new", "bc:quit", "bc:stop:ID", "bc:stopok:ID", "bc:keep".

```mermaid
flowchart LR
    start["/broadcast"] --> audience["bc.audience: everyone, theme, municipality, initiative, professionals"]
    audience -->|theme / municipality| pick[list] --> text
    audience -->|initiative| search["bc.initiative: number or title"] --> pick
    audience -->|everyone / professionals| text["bc.text: the announcement"]
    text --> confirm["bc.confirm: preview + number of recipients"]
    confirm -->|Send| progress["progress report, edited while sending; ⏹ stops it"]
    confirm -->|Change text| text
    confirm -->|Change audience| audience
    confirm -->|Cancel| gone[nothing sent]
```
"""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta
from babel.numbers import format_decimal
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.config import SUPPORTED_LOCALES
from bot.engine import END, BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _, current_locale, ngettext, use_locale
from bot.replies import button, clip, esc, keyboard, rows_of, send, show
from bot.services import announcements, preferences
from bot.services.announcements import Audience, AudienceKind, Choice
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from bot.services.outbox import Progress
from bot.telegram_html import parse_html
from handlers.menu import stale_button, unexpected_text
from models.delivery import OutboxStatus

FLOW = "bc"
PREFIX = "bc"


class Step(Flow):
    AUDIENCE = "bc.audience"
    INITIATIVE = "bc.initiative"
    TEXT = "bc.text"
    CONFIRM = "bc.confirm"


AUDIENCE_LABELS = {
    AudienceKind.EVERYONE: N_("👥 Everyone"),
    AudienceKind.THEME: N_("🏷 A theme"),
    AudienceKind.MUNICIPALITY: N_("📍 A municipality"),
    AudienceKind.INITIATIVE: N_("🤝 Members of an initiative"),
    AudienceKind.PROFESSIONALS: N_("🎓 Professionals"),
}


def number(value: int) -> str:
    """A count with the locale's thousands separator (1.234 in Dutch)."""
    return format_decimal(value, locale=current_locale.get())


def compose(body: str) -> str:
    """The announcement as a recipient sees it, in the current locale: header, the staff's text, footer."""
    return ("📢 <b>" + _("Announcement") + "</b>\n\n" + body + "\n\n<i>"
            + _("You get announcements because they are on in /settings. You can switch them off there.")
            + "</i>")


async def describe(audience: Audience) -> str:
    """The audience in words, e.g. 'everyone in Deventer'."""
    name = esc(await announcements.target_name(audience, current_locale.get()) or "?")
    if audience.kind == AudienceKind.THEME:
        return _("everyone interested in the theme {theme}", theme=name)
    if audience.kind == AudienceKind.MUNICIPALITY:
        return _("everyone in {municipality}", municipality=name)
    if audience.kind == AudienceKind.INITIATIVE:
        return _("the members of “{initiative}”", initiative=name)
    if audience.kind == AudienceKind.PROFESSIONALS:
        return _("the professionals")
    return _("everyone")


def progress_view(progress: Progress, seconds_left: float | None) -> tuple[str, InlineKeyboardMarkup | None]:
    """The progress report of an announcement (the sender edits it in as delivery goes), in the current locale."""
    if progress.status == OutboxStatus.CANCELLED:
        state = _("stopped")
    elif progress.finished:
        state = _("finished")
    else:
        state = _("sending")
    lines = ["📢 <b>" + _("Announcement #{id}", id=progress.message_id) + "</b> — " + state,
             ngettext("For {count} person", "For {count} people", progress.total, count=number(progress.total)),
             "", "✅ " + _("Sent: {count}", count=number(progress.sent)),
             "🚫 " + _("Blocked the bot: {count}", count=number(progress.blocked)),
             "⚠️ " + _("Failed: {count}", count=number(progress.failed))]
    if progress.cancelled:
        lines.append("⏸ " + _("Not sent (opted out or stopped): {count}", count=number(progress.cancelled)))
    if progress.finished:
        return "\n".join(lines), None
    left = ""
    if seconds_left is not None:
        left = " — " + _("about {time} left", time=format_timedelta(
            timedelta(seconds=max(seconds_left, 1)), threshold=1.1, locale=current_locale.get()))
    lines.append("⏳ " + _("Still to send: {count}", count=number(progress.pending)) + left)
    return "\n".join(lines), keyboard([button("⏹ " + _("Stop this announcement"),
                                              f"{PREFIX}:stop:{progress.message_id}")])


async def _not_staff(update: Update, context: BotContext) -> StepResult:
    """Answer a non-staff citizen as if the feature did not exist (and record the attempt)."""
    await announcements.note_refusal(context.citizen, "broadcast")
    if update.callback_query is not None:
        return await stale_button(update, context)
    return await unexpected_text(update, context)


# --- starting: running announcements and the audience menu --------------------------------------------

async def start_broadcast(update: Update, context: BotContext) -> StepResult:
    """List running announcements (with ⏹), then ask who the new announcement is for."""
    if not context.citizen.is_staff:
        return await _not_staff(update, context)
    running = await announcements.running(context.citizen)
    if running:
        lines = ["<b>" + _("Running now") + "</b>"]
        for progress in running:
            lines.append(_("#{id}: {sent} of {total} sent", id=progress.message_id, sent=number(progress.sent),
                           total=number(progress.total)))
        await send(update, context, "\n".join(lines), keyboard(*rows_of(
            [button("⏹ " + _("Stop #{id}", id=p.message_id), f"{PREFIX}:stop:{p.message_id}") for p in running], 2)))
    step = begin(context, Step.AUDIENCE)
    await ask_audience(update, context)
    return step


async def ask_audience(update: Update, context: BotContext) -> StepResult:
    """Show the audience menu."""
    choices = [button(_(label), f"{PREFIX}:aud:{kind.value}") for kind, label in AUDIENCE_LABELS.items()]
    await show(update, context, "📢 <b>" + _("New announcement") + "</b>\n" + _("Who should get it?"),
               keyboard(*rows_of(choices, 2), [button("✖ " + _("Cancel"), f"{PREFIX}:quit")]))
    return None


async def audience_chosen(update: Update, context: BotContext, kind: str) -> StepResult:
    """Everyone / professionals: store it and ask for the text; theme, municipality, initiative: ask which."""
    if kind not in set(AudienceKind):
        return await ask_audience(update, context)
    kind = AudienceKind(kind)
    if kind == AudienceKind.THEME:
        themes = await preferences.themes(context.locale)
        return await _pick(update, context, _("Which theme?"), kind, [Choice(t.id, t.name) for t in themes], 2)
    if kind == AudienceKind.MUNICIPALITY:
        return await _pick(update, context, _("Which municipality?"), kind, await announcements.municipalities(), 3)
    if kind == AudienceKind.INITIATIVE:
        await ask_initiative(update, context)
        return Step.INITIATIVE
    return await _audience_set(update, context, Audience(kind))


async def _pick(update: Update, context: BotContext, question: str, kind: AudienceKind,
                choices: list[Choice], per_row: int) -> StepResult:
    buttons = [button(_label(choice.name), f"{PREFIX}:to:{kind.value}:{choice.id}") for choice in choices]
    await show(update, context, "📢 <b>" + question + "</b>",
               keyboard(*rows_of(buttons, per_row), [button("‹ " + _("Back"), f"{PREFIX}:new")]))
    return Step.AUDIENCE


def _label(name: str, limit: int = 40) -> str:
    """A button label (plain text, not HTML) of at most `limit` characters."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


async def ask_initiative(update: Update, context: BotContext) -> StepResult:
    """Ask for the initiative whose members get the announcement."""
    await show(update, context, "📢 <b>" + _("Which initiative?") + "</b>\n💡 "
               + _("Type its number (as on the website) or a part of its title."),
               keyboard([button("‹ " + _("Back"), f"{PREFIX}:new")]))
    return None


async def initiative_typed(update: Update, context: BotContext) -> StepResult:
    """Look the typed number or title up; offer the matches as buttons."""
    if not context.citizen.is_staff:
        return await _not_staff(update, context)
    typed = (update.effective_message.text or "") if update.effective_message else ""
    found = await announcements.find_initiatives(typed)
    if not found:
        await send(update, context, _("I found no initiative for “{typed}”. Type its number or a part of its "
                                      "title.", typed=clip(typed, 50)),
                   keyboard([button("‹ " + _("Back"), f"{PREFIX}:new")]))
        return None
    await _pick(update, context, _("Which initiative?"), AudienceKind.INITIATIVE,
                [Choice(c.id, f"#{c.id} {c.name}") for c in found], 1)
    return None


async def target_chosen(update: Update, context: BotContext, kind: str, target: str) -> StepResult:
    """A theme, municipality or initiative was picked: store the audience and ask for the text."""
    audience = Audience.from_dict({"kind": kind, "id": int(target) if target.isdigit() and len(target) < 10 else None})
    if audience is None or await announcements.target_name(audience, context.locale) is None:
        context.notice = _("This button is no longer active.")
        await ask_audience(update, context)
        return Step.AUDIENCE
    return await _audience_set(update, context, audience)


async def _audience_set(update: Update, context: BotContext, audience: Audience) -> StepResult:
    data = context.conversation.data
    data["audience"] = audience.as_dict()
    if data.get("text"):  # the audience was changed at the preview: keep the text
        await ask_confirm(update, context)
        return Step.CONFIRM
    await ask_text(update, context)
    return Step.TEXT


# --- the text and the preview ---------------------------------------------------------------------------

async def ask_text(update: Update, context: BotContext) -> StepResult:
    """Say who gets it and how many, and ask for the text."""
    audience = Audience.from_dict(context.conversation.data.get("audience")) or Audience(AudienceKind.EVERYONE)
    reach = await announcements.count(context.citizen, audience)
    text = ("📢 <b>" + _("Announcement to {audience}", audience=await describe(audience)) + "</b>\n"
            + ngettext("It would reach {count} person now.", "It would reach {count} people now.", reach,
                       count=number(reach))
            + "\n💡 " + _("Send the text. Bold, italic, links and other formatting are kept; "
                         "at most {limit} characters.", limit=number(announcements.MAX_BODY)))
    await show(update, context, text, keyboard([button("‹ " + _("Change audience"), f"{PREFIX}:new"),
                                                button("✖ " + _("Cancel"), f"{PREFIX}:quit")]))
    return None


async def text_received(update: Update, context: BotContext) -> StepResult:
    """Store the text (formatting kept as HTML) and show the preview."""
    if not context.citizen.is_staff:
        return await _not_staff(update, context)
    message = update.effective_message
    if message is None or message.text is None:
        await send(update, context, _("Please send the announcement as a text message."))
        return None
    try:
        body = announcements.clean_body(message.text_html)
    except InvalidValue as error:
        await send(update, context, _text_problem(error, message.text_html))
        return None
    context.conversation.data["text"] = body
    await ask_confirm(update, context)
    return Step.CONFIRM


def _text_problem(error: InvalidValue, text_html: str) -> str:
    if error.code == "too_long":
        return _("That is too long: at most {limit} characters, yours has {length}. Please shorten it.",
                 limit=number(error.limit or 0), length=number(len(parse_html(text_html))))
    if error.code == "bad_html":
        return _("Telegram cannot show this formatting. Please send the text again.")
    return _("Please write the text of the announcement.")


async def ask_confirm(update: Update, context: BotContext) -> StepResult:
    """Show the announcement exactly as recipients will see it, then how many will get it."""
    data = context.conversation.data
    audience = Audience.from_dict(data.get("audience")) or Audience(AudienceKind.EVERYONE)
    reach = await announcements.count(context.citizen, audience)
    await send(update, context, compose(data.get("text", "")))
    summary = ("👆 <b>" + _("This is your announcement as recipients will see it.") + "</b>\n"
               + _("Audience: {audience}", audience=await describe(audience)) + "\n"
               + ngettext("It goes to {count} person. Send it now?", "It goes to {count} people. Send it now?",
                          reach, count=number(reach)))
    if not reach:
        summary = "<b>" + _("Nobody in this audience can receive announcements now.") + "</b>\n" + _(
            "Choose another audience.")
    rows = [[button("📢 " + _("Send to {count}", count=number(reach)), f"{PREFIX}:send")]] if reach else []
    await send(update, context, summary, keyboard(
        *rows,
        [button("✏️ " + _("Change text"), f"{PREFIX}:edit"), button("👥 " + _("Change audience"), f"{PREFIX}:new")],
        [button("✖ " + _("Cancel"), f"{PREFIX}:quit")]))
    return None


async def confirm_typed(update: Update, context: BotContext) -> StepResult:
    """A message at the preview: take it as the new text."""
    return await text_received(update, context)


# --- sending, following, stopping -----------------------------------------------------------------------

async def send_announcement(update: Update, context: BotContext) -> StepResult:
    """Queue the announcement for everyone in the audience; this message becomes its progress report."""
    data = context.conversation.data
    audience = Audience.from_dict(data.get("audience"))
    if not context.conversation.at(Step.CONFIRM) or audience is None or not data.get("text"):
        return await stale_button(update, context)
    texts = {}
    for language in SUPPORTED_LOCALES:
        with use_locale(language):
            texts[language] = compose(data["text"])
    try:
        sent = await announcements.send(context.citizen, audience, texts)
    except (NotFound, InvalidValue):
        context.notice = _("Nobody in this audience can receive announcements now.")
        await ask_audience(update, context)
        return Step.AUDIENCE
    context.notice = _("Sending…")
    progress = await announcements.progress(context.citizen, sent.message_id)
    text, markup = progress_view(progress, None)
    shown = await show(update, context, text, markup)
    if isinstance(shown, Message):
        progress = await announcements.attach_progress(context.citizen, sent.message_id, shown.chat_id,
                                                       shown.message_id)
        if progress.finished:  # all done before the report was attached: show the final one now
            await show(update, context, *progress_view(progress, None))
    return END


async def ask_stop(update: Update, context: BotContext, message_id: int) -> StepResult:
    """Ask whether to stop a running announcement, saying how many would not get it."""
    progress = await announcements.progress(context.citizen, message_id)
    if progress.finished:
        context.notice = _("This announcement is no longer running.")
        return None
    await send(update, context, "⏹ <b>" + _("Stop announcement #{id}?", id=message_id) + "</b>\n" + ngettext(
        "{count} person has not got it yet and will not get it.",
        "{count} people have not got it yet and will not get it.", progress.pending, count=number(progress.pending)),
        keyboard([button("⏹ " + _("Yes, stop it"), f"{PREFIX}:stopok:{message_id}"),
                  button(_("No, keep sending"), f"{PREFIX}:keep")]))
    return None


async def stop_confirmed(update: Update, context: BotContext, message_id: int) -> StepResult:
    """Stop the announcement; report what was sent and update its progress report."""
    progress = await announcements.stop(context.citizen, message_id)
    context.notice = _("Stopped.")
    await show(update, context, "⏹ " + ngettext("Announcement #{id} is stopped. {count} person got it.",
                                                "Announcement #{id} is stopped. {count} people got it.",
                                                progress.sent, id=message_id, count=number(progress.sent)))
    if progress.progress_chat_id and progress.progress_message_id:
        text, markup = progress_view(progress, None)
        try:
            await context.bot.edit_message_text(text, progress.progress_chat_id, progress.progress_message_id,
                                                parse_mode=ParseMode.HTML, reply_markup=markup)
        except (BadRequest, TelegramError):
            pass  # the sender updates it too
    return None


async def broadcast_button(update: Update, context: BotContext) -> StepResult:
    """Route the announcement buttons (staff only)."""
    if not context.citizen.is_staff:
        return await _not_staff(update, context)
    parts = [*context.callback_data.split(":"), "", "", ""]
    action, first, second = parts[1:4]
    try:
        if action in ("stop", "stopok") and first.isdigit() and len(first) < 10:
            handler = ask_stop if action == "stop" else stop_confirmed
            return await handler(update, context, int(first))
    except (NotFound, NotAllowed):
        return await stale_button(update, context)
    if action == "keep":
        context.notice = _("The announcement keeps going.")
        await show(update, context, _("The announcement keeps going."))
        return None
    if not context.conversation.in_flow(FLOW):
        return await stale_button(update, context)
    if action == "quit":
        context.notice = _("Not sent.")
        await show(update, context, _("The announcement is cancelled; nothing was sent."))
        return END
    if action == "aud":
        return await audience_chosen(update, context, first)
    if action == "to":
        return await target_chosen(update, context, first, second)
    if action == "new":
        await ask_audience(update, context)
        return Step.AUDIENCE
    if action == "edit" and context.conversation.data.get("audience"):
        await ask_text(update, context)
        return Step.TEXT
    if action == "send":
        return await send_announcement(update, context)
    return await stale_button(update, context)


async def audience_typed(update: Update, context: BotContext) -> StepResult:
    """Text while the audience menu is open: show the menu again."""
    if not context.citizen.is_staff:
        return await _not_staff(update, context)
    await send(update, context, _("Please choose the audience with the buttons."))
    return await ask_audience(update, context)


async def ask_again(update: Update, context: BotContext) -> StepResult:
    """Ask the current question of the announcement again (after /cancel → Continue)."""
    conversation = context.conversation
    if conversation.at(Step.CONFIRM):
        return await ask_confirm(update, context)
    if conversation.at(Step.TEXT):
        return await ask_text(update, context)
    if conversation.at(Step.INITIATIVE):
        return await ask_initiative(update, context)
    return await ask_audience(update, context)


def register(router: Router) -> None:
    """Wire /broadcast (staff only) and its buttons."""
    router.command("broadcast", start_broadcast, N_("Send an announcement (staff)"), staff_only=True)
    router.callback(PREFIX, broadcast_button)
    router.step(Step.AUDIENCE, audience_typed)
    router.step(Step.INITIATIVE, initiative_typed)
    router.step(Step.TEXT, text_received)
    router.step(Step.CONFIRM, confirm_typed)
    router.flow(FLOW, N_("your announcement"), ask_again)
